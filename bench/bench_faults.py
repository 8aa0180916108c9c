"""Faults: no work lost, none done twice, while workers, the broker and SMTP fail at random.

This process is the web side: it pays --orders orders (order_mark_paid, as the Stripe webhook)
and queues --jobs generation jobs (generation_job_create, as "generate") over a window, against
`python -m celery -A config worker -B -Q default,gpu` (own process group), the real broker
(sqla+sqlite in an isolated MINIME_VAR_DIR, or Redis with --redis) and an aiosmtpd sink. At
random times (--seed): worker kill (SIGKILL of the group, a new worker 0.5-3 s later), broker
outage (2-8 s of this process publishing to a port where nothing listens, as
tests/faults/conftest.py `broker_down`; workers keep the broker), SMTP outage (the sink stopped
2-8 s). Then it waits for the work and reports work lost and done twice (goal 0 each) and the
time from the end of the last fault to all work done (goal < 2 sweep periods). Settings:
bench/settings_faults.py; A5 sticker sheets, every fourth order a digital download.

    .venv/bin/python bench/bench_faults.py [--orders 200] [--jobs 100] [--seed 1] [--redis]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h

sys.path.insert(0, str(h.ROOT))  # bench.settings_faults

UNREACHABLE_BROKER = "redis://127.0.0.1:9/0"  # nothing listens on the discard port
SWEEP_S = 2
HEARTBEAT_S = 4
PRINT_TIMEOUT_S = 10
RUN_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": "bench.settings_faults",
    "MINIME_SWEEP_SECONDS": str(SWEEP_S),
    "MINIME_DISPATCH_RETRY_SECONDS": "2",
    "MINIME_GENERATION_HEARTBEAT_TIMEOUT": str(HEARTBEAT_S),
    "MINIME_PRINT_RENDER_TIMEOUT": str(PRINT_TIMEOUT_S),
    "MINIME_RENDER_SIZE": "128",
    "MINIME_RENDERS_PER_JOB": "1",
    "MINIME_GENERATION_BACKEND": "figures.backends.stylize.StylizeBackend",
    "MINIME_DAILY_GENERATION_QUOTA": "1000000",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
}
SKUS = ("MM-STK-A5", "MM-STK-A5", "MM-STK-A5", "MM-DIG")
KILL, BROKER, SMTP = "worker kill", "broker outage", "SMTP outage"
DURATIONS = {KILL: (0.5, 3.0), BROKER: (2.0, 8.0), SMTP: (2.0, 8.0)}
OTHER_BENCH_DBS = {12, 13}  # bench_checkout/bench_storefront and bench_e2e flush these


class SmtpSink:
    """SMTP on loopback recording each subject's arrivals; stopped and restarted (outage)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.received: dict[str, list[float]] = defaultdict(list)
        self.controller: Any = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        self.received[str(message["Subject"])].append(time.time())
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Workers:
    """One `celery worker -B` at a time; kill() SIGKILLs its whole process group."""

    def __init__(self, procs: h.Processes, env: dict[str, str], concurrency: int) -> None:
        self.procs, self.env, self.concurrency = procs, env, concurrency
        self.started = 0
        self.current: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.started += 1
        self.current = self.procs.start(
            f"worker-{self.started}",
            [
                h.PYTHON, "-m", "celery", "-A", "config", "worker", "-B", "-Q", "default,gpu",
                "--concurrency", str(self.concurrency), "-l", "INFO", "--without-gossip",
                "--without-mingle", "--without-heartbeat",
                "--schedule", str(self.procs.log_dir / f"beat-{self.started}"),
            ],
            self.env | {"LOG_LEVEL": "INFO"},
        )  # fmt: skip

    def kill(self) -> None:
        if self.current is not None and self.current.poll() is None:
            os.killpg(self.current.pid, signal.SIGKILL)  # the group started here
            self.current.wait(timeout=20)
        self.current = None


def publish_to(url: str) -> None:
    """Point this process's Celery app at url (as tests/faults/conftest.py `broker_down`)."""
    from kombu import pools

    from config.celery import app

    app.conf.update(broker_url=url, broker_write_url=url)
    pools.reset()
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


def redis_db(db: int | None, *, flush: bool = False) -> int:
    """The run's Redis db: the one given, else the highest empty one no other bench flushes."""
    import redis

    for n in range(15, -1, -1) if db is None else [db]:
        with redis.Redis(host="127.0.0.1", port=6379, db=n, socket_timeout=5) as client:
            if flush:
                client.flushdb()
            if db is not None or (n not in OTHER_BENCH_DBS and client.dbsize() == 0):
                return n
    raise RuntimeError("no empty Redis database on 127.0.0.1:6379")


