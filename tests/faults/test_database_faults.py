"""The database away for a moment, and concurrent requests, on the PostgreSQL leg (SQLite has
neither server connections to terminate nor concurrent writers)."""

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from unittest import mock

import pytest
import requests
from django.db import connection
from django.test import Client
from django.urls import reverse

from figures import services
from figures.exceptions import QuotaExceeded
from figures.models import GenerationJob
from tests import factories
from tests.threads import in_threads

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL leg only"),
]


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def terminate_other_backends(*, keep: int) -> int:
    """Terminate every connection to the test database but this one and `keep`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [keep],
        )
        return int(cursor.fetchone()[0])


def test_parallel_generate_clicks_never_exceed_the_daily_quota(settings):
    # Given a customer with one generation left today and six designs
    settings.MINIME_DAILY_GENERATION_QUOTA = 1
    user = factories.user_create()
    designs = [factories.design_for(user) for _ in range(6)]

    # When "generate" is clicked on all six at the same moment (no rendering: a live session
    # worker rendering would race the test's database flush)
    with mock.patch("figures.tasks.generate_renders.apply_async"):
        results = in_threads(
            6, lambda i: services.generation_job_create(design=designs[i], actor=user)
        )

    # Then exactly one job exists and the five others were refused as over quota
    assert GenerationJob.objects.filter(design__owner=user).count() == 1
    assert sum(isinstance(r, QuotaExceeded) for r in results) == 5


@pytest.fixture
def web_server(django_subprocess_env, tmp_path) -> Iterator[str]:
    """The shop under gunicorn (2 sync workers, persistent connections) on the test database."""
    from tests.conftest import _free_loopback_port

    port = _free_loopback_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}",
             "-w", "2", "--timeout", "30"],
            env=django_subprocess_env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a loaded 2-core machine starts gunicorn slowly
    while True:
        try:
            requests.get(base + "/", timeout=10)
            break
        except requests.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def session_for(user) -> requests.Session:
    client = Client()
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set("sessionid", client.cookies["sessionid"].value)
    return browser


def test_terminated_database_connections_fail_fast_and_the_next_requests_succeed(web_server):
    # Given customers browsing their studio in parallel through the real web server
    users = [factories.user_create() for _ in range(4)]
    url = web_server + reverse("figures:studio")
    stop = threading.Event()
    codes: list[list[int]] = [[] for _ in users]
    test_connection = backend_pid()  # the test's own, needed to clean up afterwards

    def browse(i: int) -> None:
        browser = session_for(users[i])
        while not stop.is_set() or len(codes[i]) < 5:
            codes[i].append(browser.get(url, timeout=10, allow_redirects=False).status_code)
            if len(codes[i]) > 300:
                break

    def load_and_terminate(i: int) -> int | None:
        if i < len(users):
            browse(i)
            return None
        time.sleep(1)
        terminated = terminate_other_backends(keep=test_connection)  # all web connections
        time.sleep(1)
        stop.set()
        return terminated

    # When the server terminates all their connections mid-load
    results = in_threads(len(users) + 1, load_and_terminate)

    # Then no request failed with a 500 (at worst a clear 503) and every customer's next
    # requests succeed again
    assert results[-1], "no connection was terminated"
    assert not [r for r in results if isinstance(r, Exception)], results
    for seen in codes:
        assert set(seen) <= {200, 503}, seen
        assert seen[-3:] == [200, 200, 200], seen
