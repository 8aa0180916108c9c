"""Shared helpers for the process-level benchmarks: an isolated var dir, real gunicorn and
Celery processes on loopback, an HTTP login, and clean-up of everything started here.

Not a benchmark itself (the leading underscore); bench_e2e.py and bench_web_memory.py use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import requests

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
PYTHON = str(BIN / "python") if (BIN / "python").exists() else sys.executable
PASSWORD = "correct-horse-battery-staple"  # tests.factories.PASSWORD


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


BENCH_SECRET_KEY = secrets.token_urlsafe(50)


def base_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of every process started here: the isolated var dir, no inherited
    DATABASE_URL / CELERY_BROKER_URL unless given in extra."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SQLITE_PATH"}
        and not k.startswith("MINIME_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        MINIME_VAR_DIR=str(var_dir),
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    # The settings refuse to start without a key (DEBUG off); one per bench run signs nothing
    # that outlives it.
    env.setdefault("DJANGO_SECRET_KEY", BENCH_SECRET_KEY)
    env.update(extra)
    return env


def run_checked(cmd: list[str], env: dict[str, str], timeout: float = 180) -> str:
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(cmd[:4])}... exited {proc.returncode}:\n{proc.stdout[-2000:]}"
            f"\n{proc.stderr[-4000:]}"
        )
    return proc.stdout


def django_snippet(code: str, env: dict[str, str], timeout: float = 180) -> Any:
    """Run code after django.setup() in a fresh interpreter; it prints one JSON line last."""
    prelude = "import django, json\ndjango.setup()\n"
    out = run_checked([PYTHON, "-c", prelude + code], env, timeout=timeout)
    return json.loads(out.strip().splitlines()[-1])


def prepare_site(env: dict[str, str], *, email: str, collectstatic: bool = True) -> dict[str, Any]:
    """Migrate, collect static files (as scripts/run.sh does), create a verified user with
    generation consent through the real services, and write the test portrait to the var
    dir. Returns {"email", "password", "portrait"}."""
    run_checked([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
    if collectstatic:
        run_checked([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    code = f"""
from pathlib import Path
from django.conf import settings
from tests.factories import PASSWORD, portrait_jpeg, user_create
user_create(email={email!r}, consent=True)
portrait = Path(settings.VAR_DIR) / "portrait.jpg"
portrait.write_bytes(portrait_jpeg())
print(json.dumps({{"email": {email!r}, "password": PASSWORD, "portrait": str(portrait)}}))
"""
    info: dict[str, Any] = django_snippet(code, env)
    return info


class Processes:
    """Start long-running processes in their own session; stop exactly those on exit."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self, name: str, cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.procs.append((name, proc, log))
        return proc

    def log_text(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_all(self) -> None:
        for _name, proc, _log in reversed(self.procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)  # the group this script started
        deadline = time.monotonic() + 20
        for _name, proc, log in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            # Children of a stopped master (gunicorn workers, celery pool) share its group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            log.close()
        self.procs.clear()


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Turn SIGTERM into SystemExit so finally-blocks stop the processes started here."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def temp_var_dir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield Path(tmp)


def start_gunicorn(
    procs: Processes, env: dict[str, str], port: int, *, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    return procs.start(
        "gunicorn",
        [
            str(BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--threads", str(threads),
        ],
        env,
    )  # fmt: skip


def start_celery_worker(procs: Processes, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return procs.start(
        "celery",
        [
            str(BIN / "celery"), "-A", "config", "worker", "-Q", "default,gpu",
            "--concurrency", "1", "-l", "INFO",
        ],
        env | {"LOG_LEVEL": "INFO"},
    )  # fmt: skip


def wait_for(
    predicate: Any, *, timeout: float, what: str, procs: Processes, log: str, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        for name, proc, _log in procs.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{procs.log_text(name)[-4000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}:\n{procs.log_text(log)[-4000:]}")
        time.sleep(interval)


def http_ready(base: str) -> bool:
    try:
        return requests.get(base + "/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def login(session: requests.Session, base: str, email: str, password: str) -> None:
    """Log in the way a browser does: the login page sets the CSRF cookie, then the form."""
    page = session.get(base + "/accounts/login/", timeout=10)
    page.raise_for_status()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    if not match:
        raise RuntimeError("no CSRF token on the login page")
    resp = session.post(
        base + "/accounts/login/",
        data={"csrfmiddlewaretoken": match.group(1), "login": email, "password": password},
        headers={"Referer": base + "/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    if resp.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"login failed: HTTP {resp.status_code}\n{resp.text[:2000]}")


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 5 samples is the maximum)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def summary(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"median {statistics.median(values):6.3f} s  p95 {percentile(values, 95):6.3f} s  "
        f"min {min(values):6.3f} s  max {max(values):6.3f} s  (n={len(values)})"
    )
