import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests import factories

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `printing` need the printing app: skipped where it is not installed
    (config.settings_test_shop_only proves the shop runs without it)."""
    from django.apps import apps

    if apps.is_installed("printing"):
        return
    skip = pytest.mark.skip(reason="printing is not in INSTALLED_APPS")
    for item in items:
        if item.get_closest_marker("printing"):
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _session_var_dir() -> Iterator[None]:
    """Each test session has its own var/ folder (database, broker, private files)."""
    var_dir = Path(settings.VAR_DIR)
    Path(settings.PRIVATE_FILES_ROOT).mkdir(parents=True, exist_ok=True)
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    yield
    if var_dir.name.startswith("session-"):
        shutil.rmtree(var_dir, ignore_errors=True)


@pytest.fixture(scope="session", autouse=True)
def _c2pa_credentials(_session_var_dir) -> None:
    """Untrusted development signing credentials in the session's var folder, as scripts/run.sh
    makes them (every render and delivered image is signed)."""
    from core.conf import core_settings
    from core.provenance.credentials import ensure_development_credentials

    ensure_development_credentials(core_settings.C2PA_DIR)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """The test database gets the database cache's table too (rate limits live there on
    embedded defaults; scripts/run.sh runs createcachetable after migrate likewise)."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """A German request must not leave German active for the next test."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_cache_outside_the_transaction() -> Iterator[None]:
    """A cache outside the database (Redis, with REDIS_URL) is not rolled back with a test: what
    a test left there (a catalog version of rows it changed) must not reach the next one."""
    yield
    from django.core.cache import caches
    from django.core.cache.backends.db import DatabaseCache

    if not isinstance(caches["default"], DatabaseCache):
        caches["default"].clear()


@pytest.fixture
def user(db):
    return factories.user_create()


@pytest.fixture
def user_client(client, user):
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture(scope="session")
def django_subprocess_env(django_db_setup, django_db_blocker) -> dict[str, str]:
    """Environment for a child process (worker, web probe) that uses the test database."""
    with django_db_blocker.unblock():
        return _subprocess_env()


def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "config.settings_test"
    env["PYTHONUNBUFFERED"] = "1"
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        env["SQLITE_PATH"] = str(db["NAME"])  # the test database file, not the demo one
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            f"/{db['NAME']}"
        )
    return env


@pytest.fixture(scope="session")
def celery_worker_process(django_subprocess_env, tmp_path_factory):
    """A real `celery worker` process consuming the default and gpu queues."""
    from config.celery import app

    env = django_subprocess_env
    # Drop tasks that earlier tests queued with no worker running (their rows are gone).
    # Purge, never delete the SQLite broker file: this process may hold it open already.
    with app.connection_for_write() as connection:
        for queue in ("default", "gpu"):
            connection.default_channel.queue_purge(queue)  # type: ignore[attr-defined]
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "config", "worker",
                "-Q", "default,gpu", "--concurrency", "1", "-l", "INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"celery worker did not start:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- Stripe: localstripe as a real fake Stripe ------------------------------------------------

LOCALSTRIPE_WEBHOOK_SECRET = "whsec_test_minime_localstripe"


def _free_loopback_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory) -> Iterator[str]:
    """A localstripe process for the session; yields its base URL. It listens on all
    interfaces (it has no bind option) on a port picked free on loopback, starts from
    scratch, and keeps its state in /tmp/localstripe.pickle (it always does)."""
    import urllib.error
    import urllib.request

    port = _free_loopback_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "localstripe"), "--port", str(port),
             "--from-scratch"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"localstripe did not start:\n{log.read_text()[-4000:]}")
        try:
            urllib.request.urlopen(base + "/js.stripe.com/v3/", timeout=2).close()
            break
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture
def stripe_settings(settings, localstripe):
    """Point the shop at localstripe with test keys and a known webhook secret."""
    settings.MINIME_STRIPE_API_BASE = localstripe
    settings.MINIME_STRIPE_SECRET_KEY = "sk_test_minime"
    settings.MINIME_STRIPE_PUBLISHABLE_KEY = "pk_test_minime"
    settings.MINIME_STRIPE_WEBHOOK_SECRET = LOCALSTRIPE_WEBHOOK_SECRET
    settings.MINIME_STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    return settings
