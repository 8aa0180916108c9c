"""Memory of the web process as deployed, and proof that it never imports the GPU stack.

Starts `gunicorn config.wsgi --workers 1 --threads 4` (scripts/run.sh's threads, one worker)
on the embedded defaults in a temp var dir (migrated, static files collected, one verified
user with generation consent), requests the home page, the login page, logs in and requests
the studio page (each page 3 times), then reads the gunicorn worker's RSS with psutil.

Which heavy modules the worker holds is checked three ways:
  1. in the worker itself: a gunicorn post_request hook (given with -c, nothing else in it)
     writes the heavy entries of sys.modules to a file after every request;
  2. from outside: the native libraries mapped in /proc/<pid>/maps (libtorch, OpenCV);
  3. a separate `python -c`: django.setup(), import config.urls, import the module of every
     URL pattern's view, then print RSS and the heavy modules loaded.

More readings follow the first and the last of --uploads photo uploads (POST /studio/new/,
no Celery worker running: the jobs just stay queued): photo intake imports OpenCV lazily, so
that is the worker's steady state once customers upload. The separate process also reports
what importing numpy and cv2 alone adds to its RSS. The goal is judged on
the first reading (< 120 MB RSS, torch absent) and torch must stay absent in every reading.

    .venv/bin/python bench/bench_web_memory.py [--uploads 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h

HEAVY = ("torch", "diffusers", "transformers", "accelerate", "cv2", "numpy", "scipy", "skimage")
GOAL_MB = 120.0
MIB = 1024 * 1024

# Only a hook: the worker count, threads and bind come from the command line as deployed.
GUNICORN_HOOK = """
import json, os, sys
HEAVY = {heavy!r}
OUT = {out!r}

def post_request(worker, req, environ, resp):
    present = [m for m in HEAVY if m in sys.modules]
    with open(OUT + ".tmp", "w") as fh:
        json.dump({{"pid": os.getpid(), "modules": present, "path": req.path}}, fh)
    os.replace(OUT + ".tmp", OUT)
"""

URLS_SNIPPET = """
import importlib, sys
import psutil
from django.urls import URLPattern, URLResolver, get_resolver
import config.urls  # noqa: F401

def walk(patterns):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p

modules = set()
count = 0
for pattern in walk(get_resolver().url_patterns):
    count += 1
    view = pattern.callback
    module = getattr(view, "__module__", None) or getattr(getattr(view, "view_class", None),
                                                          "__module__", None)
    if module:
        importlib.import_module(module)
        modules.add(module)
rss = psutil.Process().memory_info().rss
heavy = [m for m in HEAVY if m in sys.modules]
import numpy  # noqa: E402  what photo intake pulls in lazily on the first upload
rss_numpy = psutil.Process().memory_info().rss
import cv2  # noqa: E402
rss_cv2 = psutil.Process().memory_info().rss
print(json.dumps({"patterns": count, "view_modules": len(modules), "rss": rss, "heavy": heavy,
                  "numpy_delta": rss_numpy - rss, "cv2_delta": rss_cv2 - rss_numpy}))
"""


def mapped_libraries(pid: int) -> dict[str, bool]:
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {
        "torch": bool(re.search(r"libtorch|/torch/_C", maps)),
        "cv2": bool(re.search(r"/cv2/|libopencv", maps)),
        "numpy": "_multiarray_umath" in maps,
    }


def worker_of(master: psutil.Process) -> psutil.Process:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = master.children()
        if children:
            return children[0]
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


def reading(worker: psutil.Process, hook_file: Path) -> dict[str, Any]:
    info = worker.memory_full_info()
    hooked = json.loads(hook_file.read_text())
    if hooked["pid"] != worker.pid:
        raise RuntimeError("the hook file is from another process")
    return {
        "rss": info.rss,
        "uss": info.uss,
        "sys_modules": hooked["modules"],
        "mapped": mapped_libraries(worker.pid),
    }


def show(title: str, r: dict[str, Any]) -> None:
    mapped = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in r["mapped"].items())
    print(f"  {title}")
    print(
        f"    worker RSS {r['rss'] / MIB:6.1f} MiB ({r['rss'] / 1e6:.1f} MB), "
        f"USS {r['uss'] / MIB:.1f} MiB"
    )
    print(f"    heavy modules in the worker's sys.modules: {r['sys_modules'] or 'none'}")
    print(f"    native libraries mapped: {mapped}")


def start_gunicorn_with_hook(
    procs: h.Processes, env: dict[str, str], conf: Path
) -> tuple[str, int]:
    """gunicorn as deployed plus the hook config, ready; returns its base URL and pid."""
    port = h.free_port()
    base = f"http://127.0.0.1:{port}"
    master_proc = procs.start(
        "gunicorn",
        [
            str(h.BIN / "gunicorn"), "-c", str(conf), "config.wsgi",
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
        ],
        env,
    )  # fmt: skip
    h.wait_for(lambda: h.http_ready(base), timeout=60, what="gunicorn", procs=procs, log="gunicorn")
    return base, master_proc.pid


def browse_pages(session: requests.Session, base: str, site: dict[str, Any]) -> None:
    """Home and login page 3 times each, log in, then the studio page 3 times."""
    for _ in range(3):
        session.get(base + "/", timeout=10).raise_for_status()
        session.get(base + "/accounts/login/", timeout=10).raise_for_status()
    h.login(session, base, site["email"], site["password"])
    for _ in range(3):
        studio = session.get(base + "/studio/", timeout=10)
        studio.raise_for_status()
        if "/accounts/login/" in studio.url:
            raise RuntimeError("the studio page redirected to the login page")


def upload_photos(
    session: requests.Session,
    base: str,
    site: dict[str, Any],
    uploads: int,
    take_reading: Callable[[], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Upload the portrait `uploads` times; readings after the first and the last upload."""
    readings: dict[str, dict[str, Any]] = {}
    portrait = Path(site["portrait"]).read_bytes()
    for n in range(1, uploads + 1):
        resp = session.post(
            base + "/studio/new/",
            data={
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
                "name": f"Memory {n}", "style": "action_figure", "box_theme": "hero_red",
            },
            files={"photo": ("selfie.jpg", portrait, "image/jpeg")},
            headers={"Referer": base + "/studio/new/"},
            allow_redirects=False, timeout=30,
        )  # fmt: skip
        if resp.status_code != 302:
            raise RuntimeError(f"upload gave HTTP {resp.status_code}: {resp.text[:2000]}")
        session.get(base + resp.headers["Location"], timeout=10).raise_for_status()
        if n in (1, uploads):
            time.sleep(0.3)
            readings[f"upload {n}"] = take_reading()
    return readings