@dataclass
class Fault:
    kind: str
    start: float  # planned, seconds after the window opens
    end: float
    began: float = 0.0  # wall clock, as it happened
    ended: float = 0.0


def plan_faults(rng: random.Random, window: float, counts: dict[str, int]) -> list[Fault]:
    """counts[kind] faults per kind, one per equal slot of the window (kinds may overlap)."""
    faults = []
    for kind, n in counts.items():
        for i in range(n):
            slot = window / n
            duration = rng.uniform(*DURATIONS[kind])
            start = i * slot + rng.uniform(0.5, max(0.5, slot - duration - 0.5))
            faults.append(Fault(kind, start, start + duration))
    return sorted(faults, key=lambda f: f.start)


def plan_actions(
    rng: random.Random, faults: list[Fault], orders: list[int], designs: list[str], span: float
) -> list[tuple[float, int, str, Any]]:
    """(time, order, action, argument): submissions evenly over span, each fault's ends."""
    work: list[tuple[str, Any]] = [("pay", pk) for pk in orders] + [("job", d) for d in designs]
    rng.shuffle(work)
    step = span / max(1, len(work))
    actions = [(i * step, i, what, arg) for i, (what, arg) in enumerate(work)]
    for fault in faults:
        actions += [(fault.start, -1, "down", fault), (fault.end, -1, "up", fault)]
    return sorted(actions, key=lambda a: (a[0], a[1]))


def build_site(n_orders: int, n_jobs: int) -> tuple[Any, list[int], list[str]]:
    """Migrate; a verified, consenting user; n_orders orders to pay, n_jobs designs to generate."""
    from django.core.management import call_command

    from tests.factories import user_create
    from tests.factories.figures import design_for, photo_for
    from tests.factories.shop import approved_design_for, order_for

    call_command("migrate", "--no-input", verbosity=0)
    call_command("createcachetable", verbosity=0)  # rate limits (as scripts/run.sh)
    user = user_create(email="faults@example.com")
    photo = photo_for(user)
    approved = [approved_design_for(user, photo=photo, name=f"Fig {i}") for i in range(10)]
    orders = [order_for(user, sku=SKUS[i % 4], design=approved[i % 10]).pk for i in range(n_orders)]
    designs = [str(design_for(user, photo=photo, name=f"Gen {i}").pk) for i in range(n_jobs)]
    return user, orders, designs


def submit(what: str, arg: Any, user: Any, job_ids: list[Any], errors: Counter[str]) -> None:
    """One webhook's or click's work; an error is counted and retried once (as Stripe would)."""
    from figures.models import FigureDesign
    from figures.services import generation_job_create
    from shop.models import Order
    from shop.services.orders import order_mark_paid

    for attempt in range(2):
        try:
            if what == "pay":
                order_mark_paid(order=Order.objects.get(pk=arg), reason="bench_faults")
            else:
                design = FigureDesign.objects.get(pk=arg)
                job_ids.append(generation_job_create(design=design, actor=user).pk)
            return
        except Exception as exc:
            errors[f"{what}: {type(exc).__name__}: {exc}"[:160]] += 1
            if attempt == 0:
                time.sleep(1)


def drive(
    actions: list[tuple[float, int, str, Any]],
    *,
    user: Any,
    workers: Workers,
    sink: SmtpSink,
    real_broker: str,
) -> tuple[float, list[Any], Counter[str]]:
    """Run the plan in real time, in this thread: (window opened at, job ids, errors)."""
    job_ids: list[Any] = []
    errors: Counter[str] = Counter()
    down = {KILL: workers.kill, BROKER: lambda: publish_to(UNREACHABLE_BROKER), SMTP: sink.stop}
    up = {KILL: workers.start, BROKER: lambda: publish_to(real_broker), SMTP: sink.start}
    t0 = time.time()
    for at, _, what, arg in actions:
        delay = t0 + at - time.time()
        if delay > 0:
            time.sleep(delay)
        if what in ("pay", "job"):
            submit(what, arg, user, job_ids, errors)
            continue
        fault: Fault = arg
        now = time.time()
        (down if what == "down" else up)[fault.kind]()
        fault.began, fault.ended = (now, 0.0) if what == "down" else (fault.began, time.time())
        print(f"  {now - t0:6.1f} s  {fault.kind} {'begins' if what == 'down' else 'ends'}")
    return t0, job_ids, errors


