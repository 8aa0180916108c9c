"""Paint: edge-preserving smoothing, then a few flat colours graded for the style."""

import math

import cv2
import numpy as np

from figures.backends.stylize.looks import ByteArray, FloatArray, Jitter, StyleLook

_KMEANS_SAMPLES = 3000
_KMEANS_ITERATIONS = 8
_LAB8_SCALE = np.array([100.0 / 255.0, 1.0, 1.0], np.float32)
_LAB8_OFFSET = np.array([0.0, -128.0, -128.0], np.float32)
# Centres of a 32^3 grid over OpenCV's 8-bit Lab, in real Lab units (see quantise_colours).
_LAB_GRID = (
    np.stack(np.meshgrid(*[np.arange(32, dtype=np.float32) * 8 + 4] * 3, indexing="ij"), -1)
    .reshape(-1, 3)
    .astype(np.float32)
    * _LAB8_SCALE
    + _LAB8_OFFSET
)
# Lightness counts a little less, so flesh tones keep a couple of shades.
_PALETTE_WEIGHTS = np.array([0.8, 1.0, 1.0], np.float32)


def smooth_photo(image: ByteArray, passes: int) -> ByteArray:
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


def quantise_colours(
    smooth: ByteArray,
    where: FloatArray,
    look: StyleLook,
    jitter: Jitter,
    *,
    colours: int | None = None,
    shading: float | None = None,
    samples: int = _KMEANS_SAMPLES,
) -> FloatArray:
    """Paint with a few flat colours found in ``where`` (0..1), graded for the style.

    ``colours`` and ``shading`` override the look's (the face gets more of both, see
    ``likeness``); ``samples`` is how many pixels k-means learns the palette from.
    Returns RGB 0..1.
    """
    colours = look.colours if colours is None else colours
    shading = look.shading if shading is None else shading
    lab8 = np.asarray(cv2.cvtColor(smooth, cv2.COLOR_RGB2Lab), np.uint8)
    pixels = _lab8_to_lab(lab8.reshape(-1, 3))
    centres = _figure_palette(pixels, where, colours, samples, jitter)
    labels = _palette_labels(lab8, centres)
    # Flat paint, with a little of the real shading left in so faces keep their form.
    flat = centres.astype(np.float32)[labels]
    keep = np.array([shading, shading * 0.5, shading * 0.5], np.float32)
    painted = flat + (pixels - flat) * keep
    return _grade(painted.reshape(smooth.shape), look, jitter)


def _figure_palette(
    pixels: FloatArray, mask: FloatArray, colours: int, samples: int, jitter: Jitter
) -> FloatArray:
    """The style's few colours, found by k-means over a sample of the figure's pixels."""
    rng = np.random.default_rng(jitter.kmeans_seed)
    # The palette is spent on the person: the backdrop replaces everything else.
    candidates = np.flatnonzero(mask.reshape(-1) > 0.5)
    if len(candidates) < colours * 4:
        candidates = np.arange(len(pixels))
    picks = rng.choice(candidates, size=min(samples, len(candidates)), replace=False)
    return _kmeans(pixels[picks] * _PALETTE_WEIGHTS, colours, rng) / _PALETTE_WEIGHTS


def _palette_labels(lab8: ByteArray, centres: FloatArray) -> np.ndarray:
    """Each pixel's palette index, flattened.

    Pixels find their colour through a table over a 32^3 Lab grid: exact enough for a
    handful of colours and far cheaper than measuring every pixel against every colour.
    Only the grid cells the image uses (a few thousand) are measured.
    """
    cells = (lab8 >> 3).astype(np.int32)
    keys = ((cells[..., 0] << 10) | (cells[..., 1] << 5) | cells[..., 2]).reshape(-1)
    used = np.flatnonzero(np.bincount(keys, minlength=len(_LAB_GRID)))
    table = np.zeros(len(_LAB_GRID), np.intp)
    table[used] = _nearest(_LAB_GRID[used] * _PALETTE_WEIGHTS, centres * _PALETTE_WEIGHTS)
    return table[keys]


def _grade(lab: FloatArray, look: StyleLook, jitter: Jitter) -> FloatArray:
    """Grade for the style in one affine step: lightness contrast, hue turn, chroma, tint."""
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
    graded = cv2.transform(lab, grade)
    np.clip(graded[..., 0], 0.0, 100.0, out=graded[..., 0])
    rgb = cv2.cvtColor(graded, cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0)


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
