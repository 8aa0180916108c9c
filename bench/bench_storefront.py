"""Storefront under load: the product page and the cart of a logged-in customer, against a bare
Django "hello" view served by the same gunicorn in the same run.

An isolated var dir, PostgreSQL (database minime_bench3, created and dropped here), the Redis
broker URL (redis://127.0.0.1:6379/12; no task is sent by these pages), migrations and
collectstatic, then verified users, each with one approved design (the real services:
photo intake, a 128 px stylize render, approval) and three lines in its cart. Sessions are
created in-process (Django's test client force_login) so no password hashing happens under
load. gunicorn runs `config.wsgi` with bench/settings_storefront.py (the demo settings plus
GET /bench/hello/, bench/urls_storefront.py: never part of the apps) on 127.0.0.1 with
--workers 2*cores+1 (sync workers by default; --threads > 1 makes them gthread workers).

--client wrk (the default; Debian's `wrk` package, apt-get install wrk): for each target in
turn (bare hello without a cookie, then with the customer's session and CSRF cookies, as
a signed-in browser sends them, the product page
/designs/<uuid>/merch/ and the cart /cart/) a --warmup, then `wrk -t2 -c50 -d<duration>s
--latency`, then one client alone (`wrk -t1 -c1`, --single-duration); the three targets
--rounds times (3) in turn. Every response must be 200 and contain the page's marker (a Lua
hook counts the others). Prints each page's throughput as a share of hello's in the same round
and the single-client p50, the medians of the rounds. --cache redis puts Django's cache (sessions,
the catalog version, rate limits) in Redis (REDIS_URL) instead of the database cache.
Goals: product page and cart each >= 20 % of bare hello's throughput; single-client p50 <= 4 ms.

--client python: the older in-process client, one thread per simulated customer (--clients),
each with its own session cookie and keep-alive http.client connection, alternating the two
pages for --duration seconds after a --warmup; --think-ms adds a pause between a client's
requests, uniformly 0.5x to 1.5x of it (0 = closed loop). Goal there: p95 < 50 ms.

    .venv/bin/python bench/bench_storefront.py [--connections 50] [--wrk-threads 2]
        [--duration 20] [--single-duration 10] [--warmup 3] [--workers 5] [--rounds 3]
        [--cache redis] [--json out.json]
    .venv/bin/python bench/bench_storefront.py --client python [--clients 50] [--think-ms 0]
        [--extra-clients 1,10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h
import _wrk

REDIS_URL = "redis://127.0.0.1:6379/12"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "minime_bench3"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
GOAL_P95_S = 0.050

SETUP_SNIPPET = """
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory, override_settings
from figures import services as fs
from shop.models import ProductVariant
from shop.services.cart import cart_add
from tests import factories
from tests.factories import photo_for
users = []
a4 = ProductVariant.objects.get(sku="MM-PRT-A4")
sticker = ProductVariant.objects.get(sku="MM-STK-A5")
box = ProductVariant.objects.get(sku="MM-BOX-S")
with override_settings(MINIME_RENDER_SIZE=128, MINIME_RENDERS_PER_JOB=1,
                       MINIME_DAILY_GENERATION_QUOTA=1000):
    for n in range({clients}):
        user = factories.user_create(email=f"shopper{{n}}@example.com")
        design = factories.design_for(user)
        job = fs.generation_job_create(design=design, actor=user)
        fs.job_run(job_id=job.pk)
        design = fs.render_approve(render=job.renders.get(), actor=user)
        cart_add(owner=user, design=design, variant=a4, quantity=1)
        cart_add(owner=user, design=design, variant=sticker, quantity=2)
        cart_add(owner=user, design=design, variant=box, quantity=1)
        client = Client()
        client.force_login(user)
        # The CSRF cookie a browser holds from its first page (set at the login form).
        probe = RequestFactory().get("/")
        get_token(probe)
        users.append({{"session": client.cookies["sessionid"].value, "design": str(design.pk),
                      "csrf": probe.META["CSRF_COOKIE"]}})
