"""Checkout throughput: orders per second from "place order" to paid, through localstripe and
its signed webhook, with real processes on loopback.

For each mode: an isolated var dir, migrations, collectstatic, localstripe on 127.0.0.1, a
real gunicorn (as scripts/run.sh: 2 workers x 4 threads) and a real Celery worker, and the
shop's webhook URL registered at localstripe (POST /_config/webhooks/bench). In-process
setup through the real services: one verified user per client with one approved design
(photo intake, one 128 px stylize render, approval) and a session (Django's test client
force_login, so no password hashing is timed).

Each client thread then loops over its orders, as a browser would:

  1. POST the product page's add-to-cart form (/designs/<uuid>/merch/, an A4 print)
  2. POST /checkout/ (address in Germany, Standard shipping): the order is placed  <- t0
  3. GET /orders/<number>/pay/: payment_start creates the PaymentIntent at localstripe
  4. confirm it server-side at localstripe with the Visa test card (what Stripe.js does)
  5. poll /orders/<number>/status/ every --poll-ms until it says "paid"            <- t1

localstripe sends payment_intent.succeeded ~1 s after the confirmation (a fixed sleep in
localstripe); the shop verifies, stores and applies it in the web request. Reported:
orders/s (counted orders / wall time from the first counted placement to the last paid)
and p50/p95 of place -> paid (t1 - t0; also from the database's paid_at, no polling delay),
plus where the time goes from database timestamps. One warm-up order per client first,
not counted.

localstripe is started through a small launcher that binds it to 127.0.0.1 (its own
command line listens on all interfaces) and turns off its pickling of the whole store to
/tmp/localstripe.pickle after every POST (a cost of the fake, growing with every object,
that Stripe does not have; and a file shared with any other localstripe on the machine).

Modes:
  embedded  SQLite database + the sqla+sqlite Celery broker (the defaults)
  postgres  PostgreSQL (database minime_bench2, created and dropped here) + Redis broker
            (redis://127.0.0.1:6379/12, flushed before and after)

    .venv/bin/python bench/bench_checkout.py [--mode all|embedded|postgres] [--orders 80]
        [--clients 8] [--poll-ms 100] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h

REDIS_URL = "redis://127.0.0.1:6379/12"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "minime_bench2"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
STRIPE_SECRET = "sk_test_bench"
WEBHOOK_SECRET = "whsec_bench_checkout"
ORDER_TIMEOUT_S = 30.0
MODE_LABELS = {
    "embedded": "SQLite database + sqla+sqlite broker",
    "postgres": f"PostgreSQL ({PG_DB}) + Redis broker ({REDIS_URL})",
}

LOCALSTRIPE_LAUNCHER = """
import logging, sys
from aiohttp import web
from localstripe import resources, server
resources.store.dump_to_disk = lambda: None  # see the module docstring
logging.basicConfig(level=logging.WARNING)
web.run_app(server.app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None,
            print=None)
"""

SETUP_SNIPPET = """
from django.test import Client, override_settings
from figures import services as fs
from shop.models import ProductVariant, ShippingMethod
from tests import factories
out = {{"users": []}}
with override_settings(MINIME_RENDER_SIZE=128, MINIME_RENDERS_PER_JOB=1):
    for n in range({clients}):
        user = factories.user_create(email=f"buyer{{n}}@example.com")
        design = factories.design_for(user)
        job = fs.generation_job_create(design=design, actor=user)
        fs.job_run(job_id=job.pk)
        design = fs.render_approve(render=job.renders.get(), actor=user)
        client = Client()
        client.force_login(user)
        out["users"].append({{"email": user.email, "session": client.cookies["sessionid"].value,
                              "design": str(design.pk)}})
variant = ProductVariant.objects.select_related("product").get(sku="MM-PRT-A4")
out["variant"] = variant.pk
out["product"] = variant.product_id
out["shipping_method"] = ShippingMethod.objects.get(code="standard").pk
print(json.dumps(out))
"""

TIMESTAMPS_SNIPPET = """
from shop.models import Order, WebhookEvent
numbers = {numbers!r}
out = {{}}
for order in Order.objects.filter(number__in=numbers).prefetch_related("payments"):
    event = (WebhookEvent.objects.filter(order=order, type="payment_intent.succeeded")
             .order_by("received_at").first())
    payment = order.payments.order_by("created_at").first()
    out[order.number] = {{
        "created": order.created_at.timestamp(),
        "paid": order.paid_at.timestamp() if order.paid_at else None,
        "status": order.status,
        "payment_created": payment.created_at.timestamp() if payment else None,
        "webhook_received": event.received_at.timestamp() if event else None,
        "webhook_processed": event.processed_at.timestamp() if event and event.processed_at
                             else None,
        "webhook_result": event.result if event else None,
    }}
