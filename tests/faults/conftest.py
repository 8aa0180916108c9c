"""Real processes for fault tests: Celery workers that can be SIGKILLed and restarted, and a
broker that is unreachable for a while (a real refused connection, not a mock)."""

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
# Nothing listens on the discard port: publishing fails with "connection refused".
UNREACHABLE_BROKER = "redis://127.0.0.1:9/0"

# Short timings so a dead worker is noticed in seconds; the sweep runs every second.
FAULT_SETTINGS: dict[str, Any] = {
    "MINIME_GENERATION_HEARTBEAT_TIMEOUT": 3,
    "MINIME_DISPATCH_RETRY_SECONDS": 2,
    "MINIME_RENDER_SIZE": 128,
    "MINIME_RENDERS_PER_JOB": 2,
}


class Worker:
    """One `celery worker -B` process group (its pool children die with it)."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("a") as out:
            self.proc = subprocess.Popen(
                [
                    sys.executable, "-m", "celery", "-A", "config", "worker", "-B",
                    "-Q", "default,gpu", "--concurrency", "1", "-l", "INFO",
                    "--without-gossip", "--without-mingle", "--without-heartbeat",
                    "--schedule", str(log.with_suffix(".beat")),
                ],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while "ready." not in log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"celery worker did not start:\n{log.read_text()[-4000:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole worker (main process, pool children, embedded beat)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=20)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def fault_settings(settings) -> dict[str, Any]:
    """The same short timings in this process (the test acts as web process)."""
    for name, value in FAULT_SETTINGS.items():
        setattr(settings, name, value)
    return FAULT_SETTINGS


def use_broker(url: str) -> None:
    """Point this process's Celery app at `url`, forgetting pooled connections and producers
    made for the previous one (fresh ones are made on the next publish)."""
    from kombu import pools

    from config.celery import app

    app.conf.broker_url = url
    app.conf.broker_write_url = url
    pools.reset()
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.fixture
def fault_broker(tmp_path) -> Iterator[str]:
    """A broker of the same kind as the session's, but empty and of this test only, so that
    the session's own worker (tests/conftest.py) never takes the fault tests' work."""
    from config.celery import app

    real = str(app.conf.broker_url)
    if real.startswith("redis://"):
        url = real.rsplit("/", 1)[0] + "/15"
    else:
        url = f"sqla+sqlite:///{tmp_path / 'faults-broker.sqlite3'}"
    use_broker(url)
    yield url
    use_broker(real)


@pytest.fixture
def start_worker(
    django_subprocess_env, tmp_path, fault_settings, fault_broker
) -> Iterator[Callable[..., Worker]]:
    """start_worker(**settings) starts a fresh worker with FAULT_SETTINGS plus these, on the
    test's own broker."""
    from config.celery import app

    workers: list[Worker] = []

    def start(step_pause: float = 0.0, **overrides: Any) -> Worker:
        if not workers:  # no leftovers of earlier tests (the broker is reachable by now)
            with app.connection_for_write() as connection:
                for queue in ("default", "gpu"):
                    connection.default_channel.queue_purge(queue)  # type: ignore[attr-defined]
        env = dict(django_subprocess_env)
        env["CELERY_BROKER_URL"] = fault_broker
        env["MINIME_TEST_SETTINGS"] = json.dumps({**fault_settings, **overrides})
        env["MINIME_TEST_STEP_PAUSE"] = str(step_pause)
        env["MINIME_SWEEP_SECONDS"] = "1"
        worker = Worker(env, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def broker_down(fault_broker) -> Iterator[Callable[[], None]]:
    """This process's Celery app points at a port where nothing listens; calling the yielded
    function brings the (test's) broker back, as does the end of the test."""
    use_broker(UNREACHABLE_BROKER)
    yield lambda: use_broker(fault_broker)
    use_broker(fault_broker)


def wait_for(check: Callable[[], Any], *, timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")
