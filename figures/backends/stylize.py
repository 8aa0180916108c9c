"""A model-free, CPU-only backend: turns the customer's photo into a toy-like portrait.

The pipeline is classic image processing, so it runs anywhere (demo, CI, a worker without a
GPU) in well under a second: face-centred framing, edge-preserving smoothing, colour
quantisation, ink outlines, a plastic sheen and a studio backdrop per style. Heavy filtering
runs at half resolution and is upscaled; only the ink and the final blend run at full size.
"""

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from django.utils.translation import gettext_noop
from PIL import Image

from figures.backends.base import GenerationError, ProgressCallback, RenderInput

FloatArray = np.ndarray
ByteArray = np.ndarray

# The heavy work never runs above this edge length; the render is upscaled from it.
_WORK_SIZE_MAX = 512
_WORK_SIZE_MIN = 64
_KMEANS_SAMPLES = 3000
_KMEANS_ITERATIONS = 8


@dataclass(frozen=True)
class StyleLook:
    colours: int  # palette size of the colour quantisation
    smoothing_passes: int  # bilateral passes at working resolution
    saturation: float  # chroma multiplier after quantisation
    contrast: float  # lightness contrast around mid-grey
    brightness: float  # lightness offset (Lab L units)
    tint: tuple[float, float]  # added to Lab a, b
    ink: tuple[int, int, int]  # outline colour, RGB
    ink_width: int  # dilation of the edge map at working resolution (0 = 1px)
    ink_strength: float
    canny: tuple[int, int]
    sheen: float  # strength of the specular highlight
    backdrop_top: tuple[int, int, int]
    backdrop_bottom: tuple[int, int, int]
    stripes: bool = False  # retro horizon stripes on the backdrop


STYLES: dict[str, StyleLook] = {
    "action_figure": StyleLook(
        colours=7,
        smoothing_passes=2,
        saturation=1.15,
        contrast=1.2,
        brightness=0.0,
        tint=(0.0, 3.0),
        ink=(18, 18, 26),
        ink_width=1,
        ink_strength=0.95,
        canny=(40, 100),
        sheen=0.45,
        backdrop_top=(70, 120, 200),
        backdrop_bottom=(14, 28, 72),
    ),
    "fashion_doll": StyleLook(
        colours=10,
        smoothing_passes=3,
        saturation=1.2,
        contrast=1.05,
        brightness=6.0,
        tint=(8.0, 0.0),
        ink=(96, 32, 70),
        ink_width=0,
        ink_strength=0.7,
        canny=(60, 140),
        sheen=0.75,
        backdrop_top=(255, 196, 222),
        backdrop_bottom=(226, 102, 164),
    ),
    "retro_80s": StyleLook(
        colours=5,
        smoothing_passes=2,
        saturation=1.35,
        contrast=1.15,
        brightness=0.0,
        tint=(12.0, -14.0),
        ink=(40, 10, 70),
        ink_width=1,
        ink_strength=0.85,
        canny=(50, 120),
        sheen=0.35,
        backdrop_top=(255, 96, 170),
        backdrop_bottom=(48, 16, 108),
        stripes=True,
    ),
    "anime_collectible": StyleLook(
        colours=6,
        smoothing_passes=3,
        saturation=1.45,
        contrast=1.0,
        brightness=10.0,
        tint=(0.0, -4.0),
        ink=(28, 30, 64),
        ink_width=0,
        ink_strength=0.9,
        canny=(50, 130),
        sheen=0.55,
        backdrop_top=(214, 238, 255),
        backdrop_bottom=(140, 196, 246),
    ),
}


@dataclass(frozen=True)
class _Jitter:
    """Everything the seed changes, drawn once so a seed always renders the same image."""

    zoom: float
    offset: tuple[float, float]  # in face widths
    palette_turn: float  # radians, rotates the quantised palette's hue
    backdrop_turn: float  # degrees of hue rotation of the backdrop
    light_angle: float  # radians, direction the sheen comes from
    kmeans_seed: int


