"""A model-free, CPU-only backend: turns the customer's photo into a toy-like portrait.

The pipeline is classic image processing, so it runs anywhere (demo, CI, a worker without a
GPU) in well under a second: face-centred framing, edge-preserving smoothing, colour
quantisation, ink outlines, a plastic sheen and a studio backdrop per style. Heavy filtering
runs at half resolution and is upscaled; only the ink and the final blend run at full size.
"""

import math
import zlib
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
# GrabCut runs on a thumbnail of this edge length: it only has to find the silhouette.
_CUT_SIZE = 96
_LAB8_SCALE = np.array([100.0 / 255.0, 1.0, 1.0], np.float32)
_LAB8_OFFSET = np.array([0.0, -128.0, -128.0], np.float32)
# Centres of a 32^3 grid over OpenCV's 8-bit Lab, in real Lab units (see _quantise).
_LAB_GRID = (
    np.stack(np.meshgrid(*[np.arange(32, dtype=np.float32) * 8 + 4] * 3, indexing="ij"), -1)
    .reshape(-1, 3)
    .astype(np.float32)
    * _LAB8_SCALE
    + _LAB8_OFFSET
)


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
    shading: float  # share of the photo's own shading kept over the flat paint
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
        shading=0.3,
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
        shading=0.45,
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
        shading=0.15,
        backdrop_top=(255, 96, 170),
        backdrop_bottom=(48, 16, 108),
        stripes=True,
    ),
    "anime_collectible": StyleLook(
        colours=6,
        smoothing_passes=3,
        saturation=1.6,
        contrast=1.05,
        brightness=12.0,
        tint=(4.0, 2.0),
        ink=(28, 30, 64),
        ink_width=0,
        ink_strength=0.9,
        canny=(50, 130),
        sheen=0.55,
        shading=0.1,
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
        figure_mask = _figure_mask(frame.image, frame, jitter)
        advance()
        colour = _quantise(smooth, figure_mask, look, jitter)
        advance()
        ink = _ink(smooth, figure_mask, frame, look)
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


def _figure_mask(image: ByteArray, frame: _Frame, jitter: _Jitter) -> FloatArray:
    """A soft head-and-shoulders silhouette (0..1): the figure; everything else is backdrop.

    A portrait-shaped prior (head ellipse, neck, shoulders) is refined by GrabCut at a tiny
    size, so the cut follows hair and shoulders but can never wander far from the prior.
    """
    work = image.shape[0]
    low = _CUT_SIZE
    scale = low / work
    cx, cy = (c * scale for c in frame.face_centre)
    fw = frame.face_width * scale

    def draw(target: ByteArray, grow: float, value: int) -> None:
        def pt(dx: float, dy: float) -> tuple[int, int]:
            return round(cx + dx * fw), round(cy + dy * fw)

        def ax(a: float, b: float) -> tuple[int, int]:
            return max(1, round(a * fw * grow)), max(1, round(b * fw * grow))

        cv2.ellipse(target, pt(0.0, -0.1), ax(0.72, 0.88), 0, 0, 360, value, -1)  # head, hair
        cv2.rectangle(target, pt(-0.34 * grow, 0.2), pt(0.34 * grow, 1.0), value, -1)  # neck
        cv2.ellipse(target, pt(0.0, 1.62), ax(1.5, 0.85), 0, 0, 360, value, -1)  # shoulders
        cv2.rectangle(target, pt(-1.5 * grow, 1.62), pt(1.5 * grow, 6.0), value, -1)  # torso

    prior = np.zeros((low, low), np.uint8)
    draw(prior, 1.0, 255)
    envelope = np.zeros((low, low), np.uint8)
    draw(envelope, 1.2, 255)
    core = np.zeros((low, low), np.uint8)
    cv2.ellipse(
        core,
        (round(cx), round(cy + 0.05 * fw)),
        (round(0.36 * fw), round(0.5 * fw)),
        0,
        0,
        360,
        255,
        -1,
    )
    cv2.rectangle(
        core, (round(cx - 0.8 * fw), round(cy + 1.5 * fw)), (round(cx + 0.8 * fw), low), 255, -1
    )

    cut = np.full((low, low), cv2.GC_BGD, np.uint8)
    cut[envelope > 0] = cv2.GC_PR_BGD
    cut[prior > 0] = cv2.GC_PR_FGD
    cut[core > 0] = cv2.GC_FGD
    small = cv2.cvtColor(
        cv2.resize(image, (low, low), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2BGR
    )
    figure = prior
    if np.any(cut == cv2.GC_BGD) or np.any(cut == cv2.GC_PR_BGD):
        # GrabCut seeds its colour models with OpenCV's thread RNG: pin it for determinism.
        cv2.setRNGSeed(jitter.kmeans_seed)
        try:
            cv2.grabCut(
                small,
                cut,
                (0, 0, 0, 0),  # unused: the mask seeds the cut
                np.zeros((1, 65)),
                np.zeros((1, 65)),
                2,
                cv2.GC_INIT_WITH_MASK,
            )
        except cv2.error:
            pass
        else:
            found = np.where((cut == cv2.GC_FGD) | (cut == cv2.GC_PR_FGD), 255, 0).astype(np.uint8)
            # A cut that lost most of the prior failed; the plain silhouette is better then.
            if np.count_nonzero(found) > 0.6 * np.count_nonzero(prior):
                figure = found
    # Round the cut into a smooth, moulded outline and keep the piece holding the face.
    mask = cv2.resize(figure, (work, work), interpolation=cv2.INTER_LINEAR)
    mask = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.05 * frame.face_width))
    mask = np.where(mask > 127, 255, 0).astype(np.uint8)
    count, labels = cv2.connectedComponents(mask, connectivity=4)
    if count > 2:
        face_label = labels[
            min(work - 1, max(0, round(frame.face_centre[1]))),
            min(work - 1, max(0, round(frame.face_centre[0]))),
        ]
        if face_label:
            mask = np.where(labels == face_label, 255, 0).astype(np.uint8)
    soft = cv2.GaussianBlur(mask, (0, 0), max(1.0, 0.012 * work))
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
    # Element-wise, not a matrix product: BLAS would start threads for this tiny job.
    distances = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(distances, axis=1)


