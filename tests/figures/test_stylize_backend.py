"""The stylize backend: a model-free render of the customer, checked on real portraits.

No database: these tests exercise the image pipeline only. skimage's astronaut is a
public-domain NASA portrait; chelsea (a cat) stands in for "somebody else's photo".
"""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from figures.backends.base import GenerationError, Prompt, RenderInput
from figures.backends.stylize import STYLES, StylizeBackend

ROOT = Path(__file__).resolve().parents[2]
ALL_STYLES = ("action_figure", "fashion_doll", "retro_80s", "anime_collectible")
_CASCADES: str = cv2.data.haarcascades  # type: ignore[attr-defined]
_cascade = cv2.CascadeClassifier(_CASCADES + "haarcascade_frontalface_default.xml")


def _faces(rgb: np.ndarray, min_size: int) -> list[tuple[int, int, int, int]]:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    found = _cascade.detectMultiScale(gray, 1.1, 3, minSize=(min_size, min_size))
    return [tuple(int(v) for v in box) for box in found]


@pytest.fixture(scope="module")
def selfie() -> np.ndarray:
    # Upscaled so it is closer to a phone selfie than a 512px thumbnail.
    return cv2.resize(data.astronaut(), (1024, 1024), interpolation=cv2.INTER_CUBIC)


@pytest.fixture(scope="module")
def face_box(selfie: np.ndarray) -> tuple[int, int, int, int]:
    faces = _faces(selfie, 100)
    assert len(faces) == 1, faces
    return faces[0]


@pytest.fixture(scope="module")
def cat_photo() -> np.ndarray:
    return cv2.resize(data.chelsea(), (1024, 1024), interpolation=cv2.INTER_CUBIC)


def _render(
    photo: np.ndarray,
    face_box: tuple[int, int, int, int] | None,
    *,
    style: str = "action_figure",
    seed: int = 7,
    size: int = 512,
    on_progress=None,
) -> Image.Image:
    request = RenderInput(
        photo=Image.fromarray(photo),
        face_box=face_box,
        prompt=Prompt(positive="a toy action figure", negative=""),
        style=style,
        seed=seed,
        size=size,
    )
    return StylizeBackend().render(request, on_progress=on_progress or (lambda step, total: None))


def _mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).mean())


