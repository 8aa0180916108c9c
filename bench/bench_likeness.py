"""Likeness of renders to their photo: dlib descriptor distance, per backend and style.

    .venv/bin/python bench/bench_likeness.py [--size 1024] [--seeds 3] [--styles a,b]

Each test face (below) is rendered with several seeds per style; each render is compared with
its own photo by the production check (figures.likeness.PhotoLikeness: dlib 5-point alignment
and ResNet descriptor, Euclidean distance; < 0.6 means "same person" on the model's scale).
Prints median / max per backend and style, the renders whose face was not found, and the
seconds the check adds per render on one core. Goal (issue #15): stylize median <= 0.50 and
none above 0.55; check <= 0.3 s per render.

Test faces: scikit-image's astronaut (public-domain NASA portrait) and variants generated from
it: phone-portrait framing, tight and loose crops, a small photo, dim, warm and side lighting,
heavy JPEG, mirrored. There is no second person: the goal measures the same-person direction
(render vs its own photo), and the "not simply the photo" direction is shown by the
"face change" column: the mean absolute difference (0..255) between the photo's and the
render's aligned face chips, a render that pasted the photo back would score near 0.

The diffusers backend runs too when MINIME_DIFFUSERS_MODEL_DIR names a model folder and
--diffusers is given (GPU worker).
"""

import os

# Before numpy loads: one BLAS/OpenMP thread, so "one core" means one.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from skimage import data  # noqa: E402

if TYPE_CHECKING:
    from figures.backends.base import GenerationBackend

GOAL_MEDIAN = 0.50
GOAL_MAX = 0.55
GOAL_CHECK_SECONDS = 0.3


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, encoded = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR) if ok else None
    if decoded is None:
        raise SystemExit("JPEG round trip failed")
    return np.ascontiguousarray(decoded[..., ::-1])


def _light(rgb: np.ndarray, gain: np.ndarray) -> np.ndarray:
    return np.clip(rgb.astype(np.float32) * gain, 0, 255).astype(np.uint8)