@dataclass(frozen=True)
class _Frame:
    image: ByteArray  # RGB uint8, work x work
    face_centre: tuple[float, float]  # in work pixels
    face_width: float  # in work pixels


class StylizeBackend:
    name = "stylize"

    _stages: tuple[str, ...] = ("frame", "smooth", "quantise", "outline", "sheen", "compose")

    def steps_per_render(self) -> int:
        return len(self._stages)

    def render(self, request: RenderInput, *, on_progress: ProgressCallback) -> Image.Image:
        look = STYLES.get(request.style)
        if look is None:
            raise GenerationError(
                gettext_noop("This figure style is not available right now."),
                detail=f"stylize backend has no look for style {request.style!r}",
            )
        if request.size < 16:
            raise GenerationError(
                gettext_noop("The render could not be created."),
                detail=f"size {request.size} too small",
            )
        total = self.steps_per_render()
        step = 0

        def advance() -> None:
            nonlocal step
            step += 1
            on_progress(step, total)

        jitter = _draw_jitter(request.seed, request.style)
        photo = np.asarray(request.photo.convert("RGB"))
        if photo.shape[0] < 8 or photo.shape[1] < 8:
            raise GenerationError(
                gettext_noop("The photo is too small."), detail=f"photo {photo.shape}"
            )
        work = max(_WORK_SIZE_MIN, min(request.size, _WORK_SIZE_MAX))

        frame = _frame(photo, request.face_box, work, jitter)
        advance()
        smooth = _smooth(frame.image, look.smoothing_passes)
        figure_mask = _figure_mask(work, frame)
        advance()
        colour = _quantise(smooth, figure_mask, look, jitter)
        advance()
        ink = _ink(smooth, figure_mask, look)
        advance()
        colour = _sheen(colour, smooth, figure_mask, frame, look, jitter)
        advance()
        out = _compose(colour, ink, figure_mask, request.size, look, jitter)
        advance()
        return Image.fromarray(out, mode="RGB")


def _draw_jitter(seed: int, style: str) -> _Jitter:
    # crc32, not hash(): str hashes are salted per process and would break determinism.
    rng = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, zlib.crc32(style.encode())])
    return _Jitter(
        zoom=float(rng.uniform(0.94, 1.06)),
        offset=(float(rng.uniform(-0.06, 0.06)), float(rng.uniform(-0.05, 0.05))),
        palette_turn=float(rng.uniform(-0.12, 0.12)),
        backdrop_turn=float(rng.uniform(-18.0, 18.0)),
        light_angle=float(rng.uniform(-2.6, -1.9)),
        kmeans_seed=int(rng.integers(0, 2**31 - 1)),
    )


def _frame(
    photo: ByteArray, face_box: tuple[int, int, int, int] | None, work: int, jitter: _Jitter
) -> _Frame:
    """A square head-and-shoulders crop around the face, padded where it leaves the photo."""
    height, width = photo.shape[:2]
    if face_box is not None and face_box[2] > 0 and face_box[3] > 0:
        x, y, w, h = (float(v) for v in face_box)
        face_width = max(w, h * 0.9)
        cx, cy = x + w / 2.0, y + h / 2.0
    else:
        # Selfie heuristic: face in the horizontal middle, in the upper third.
        face_width = 0.32 * min(width, height)
        cx, cy = width / 2.0, height * 0.36
    side = 2.8 * face_width / jitter.zoom
    cx += jitter.offset[0] * face_width
    cy += jitter.offset[1] * face_width
    # The face sits a little above the centre so that the shoulders fit below it.
    x0 = round(cx - side / 2.0)
    y0 = round(cy - side * 0.42)
    side_px = max(2, round(side))
    x1, y1 = x0 + side_px, y0 + side_px
    crop = photo[max(0, y0) : min(height, y1), max(0, x0) : min(width, x1)]
    if crop.size == 0:
        raise GenerationError(
            gettext_noop("We could not find the face in this photo."),
            detail=f"face box {face_box} off photo",
        )
    pad = (max(0, -y0), max(0, y1 - height), max(0, -x0), max(0, x1 - width))
    if any(pad):
        crop = cv2.copyMakeBorder(crop, *pad, cv2.BORDER_REPLICATE)
    interpolation = cv2.INTER_AREA if side_px > work else cv2.INTER_CUBIC
    image = cv2.resize(crop, (work, work), interpolation=interpolation)
    scale = work / side_px
    return _Frame(
        image=np.ascontiguousarray(image),
        face_centre=((cx - x0) * scale, (cy - y0) * scale),
        face_width=face_width * scale,
    )