def _lab8_to_lab(lab8: ByteArray) -> FloatArray:
    """OpenCV's 8-bit Lab (L*255/100, a+128, b+128) in real Lab units."""
    return lab8.astype(np.float32) * _LAB8_SCALE + _LAB8_OFFSET


def _quantise(smooth: ByteArray, mask: FloatArray, look: StyleLook, jitter: _Jitter) -> FloatArray:
    """Paint the figure with a few flat colours, graded for the style. Returns RGB 0..1."""
    lab8 = np.asarray(cv2.cvtColor(smooth, cv2.COLOR_RGB2Lab), np.uint8)
    pixels = _lab8_to_lab(lab8.reshape(-1, 3))
    rng = np.random.default_rng(jitter.kmeans_seed)
    # The palette is spent on the person: the backdrop replaces everything else.
    candidates = np.flatnonzero(mask.reshape(-1) > 0.5)
    if len(candidates) < look.colours * 4:
        candidates = np.arange(len(pixels))
    picks = rng.choice(candidates, size=min(_KMEANS_SAMPLES, len(candidates)), replace=False)
    # Lightness counts a little less, so flesh tones keep a couple of shades.
    weights = np.array([0.8, 1.0, 1.0], np.float32)
    centres = _kmeans(pixels[picks] * weights, look.colours, rng) / weights
    # Pixels find their colour through a table over a 32^3 Lab grid: exact enough for a
    # handful of colours and far cheaper than measuring every pixel against every colour.
    table = _nearest(_LAB_GRID * weights, centres * weights)
    cells = (lab8 >> 3).astype(np.int32)
    labels = table[(cells[..., 0] << 10) | (cells[..., 1] << 5) | cells[..., 2]].reshape(-1)

    # Flat paint, with a little of the real shading left in so faces keep their form.
    flat = centres.astype(np.float32)[labels]
    keep = np.array([look.shading, look.shading * 0.5, look.shading * 0.5], np.float32)
    painted = flat + (pixels - flat) * keep
    # Grade for the style in one affine step: lightness contrast, hue turn, chroma, tint.
    cos, sin = math.cos(jitter.palette_turn), math.sin(jitter.palette_turn)
    sat = look.saturation
    grade = np.array(
        [
            [look.contrast, 0.0, 0.0, 55.0 * (1.0 - look.contrast) + look.brightness],
            [0.0, cos * sat, -sin * sat, look.tint[0]],
            [0.0, sin * sat, cos * sat, look.tint[1]],
        ],
        np.float32,
    )
    graded = cv2.transform(painted.reshape(smooth.shape), grade)
    np.clip(graded[..., 0], 0.0, 100.0, out=graded[..., 0])
    rgb = cv2.cvtColor(graded, cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0)