def _normalised_face(rgb: np.ndarray, cx: float, cy: float, width: float) -> np.ndarray:
    """The square around a face, as a 24x24 zero-mean, unit-variance grey patch."""
    x0, y0, side = round(cx - width / 2), round(cy - width / 2), round(width)
    patch = rgb[max(0, y0) : y0 + side, max(0, x0) : x0 + side]
    gray = cv2.cvtColor(
        cv2.resize(patch, (24, 24), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY
    )
    values = gray.astype(np.float64)
    return (values - values.mean()) / (values.std() + 1e-6)


def _colours_for_90_percent(rgb: np.ndarray) -> int:
    """How many 5-bit-per-channel colours it takes to paint 90% of a 128px thumbnail."""
    small = cv2.resize(rgb, (128, 128), interpolation=cv2.INTER_AREA) >> 3
    keys = (small[..., 0].astype(np.int32) << 10) | (small[..., 1].astype(np.int32) << 5)
    keys |= small[..., 2]
    counts = np.sort(np.bincount(keys.ravel()))[::-1]
    return int(np.searchsorted(np.cumsum(counts), 0.9 * counts.sum()) + 1)


@pytest.mark.parametrize("size", [512, 1024])
def test_render_is_rgb_of_the_requested_size(selfie, face_box, size):
    image = _render(selfie, face_box, size=size)

    assert image.mode == "RGB"
    assert image.size == (size, size)


def test_backend_identifies_itself():
    assert StylizeBackend.name == "stylize"
    assert set(ALL_STYLES) <= set(STYLES)


def test_same_seed_renders_identical_bytes(selfie, face_box):
    first = _render(selfie, face_box, seed=42)
    # Something else in between, so state left behind by a render (RNGs) cannot hide a leak.
    _render(selfie, face_box, seed=43, style="retro_80s")
    second = _render(selfie, face_box, seed=42)

    assert first.tobytes() == second.tobytes()


def test_different_seeds_render_different_images(selfie, face_box):
    renders = [_render(selfie, face_box, seed=seed) for seed in (1, 2, 3)]

    for i, a in enumerate(renders):
        for b in renders[i + 1 :]:
            assert _mean_abs_diff(a, b) > 3.0


def test_each_style_looks_different(selfie, face_box):
    renders = {style: _render(selfie, face_box, style=style, seed=5) for style in ALL_STYLES}

    for i, a in enumerate(ALL_STYLES):
        for b in ALL_STYLES[i + 1 :]:
            assert _mean_abs_diff(renders[a], renders[b]) > 12.0, (a, b)
    # The studio backdrops (top corners) are far apart in colour too.
    corners = {s: np.asarray(r)[:40, :40].reshape(-1, 3).mean(axis=0) for s, r in renders.items()}
    for i, a in enumerate(ALL_STYLES):
        for b in ALL_STYLES[i + 1 :]:
            assert np.abs(corners[a] - corners[b]).sum() > 40.0, (a, b)


def test_progress_counts_up_to_the_advertised_total(selfie, face_box):
    calls: list[tuple[int, int]] = []
    backend_total = StylizeBackend().steps_per_render()

    _render(selfie, face_box, on_progress=lambda step, total: calls.append((step, total)))

    assert backend_total >= 3
    assert [step for step, _ in calls] == list(range(1, backend_total + 1))
    assert {total for _, total in calls} == {backend_total}


@pytest.mark.parametrize("style", ALL_STYLES)
def test_render_still_shows_the_face_head_and_shoulders(selfie, face_box, style):
    size = 512
    image = np.asarray(_render(selfie, face_box, style=style, size=size))

    # A stock face detector still finds a face: centred, above the middle, head-and-shoulders.
    faces = _faces(image, size // 8)
    assert faces, "no face found in the render"
    x, y, w, h = max(faces, key=lambda f: f[2])
    assert abs((x + w / 2) / size - 0.5) < 0.12
    assert 0.25 < (y + h / 2) / size < 0.5
    assert 0.25 < w / size < 0.55


@pytest.mark.parametrize("style", ALL_STYLES)
def test_render_is_derived_from_this_persons_photo(selfie, face_box, cat_photo, style):
    """The face in the render matches the customer's face, a render of another photo does not."""
    size = 512
    x, y, w, h = face_box
    customer_face = _normalised_face(selfie, x + w / 2, y + h / 2, w)
    own = np.asarray(_render(selfie, face_box, style=style, size=size))
    other = np.asarray(_render(cat_photo, face_box, style=style, size=size))

    # Head-and-shoulders framing puts the face about here; the seed moves it only slightly.
    where = (size / 2, size * 0.42, size / 2.8)
    own_match = float((_normalised_face(own, *where) * customer_face).mean())
    other_match = float((_normalised_face(other, *where) * customer_face).mean())

    assert own_match > 0.4
    assert own_match - other_match > 0.4


@pytest.mark.parametrize("style", ALL_STYLES)
def test_render_uses_a_reduced_palette(selfie, face_box, style):
    image = np.asarray(_render(selfie, face_box, style=style, size=1024))

    assert _colours_for_90_percent(image) < 0.6 * _colours_for_90_percent(selfie)


def test_without_a_face_box_the_upper_centre_is_framed(selfie):
    image = _render(selfie, None, size=512)

    assert image.size == (512, 512)
    assert np.asarray(image).std() > 20  # a picture, not a flat fill


@pytest.mark.parametrize(
    "box",
    [(0, 0, 180, 180), (860, 860, 164, 164), (900, 300, 200, 200), (-40, 500, 160, 160)],
    ids=["top-left", "bottom-right", "past-right-edge", "negative-x"],
)
def test_a_face_at_the_edge_of_the_photo_still_renders(selfie, box):
    image = _render(selfie, box, size=512)

    assert image.size == (512, 512)
    assert image.mode == "RGB"


def test_a_small_photo_renders_at_full_size(selfie):
    small = cv2.resize(selfie, (600, 600), interpolation=cv2.INTER_AREA)
    box = _faces(small, 60)[0]

    image = _render(small, box, size=1024)

    assert image.size == (1024, 1024)
    assert np.asarray(image).std() > 20


def test_non_rgb_photos_are_accepted(selfie, face_box):
    rgba = np.dstack([selfie, np.full(selfie.shape[:2], 255, np.uint8)])
    request = RenderInput(
        photo=Image.fromarray(rgba, mode="RGBA"),
        face_box=face_box,
        prompt=Prompt(positive="", negative=""),
        style="fashion_doll",
        seed=1,
        size=256,
    )

    image = StylizeBackend().render(request, on_progress=lambda step, total: None)

    assert image.mode == "RGB"
    assert image.size == (256, 256)


def test_an_unknown_style_is_a_generation_error(selfie, face_box):
    with pytest.raises(GenerationError):
        _render(selfie, face_box, style="oil_painting")


def test_a_face_box_outside_the_photo_is_a_generation_error(selfie):
    with pytest.raises(GenerationError):
        _render(selfie, (5000, 5000, 100, 100))


def test_importing_the_backend_loads_no_torch():
    code = (
        "import sys; import figures.backends.stylize; "
        "assert 'torch' not in sys.modules and 'diffusers' not in sys.modules"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
