"""Compositing: the figure on a studio backdrop, upscaled and inked at full size."""

import cv2
import numpy as np

from figures.backends.stylize.looks import ByteArray, FloatArray, Jitter, StyleLook


def compose_on_backdrop(
    colour: FloatArray,
    ink: FloatArray,
    mask: FloatArray,
    size: int,
    look: StyleLook,
    jitter: Jitter,
) -> ByteArray:
    """Set the figure on the backdrop, upscale, and ink it at full size (crisp lines)."""
    work = colour.shape[0]
    backdrop = _backdrop(work, look, jitter)
    backdrop *= (1.0 - 0.35 * _drop_shadow(mask))[..., None]
    alpha = np.clip((mask - 0.35) / 0.3, 0.0, 1.0)[..., None]
    scene = _upscale(backdrop + (colour - backdrop) * alpha, size)
    # The silhouette's own outline, like the moulded edge of a toy, plus the inner lines;
    # a slight blur turns the upscaled hard edge map into anti-aliased strokes.
    edge = np.clip(1.0 - np.abs(_upscale(mask, size) - 0.5) * 4.0, 0.0, 1.0)
    lines = np.clip(cv2.GaussianBlur(_upscale(ink, size), (0, 0), 0.8) * 1.6, 0.0, 1.0)
    coverage = (1.0 - (1.0 - edge) * (1.0 - lines)) * look.ink_strength
    ink_rgb = np.array(look.ink, np.float32) / 255.0
    out = scene + (ink_rgb - scene) * coverage[..., None]
    return cv2.convertScaleAbs(out, alpha=255.0)


def _drop_shadow(mask: FloatArray) -> FloatArray:
    """The silhouette, blurred and nudged away from the light."""
    work = mask.shape[0]
    shift = work * 0.025
    matrix = np.array([[1.0, 0.0, shift], [0.0, 1.0, shift * 0.6]], np.float32)
    shadow = cv2.warpAffine(mask, matrix, (work, work), borderMode=cv2.BORDER_REPLICATE)
    return cv2.GaussianBlur(shadow, (0, 0), work * 0.015)


def _upscale(image: FloatArray, size: int) -> FloatArray:
    if image.shape[0] == size:
        return image
    return cv2.resize(image, (size, size), interpolation=cv2.INTER_LINEAR)


def _backdrop(size: int, look: StyleLook, jitter: Jitter) -> FloatArray:
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
