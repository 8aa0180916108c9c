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


@pytest.fixture
def start_worker(
    django_subprocess_env, tmp_path, fault_settings
) -> Iterator[Callable[..., Worker]]:
    """start_worker(**settings) starts a fresh worker with FAULT_SETTINGS plus these."""
    from config.celery import app

    workers: list[Worker] = []

    def start(step_pause: float = 0.0, **overrides: Any) -> Worker:
        if not workers:  # no leftovers of earlier tests (the broker is reachable by now)
            with app.connection_for_write() as connection:
                for queue in ("default", "gpu"):
                    connection.default_channel.queue_purge(queue)  # type: ignore[attr-defined]
        env = dict(django_subprocess_env)
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
def broker_down() -> Iterator[Callable[[], None]]:
    """Point this process's Celery app at a port where nothing listens; calling the yielded
    function brings the real broker back (as does the end of the test)."""
    from config.celery import app

    real = app.conf.broker_url

    def use(url: str) -> None:
        from kombu import pools

        app.conf.broker_url = url
        app.conf.broker_write_url = url
        # Forget pooled connections and producers made for the other URL (fresh ones are
        # made on the next publish).
        pools.reset()
        app._pool = None  # type: ignore[attr-defined]
        app.amqp._producer_pool = None  # type: ignore[attr-defined]

    use(UNREACHABLE_BROKER)
    yield lambda: use(real)
    use(real)


def wait_for(check: Callable[[], Any], *, timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")
