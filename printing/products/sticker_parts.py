"""The stickers of a sticker sheet: a die-cut figure and a rounded text badge, each with its
kiss-cut path and a white face that runs STICKER_CUT_BLEED_MM past the cut (a cut that
drifts still lands on white, never on the sheet's tint)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image
from reportlab.lib.colors import CMYKColor

from printing.conf import printing_settings
from printing.pdf import BLACK, WHITE, Point, PrintDocument, rounded_rect_points
from printing.preflight import Preflight
from printing.press.fonts import fit_lines, text_width_mm
from printing.press.units import PT

# Never blow the figure up more than this (Lanczos is invisible up to ~1.5x).
STICKER_MAX_UPSCALE = 1.5
STICKER_BORDER_MM = 2.5  # white border between the art and the cut
STICKER_CUT_BLEED_MM = 2.5  # the white face (and any art at the cut) runs this far past it
STICKER_INNER_RADIUS_MM = 1.0  # inner corners of a cut are rounded: a blade cannot turn on a point
SMALL_TEXT_PT = 10.0  # below this, text is K only (a four-colour line would misregister)
BADGE_BORDER_MM = 1.8  # white rim around a badge's coloured face
BADGE_PAD_MM = 3.0  # text to the face's round ends
BADGE_LEADING = 1.25  # line pitch / size: pdftotext's word boxes (1.16 x size) do not touch

Cell = tuple[float, float, float, float]  # x, y, w, h in mm


@dataclass
class Sticker:
    cut: list[Point]  # the kiss-cut path, absolute mm on the page
    underlay: list[Point]  # the white face: the cut grown by STICKER_CUT_BLEED_MM
    draw: Callable[[], None]  # the art on the face


def alpha_contours_mm(
    alpha: Image.Image,
    *,
    w_mm: float,
    h_mm: float,
    offsets_mm: tuple[float, ...],
    px_per_mm: float = 10.0,
) -> list[list[Point]]:
    """Closed outlines around the opaque part of `alpha` (placed at w_mm x h_mm), one per
    offset: every point of the figure's edge is offset_mm from it (a Euclidean distance
    field, on a canvas wide enough that nothing is clipped), inner corners rounded by
    STICKER_INNER_RADIUS_MM. Points in mm relative to the art's lower-left corner.
    Disconnected parts are wrapped in their convex hull."""
    w_px = max(2, round(w_mm * px_per_mm))
    h_px = max(2, round(h_mm * px_per_mm))
    rounding = STICKER_INNER_RADIUS_MM * px_per_mm
    pad = math.ceil(max(offsets_mm) * px_per_mm + rounding) + 4
    small = np.asarray(alpha.resize((w_px, h_px), Image.Resampling.BILINEAR))
    figure = np.ones((h_px + 2 * pad, w_px + 2 * pad), np.uint8)  # 0 = figure
    figure[pad : pad + h_px, pad : pad + w_px] = np.where(small > 96, 0, 1)
    if figure.all():
        figure[pad : pad + h_px, pad : pad + w_px] = 0
    outside = cv2.distanceTransform(figure, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    outlines = []
    for offset in offsets_mm:
        # Grown by offset + rounding, then shrunk by rounding: convex parts end exactly at
        # offset, inner corners get the blade's radius (a morphological closing).
        grown = np.where(outside <= offset * px_per_mm + rounding, 1, 0).astype(np.uint8)
        inside = cv2.distanceTransform(grown, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        cut = np.where(inside > rounding, 255, 0).astype(np.uint8)
        outlines.append(_outline(cut, pad=pad, h_mm=h_mm, px_per_mm=px_per_mm))
    return outlines


def _outline(mask: np.ndarray, *, pad: int, h_mm: float, px_per_mm: float) -> list[Point]:
    contours, _hierarchy = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    outline = contours[0] if len(contours) == 1 else cv2.convexHull(np.vstack(contours))
    points = outline.reshape(-1, 2).astype(np.float64)
    if len(points) > 8:
        # The pixel staircase, averaged away over +-2 pixels along the path.
        points = np.mean([np.roll(points, shift, axis=0) for shift in range(-2, 3)], axis=0)
    # Pixel (i, j) of the canvas is the square from (i, j) to (i + 1, j + 1): its centre is
    # where the path runs.
    simple = cv2.approxPolyDP(points.astype(np.float32).reshape(-1, 1, 2), 0.3, True)
    return [
        ((float(x) + 0.5 - pad) / px_per_mm, h_mm - (float(y) + 0.5 - pad) / px_per_mm)
        for x, y in simple.reshape(-1, 2)
    ]


def alpha_contour_mm(
    alpha: Image.Image, *, w_mm: float, h_mm: float, offset_mm: float, px_per_mm: float = 10.0
) -> list[Point]:
    """The kiss-cut path of a die-cut sticker: alpha_contours_mm for one offset."""
    [outline] = alpha_contours_mm(
        alpha, w_mm=w_mm, h_mm=h_mm, offsets_mm=(offset_mm,), px_per_mm=px_per_mm
    )
    return outline


def figure_sticker(
    doc: PrintDocument, check: Preflight, cut: Image.Image, *, name: str, cell: Cell
) -> Sticker:
    """The cut-out figure as large as the cell and the source allow, centred, a white border
    of STICKER_BORDER_MM to the cut."""
    x, y, w, h = cell
    border = STICKER_BORDER_MM
    scale = min((w - 2 * border) / cut.width, (h - 2 * border) / cut.height)  # mm per px
    # Not larger than the source supports at MIN_DPI / STICKER_MAX_UPSCALE.
    scale = min(scale, 25.4 * STICKER_MAX_UPSCALE / printing_settings.MIN_DPI)
    art_w, art_h = cut.width * scale, cut.height * scale
    art_x, art_y = x + (w - art_w) / 2, y + (h - art_h) / 2
    outline, underlay = (
        [(art_x + px, art_y + py) for px, py in points]
        for points in alpha_contours_mm(
            cut.getchannel("A"),
            w_mm=art_w,
            h_mm=art_h,
            offsets_mm=(border, border + STICKER_CUT_BLEED_MM),
        )
    )
    pixels = check.prepare(cut, name=name, w_mm=art_w, h_mm=art_h)

    def draw() -> None:
        c = doc.canvas
        c.saveState()
        # Flattened onto white, clipped to the white face: its corners vanish in the face.
        c.clipPath(doc.polygon_path(underlay), stroke=0, fill=0)
        doc.image(pixels, x=art_x, y=art_y, w=art_w, h=art_h)
        c.restoreState()

    return Sticker(outline, underlay, draw)


def is_light(colour: CMYKColor) -> bool:
    """Whether black text reads on `colour` (a naive luminance of the CMYK values)."""
    k = 1.0 - colour.black
    r, g, b = ((1.0 - colour.cyan) * k, (1.0 - colour.magenta) * k, (1.0 - colour.yellow) * k)
    return 0.299 * r + 0.587 * g + 0.114 * b >= 0.5


@dataclass(frozen=True)
class BadgeStyle:
    fill: CMYKColor  # the face
    ink: CMYKColor  # the text, at SMALL_TEXT_PT and up
    small_fill: CMYKColor  # the face under K-only small text when `fill` is too dark for it
    max_height_mm: float  # a one-line badge's height
    bold: bool = True


def badge_sticker(doc: PrintDocument, text: str, *, cell: Cell, style: BadgeStyle) -> Sticker:
    """A rounded label: white rim, coloured face, the text on up to two lines, never below the
    printer's minimum size (fit_lines: wrapped, then shortened); the badge grows to hold it.
    Text under SMALL_TEXT_PT is K only, on the fill when that is light, else on small_fill."""
    x, y, w, h = cell
    rim, pad = BADGE_BORDER_MM, BADGE_PAD_MM
    font = doc.fonts.bold if style.bold else doc.fonts.regular
    single_h = min(h, style.max_height_mm)
    one, two = (
        fit_lines(
            text,
            font,
            max_width_mm=w - 2 * (rim + pad),
            size_pt=single_h * 0.42 / PT,
            max_lines=lines,
            max_height_mm=h - 2 * rim - pad,
            leading=BADGE_LEADING,
        )
        for lines in (1, 2)
    )
    # One line unless two set the text much larger (or one line would shorten it).
    fitted = one if not one.shortened and one.size_pt >= 0.75 * two.size_pt else two
    size, pitch = fitted.size_pt, fitted.size_pt * BADGE_LEADING * PT
    badge_h = min(h, max(single_h, fitted.height_mm(BADGE_LEADING) + 2 * rim + pad))
    text_w = max(text_width_mm(line, font, size) for line in fitted.lines)
    badge_w = min(w, text_w + 2 * (rim + pad))
    bx, by = x + (w - badge_w) / 2, y + (h - badge_h) / 2
    radius = min(single_h, badge_h) / 2
    outline = rounded_rect_points(bx, by, badge_w, badge_h, radius)
    b = STICKER_CUT_BLEED_MM
    underlay = rounded_rect_points(bx - b, by - b, badge_w + 2 * b, badge_h + 2 * b, radius + b)
    small = size < SMALL_TEXT_PT
    fill = style.small_fill if small and not is_light(style.fill) else style.fill
    ink = BLACK if small else style.ink

    def draw() -> None:
        c = doc.canvas
        face = rounded_rect_points(
            bx + rim, by + rim, badge_w - 2 * rim, badge_h - 2 * rim, radius - rim
        )
        c.setFillColor(fill)
        c.drawPath(doc.polygon_path(face), stroke=0, fill=1)
        # The block of lines centred; 0.35 x size from the middle to a baseline is half a cap.
        top = by + badge_h / 2 + (len(fitted.lines) - 1) * pitch / 2
        for i, line in enumerate(fitted.lines):
            doc.text(
                line,
                x=bx + badge_w / 2,
                y=top - i * pitch - size * PT * 0.35,
                size_pt=size,
                colour=ink,
                bold=style.bold,
                align="centre",
            )

    return Sticker(outline, underlay, draw)


def draw_stickers(doc: PrintDocument, stickers: list[Sticker]) -> None:
    """Every sticker's white face first (they may touch past the cuts), then the art."""
    c = doc.canvas
    c.setFillColor(WHITE)
    for sticker in stickers:
        c.drawPath(doc.polygon_path(sticker.underlay), stroke=0, fill=1)
    for sticker in stickers:
        sticker.draw()