def snapshot(order_ids: list[int], job_ids: list[Any], sink: SmtpSink) -> dict[str, Any]:
    """Where every piece of work stands now, from the database and the SMTP sink."""
    from figures.models import GenerationJob, JobStatus, Render
    from printing.models import PrintItem, PrintItemStatusChange
    from shop.models import Order, OrderLine, OrderStatus, OutboundEmail

    done = ("ready", "held")
    paid = Order.objects.filter(pk__in=order_ids, status=OrderStatus.PAID)
    lines = OrderLine.objects.filter(order__in=paid)
    items = PrintItem.objects.filter(order_line__in=lines)
    changes = PrintItemStatusChange.objects.filter(print_item__in=items, to_status__in=done)
    made: dict[int, list[float]] = defaultdict(list)
    for item_id, at in changes.values_list("print_item_id", "created_at"):
        made[item_id].append(at.timestamp())
    pairs = items.values_list("pk", "order_line__order__paid_at")
    paid_at = {i: at.timestamp() for i, at in pairs if at}
    jobs = GenerationJob.objects.filter(pk__in=job_ids)
    slots = Counter(Render.objects.filter(job__in=jobs).values_list("job_id", "index"))
    emails = OutboundEmail.objects.filter(order__in=paid, kind="order_confirmation")
    queued = dict(emails.values_list("subject", "created_at"))
    received = {s: sink.received.get(s, []) for s in queued}
    finished = jobs.filter(status=JobStatus.SUCCEEDED).values_list("created_at", "finished_at")
    sends = [*items.values_list("dispatch_count", flat=True)]
    sends += [*jobs.values_list("dispatch_count", flat=True)]
    rows = Counter(emails.values_list("order_id", flat=True))
    return {
        "paid": paid.count(),
        "lines_without_item": lines.filter(print_item__isnull=True).count(),
        "items": Counter(items.values_list("status", flat=True)),
        "items_made_twice": sum(1 for times in made.values() if len(times) > 1),
        "items_rerun": items.filter(attempts__gt=1).count(),
        "item_pairs": [(paid_at.get(i, 0.0), min(t)) for i, t in made.items()],
        "jobs": Counter(jobs.values_list("status", flat=True)),
        "jobs_rerun": jobs.filter(attempts__gt=1).count(),
        "job_pairs": [(c.timestamp(), f.timestamp()) for c, f in finished if f],
        "slots_missing": sum(len(s) for s in jobs.values_list("seeds", flat=True)) - len(slots),
        "slots_twice": sum(1 for n in slots.values() if n > 1),
        "emails": Counter(emails.values_list("status", flat=True)),
        "email_rows_twice": sum(1 for n in rows.values() if n > 1),
        "emails_missing": sum(1 for times in received.values() if not times),
        "emails_twice": sum(1 for times in received.values() if len(times) > 1),
        "email_pairs": [(queued[s].timestamp(), min(t)) for s, t in received.items() if t],
        "max_dispatches": max(sends, default=0),
    }


def settle(
    order_ids: list[int], job_ids: list[Any], sink: SmtpSink, timeout: float
) -> dict[str, Any]:
    """Poll until nothing may still finish (pending items, active jobs, unsent emails)."""
    deadline = time.monotonic() + timeout
    last_print = 0.0
    while True:
        snap = snapshot(order_ids, job_ids, sink)
        left = (
            snap["items"].get("pending", 0),
            snap["jobs"].get("queued", 0) + snap["jobs"].get("running", 0),
            min(snap["emails_missing"], snap["emails"].get("pending", 0)),
        )
        if not any(left) or time.monotonic() > deadline:
            return snap
        if time.monotonic() - last_print > 15:
            last_print = time.monotonic()
            print(f"  waiting: {left[0]} print items, {left[1]} jobs, {left[2]} emails")
        time.sleep(0.5)


def orphan_files() -> tuple[int, int]:
    """Files no row refers to (a run that lost a race, a killed worker): renders, prints."""
    from django.conf import settings

    from figures.models import Render
    from printing.models import PrintItem

    root = Path(settings.PRIVATE_FILES_ROOT)
    renders = {f"renders/{p.name}" for p in (root / "renders").glob("*")}
    prints = {f"print/{p.name}" for p in (root / "print").glob("*")}
    renders -= set(Render.objects.values_list("image", flat=True))
    prints -= set(PrintItem.objects.values_list("file", flat=True))
    return len(renders), len(prints)