def _smooth(image: ByteArray, passes: int) -> ByteArray:
    """Flatten skin and fabric while keeping edges; the coarse pass runs at half size."""
    work = image.shape[0]
    half = max(32, work // 2)
    small = cv2.resize(image, (half, half), interpolation=cv2.INTER_AREA)
    for _ in range(passes):
        small = cv2.bilateralFilter(small, 9, 38, 5)
    coarse = cv2.resize(small, (work, work), interpolation=cv2.INTER_LINEAR)
    # Bring back edge sharpness at working size with one cheaper pass guided by the original.
    detail = cv2.bilateralFilter(image, 7, 30, 4)
    edges = cv2.Canny(cv2.cvtColor(detail, cv2.COLOR_RGB2GRAY), 60, 140)
    near_edge = cv2.GaussianBlur(edges.astype(np.float32) / 255.0, (0, 0), 2.0)
    near_edge = np.clip(near_edge * 3.0, 0.0, 1.0)[..., None]
    blended = coarse.astype(np.float32) * (1.0 - near_edge) + detail.astype(np.float32) * near_edge
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def _figure_mask(work: int, frame: _Frame) -> FloatArray:
    """A soft head-and-shoulders silhouette (0..1): the figure, everything else is backdrop."""
    mask = np.zeros((work, work), np.uint8)
    cx, cy = frame.face_centre
    fw = frame.face_width

    def pt(dx: float, dy: float) -> tuple[int, int]:
        return round(cx + dx * fw), round(cy + dy * fw)

    def ax(a: float, b: float) -> tuple[int, int]:
        return max(1, round(a * fw)), max(1, round(b * fw))

    cv2.ellipse(mask, pt(0.0, -0.1), ax(0.7, 0.86), 0, 0, 360, 255, -1)  # head and hair
    cv2.rectangle(mask, pt(-0.32, 0.2), pt(0.32, 1.0), 255, -1)  # neck
    cv2.ellipse(mask, pt(0.0, 1.62), ax(1.45, 0.85), 0, 0, 360, 255, -1)  # shoulders
    cv2.rectangle(mask, pt(-1.45, 1.62), pt(1.45, 6.0), 255, -1)  # torso to the bottom edge
    feather = max(1.0, 0.04 * fw)
    soft = cv2.GaussianBlur(mask, (0, 0), feather)
    return soft.astype(np.float32) / 255.0


def _kmeans(samples: FloatArray, k: int, rng: np.random.Generator) -> FloatArray:
    """Plain k-means with k-means++ seeding; numpy only, so the seed fully decides it."""
    centres = np.empty((k, samples.shape[1]), np.float32)
    centres[0] = samples[rng.integers(len(samples))]
    closest = np.sum((samples - centres[0]) ** 2, axis=1)
    for i in range(1, k):
        total = float(closest.sum())
        if total <= 0.0:
            centres[i:] = centres[0]
            break
        pick = rng.choice(len(samples), p=closest / total)
        centres[i] = samples[pick]
        closest = np.minimum(closest, np.sum((samples - centres[i]) ** 2, axis=1))
    for _ in range(_KMEANS_ITERATIONS):
        labels = _nearest(samples, centres)
        for i in range(k):
            members = samples[labels == i]
            if len(members):
                centres[i] = members.mean(axis=0)
    return centres


def _nearest(points: FloatArray, centres: FloatArray) -> np.ndarray:
    distances = (
        np.sum(centres**2, axis=1)[None, :] - 2.0 * points @ centres.T
    )  # |p|^2 is the same for every centre
    return np.argmin(distances, axis=1)


def _quantise(smooth: ByteArray, mask: FloatArray, look: StyleLook, jitter: _Jitter) -> FloatArray:
    """Paint the figure with a few flat colours, graded for the style. Returns RGB 0..1."""
    lab = cv2.cvtColor(smooth.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab)
    pixels = lab.reshape(-1, 3)
    rng = np.random.default_rng(jitter.kmeans_seed)
    # The palette is spent on the person: the backdrop replaces everything else.
    candidates = np.flatnonzero(mask.reshape(-1) > 0.5)
    if len(candidates) < look.colours * 4:
        candidates = np.arange(len(pixels))
    picks = rng.choice(candidates, size=min(_KMEANS_SAMPLES, len(candidates)), replace=False)
    # Lightness counts a little less, so flesh tones keep a couple of shades.
    weights = np.array([0.8, 1.0, 1.0], np.float32)
    centres = _kmeans(pixels[picks] * weights, look.colours, rng) / weights
    labels = _nearest(pixels * weights, centres * weights)

    palette = centres.copy()
    lightness = (palette[:, 0] - 55.0) * look.contrast + 55.0 + look.brightness
    cos, sin = math.cos(jitter.palette_turn), math.sin(jitter.palette_turn)
    a = palette[:, 1] * cos - palette[:, 2] * sin
    b = palette[:, 1] * sin + palette[:, 2] * cos
    palette[:, 0] = np.clip(lightness, 0.0, 100.0)
    palette[:, 1] = a * look.saturation + look.tint[0]
    palette[:, 2] = b * look.saturation + look.tint[1]
    painted = palette[labels].reshape(lab.shape).astype(np.float32)
    rgb = cv2.cvtColor(painted, cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0)


def _ink(smooth: ByteArray, mask: FloatArray, look: StyleLook) -> FloatArray:
    """Dark outlines from the smoothed lightness, small specks removed. Returns 0..1."""
    gray = cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(gray, *look.canny)
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    min_length = max(6, smooth.shape[0] // 40)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_length
    keep[0] = False
    edges = np.where(keep[labels], 255, 0).astype(np.uint8)
    if look.ink_width > 0:
        size = 2 * look.ink_width + 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        edges = cv2.dilate(edges, kernel)
    ink = edges.astype(np.float32) / 255.0
    # Ink only on the figure, fading out towards its silhouette.
    return ink * np.clip(mask * 1.5 - 0.25, 0.0, 1.0)


def _sheen(
    colour: FloatArray,
    smooth: ByteArray,
    mask: FloatArray,
    frame: _Frame,
    look: StyleLook,
    jitter: _Jitter,
) -> FloatArray:
    """Glossy-plastic highlights: soft speculars on the lit side of bright, smooth areas."""
    work = colour.shape[0]
    low = max(16, work // 4)
    gray = cv2.resize(
        cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY), (low, low), interpolation=cv2.INTER_AREA
    )
    lum = gray.astype(np.float32) / 255.0
    ys, xs = np.mgrid[0:low, 0:low].astype(np.float32) / low
    fx, fy = frame.face_centre[0] / work, frame.face_centre[1] / work
    dx, dy = math.cos(jitter.light_angle), math.sin(jitter.light_angle)
    # How much each point faces the light, as if the figure were a rounded shape.
    facing = np.clip(0.5 + ((xs - fx) * dx + (ys - fy) * dy) * 2.2, 0.0, 1.0)
    bright = np.clip((lum - 0.45) / 0.45, 0.0, 1.0) ** 1.5
    spec = cv2.GaussianBlur(bright * facing, (0, 0), max(1.0, low / 40))
    spec = cv2.resize(spec, (work, work), interpolation=cv2.INTER_LINEAR)
    spec = (spec * mask * look.sheen)[..., None]
    # Shade the far side a little so the figure reads as a rounded, moulded object.
    shade = cv2.resize(1.0 - facing, (work, work), interpolation=cv2.INTER_LINEAR)
    shade = (1.0 - 0.18 * shade * mask)[..., None]
    return colour * shade * (1.0 - spec) + spec


def _backdrop(size: int, look: StyleLook, jitter: _Jitter) -> FloatArray:
    """A studio sweep: a vertical gradient with a soft pool of light behind the figure."""
    top = _turn_hue(look.backdrop_top, jitter.backdrop_turn)
    bottom = _turn_hue(look.backdrop_bottom, jitter.backdrop_turn)
    t = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None, None]
    column = top * (1.0 - t) + bottom * t  # size x 1 x 3
    backdrop = np.repeat(column, size, axis=1)
    ys, xs = np.ogrid[0:size, 0:size]
    r = np.hypot((xs - size * 0.5) / size, (ys - size * 0.42) / size).astype(np.float32)
    glow = np.clip(1.0 - r * 1.6, 0.0, 1.0)[..., None] ** 2
    backdrop = backdrop + (1.0 - backdrop) * glow * 0.35
    if look.stripes:
        rows = np.arange(size, dtype=np.float32)[:, None, None] / size
        band = (np.sin(rows * 70.0) > 0.55) & (rows > 0.62)
        backdrop = np.where(band, backdrop * 0.7 + np.float32(0.3) * top, backdrop)
    return backdrop.astype(np.float32)


def _turn_hue(rgb: tuple[int, int, int], degrees: float) -> FloatArray:
    pixel = np.array([[rgb]], np.float32) / 255.0
    hsv = cv2.cvtColor(pixel, cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + degrees) % 360.0
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB).reshape(3)