print(json.dumps(users))
"""

# Text each page must contain (a login page or an error page would not).
MARKERS = {"product": "Blister-pack box", "cart": 'data-testid="cart-line"', "hello": "hello"}


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def redis_flush() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.flushdb()  # db 12 belongs to the shop benchmarks
    finally:
        client.close()


class Customer(threading.Thread):
    """One logged-in customer on one keep-alive connection, alternating the two pages."""

    def __init__(
        self,
        port: int,
        user: dict[str, str],
        *,
        start_at: float,
        measure_from: float,
        stop_at: float,
        think_s: float,
        offset: int,
    ) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.headers = {
            "Cookie": f"sessionid={user['session']}; csrftoken={user['csrf']}",
            "Host": f"127.0.0.1:{port}",
            "User-Agent": "bench_storefront",
        }
        self.paths = {"product": f"/designs/{user['design']}/merch/", "cart": "/cart/"}
        self.start_at, self.measure_from, self.stop_at = start_at, measure_from, stop_at
        self.think_s = think_s
        self.offset = offset  # half the clients start with the cart page
        self.samples: dict[str, list[float]] = {"product": [], "cart": []}
        self.errors: list[str] = []
        self.reconnects = 0

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        pages = ["product", "cart"]
        i = self.offset
        # Customers who think between pages arrive spread out, not all in the same instant.
        jitter = random.uniform(0, self.think_s)
        time.sleep(max(0.0, self.start_at - time.perf_counter()) + jitter)
        while time.perf_counter() < self.stop_at:
            page = pages[i % 2]
            i += 1
            t0 = time.perf_counter()
            try:
                conn.request("GET", self.paths[page], headers=self.headers)
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                self.errors.append(f"{page}: {exc!r}")
                conn.close()
                self.reconnects += 1
                continue
            elapsed = time.perf_counter() - t0
            if resp.will_close:
                self.reconnects += 1  # http.client reconnects on the next request
            if resp.status != 200 or MARKERS[page].encode() not in body:
                self.errors.append(f"{page}: HTTP {resp.status} {body[:200]!r}")
            elif t0 >= self.measure_from:
                self.samples[page].append(elapsed)
            if self.think_s:
                time.sleep(random.uniform(0.5, 1.5) * self.think_s)
        conn.close()


def cpu_snapshot(gunicorn_pid: int) -> dict[str, Any]:
    """CPU seconds so far per process of gunicorn (master and workers) and of PostgreSQL
    (every backend on this machine), and the machine's busy/total CPU seconds."""
    import psutil

    def times(procs: list[psutil.Process]) -> dict[int, float]:
        out = {}
        for proc in procs:
            try:
                t = proc.cpu_times()
            except psutil.Error:
                continue
            out[proc.pid] = t.user + t.system
        return out

    master = psutil.Process(gunicorn_pid)
    postgres = [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    machine = psutil.cpu_times()
    idle = machine.idle + getattr(machine, "iowait", 0.0)
    return {
        "gunicorn": times([master, *master.children(recursive=True)]),
        "postgres": times(postgres),
        "machine_busy": sum(machine) - idle,
        "machine_total": sum(machine),
    }


def cpu_used(before: dict[str, Any], after: dict[str, Any], name: str) -> float:
    """CPU seconds between two snapshots; processes that ended in between are left out."""
    return sum(t - before[name].get(pid, 0.0) for pid, t in after[name].items())


def load(
    port: int,
    users: list[dict[str, str]],
    *,
    duration: float,
    warmup: float,
    think_s: float,
    gunicorn_pid: int,
) -> dict[str, Any]:
    start = time.perf_counter() + 0.5
    measure_from = start + warmup
    stop = measure_from + duration
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    servers0 = cpu_snapshot(gunicorn_pid)
    customers = [
        Customer(
            port, user, start_at=start, measure_from=measure_from, stop_at=stop,
            think_s=think_s, offset=n % 2,
        )
        for n, user in enumerate(users)
    ]  # fmt: skip
    for customer in customers:
        customer.start()
    for customer in customers:
        customer.join(timeout=duration + warmup + 60)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    servers1 = cpu_snapshot(gunicorn_pid)
    client_cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    samples: dict[str, list[float]] = {"product": [], "cart": []}
    errors: list[str] = []
    for customer in customers:
        for page in samples:
            samples[page].extend(customer.samples[page])
        errors.extend(customer.errors)
    return {
        "samples": samples,
        "errors": errors,
        "duration": duration,
        "client_cpu_s": client_cpu,
        "gunicorn_cpu_s": cpu_used(servers0, servers1, "gunicorn"),
        "postgres_cpu_s": cpu_used(servers0, servers1, "postgres"),
        "machine_busy_s": servers1["machine_busy"] - servers0["machine_busy"],
        "machine_total_s": servers1["machine_total"] - servers0["machine_total"],
        "reconnects": sum(c.reconnects for c in customers),
        "wall_s": stop - start,
    }


def describe(values: list[float], duration: float) -> dict[str, float]:
    return {
        "n": len(values),
        "rps": len(values) / duration,
        "p50": statistics.median(values),
        "p95": h.percentile(values, 95),
        "p99": h.percentile(values, 99),
        "max": max(values),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    cores = os.cpu_count() or 1
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk")
    parser.add_argument("--connections", type=int, default=50, help="wrk -c")
    parser.add_argument("--wrk-threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--single-duration", type=float, default=10.0, help="wrk -t1 -c1 -d")
    parser.add_argument("--rounds", type=int, default=3, help="wrk: hello, product, cart")
    parser.add_argument("--clients", type=int, default=50, help="--client python only")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured")
    parser.add_argument("--workers", type=int, default=2 * cores + 1)
    parser.add_argument("--threads", type=int, default=1, help=">1: gthread workers")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause between requests")
    parser.add_argument(
        "--extra-clients",
        type=str,
        default="",
        help="comma-separated client counts to measure after the main run (e.g. 1,10)",
    )
    parser.add_argument("--cache", choices=["database", "redis"], default="database")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    return parser.parse_args()


def services_reachable() -> bool:
    try:
        pg_admin("SELECT 1")
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:
        print(f"SKIPPED: PostgreSQL or Redis not reachable: {exc}")
        return False
    return True


def prepare_database(env: dict[str, str], clients: int) -> list[dict[str, str]]:
    """A fresh, migrated database with `clients` shoppers; returns their sessions."""
    redis_flush()
    pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {PG_DB}")
    t = time.perf_counter()
    h.run_checked([h.PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
    h.run_checked([h.PYTHON, "manage.py", "createcachetable"], env)  # the database cache
    h.run_checked([h.PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    users = h.django_snippet(SETUP_SNIPPET.format(clients=clients), env, timeout=600)
    print(
        f"setup: {len(users)} users with an approved design and 3 cart lines "
        f"in {time.perf_counter() - t:.1f} s"
    )
    return users


def start_storefront_server(
    procs: h.Processes, env: dict[str, str], args: argparse.Namespace
) -> tuple[int, int]:
    """gunicorn serving config.wsgi (backlog 2048), ready for requests; returns port and pid."""
    port = h.free_port()
    cmd = [
        str(h.BIN / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads),
        "--backlog", "2048",
    ]  # fmt: skip
    gunicorn = procs.start("gunicorn", cmd, env)
    base = f"http://127.0.0.1:{port}"
    h.wait_for(lambda: h.http_ready(base), timeout=60, what="gunicorn", procs=procs, log="gunicorn")
    return port, gunicorn.pid


def load_each_count(
    port: int,
    gunicorn_pid: int,
    users: list[dict[str, str]],
    counts: list[int],
    args: argparse.Namespace,
) -> list[dict[str, Any]]:
    kind = "sync" if args.threads == 1 else f"gthread x{args.threads}"
    results: list[dict[str, Any]] = []
    for clients in counts:
        print(
            f"load: {clients} clients, {args.duration:g} s measured after "
            f"{args.warmup:g} s warm-up, think {args.think_ms:g} ms, gunicorn "
            f"{args.workers} {kind} workers"
        )
        run = load(
            port, users[:clients], duration=args.duration, warmup=args.warmup,
            think_s=args.think_ms / 1000, gunicorn_pid=gunicorn_pid,
        )  # fmt: skip
        run["clients"] = clients
        results.append(run)
    return results


def clean_up() -> None:
    try:
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    except Exception as exc:
        print(f"(could not drop {PG_DB}: {exc})")
    try:
        redis_flush()
    except Exception as exc:
        print(f"(could not flush Redis db 12: {exc})")


def report_run(
    run: dict[str, Any], args: argparse.Namespace, summary: list[dict[str, Any]]
) -> bool:
    """Print one client count's figures, add them to `summary`; False when it missed."""
    ok = True
    print(
        f"== {run['clients']} clients: errors {len(run['errors'])}, connections re-opened "
        f"{run['reconnects']} ==\n   CPU seconds in {run['wall_s']:.1f} s: gunicorn "
        f"{run['gunicorn_cpu_s']:.1f}, PostgreSQL {run['postgres_cpu_s']:.1f}, this client "
        f"{run['client_cpu_s']:.1f}; whole machine busy {run['machine_busy_s']:.1f} of "
        f"{run['machine_total_s']:.1f}"
    )
    for err in run["errors"][:5]:
        print(f"   error: {err}")
    all_values = run["samples"]["product"] + run["samples"]["cart"]
    for page, values in [*run["samples"].items(), ("both", all_values)]:
        if not values:
            print(f"  {page:8s} no successful requests")
            ok = False
            continue
        d = describe(values, run["duration"])
        verdict = "PASS" if d["p95"] < GOAL_P95_S else "MISS"
        if page != "both" and run["clients"] == args.clients:
            ok = ok and d["p95"] < GOAL_P95_S
        print(
            f"  {page:8s} p50 {d['p50'] * 1000:7.1f} ms  p95 {d['p95'] * 1000:7.1f} ms  "
            f"p99 {d['p99'] * 1000:7.1f} ms  max {d['max'] * 1000:7.1f} ms  "
            f"{d['rps']:7.1f} req/s  (n={d['n']})  goal p95 < 50 ms: {verdict}"
        )
        summary.append({"clients": run["clients"], "page": page, **d})
    return ok and not run["errors"]


def report(
    results: list[dict[str, Any]], args: argparse.Namespace, load_start: tuple[float, ...]
) -> None:
    print(
        f"\nStorefront under load (PostgreSQL {PG_DB}, gunicorn {args.workers} workers x "
        f"{args.threads} threads, {os.cpu_count()} CPUs; load average at start "
        f"{load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f})"
    )
    ok = True
    summary: list[dict[str, Any]] = []
    for run in results:
        ok = report_run(run, args, summary) and ok
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": None}, "summary": summary}))
    print("verdict:", "PASS" if ok else "MISS")


def run_wrk(args: argparse.Namespace) -> int:
    """Hello, product page and cart, one after the other, on one server (see the docstring)."""
    if _wrk.wrk_path() is None:
        print("SKIPPED: wrk is not installed (apt-get install wrk)")
        return 0
    load_start = os.getloadavg()
    with h.sigterm_as_exit(), h.temp_var_dir("minime-bench-storefront-") as var_dir:
        env = h.base_env(var_dir, DATABASE_URL=PG_URL, CELERY_BROKER_URL=REDIS_URL)
        env["DJANGO_SETTINGS_MODULE"] = "bench.settings_storefront"
        if args.cache == "redis":
            env["REDIS_URL"] = REDIS_URL  # Django's cache (sessions, catalog version) in Redis
        procs = h.Processes(var_dir)
        try:
            user = prepare_database(env, 1)[0]
            port, _pid = start_storefront_server(procs, env, args)
            kind = "sync" if args.threads == 1 else f"gthread x{args.threads}"
            print(
                f"load: {args.rounds} rounds of wrk -t{args.wrk_threads} -c{args.connections} "
                f"{args.duration:g} s after {args.warmup:g} s warm-up, then 1 client "
                f"{args.single_duration:g} s; gunicorn {args.workers} {kind} workers"
            )
            targets = {
                # Bare: no session cookie, so no session or user is loaded.
                "hello": ("/bench/hello/", MARKERS["hello"], False),
                "product": (f"/designs/{user['design']}/merch/", MARKERS["product"], True),
                "cart": ("/cart/", MARKERS["cart"], True),
            }
            results = _wrk.compare(
                f"http://127.0.0.1:{port}",
                cookie=f"sessionid={user['session']}; csrftoken={user['csrf']}",
                targets=targets, threads=args.wrk_threads, connections=args.connections,
                duration=args.duration, warmup=args.warmup,
                single_duration=args.single_duration, script_dir=var_dir, rounds=args.rounds,
            )  # fmt: skip
        finally:
            procs.stop_all()
            clean_up()
    print(
        f"\nStorefront against bare hello (PostgreSQL {PG_DB}, {args.cache} cache, gunicorn "
        f"{args.workers} workers x "
        f"{args.threads} threads, {os.cpu_count()} CPUs; load average at start "
        f"{load_start[0]:.2f}, at end {os.getloadavg()[0]:.2f})"
    )
    ok = _wrk.report(results, threads=args.wrk_threads, connections=args.connections)
    if args.json:
        args.json.write_text(json.dumps({"args": vars(args) | {"json": None}, "wrk": results}))
    print("verdict:", "PASS" if ok else "MISS")
    return 0


def main() -> int:
    args = parse_args()
    if not services_reachable():
        return 0
    if args.client == "wrk":
        return run_wrk(args)

    load_start = os.getloadavg()
    counts = [args.clients] + [int(c) for c in args.extra_clients.split(",") if c.strip()]
    results: list[dict[str, Any]] = []
    with h.sigterm_as_exit(), h.temp_var_dir("minime-bench-storefront-") as var_dir:
        env = h.base_env(var_dir, DATABASE_URL=PG_URL, CELERY_BROKER_URL=REDIS_URL)
        procs = h.Processes(var_dir)
        try:
            users = prepare_database(env, max(counts))
            port, gunicorn_pid = start_storefront_server(procs, env, args)
            results = load_each_count(port, gunicorn_pid, users, counts, args)
        finally:
            procs.stop_all()
            clean_up()

    report(results, args, load_start)
    return 0


if __name__ == "__main__":
    sys.exit(main())