def recovery(kind: str, pairs: list[tuple[float, float]], faults: list[Fault]) -> str:
    """Median and max over the faults of one kind: from the fault's end until all work
    submitted before that end was done (0 when it was all done by then)."""
    ends = [f.ended for f in faults if f.kind == kind]
    values = [max([d for s, d in pairs if s <= end] + [end]) - end for end in ends]
    return f"{statistics.median(values):.1f} / {max(values):.1f} s" if values else "n/a"


def report(run: dict[str, Any], snap: dict[str, Any], faults: list[Fault]) -> None:
    items, jobs, emails = snap["items"], snap["jobs"], snap["emails"]
    lost_items = sum(n for status, n in items.items() if status not in ("ready", "held"))
    lost_items += snap["lines_without_item"] + run["orders"] - snap["paid"]
    lost_jobs = sum(n for status, n in jobs.items() if status != "succeeded")
    lost_jobs += run["jobs"] - sum(jobs.values())
    lost = lost_items + lost_jobs + snap["emails_missing"]
    twice = snap["slots_twice"] + snap["items_made_twice"] + snap["emails_twice"]
    twice += snap["email_rows_twice"]
    spans = {k: [f.ended - f.began for f in faults if f.kind == k] for k in (KILL, BROKER, SMTP)}
    since = max([f.ended for f in faults] + [run["t0"] + run["span"]])
    work, mail = snap["item_pairs"] + snap["job_pairs"], snap["email_pairs"]
    done = max(0.0, max(d for _, d in work + mail) - since)  # 0: all done before it ended
    goal = 2 * SWEEP_S
    print(
        f"\n== {run['label']} ==\n  faults: "
        + ", ".join(f"{len(v)} x {k} ({min(v):.1f}-{max(v):.1f} s)" for k, v in spans.items() if v)
        + f"\n  submitted over {run['span']:.0f} s: {snap['paid']}/{run['orders']} orders paid, "
        f"{sum(jobs.values())}/{run['jobs']} jobs queued; submissions that raised: "
        f"{sum(run['errors'].values())} {dict(run['errors']) or ''}"
        f"\n  refusals met by this (web) process, log warnings: {run['refused']}"
        f"\n  WORK LOST (goal 0): {lost}"
        f"\n    print items not ready/held: {lost_items} (status {dict(items)}; paid lines "
        f"without an item {snap['lines_without_item']})"
        f"\n    generation jobs not succeeded: {lost_jobs} (status {dict(jobs)}; render slots "
        f"missing {snap['slots_missing']})"
        f"\n    confirmation emails never received: {snap['emails_missing']} (outbox "
        f"{dict(emails)})"
        f"\n  WORK DONE TWICE (goal 0): {twice}"
        f"\n    render slots stored twice {snap['slots_twice']}; print items made ready/held "
        f"twice {snap['items_made_twice']}; emails received twice {snap['emails_twice']}; "
        f"confirmation rows twice {snap['email_rows_twice']}"
        f"\n    print items claimed again {snap['items_rerun']} ({run['released']} of them "
        f"released as lost), jobs started again {snap['jobs_rerun']}; most sends of a row "
        f"{snap['max_dispatches']}; files no row refers to: renders {run['orphans'][0]}, print "
        f"files {run['orphans'][1]}"
        f"\n  RECOVERY, end of the last fault -> all work done: {done:.1f} s (goal < 2 "
        f"sweep periods = {goal} s: {'PASS' if done < goal else 'MISS'})"
        f"\n    after each fault: until the work submitted before its end was done, median / "
        f"max: worker kill (print items, jobs) {recovery(KILL, work, faults)}; broker outage "
        f"(same) {recovery(BROKER, work, faults)}; SMTP outage (emails) "
        f"{recovery(SMTP, mail, faults)}"
        f"\n    by design: a print item taken by a killed worker waits {PRINT_TIMEOUT_S} s, a job "
        f"{HEARTBEAT_S} s (+ a sweep, + worker start); a failed email 2 s, doubling"
        f"\n  worker start-up {run['startup']:.1f} s; {run['workers']} workers started; "
        f"tracebacks in worker logs {run['tracebacks']}; load average at start "
        f"{run['load'][0]:.2f}, at end {os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs"
    )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ints = {"orders": 200, "jobs": 100, "seed": 1, "kills": 6, "broker-outages": 4}
    for name, default in (ints | {"smtp-outages": 3, "concurrency": 2}).items():
        parser.add_argument(f"--{name}", type=int, default=default)
    parser.add_argument("--redis", action="store_true", help="Redis broker, not sqla+sqlite")
    parser.add_argument("--redis-db", type=int, help="default: the highest empty one")
    parser.add_argument("--window", type=float, default=90, help="seconds with faults")
    parser.add_argument("--settle-timeout", type=float, default=360)
    parser.add_argument("--keep", action="store_true", help="keep the var dir (logs, db)")
    return parser.parse_args()