def test_faces() -> dict[str, np.ndarray]:
    """The astronaut and generated variants, each an RGB photo."""
    native = data.astronaut()
    big = cv2.resize(native, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    tall = cv2.resize(native, (2048, 2048), interpolation=cv2.INTER_CUBIC)[:, :1536]
    ramp = np.linspace(1.1, 0.45, 1024, dtype=np.float32)[None, :, None]
    return {
        "astronaut_1024": big,
        "portrait_1536x2048": np.ascontiguousarray(tall),
        "tight_crop": cv2.resize(native[10:330, 60:380], (900, 900), interpolation=cv2.INTER_CUBIC),
        "loose_crop": np.ascontiguousarray(
            cv2.copyMakeBorder(big, 256, 256, 256, 256, cv2.BORDER_REFLECT)
        ),
        "small_512": np.ascontiguousarray(native),
        "dim": _light(big, np.full(3, 0.55, np.float32)),
        "warm_light": _light(big, np.array([1.12, 0.98, 0.75], np.float32)),
        "side_light": _light(big, ramp),
        "jpeg_q20": _jpeg(big, 20),
        "mirrored": np.ascontiguousarray(big[:, ::-1]),
    }


@dataclass
class Tally:
    distances: list[float] = field(default_factory=list)
    face_change: list[float] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _chip(image: Image.Image) -> np.ndarray | None:
    """The aligned 150x150 face chip dlib's descriptor is computed from (None: no face)."""
    import dlib

    from figures import likeness

    detector, predictor, _ = likeness._models()
    pixels = np.ascontiguousarray(np.asarray(image.convert("RGB"), np.uint8))
    faces = detector(pixels, 0) or detector(pixels, 1)
    if not faces:
        return None
    shape = predictor(pixels, max(faces, key=lambda r: r.area()))
    return np.asarray(dlib.get_face_chip(pixels, shape, size=150), np.float32)


def _backends(args: argparse.Namespace) -> list["GenerationBackend"]:
    from figures.backends.stylize import StylizeBackend
    from figures.conf import figures_settings

    backends: list[GenerationBackend] = [StylizeBackend()]
    if args.diffusers and figures_settings.DIFFUSERS_MODEL_DIR:
        from figures.backends.diffusers import DiffusersBackend

        backends.append(DiffusersBackend())
    return backends


def _render(
    backend: "GenerationBackend",
    photo: Image.Image,
    box: tuple[int, int, int, int] | None,
    style: str,
    seed: int,
    size: int,
) -> Image.Image:
    from figures.backends.base import Prompt, RenderInput

    request = RenderInput(
        photo=photo,
        face_box=box,
        prompt=Prompt(positive="a toy figure of a person", negative=""),
        style=style,
        seed=seed,
        size=size,
    )
    return backend.render(request, on_progress=lambda step, total: None)


def run(args: argparse.Namespace) -> tuple[dict[tuple[str, str], Tally], list[float]]:
    from figures.intake import detect_faces
    from figures.likeness import PhotoLikeness

    faces = test_faces()
    styles = args.styles.split(",") if args.styles else _all_styles()
    tallies: dict[tuple[str, str], Tally] = {}
    check_seconds: list[float] = []
    for face_name, rgb in faces.items():
        photo = Image.fromarray(rgb)
        boxes = detect_faces(photo)
        box = boxes[0] if boxes else None
        reference = PhotoLikeness(photo)
        if not reference.usable:
            print(f"  {face_name}: no face found in the photo by dlib, skipped")
            continue
        photo_chip = _chip(photo)
        for backend in _backends(args):
            backend_name = backend.name
            for style in styles:
                tally = tallies.setdefault((backend_name, style), Tally())
                for seed in range(1, args.seeds + 1):
                    image = _render(backend, photo, box, style, 1000 * seed + 7, args.size)
                    started = time.process_time()
                    distance = reference.distance(image)
                    check_seconds.append(time.process_time() - started)
                    if distance is None:
                        tally.missing.append(f"{face_name}/{seed}")
                        continue
                    tally.distances.append(distance)
                    chip = _chip(image)
                    if chip is not None and photo_chip is not None:
                        tally.face_change.append(float(np.abs(chip - photo_chip).mean()))
                    if args.save:
                        image.save(
                            Path(args.save) / f"{backend_name}_{style}_{face_name}_{seed}.png"
                        )
    return tallies, check_seconds


def _all_styles() -> list[str]:
    from figures.models import Style

    return [str(value) for value in Style.values]


def report(tallies: dict[tuple[str, str], Tally], check_seconds: list[float]) -> None:
    print(
        f"{'backend':10} {'style':18} {'n':>3} {'median':>7} {'max':>6} "
        f"{'face change':>11}  missing"
    )
    verdicts = []
    for (backend, style), tally in tallies.items():
        if not tally.distances:
            print(f"{backend:10} {style:18}   0  (no face found in any render)")
            verdicts.append(False)
            continue
        median, worst = statistics.median(tally.distances), max(tally.distances)
        change = statistics.median(tally.face_change) if tally.face_change else float("nan")
        print(
            f"{backend:10} {style:18} {len(tally.distances):3d} {median:7.3f} {worst:6.3f} "
            f"{change:11.1f}  {', '.join(tally.missing) or '-'}"
        )
        if backend == "stylize":
            verdicts.append(median <= GOAL_MEDIAN and worst <= GOAL_MAX and not tally.missing)
    every = [d for (b, _), t in tallies.items() if b == "stylize" for d in t.distances]
    if every:
        print(f"stylize, all styles: median {statistics.median(every):.3f}, max {max(every):.3f}")
    print(
        f"goal: stylize median <= {GOAL_MEDIAN} and max <= {GOAL_MAX} per style -> "
        f"{'OK' if verdicts and all(verdicts) else 'MISSED'}"
    )
    check = statistics.median(check_seconds)
    print(
        f"check per render (descriptor of the render, CPU time, one core): median {check:.3f} s, "
        f"max {max(check_seconds):.3f} s; goal <= {GOAL_CHECK_SECONDS} s -> "
        f"{'OK' if check <= GOAL_CHECK_SECONDS else 'OVER'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="render size (production: 1024)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--styles", default="", help="comma-separated; default: every Style")
    parser.add_argument("--diffusers", action="store_true", help="also the diffusers backend")
    parser.add_argument("--save", default="", help="folder to save every render into")
    args = parser.parse_args()
    if args.save:
        Path(args.save).mkdir(parents=True, exist_ok=True)

    import django

    django.setup()
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    tallies, check_seconds = run(args)
    report(tallies, check_seconds)


if __name__ == "__main__":
    main()
