"""Django's cached_db sessions (SESSION_ENGINE "core.sessions"), reading in the same cache round
trip the few keys that nearly every page of a signed-in customer reads after its session.

A signed-in page reads its session from the cache, then (for the storefront) the catalog
version (shop.catalog): two round trips to the cache, which on the database cache are two
queries. An app registers such a key once (`fetch_with_session`, from its AppConfig.ready);
loading a session then reads it with one `get_many`, and `take_fetched` hands the value to the
first reader in the same request. Anything not fetched so (another session engine, a request
without a session, a second read) is read from the cache as before.

A value is at most as old as the session load of the request it is taken in: it is taken once,
and forgotten when a request starts or ends."""

from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from django.core.signals import request_finished, request_started

_keys: set[str] = set()
# key -> value (None: not in the cache) of the current request's session load.
_fetched: ContextVar[dict[str, Any] | None] = ContextVar("minime_fetched", default=None)
NOT_FETCHED = object()


def fetch_with_session(key: str) -> None:
    """Read the default cache's `key` together with each session (see the module docstring)."""
    _keys.add(key)


def take_fetched(key: str) -> Any:
    """The value of `key` read with this request's session (None: absent from the cache), once;
    NOT_FETCHED when it was not read so, or was taken already."""
    fetched = _fetched.get()
    if fetched is None or key not in fetched:
        return NOT_FETCHED
    return fetched.pop(key)


def _forget(**kwargs: Any) -> None:
    _fetched.set(None)


request_started.connect(_forget, dispatch_uid="core.sessions.forget_on_start")
request_finished.connect(_forget, dispatch_uid="core.sessions.forget_on_finish")


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        # The default cache only: the registered keys live there.
        if not _keys or settings.SESSION_CACHE_ALIAS != "default":
            return super().load()
        others = sorted(_keys)
        shared = caches["default"]
        try:
            values = shared.get_many([self.cache_key, *others])
        except Exception:
            # A backend that refuses a key (memcached): cached_db's own handling of it.
            return super().load()
        _fetched.set({key: values.get(key) for key in others})
        data = values.get(self.cache_key)
        if data is None:  # not in the cache: from the database, as cached_db does
            stored = self._get_session_from_db()  # type: ignore[attr-defined]
            if stored is None:
                return {}
            data = self.decode(stored.session_data)
            shared.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        return data
