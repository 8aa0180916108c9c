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
    # The mask is found at _CUT_WORK_SIZE: a couple of its pixels decide the edge.
    step = width / small_w  # one pixel of the mask, in pixels of the render
    ground = _backdrop_colours(small, figure, (width, height))
    rgb, alpha_u8 = _edge_refine(rgb, alpha_u8, ground, clear_px=6.0 * step, grow_px=2.0 * step)
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


# --- The edge at full resolution -------------------------------------------------------------

_EDGE_BACKDROP_RGB = 36.0  # an edge pixel this close (RGB) to the backdrop beside it: backdrop
_EDGE_BLEND_PX = 2.5  # antialiasing mixes outline and backdrop this far into the figure
_EDGE_MIN_CONTRAST = 40.0  # figure and backdrop colours closer than this cannot be un-mixed


def _backdrop_colours(small: np.ndarray, figure: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The backdrop's colour around every pixel (float RGB at `size`): the backdrop of the
    small image (well clear of the figure mask) spread over the figure by normalised
    convolution; a backdrop is smooth, so it is found small and upscaled."""
    clear = 1.0 - cv2.dilate(figure, np.ones((5, 5), np.uint8)).astype(np.float32)
    weight = cv2.GaussianBlur(clear, (0, 0), 4.0)
    spread = cv2.GaussianBlur(small.astype(np.float32) * clear[..., None], (0, 0), 4.0)
    colours = spread / np.maximum(weight, 1e-6)[..., None]
    return cv2.resize(colours.astype(np.float32), size, interpolation=cv2.INTER_LINEAR)


def _nearest(sources: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """The flat index of the pixel of the boolean mask `sources` nearest to each of `pixels`
    (flat indices)."""
    _dist, labels = cv2.distanceTransformWithLabels(
        (~sources).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    # DIST_LABEL_PIXEL numbers the sources from 1 in scan order, as flatnonzero lists them.
    return np.flatnonzero(sources)[labels.reshape(-1)[pixels] - 1]


def _distance(mask: np.ndarray) -> np.ndarray:
    """For every pixel of `mask`, the distance to the nearest pixel outside it."""
    return cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 5)


def _joined(mask: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    """The parts of `mask` (8-connected) that hold a pixel of `anchor`."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    keep = np.zeros(count, bool)
    keep[labels[anchor & mask]] = True
    keep[0] = False  # the label of everything outside `mask`
    return keep[labels]


def _edge_refine(
    rgb: np.ndarray, alpha: np.ndarray, ground: np.ndarray, *, clear_px: float, grow_px: float
) -> tuple[np.ndarray, np.ndarray]:
    """The edge decided at full resolution, without backdrop colour. The mask found at a few
    hundred pixels is off by a few pixels (over in narrow backdrop wedges, under where it was
    eroded) and the render's antialiasing mixes outline and backdrop. In a band around the
    mask's edge (clear_px into the figure, grow_px out), a pixel is backdrop when its colour is
    close to the backdrop's there (`ground`), figure otherwise; in the rim where colours mix, a
    pixel takes the colour of the nearest pure figure pixel and, as alpha, that colour's share."""
    opaque = alpha > 0
    if opaque.all() or not opaque.any():
        return rgb, alpha
    inward, outward = _distance(opaque), _distance(~opaque)
    sure_bg = outward > grow_px + 2
    band = np.flatnonzero((opaque & (inward <= clear_px)) | (~opaque & (outward <= grow_px)))
    flat, behind = rgb.reshape(-1, 3), ground.reshape(-1, 3)
    figure = opaque.copy()
    seen = np.linalg.norm(flat[band] - behind[band], axis=1)
    figure.reshape(-1)[band] = seen >= _EDGE_BACKDROP_RGB
    # Backdrop only where it joins the backdrop through more than a pixel-wide channel (not
    # through a gap in an outline; a blue eye stays), figure only where it joins the figure (a
    # speck of shadow beside it does not).
    near = ~figure
    square = np.ones((3, 3), np.uint8)
    core = cv2.erode(near.astype(np.uint8), square).astype(bool)
    clear = cv2.dilate(_joined(core, sure_bg).astype(np.uint8), square).astype(bool) & near
    figure = _joined(~clear, opaque)
    inner = _distance(figure) >= _EDGE_BLEND_PX
    # The figure's own colours: clear of the backdrop and of backdrop-coloured pixels.
    pure = (_distance(figure & ~near) >= _EDGE_BLEND_PX) & ~near
    if not pure.any():
        return rgb, alpha
    rim = np.flatnonzero(figure & ~inner)
    # Backdrop-coloured pixels kept as figure (cut off from the backdrop) are recoloured too.
    recolour = np.flatnonzero(figure & ~pure)
    colour = flat[_nearest(pure, recolour)]
    out_rgb = rgb.copy()
    out_rgb.reshape(-1, 3)[recolour] = colour
    colour = colour[np.isin(recolour, rim, assume_unique=True)]
    span = colour - behind[rim]
    contrast = np.einsum("ij,ij->i", span, span)
    share = np.einsum("ij,ij->i", flat[rim] - behind[rim], span) / np.maximum(contrast, 1.0)
    share = np.where(contrast < _EDGE_MIN_CONTRAST**2, 1.0, np.clip(share, 0.0, 1.0))
    out_alpha = np.where(figure, 255, 0).astype(np.uint8)
    out_alpha.reshape(-1)[rim] = (share * 255.0 + 0.5).astype(np.uint8)
    return out_rgb, out_alpha