class Tally(logging.Handler):
    """Counts the warnings of this process's hand-offs (broker refused, SMTP refused)."""

    counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.name] += 1


def become_web_process(env: dict[str, str]) -> Tally:
    """The run's environment, then Django; hand-off warnings are counted, not printed."""
    for key in [k for k in os.environ if k not in env]:
        del os.environ[key]
    os.environ.update(env)
    import django

    django.setup()
    tally = Tally(logging.WARNING)
    for name in ("core.dispatch", "shop.services.emails"):
        logging.getLogger(name).addHandler(tally)
        logging.getLogger(name).propagate = False
    return tally


def run(
    args: argparse.Namespace, var_dir: Path, env: dict[str, str], sink: SmtpSink, tally: Tally
) -> None:
    from config.celery import app

    load = os.getloadavg()
    procs = h.Processes(var_dir)
    workers = Workers(procs, env, args.concurrency)
    try:
        t = time.perf_counter()
        user, orders, designs = build_site(args.orders, args.jobs)
        print(f"  set-up (migrate, user, {args.orders} orders placed): "
              f"{time.perf_counter() - t:.1f} s")  # fmt: skip
        sink.start()
        t = time.perf_counter()
        workers.start()
        h.wait_for(
            lambda: " ready." in procs.log_text("worker-1"),
            timeout=120, what="celery worker", procs=procs, log="worker-1",
        )  # fmt: skip
        startup = time.perf_counter() - t
        rng = random.Random(args.seed)
        counts = {KILL: args.kills, BROKER: args.broker_outages, SMTP: args.smtp_outages}
        faults = plan_faults(rng, args.window, counts)
        span = 0.8 * args.window
        actions = plan_actions(rng, faults, orders, designs, span)
        t0, job_ids, errors = drive(
            actions, user=user, workers=workers, sink=sink, real_broker=app.conf.broker_url
        )
        print(f"  window closed after {time.time() - t0:.1f} s; waiting for the work to finish")
        snap = settle(orders, job_ids, sink, args.settle_timeout)
        logs = [procs.log_text(f"worker-{i}") for i in range(1, workers.started + 1)]
        summary = {
            "label": args.label, "orders": args.orders, "jobs": args.jobs, "span": span,
            "t0": t0, "errors": errors, "orphans": orphan_files(), "startup": startup,
            "workers": workers.started, "load": load, "refused": dict(tally.counts),
            "tracebacks": sum(log.count("Traceback") for log in logs),
            "released": sum(log.count("its worker was lost") for log in logs),
        }  # fmt: skip
        report(summary, snap, faults)
    finally:
        sink.stop()
        procs.stop_all()


def main() -> int:
    args = parse_args()
    var_dir = Path(tempfile.mkdtemp(prefix="minime-bench-faults-"))
    db = redis_db(args.redis_db) if args.redis else None
    smtp_port = h.free_port()
    extra = RUN_SETTINGS | {"EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(smtp_port)}
    if db is not None:
        extra["CELERY_BROKER_URL"] = f"redis://127.0.0.1:6379/{db}"
    env = h.base_env(var_dir, **extra)
    broker = extra.get("CELERY_BROKER_URL", "sqla+sqlite (var dir)")
    label = (
        f"seed {args.seed}, {args.orders} orders + {args.jobs} jobs, {args.window:g} s window, "
        f"broker {broker}, worker concurrency {args.concurrency}"
    )
    print(f"-- faults: {label}\n  var dir {var_dir}")
    args.label = label
    tally = become_web_process(env)
    try:
        with h.sigterm_as_exit():
            run(args, var_dir, env, SmtpSink(smtp_port), tally)
    finally:
        if db is not None:
            redis_db(db, flush=True)
        if args.keep:
            print(f"  kept {var_dir}")
        else:
            shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