results = {{}}
for row in WebhookEvent.objects.values_list("type", "result"):
    results["/".join(row)] = results.get("/".join(row), 0) + 1
print(json.dumps({{"orders": out, "events": results}}))
"""


# --- External services ---------------------------------------------------------------------


def redis_flush() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.flushdb()  # db 12 belongs to the shop benchmarks
    finally:
        client.close()


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def service_problem(mode: str) -> str | None:
    if mode == "postgres":
        try:
            import redis

            redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
            pg_admin("SELECT 1")
        except Exception as exc:
            return f"PostgreSQL or Redis not reachable: {exc}"
    return None


# --- One customer ---------------------------------------------------------------------------


class Buyer:
    def __init__(self, base: str, stripe_base: str, user: dict[str, str], catalog: dict[str, int]):
        self.base = base
        self.stripe_base = stripe_base
        self.design = user["design"]
        self.catalog = catalog
        self.session = requests.Session()
        self.session.cookies.set("sessionid", user["session"], domain="127.0.0.1")
        self.stripe = requests.Session()
        self.stripe.headers["Authorization"] = f"Bearer {STRIPE_SECRET}"
        self.product_url = f"{base}/designs/{self.design}/merch/"
        page = self.session.get(self.product_url, timeout=10)  # sets the CSRF cookie
        if page.status_code != 200 or "csrftoken" not in self.session.cookies:
            raise RuntimeError(f"product page gave HTTP {page.status_code}: {page.text[:500]}")
        self.email = user["email"]
        self.polls = 0

    def wait_paid(self, number: str, t0: float, poll_s: float) -> float:
        """Poll the order's status JSON (as the thank-you page does) until it says paid."""
        self.polls = 0
        while True:
            status = self.session.get(f"{self.base}/orders/{number}/status/", timeout=10).json()
            self.polls += 1
            if status["status"] == "paid":
                return time.perf_counter()
            if time.perf_counter() - t0 > ORDER_TIMEOUT_S:
                raise RuntimeError(f"order {number} not paid after {ORDER_TIMEOUT_S} s: {status}")
            time.sleep(poll_s)

    def _post(self, url: str, data: dict[str, Any]) -> requests.Response:
        data = {"csrfmiddlewaretoken": self.session.cookies["csrftoken"], **data}
        return self.session.post(
            url, data=data, headers={"Referer": url}, allow_redirects=False, timeout=30
        )

    def order(self, poll_s: float, *, wait: bool = True) -> dict[str, Any]:
        t_start = time.perf_counter()
        added = self._post(
            self.product_url,
            {"product": self.catalog["product"], "variant": self.catalog["variant"], "quantity": 1},
        )
        if added.status_code != 302:
            raise RuntimeError(f"add to cart gave HTTP {added.status_code}: {added.text[:800]}")
        wall0 = time.time()
        t0 = time.perf_counter()
        placed = self._post(
            f"{self.base}/checkout/",
            {
                "email": self.email,
                "full_name": "Bench Buyer",
                "address_line1": "Hauptstraße 1",
                "address_line2": "",
                "postcode": "10115",
                "city": "Berlin",
                "country": "DE",
                "shipping_method": self.catalog["shipping_method"],
            },
        )
        t_placed = time.perf_counter()
        match = re.search(r"/orders/([^/]+)/pay/", placed.headers.get("Location", ""))
        if placed.status_code != 302 or not match:
            raise RuntimeError(f"checkout gave HTTP {placed.status_code}: {placed.text[:800]}")
        number = match.group(1)
        pay = self.session.get(f"{self.base}/orders/{number}/pay/", timeout=30)
        t_pay = time.perf_counter()
        secret = re.search(r"(pi_[A-Za-z0-9]+)_secret_", pay.text)
        if pay.status_code != 200 or not secret:
            raise RuntimeError(f"pay page gave HTTP {pay.status_code}: {pay.text[:800]}")
        intent = secret.group(1)
        url = f"{self.stripe_base}/v1/payment_intents/{intent}"
        self.stripe.post(
            url, data={"payment_method": "pm_card_visa"}, timeout=10
        ).raise_for_status()
        confirmed = self.stripe.post(url + "/confirm", timeout=10)
        confirmed.raise_for_status()
        if confirmed.json().get("status") != "succeeded":
            raise RuntimeError(f"confirmation at localstripe: {confirmed.text[:500]}")
        wall_confirmed = time.time()
        t_confirmed = time.perf_counter()
        t1 = self.wait_paid(number, t0, poll_s) if wait else None
        return {
            "number": number,
            "wall0": wall0,
            "wall_confirmed": wall_confirmed,
            "add_s": t0 - t_start,
            "place_s": t_placed - t0,
            "pay_page_s": t_pay - t_placed,
            "confirm_s": t_confirmed - t_pay,
            "paid_seen_s": t1 - t0 if t1 is not None else None,
            "polls": self.polls if wait else 0,
            "t0": t0,
            "t1": t1,
        }