def measure(uploads: int) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The worker's readings (pages, then uploads) and the separate process's report."""
    readings: dict[str, dict[str, Any]] = {}
    with h.sigterm_as_exit(), h.temp_var_dir("minime-bench-mem-") as var_dir:
        env = h.base_env(var_dir, MINIME_DAILY_GENERATION_QUOTA="100000")
        site = h.prepare_site(env, email="mem@example.com")
        hook_file = var_dir / "worker-modules.json"
        conf = var_dir / "gunicorn_hook.py"
        conf.write_text(GUNICORN_HOOK.format(heavy=HEAVY, out=str(hook_file)))
        procs = h.Processes(var_dir)
        try:
            base, master_pid = start_gunicorn_with_hook(procs, env, conf)
            master = psutil.Process(master_pid)
            worker = worker_of(master)
            session = requests.Session()
            browse_pages(session, base, site)
            time.sleep(0.3)  # let the last hook write land
            readings["pages"] = reading(worker, hook_file)
            readings["pages"]["master_rss"] = master.memory_info().rss
            readings |= upload_photos(
                session, base, site, uploads, lambda: reading(worker, hook_file)
            )
        finally:
            procs.stop_all()
        snippet = f"HEAVY = {HEAVY!r}\n" + URLS_SNIPPET
        separate = h.django_snippet(snippet, env)
    return readings, separate


def report(readings: dict[str, dict[str, Any]], separate: dict[str, Any]) -> None:
    print("Web process memory (gunicorn config.wsgi --workers 1 --threads 4, embedded defaults)")
    print(f"  python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    pages = readings["pages"]
    show("after home x3, login page x3, login, studio x3:", pages)
    print(f"    gunicorn master RSS {pages['master_rss'] / MIB:.1f} MiB")
    for name, r in readings.items():
        if name.startswith("upload "):
            count = name.split()[1]
            show(f"after photo upload {count} (POST /studio/new/ + design page):", r)
    print("  separate process: django.setup() + config.urls + every view module")
    print(
        f"    {separate['patterns']} URL patterns, {separate['view_modules']} view modules, "
        f"RSS {separate['rss'] / MIB:.1f} MiB ({separate['rss'] / 1e6:.1f} MB), "
        f"heavy modules: {separate['heavy'] or 'none'}"
    )
    print(
        f"    then import numpy: +{separate['numpy_delta'] / MIB:.1f} MiB, "
        f"import cv2: +{separate['cv2_delta'] / MIB:.1f} MiB"
    )
    report_goals(readings, separate)


def report_goals(readings: dict[str, dict[str, Any]], separate: dict[str, Any]) -> None:
    rss_mb = readings["pages"]["rss"] / 1e6
    torch_seen = (
        any("torch" in r["sys_modules"] or r["mapped"]["torch"] for r in readings.values())
        or "torch" in separate["heavy"]
    )
    gpu_stack = {"torch", "diffusers", "transformers"} & (
        {m for r in readings.values() for m in r["sys_modules"]} | set(separate["heavy"])
    )
    print(
        f"  goal worker RSS < {GOAL_MB:g} MB: {'PASS' if rss_mb < GOAL_MB else 'MISS'} "
        f"({rss_mb:.1f} MB)"
    )
    print(
        f"  goal torch absent: {'MISS (torch loaded)' if torch_seen else 'PASS'}; "
        f"diffusers/transformers absent: {'no: ' + str(sorted(gpu_stack)) if gpu_stack else 'yes'}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--uploads", type=int, default=3, help="photo uploads after the first reading (0: none)"
    )
    args = parser.parse_args()
    readings, separate = measure(args.uploads)
    report(readings, separate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