def _ink(smooth: ByteArray, mask: FloatArray, frame: _Frame, look: StyleLook) -> FloatArray:
    """Dark outlines from the smoothed lightness, small specks removed. Returns 0..1."""
    work = smooth.shape[0]
    gray = cv2.GaussianBlur(cv2.cvtColor(smooth, cv2.COLOR_RGB2GRAY), (0, 0), 1.2)
    edges = cv2.Canny(gray, *look.canny)
    _count, labels, stats, _ = cv2.connectedComponentsWithStats(edges, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= max(6, work // 20)
    keep[0] = False
    edges = np.where(keep[labels], 255, 0).astype(np.uint8)
    # Hair and fabric texture turn into scribbles: thin the ink where lines crowd, except on
    # the face itself, whose eyes and mouth are crowded lines worth keeping.
    crowding = cv2.GaussianBlur(edges.astype(np.float32) / 255.0, (0, 0), work / 64)
    calm = np.clip(1.0 - (crowding - 0.08) / 0.08, 0.2, 1.0)
    face = np.zeros((work, work), np.uint8)
    cx, cy = frame.face_centre
    axes = (max(1, round(0.36 * frame.face_width)), max(1, round(0.5 * frame.face_width)))
    cv2.ellipse(face, (round(cx), round(cy + 0.05 * frame.face_width)), axes, 0, 0, 360, 255, -1)
    calm = np.maximum(calm, cv2.GaussianBlur(face, (0, 0), work / 100).astype(np.float32) / 255)
    if look.ink_width > 0:
        size = 2 * look.ink_width + 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
        edges = cv2.dilate(edges, kernel)
    ink = edges.astype(np.float32) / 255.0 * calm
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
    # Speculars where a spot is brighter than its surroundings: forehead, nose, hair shine.
    local = lum - cv2.GaussianBlur(lum, (0, 0), low / 16)
    bright = np.clip((local - 0.01) / 0.1, 0.0, 1.0) * np.clip((lum - 0.3) / 0.4, 0.0, 1.0)
    spec = cv2.GaussianBlur(bright * (0.35 + 0.65 * facing), (0, 0), max(1.0, low / 70))
    # A rim of light just inside the silhouette on the lit side, like moulded vinyl.
    mask_low = cv2.resize(mask, (low, low), interpolation=cv2.INTER_AREA)
    rim = np.clip(mask_low - cv2.GaussianBlur(mask_low, (0, 0), low / 60), 0.0, 1.0) * 2.5
    spec = np.clip(spec + rim * facing**2, 0.0, 1.0)
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
    rows = np.linspace(0.0, 1.0, size, dtype=np.float32)[:, None]
    ys, xs = np.ogrid[0:size, 0:size]
    r = np.hypot((xs - size * 0.5) / size, (ys - size * 0.42) / size).astype(np.float32)
    glow = (np.clip(1.0 - r * 1.6, 0.0, 1.0) ** 2 * 0.35)[..., None]
    column = (top * (1.0 - rows) + bottom * rows)[:, None, :]  # size x 1 x 3
    if look.stripes:
        band = ((np.sin(rows * 70.0) > 0.55) & (rows > 0.62))[:, None, :]
        column = np.where(band, column * 0.7 + 0.3 * top, column)
    return (column + (1.0 - column) * glow).astype(np.float32)


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
    """Set the figure on the backdrop, upscale, and ink it at full size (crisp lines)."""
    work = colour.shape[0]
    backdrop = _backdrop(work, look, jitter)
    # Drop shadow: the silhouette, blurred and nudged away from the light.
    shift = work * 0.025
    matrix = np.array([[1.0, 0.0, shift], [0.0, 1.0, shift * 0.6]], np.float32)
    shadow = cv2.warpAffine(mask, matrix, (work, work), borderMode=cv2.BORDER_REPLICATE)
    shadow = cv2.GaussianBlur(shadow, (0, 0), work * 0.015)
    backdrop *= (1.0 - 0.35 * shadow)[..., None]
    alpha = np.clip((mask - 0.35) / 0.3, 0.0, 1.0)[..., None]
    scene = backdrop + (colour - backdrop) * alpha

    def up(image: FloatArray) -> FloatArray:
        if image.shape[0] == size:
            return image
        return cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)

    scene = up(scene)
    # The silhouette's own outline, like the moulded edge of a toy, plus the inner lines;
    # a slight blur turns the upscaled hard edge map into anti-aliased strokes.
    edge = np.clip(1.0 - np.abs(up(mask) - 0.5) * 4.0, 0.0, 1.0)
    lines = np.clip(cv2.GaussianBlur(up(ink), (0, 0), 0.8) * 1.6, 0.0, 1.0)
    coverage = (1.0 - (1.0 - edge) * (1.0 - lines)) * look.ink_strength
    ink_rgb = np.array(look.ink, np.float32) / 255.0
    out = scene + (ink_rgb - scene) * coverage[..., None]
    return cv2.convertScaleAbs(out, alpha=255.0)
