"""A 100-order print batch: time and peak memory of printing.imposition.print_batch_create.

In-process, on an isolated var dir (SQLite, migrated here, deleted afterwards). Setup through
the real services (not timed): one customer with an approved design, N paid orders of one
sticker sheet each (A5 and A4 alternating, --variants), and a READY print item per order
whose PDF is made by the real renderer (printing.products, from a 1024 px render) when it is
importable, else by a small reportlab stand-in of the right size (said in the output). One
print file is built per variant and stored once per item, as the renderer would.

Timed: print_batch_create(items=all N) on the default press sheet (SRA3), --runs times (a
new batch each time). Peak memory: the process's RSS sampled every 5 ms during the call,
minus the RSS just before it (pikepdf/qpdf allocate outside Python, so tracemalloc alone
would miss most of it); tracemalloc's Python peak is shown beside it.

    .venv/bin/python bench/bench_batch.py [--orders 100] [--runs 3]
        [--variants MM-STK-A5,MM-STK-A4] [--sheet SRA3] [--keep out.pdf]

Goal: under 60 s for 100 orders.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
GOAL_S = 60.0


class RssPeak:
    """Highest RSS of this process while the block runs (sampled in a thread)."""

    def __init__(self, interval: float = 0.005) -> None:
        import psutil

        self._process = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.before = self.peak = 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(self._interval)

    def __enter__(self) -> RssPeak:
        self.before = self.peak = self._process.memory_info().rss
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._process.memory_info().rss)


def mib(n: float) -> str:
    return f"{n / 2**20:.1f} MiB"


def print_file_for(variant: Any, render: Any) -> tuple[bytes, str]:
    """(PDF bytes, how it was made) for a sticker sheet of this variant."""
    if importlib.util.find_spec("printing.products") is not None:
        from printing import products

        spec = products.ProductSpec(
            kind=variant.product.kind,
            label=variant.name,
            width_mm=variant.width_mm,
            height_mm=variant.height_mm,
            figure_name="Jürgen",
            tagline="Chief Coffee Officer",
            accessories=("coffee mug", "laptop"),
        )
        return products.build(spec, render).content, "printing.products (real renderer)"
    from reportlab.lib.colors import CMYKColor, CMYKColorSep
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    mm, bleed = 72 / 25.4, 3 * 72 / 25.4
    w, h = variant.width_mm * mm, variant.height_mm * mm
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(w + 2 * bleed, h + 2 * bleed),
        trimBox=(bleed, bleed, bleed + w, bleed + h),
        bleedBox=(0, 0, w + 2 * bleed, h + 2 * bleed),
    )
    canvas.drawImage(ImageReader(render), 0, 0, w + 2 * bleed, h + 2 * bleed)
    canvas.setStrokeColor(CMYKColorSep(0, 1, 0, 0, spotName="CutContour"))
    canvas.setFillColor(CMYKColor(0, 0, 0, 1))
    canvas.roundRect(bleed + 3 * mm, bleed + 3 * mm, w - 6 * mm, h - 6 * mm, 4 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue(), "reportlab stand-in (printing.products not importable)"


def setup(orders: int, variants: list[str]) -> tuple[list[Any], dict[str, str]]:
    from django.core.files.base import ContentFile
    from django.test import override_settings
    from PIL import Image

    from printing.models import PrintItem, PrintItemStatus
    from shop.models import OrderStatus, ProductVariant
    from shop.services.orders import order_transition
    from tests import factories
    from tests.factories.shop import approved_design_for, order_for

    user = factories.user_create()
    with override_settings(MINIME_DAILY_GENERATION_QUOTA=1000):
        design = approved_design_for(user)
    assert design.approved_render is not None
    render = Image.open(design.approved_render.image.open("rb")).convert("RGB")
    render = render.resize((1024, 1024), Image.Resampling.LANCZOS)  # a full-size render
    files, made_by = {}, {}
    for sku in variants:
        variant = ProductVariant.objects.select_related("product").get(sku=sku)
        started = time.perf_counter()
        files[sku], how = print_file_for(variant, render)
        made_by[sku] = f"{how}, {len(files[sku]) / 2**20:.2f} MiB, built in "
        made_by[sku] += f"{time.perf_counter() - started:.1f} s"
    items = []
    for n in range(orders):
        sku = variants[n % len(variants)]
        order = order_for(user, sku=sku, design=design)
        order_transition(order=order, to=OrderStatus.PAID, reason="bench")
        item = PrintItem.objects.get(order_line=order.lines.get())  # made when paid
        item.file.save(f"{sku}.pdf", ContentFile(files[sku]), save=False)
        item.status = PrintItemStatus.READY
        item.save()
        items.append(item)
    return items, made_by


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variants", default="MM-STK-A5,MM-STK-A4")
    parser.add_argument("--sheet", default="")
    parser.add_argument("--keep", help="copy the last batch PDF here")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="minime-bench-batch-"))
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + os.urandom(24).hex())
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        MINIME_VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
    )
    for name in ("DATABASE_URL", "SQLITE_PATH", "MINIME_PRIVATE_ROOT"):
        os.environ.pop(name, None)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
        from django.conf import settings

        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        from printing.imposition.batch import print_batch_create

        started = time.perf_counter()
        items, made_by = setup(args.orders, args.variants.split(","))
        print(f"setup: {len(items)} paid orders with READY sticker sheets in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        for sku, how in made_by.items():
            print(f"  {sku}: {how}")

        times, peaks, py_peaks = [], [], []
        batch = None
        for run in range(args.runs):
            tracemalloc.start()
            with RssPeak() as rss:
                t0 = time.perf_counter()
                batch = print_batch_create(items=items, actor=None, sheet=args.sheet)
                elapsed = time.perf_counter() - t0
            py_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            times.append(elapsed)
            peaks.append(rss.peak - rss.before)
            py_peaks.append(py_peak)
            print(f"run {run + 1}: {elapsed:.2f} s, RSS +{mib(rss.peak - rss.before)} "
                  f"(peak {mib(rss.peak)}), Python peak {mib(py_peak)}")  # fmt: skip
        assert batch is not None
        size = batch.file.size
        with batch.file.open("rb") as handle:
            data = handle.read()
        info = subprocess.run(
            ["pdfinfo", "-"], input=data, capture_output=True, check=True
        ).stdout.decode()
        page_size = next(line for line in info.splitlines() if line.startswith("Page size"))
        pages = next(line for line in info.splitlines() if line.startswith("Pages"))
        if args.keep:
            Path(args.keep).write_bytes(data)
        median = statistics.median(times)
        print()
        print(f"{args.orders} orders -> batch of {batch.sheet_count} {batch.sheet_size} sheets "
              f"({pages.split()[-1]} pages, {page_size.split(':', 1)[1].strip()}), "
              f"{size / 2**20:.1f} MiB")  # fmt: skip
        print(f"print_batch_create: median {median:.2f} s, min {min(times):.2f} s, "
              f"max {max(times):.2f} s over {len(times)} runs")  # fmt: skip
        print(f"peak memory: RSS +{mib(max(peaks))} over the baseline, "
              f"Python allocations {mib(max(py_peaks))}")  # fmt: skip
        print(f"goal < {GOAL_S:.0f} s: {'PASS' if max(times) < GOAL_S else 'MISS'}")
        print(f"load average (1 min): {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
