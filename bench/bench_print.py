"""Seconds to build each product's print file at 300 dpi on one core, and peak memory.

.venv/bin/python bench/bench_print.py [--runs 5] [--render-size 1024]

Each product runs in a child process of its own (pinned to CPU 0), so its peak RSS (VmHWM of
/proc/self/status; getrusage's ru_maxrss would carry the parent's peak over the exec) is its
own: the child loads Django and the libraries, builds once to warm up (fonts, ICC transform,
imports), then times --runs builds of
printing.products.build(): compose, upscale, CMYK conversion, JPEG, PDF, OutputIntent and the
preflight read-back included. The render is the default `stylize` backend's output for the
scikit-image astronaut at --render-size (as a customer's approved render).
Goal: the box in at most 1 s on one core.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_BOX_S = 1.0

PRODUCTS = [
    ("art_print", "A4", 210, 297),
    ("art_print", "A3", 297, 420),
    ("art_print", "30 x 40 cm", 300, 400),
    ("sticker_sheet", "A5", 148, 210),
    ("sticker_sheet", "A4", 210, 297),
    ("box", "Standard (18 cm)", 120, 180),
    ("box", "Large (28 cm)", 180, 280),
    ("digital", "Full resolution", None, None),
]


def _render(size: int, cache: Path) -> Path:
    path = cache / f"bench-render-{size}.png"
    if path.exists():
        return path
    from PIL import Image
    from skimage import data

    from figures.backends.base import Prompt, RenderInput
    from figures.backends.stylize import StylizeBackend

    photo = Image.fromarray(data.astronaut()).resize((1536, 2048), Image.Resampling.LANCZOS)
    image = StylizeBackend().render(
        RenderInput(
            photo=photo,
            face_box=(560, 300, 500, 600),
            prompt=Prompt("", ""),
            style="action_figure",
            seed=1,
            size=size,
        ),
        on_progress=lambda step, total: None,
    )
    image.save(path)
    return path


def _peak_rss_mib() -> float:
    """The process's peak resident set (kB in /proc/self/status) in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(index: int, runs: int, render_path: str) -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    import django

    django.setup()
    import cv2
    from PIL import Image

    from printing.products import ProductSpec, build

    cv2.setNumThreads(1)
    kind, label, width, height = PRODUCTS[index]
    spec = ProductSpec(
        kind=kind,
        label=label,
        width_mm=width,
        height_mm=height,
        figure_name="Jürgen",
        tagline="Chief Coffee Officer",
        accessories=("coffee mug", "laptop", "stapler"),
        box_theme="ocean_blue",
        order_code="MM-000042-7",
    )
    render = Image.open(render_path).convert("RGB")
    rss_before = _peak_rss_mib()
    first = build(spec, render)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = build(spec, render)
        times.append(time.perf_counter() - started)
    print(
        json.dumps(
            {
                "product": f"{kind} {label}",
                "median_s": statistics.median(times),
                "max_s": max(times),
                "bytes": len(result.content),
                "status": first.report["status"],
                "rss_setup_mib": rss_before,
                "rss_peak_mib": _peak_rss_mib(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--render-size", type=int, default=1024)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--render", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + os.urandom(24).hex())
    sys.path.insert(0, str(ROOT))
    if args.child is not None:
        child(args.child, args.runs, args.render)
        return
    import django

    django.setup()
    render = _render(args.render_size, Path(os.environ.get("TMPDIR", "/tmp")))
    print(
        f"print files from a {args.render_size} px render, one core, median / max of "
        f"{args.runs} builds after a warm-up; load {os.getloadavg()[0]:.2f}"
    )
    print(f"{'product':34} {'median':>8} {'max':>8} {'size':>9} {'preflight':>9} {'peak RSS':>14}")
    for index in range(len(PRODUCTS)):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(index), "--runs", str(args.runs),
             "--render", str(render)],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        row = json.loads(out.strip().splitlines()[-1])
        growth = row["rss_peak_mib"] - row["rss_setup_mib"]
        print(
            f"{row['product']:34} {row['median_s']:7.3f}s {row['max_s']:7.3f}s "
            f"{row['bytes'] / 1e6:7.2f}MB {row['status']:>9} "
            f"{row['rss_peak_mib']:6.0f} MiB (+{growth:.0f})"
        )
        if row["product"].startswith("box Standard"):
            verdict = "PASS" if row["median_s"] <= GOAL_BOX_S else "MISS"
            box_line = (
                f"box (standard) median {row['median_s']:.3f} s: goal <= {GOAL_BOX_S} s {verdict}"
            )
    print(box_line)
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
