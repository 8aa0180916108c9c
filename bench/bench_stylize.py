"""Seconds per 1024x1024 stylize render on one CPU core, from a 1536x2048 portrait.

    .venv/bin/python bench/bench_stylize.py [--renders 20] [--size 1024]

Goal: median <= 0.3 s. Prints wall time and process CPU time per render: on a shared, busy
machine the wall time includes waiting for the core, the CPU time does not.
"""

import os

# Before numpy loads: one BLAS/OpenMP thread, so "one core" means one.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

from figures.backends.base import Prompt, RenderInput  # noqa: E402
from figures.backends.stylize import STYLES, StylizeBackend  # noqa: E402

GOAL_SECONDS = 0.3


def portrait() -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The astronaut upscaled to a 1536x2048 (w x h) phone-like portrait, with its face box."""
    square = cv2.resize(data.astronaut(), (2048, 2048), interpolation=cv2.INTER_CUBIC)
    photo = np.ascontiguousarray(square[:, :1536])
    cascades: str = cv2.data.haarcascades  # type: ignore[attr-defined]
    cascade = cv2.CascadeClassifier(cascades + "haarcascade_frontalface_default.xml")
    gray = cv2.cvtColor(photo, cv2.COLOR_RGB2GRAY)
    faces = cascade.detectMultiScale(gray, 1.1, 5, minSize=(200, 200))
    if len(faces) == 0:
        raise SystemExit("no face found in the benchmark portrait")
    x, y, w, h = (int(v) for v in max(faces, key=lambda f: f[2]))
    return Image.fromarray(photo), (x, y, w, h)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--size", type=int, default=1024)
    args = parser.parse_args()

    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    photo, face_box = portrait()
    backend = StylizeBackend()
    styles = list(STYLES)

    def request(i: int) -> RenderInput:
        return RenderInput(
            photo=photo,
            face_box=face_box,
            prompt=Prompt(positive="", negative=""),
            style=styles[i % len(styles)],
            seed=1000 + i,
            size=args.size,
        )

    backend.render(request(0), on_progress=lambda step, total: None)  # warm-up
    wall: list[float] = []
    cpu: list[float] = []
    for i in range(args.renders):
        started_wall, started_cpu = time.perf_counter(), time.process_time()
        image = backend.render(request(i), on_progress=lambda step, total: None)
        wall.append(time.perf_counter() - started_wall)
        cpu.append(time.process_time() - started_cpu)
        assert image.size == (args.size, args.size)

    print(f"stylize: {args.renders} renders of {args.size}x{args.size} from a 1536x2048 photo")
    print(f"cores: {sorted(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else '?'}")
    for label, values in (("wall", wall), ("cpu ", cpu)):
        print(
            f"{label}: median {statistics.median(values):.3f} s  "
            f"p95 {percentile(values, 95):.3f} s  min {min(values):.3f} s"
        )
    verdict = "OK" if statistics.median(wall) <= GOAL_SECONDS else "OVER"
    print(f"goal: median <= {GOAL_SECONDS:.1f} s per render on one core -> {verdict}")


if __name__ == "__main__":
    main()