def run_clients(
    buyers: list[Buyer], per_client: int, poll_s: float, *, wait: bool = True
) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def loop(buyer: Buyer) -> None:
        try:
            mine = [buyer.order(poll_s, wait=wait) for _ in range(per_client)]
            if not wait:  # pipelined: now wait for this buyer's webhooks
                for done in mine:
                    buyer.wait_paid(done["number"], done["t0"], poll_s)
            with lock:
                results.extend(mine)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=loop, args=(b,), daemon=True) for b in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=per_client * ORDER_TIMEOUT_S + 30)
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed; first: {errors[0]!r}")
    return results


# --- One mode ---------------------------------------------------------------------------------


def run_mode(
    mode: str, orders: int, clients: int, poll_s: float, *, pipelined: bool
) -> dict[str, Any]:
    stripe_port = h.free_port()
    stripe_base = f"http://127.0.0.1:{stripe_port}"
    result: dict[str, Any] = {
        "mode": mode,
        "label": MODE_LABELS[mode],
        "clients": clients,
        "pipelined": pipelined,
    }
    with h.temp_var_dir(f"minime-bench-checkout-{mode}-") as var_dir:
        env = h.base_env(var_dir, **mode_settings(mode, stripe_base))
        procs = h.Processes(var_dir)
        try:
            setup = prepare_database(mode, env, clients)
            base = start_services(procs, env, stripe_port, stripe_base)
            catalog = {k: setup[k] for k in ("variant", "product", "shipping_method")}
            buyers = [Buyer(base, stripe_base, user, catalog) for user in setup["users"]]
            warm = run_clients(buyers, 1, poll_s)
            print(f"  warm-up: {len(warm)} orders paid (not counted)")
            per_client = max(1, orders // clients)
            counted = run_clients(buyers, per_client, poll_s, wait=not pipelined)
            result["orders"] = counted
            result["warmup"] = warm
            numbers = [o["number"] for o in counted]
            result["db"] = h.django_snippet(TIMESTAMPS_SNIPPET.format(numbers=numbers), env)
        finally:
            procs.stop_all()
            if mode == "postgres":
                clean_up_postgres()
    return result


def mode_settings(mode: str, stripe_base: str) -> dict[str, str]:
    """Environment for the shop's processes: localstripe, and the mode's database and broker."""
    extra = {
        "MINIME_STRIPE_API_BASE": stripe_base,
        "MINIME_STRIPE_SECRET_KEY": STRIPE_SECRET,
        "MINIME_STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "MINIME_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "MINIME_STRIPE_JS_URL": f"{stripe_base}/js.stripe.com/v3/",
    }
    if mode == "postgres":
        extra |= {"DATABASE_URL": PG_URL, "CELERY_BROKER_URL": REDIS_URL}
    return extra


def prepare_database(mode: str, env: dict[str, str], clients: int) -> dict[str, Any]:
    """A fresh, migrated database with one buyer per client; returns SETUP_SNIPPET's output."""
    if mode == "postgres":
        redis_flush()
        pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {PG_DB}")
    t = time.perf_counter()
    h.run_checked([h.PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
    h.run_checked([h.PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    setup = h.django_snippet(SETUP_SNIPPET.format(clients=clients), env, timeout=600)
    print(
        f"  setup (migrate, collectstatic, {clients} users with an approved design): "
        f"{time.perf_counter() - t:.1f} s"
    )
    return setup


def start_services(
    procs: h.Processes, env: dict[str, str], stripe_port: int, stripe_base: str
) -> str:
    """localstripe, a Celery worker and gunicorn, all ready, with the shop's webhook
    registered at localstripe; returns the shop's base URL."""
    procs.start("localstripe", [h.PYTHON, "-c", LOCALSTRIPE_LAUNCHER, str(stripe_port)], env)
    port = h.free_port()
    base = f"http://127.0.0.1:{port}"
    h.start_celery_worker(procs, env)
    h.start_gunicorn(procs, env, port, workers=2, threads=4)
    h.wait_for(
        lambda: h.http_ready(stripe_base + "/js.stripe.com/v3"),  # it appends the "/"
        timeout=30, what="localstripe", procs=procs, log="localstripe",
    )  # fmt: skip
    requests.post(
        f"{stripe_base}/_config/webhooks/bench",
        data={"url": f"{base}/stripe/webhook/", "secret": WEBHOOK_SECRET},
        timeout=10,
    ).raise_for_status()
    h.wait_for(
        lambda: " ready." in procs.log_text("celery"),
        timeout=90, what="celery worker", procs=procs, log="celery",
    )  # fmt: skip
    h.wait_for(lambda: h.http_ready(base), timeout=60, what="gunicorn", procs=procs, log="gunicorn")
    return base


def clean_up_postgres() -> None:
    for cleanup, what in (
        (lambda: pg_admin(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)"), PG_DB),
        (redis_flush, "Redis db 12"),
    ):
        try:
            cleanup()
        except Exception as exc:
            print(f"  (could not clean up {what}: {exc})")


def ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {statistics.median(values) * 1000:7.0f} ms  p95 "
        f"{h.percentile(values, 95) * 1000:7.0f} ms  max {max(values) * 1000:7.0f} ms"
    )


def report(result: dict[str, Any]) -> dict[str, Any]:
    orders = result["orders"]
    db = result["db"]["orders"]
    paid_at = {o["number"]: db[o["number"]]["paid"] for o in orders}
    if not all(paid_at.values()):
        raise RuntimeError("an order has no paid_at")
    # Throughput from the server's clock: first placement to last paid_at.
    span = max(paid_at.values()) - min(o["wall0"] for o in orders)
    rate = len(orders) / span
    server = [paid_at[o["number"]] - o["wall0"] for o in orders]
    seen = [o["paid_seen_s"] for o in orders if o["paid_seen_s"] is not None]
    mode = "pipelined" if result["pipelined"] else "each waits until paid"
    print(f"\n== {result['mode']}: {result['label']}, {result['clients']} clients ({mode}) ==")
    print(f"  {len(orders)} orders placed and paid in {span:.2f} s: {rate:.2f} orders/s")
    print(f"  place -> paid_at (database)   : {ms(server)}")
    print(f"  place -> paid seen by client  : {ms(seen)}")
    print("  where the time goes:")
    print(f"    add to cart POST            : {ms([o['add_s'] for o in orders])}")
    print(f"    checkout POST (order_place) : {ms([o['place_s'] for o in orders])}")
    print(f"    pay page (payment_start)    : {ms([o['pay_page_s'] for o in orders])}")
    print(f"    confirm at localstripe      : {ms([o['confirm_s'] for o in orders])}")
    received = [
        db[o["number"]]["webhook_received"] - o["wall_confirmed"]
        for o in orders
        if db[o["number"]]["webhook_received"]
    ]
    processed = [
        db[o["number"]]["webhook_processed"] - db[o["number"]]["webhook_received"]
        for o in orders
        if db[o["number"]]["webhook_processed"] and db[o["number"]]["webhook_received"]
    ]
    print(f"    confirmed -> webhook stored : {ms(received)}  (localstripe waits 1 s)")
    print(f"    webhook stored -> processed : {ms(processed)}")
    if seen:
        print(
            f"  status polls per order        : {statistics.mean(o['polls'] for o in orders):.1f}"
        )
    print(f"  webhook events (type/result)  : {result['db']['events']}")
    return {
        "mode": result["mode"],
        "clients": result["clients"],
        "pipelined": result["pipelined"],
        "orders": len(orders),
        "orders_per_s": rate,
        "p50_db_s": statistics.median(server),
        "p95_db_s": h.percentile(server, 95),
        "p50_seen_s": statistics.median(seen) if seen else None,
        "p95_seen_s": h.percentile(seen, 95) if seen else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=["all", "embedded", "postgres"], default="all")
    parser.add_argument("--orders", type=int, default=80, help="counted orders per mode")
    parser.add_argument("--clients", type=int, default=8, help="concurrent buyers")
    parser.add_argument("--poll-ms", type=float, default=250.0, help="status polling")
    parser.add_argument(
        "--pipelined",
        action="store_true",
        help="clients go on to their next order right after confirming the payment (capacity)",
    )
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    modes = ["embedded", "postgres"] if args.mode == "all" else [args.mode]
    load = os.getloadavg()
    started = datetime.now().isoformat(timespec="seconds")
    results = []
    with h.sigterm_as_exit():
        for mode in modes:
            print(f"-- {mode}: {MODE_LABELS[mode]}")
            problem = service_problem(mode)
            if problem:
                print(f"  SKIPPED: {problem}")
                continue
            results.append(
                run_mode(
                    mode, args.orders, args.clients, args.poll_ms / 1000, pipelined=args.pipelined
                )
            )
    print(
        f"\nPlace order -> paid via localstripe webhook ({started}; {args.clients} clients"
        f"{', pipelined' if args.pipelined else ''}, "
        f"status polled every {args.poll_ms:g} ms; load average at start {load[0]:.2f}, at end "
        f"{os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs)"
    )
    summary = [report(result) for result in results]
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "raw": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
