"""The cut-out: the figure of a render without its plain studio backdrop."""

import cv2
import numpy as np
from PIL import Image

_CUT_WORK_SIZE = 192  # the backdrop is found at this size; the mask is upscaled
_CUT_FLOOD_TOLERANCE = 5  # per-channel step between neighbours inside a smooth backdrop
_CUT_WALK_TOLERANCE = 55  # a jump this big along the image border ends the backdrop there
_CUT_WALK_STRIDE = 3  # compare over a few pixels: edges are ramps after downscaling


def art_cutout(image: Image.Image) -> Image.Image:
    """The figure of a render as RGBA, its plain backdrop made transparent.

    The backdrop is what a smooth flood reaches from the image border: a gradient passes
    (neighbouring pixels differ little), the figure's outline stops it. Seeds are the top edge
    and the side edges walked from the top corners until the first hard edge, because the
    figure may stand on (or be cut off by) the bottom and lower sides. Runs at ~192 px; the
    mask is upscaled and feathered, so a 1024 px render takes a few tens of milliseconds.
    Falls back to the opaque image when no plausible figure is found.
    """
    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    height, width = rgb.shape[:2]
    scale = _CUT_WORK_SIZE / max(height, width)
    small_w, small_h = max(16, round(width * scale)), max(16, round(height * scale))
    small = cv2.resize(rgb, (small_w, small_h), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 0.8)  # tames dither and noise in the backdrop

    filled = np.zeros((small_h + 2, small_w + 2), np.uint8)
    seeds: list[tuple[int, int]] = []
    top = small[0]
    along_top = _backdrop_run(top) | _backdrop_run(top[::-1])[::-1]
    seeds += [(int(x), 0) for x in np.flatnonzero(along_top)]
    for column in (0, small_w - 1):
        seeds += [(column, int(y)) for y in np.flatnonzero(_backdrop_run(small[:, column]))]
    tolerance = (_CUT_FLOOD_TOLERANCE,) * 3
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
    for x, y in seeds:
        if not filled[y + 1, x + 1]:
            cv2.floodFill(small, filled, (x, y), 0, tolerance, tolerance, flags)

    figure: np.ndarray = (1 - filled[1:-1, 1:-1]).astype(np.uint8)
    # Thin leftovers (the edge of a backdrop stripe) and specks are backdrop too.
    figure = cv2.morphologyEx(
        figure, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    )
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(figure, connectivity=8)
    if count > 1:
        areas = stats[1:, cv2.CC_STAT_AREA]
        keep = np.zeros(count, bool)
        keep[1:] = areas >= 0.02 * areas.max()
        figure = keep[labels].astype(np.uint8)
    coverage = float(figure.mean())
    if not 0.03 <= coverage <= 0.97:
        return image.convert("RGBA")
    # One pixel in: the edge pixels are a blend of backdrop and outline (a coloured fringe).
    figure = cv2.erode(figure, cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3)))
    alpha = cv2.resize(figure.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.5 * width / small_w)
    alpha = np.clip((alpha - 0.5) * 2.5 + 0.5, 0.0, 1.0)
    alpha_u8 = (alpha * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, alpha_u8]), "RGBA")


def _backdrop_run(line: np.ndarray) -> np.ndarray:
    """Which pixels of a border line, walked from its start, precede the first hard edge."""
    values = line.astype(np.int16)
    start = np.repeat(values[:1], _CUT_WALK_STRIDE, axis=0)
    previous = np.concatenate([start, values])[: len(values)]  # the pixel `stride` back
    jumps = np.abs(values - previous).max(axis=1) > _CUT_WALK_TOLERANCE
    run = np.ones(len(values), bool)
    if jumps.any():
        run[int(np.argmax(jumps)) :] = False
    return run


def cutout_trimmed(art: Image.Image) -> Image.Image:
    """The art as RGBA cropped to its visible pixels (cut out first when it has no alpha)."""
    if art.mode in ("RGBA", "LA") or (art.mode == "P" and "transparency" in art.info):
        rgba = art.convert("RGBA")
    else:
        rgba = art_cutout(art)
    box = rgba.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    if not box:
        return rgba
    trimmed = rgba.crop(box)
    # Where the render cut the figure off (a bust's shoulders run out of the picture: a long
    # opaque stretch along that border, not the tip of a head touching it), fade it out
    # instead of showing a straight edge in the middle of the blister.
    alpha = np.asarray(trimmed.getchannel("A")).astype(np.float32)

    def cut_off(edge: np.ndarray) -> bool:
        return bool(np.mean(edge > 128) > 0.02)

    ramp_w = max(2, round(trimmed.width * 0.08))
    ramp = np.linspace(0.0, 1.0, ramp_w, dtype=np.float32) ** 0.8
    if cut_off(alpha[:, 0]):
        alpha[:, :ramp_w] *= ramp[None, :]
    if cut_off(alpha[:, -1]):
        alpha[:, -ramp_w:] *= ramp[::-1][None, :]
    if cut_off(alpha[0, :]):
        ramp_h = max(2, round(trimmed.height * 0.05))
        alpha[:ramp_h, :] *= np.linspace(0.0, 1.0, ramp_h, dtype=np.float32)[:, None]
    trimmed.putalpha(Image.fromarray((alpha + 0.5).astype(np.uint8)))
    return trimmed