def _compose(
    colour: FloatArray,
    ink: FloatArray,
    mask: FloatArray,
    size: int,
    look: StyleLook,
    jitter: _Jitter,
) -> ByteArray:
    """Upscale the painted figure, ink it at full size and set it on the studio backdrop."""
    up: Callable[[FloatArray], FloatArray] = lambda a: cv2.resize(  # noqa: E731
        a, (size, size), interpolation=cv2.INTER_LINEAR
    )
    colour = up(colour)
    mask_full = up(mask)
    # A slight blur turns the upscaled hard edge map into anti-aliased strokes.
    ink_full = np.clip(cv2.GaussianBlur(up(ink), (0, 0), 0.8) * 1.6, 0.0, 1.0)
    ink_full *= look.ink_strength
    ink_rgb = np.array(look.ink, np.float32) / 255.0
    colour = colour * (1.0 - ink_full[..., None]) + ink_rgb * ink_full[..., None]

    backdrop = _backdrop(size, look, jitter)
    # Drop shadow: the silhouette, blurred and nudged away from the light.
    shift = size * 0.025
    matrix = np.array([[1, 0, shift], [0, 1, shift * 0.6]], dtype=np.float32)
    shadow = cv2.warpAffine(mask_full, matrix, (size, size), borderMode=cv2.BORDER_REPLICATE)
    shadow = cv2.GaussianBlur(shadow, (0, 0), size * 0.015)
    backdrop = backdrop * (1.0 - 0.35 * shadow[..., None])
    # A silhouette outline, like the moulded edge of a toy.
    edge = np.clip(1.0 - np.abs(mask_full - 0.5) * 4.0, 0.0, 1.0)[..., None] * look.ink_strength
    alpha = np.clip((mask_full - 0.35) / 0.3, 0.0, 1.0)[..., None]
    out = backdrop * (1.0 - alpha) + colour * alpha
    out = out * (1.0 - edge) + ink_rgb * edge
    return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
