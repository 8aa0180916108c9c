"""Django's PostgreSQL backend with a health check that costs no round trip while the server
has said nothing (ENGINE "core.db.postgresql"; the demo settings use it for DATABASE_URL).

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` before the first query of every request that
reuses a connection: one more round trip on every page. A connection the server ended
(restart, pg_terminate_backend, idle timeout) has its goodbye waiting on the socket (an error
message, then end of file), while a healthy idle connection has nothing to read: between
requests nobody reads from it. So the socket is polled without blocking, and Django's real
check runs only when something is waiting there (or the poll itself fails)."""

import select
from typing import Any

from django.db.backends.postgresql import base


def _server_has_spoken(connection: Any) -> bool:
    try:
        readable, _, _ = select.select([connection.fileno()], [], [], 0)
    except (OSError, ValueError):  # a closed or broken connection has no usable socket
        return True
    return bool(readable)


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        if (
            self.connection is not None
            and self.health_check_enabled  # type: ignore[attr-defined]
            and not self.health_check_done  # type: ignore[has-type]
            and not self.connection.closed
            and not _server_has_spoken(self.connection)
        ):
            self.health_check_done = True  # idle and silent: alive, no query needed
            return
        super().close_if_health_check_failed()
