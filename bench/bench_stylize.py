"""Seconds per 1024x1024 `stylize` render on one core (goal: at most 0.3 s).

.venv/bin/python bench/bench_stylize.py [--runs 20]
"""

import argparse
import os
import statistics
import time

import cv2
from PIL import Image
from skimage import data

from figures.backends.base import Prompt, RenderInput
from figures.backends.stylize import StylizeBackend

GOAL_S = 0.3


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    cv2.setNumThreads(1)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    # A phone-sized portrait: the astronaut upscaled to 1536 x 2048.
    photo = Image.fromarray(data.astronaut()).resize((1536, 2048), Image.Resampling.LANCZOS)
    face_box = (560, 300, 500, 600)
    backend = StylizeBackend()
    times = []
    for seed in range(args.runs + 2):
        started = time.perf_counter()
        backend.render(
            RenderInput(
                photo=photo,
                face_box=face_box,
                prompt=Prompt("", ""),
                style="action_figure",
                seed=seed,
                size=args.size,
            ),
            on_progress=lambda step, total: None,
        )
        if seed >= 2:  # two warm-up renders
            times.append(time.perf_counter() - started)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    median = statistics.median(times)
    print(f"stylize {args.size}x{args.size}, one core, {args.runs} renders:")
    print(
        f"  median {median:.3f} s  p95 {p95:.3f} s  (goal <= {GOAL_S} s: "
        f"{'PASS' if p95 <= GOAL_S else 'MISS'})"
    )


if __name__ == "__main__":
    main()
