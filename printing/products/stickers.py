"""The sticker sheet (A5 / A4): the cut-out figure big, the figure name, small figures and one
badge per accessory; every sticker has a closed 'CutContour' path (the figure's alpha contour
grown by a white border; badges are rounded rectangles), overprinting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image
from reportlab.lib.colors import CMYKColor

from printing.conf import printing_settings
from printing.pdf import CUT_CONTOUR, WHITE, Point, PrintDocument, rounded_rect_points
from printing.preflight import Preflight
from printing.press.fonts import fit_font_size, text_width_mm
from printing.press.units import PT
from printing.products import PrintFile, ProductSpec
from printing.products.common import AI_NOTE, figure_cutout, glyphs_check, spec_size, theme_for

# Never blow the figure up more than this (Lanczos is invisible up to ~1.5x).
STICKER_MAX_UPSCALE = 1.5
STICKER_BORDER_MM = 2.5  # white border between the art and the cut
STICKER_SHEET_MARGIN_MM = 8.0  # kiss-cut stickers keep clear of the sheet's trim
STICKER_GAP_MM = 4.0


def alpha_contour_mm(
    alpha: Image.Image, *, w_mm: float, h_mm: float, offset_mm: float, px_per_mm: float = 5.0
) -> list[Point]:
    """A closed outline around the opaque part of `alpha` (placed at w_mm x h_mm), grown by
    offset_mm and smoothed: the kiss-cut path of a die-cut sticker. Points in mm relative to
    the art's lower-left corner. Disconnected parts are wrapped in their convex hull."""
    import cv2
    import numpy as np

    w_px = max(2, round(w_mm * px_per_mm))
    h_px = max(2, round(h_mm * px_per_mm))
    radius = max(1, round(offset_mm * px_per_mm))
    pad = radius + 3
    small = np.asarray(alpha.resize((w_px, h_px), Image.Resampling.BILINEAR))
    mask = np.zeros((h_px + 2 * pad, w_px + 2 * pad), np.uint8)
    mask[pad : pad + h_px, pad : pad + w_px] = np.where(small > 96, 255, 0).astype(np.uint8)
    if not mask.any():
        mask[pad : pad + h_px, pad : pad + w_px] = 255
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    grown = cv2.dilate(mask, kernel)
    # Blur + threshold rounds the inner corners a blade cannot follow.
    grown = cv2.GaussianBlur(grown, (0, 0), sigmaX=max(1.0, radius / 2))
    _, grown = cv2.threshold(grown, 127, 255, cv2.THRESH_BINARY)
    contours, _hierarchy = cv2.findContours(grown, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return rounded_rect_points(
            -offset_mm, -offset_mm, w_mm + 2 * offset_mm, h_mm + 2 * offset_mm, offset_mm
        )
    outline = contours[0] if len(contours) == 1 else cv2.convexHull(np.vstack(contours))
    outline = cv2.approxPolyDP(outline, 0.35, True)
    return [
        ((float(x) - pad) / px_per_mm, h_mm - (float(y) - pad) / px_per_mm)
        for x, y in outline.reshape(-1, 2)
    ]


@dataclass
class _Sticker:
    cut: list[Point]  # absolute mm on the page
    draw: Callable[[], None]


def _figure_sticker(
    doc: PrintDocument,
    check: Preflight,
    cut: Image.Image,
    *,
    name: str,
    cell: tuple[float, float, float, float],
) -> _Sticker:
    x, y, w, h = cell
    border = STICKER_BORDER_MM
    avail_w, avail_h = w - 2 * border, h - 2 * border
    scale = min(avail_w / cut.width, avail_h / cut.height)  # mm per source pixel
    # Not larger than the source supports at MIN_DPI / STICKER_MAX_UPSCALE.
    max_scale = 25.4 * STICKER_MAX_UPSCALE / printing_settings.MIN_DPI
    scale = min(scale, max_scale)
    art_w, art_h = cut.width * scale, cut.height * scale
    art_x, art_y = x + (w - art_w) / 2, y + (h - art_h) / 2
    outline = [
        (art_x + px, art_y + py)
        for px, py in alpha_contour_mm(
            cut.getchannel("A"), w_mm=art_w, h_mm=art_h, offset_mm=border
        )
    ]
    pixels = check.prepare(cut, name=name, w_mm=art_w, h_mm=art_h)

    def draw() -> None:
        c = doc.canvas
        c.saveState()
        c.setFillColor(WHITE)
        c.clipPath(doc.polygon_path(outline), stroke=0, fill=1)
        # Flattened onto white: the white sticker face; the clip removes the corners.
        doc.image(pixels, x=art_x, y=art_y, w=art_w, h=art_h)
        c.restoreState()

    return _Sticker(outline, draw)


def _badge_sticker(
    doc: PrintDocument,
    text: str,
    *,
    cell: tuple[float, float, float, float],
    fill: CMYKColor,
    ink: CMYKColor,
    max_height_mm: float,
    bold: bool = True,
) -> _Sticker:
    """A rounded label with one line of text: white border, coloured face."""
    x, y, w, h = cell
    border = 1.8
    badge_h = min(h, max_height_mm)
    font = doc.fonts.bold if bold else doc.fonts.regular
    size = fit_font_size(text, font, max_width_mm=w - 2 * border - 6.0, size_pt=badge_h * 0.42 / PT)
    badge_w = min(w, text_width_mm(text, font, size) + 2 * border + 6.0)
    bx, by = x + (w - badge_w) / 2, y + (h - badge_h) / 2
    outline = rounded_rect_points(bx, by, badge_w, badge_h, badge_h / 2)

    def draw() -> None:
        c = doc.canvas
        c.setFillColor(WHITE)
        c.drawPath(doc.polygon_path(outline), stroke=0, fill=1)
        inner = rounded_rect_points(
            bx + border,
            by + border,
            badge_w - 2 * border,
            badge_h - 2 * border,
            badge_h / 2 - border,
        )
        c.setFillColor(fill)
        c.drawPath(doc.polygon_path(inner), stroke=0, fill=1)
        doc.text(
            text,
            x=bx + badge_w / 2,
            y=by + badge_h / 2 - size * PT * 0.35,
            size_pt=size,
            colour=ink,
            bold=bold,
            align="centre",
        )

    return _Sticker(outline, draw)


def build_sticker_sheet(spec: ProductSpec, render: Image.Image) -> PrintFile:
    width, height = spec_size(spec)
    bleed = printing_settings.BLEED_MM
    theme = theme_for(spec.box_theme)
    check = Preflight(
        kind=spec.kind,
        label=spec.label,
        trim_mm=(width, height),
        bleed_mm=bleed,
        expect_separations=("CutContour",),
    )
    glyphs_check(check, [spec.figure_name, spec.tagline, *spec.accessories])
    doc = PrintDocument(
        width_mm=width, height_mm=height, title=f"{spec.figure_name} sticker sheet {spec.label}"
    )
    cut = figure_cutout(render)
    # A grid of 3 x 4 cells: the big figure spans 2 x 2; the name, the tagline and three
    # small figures fill the next cells; the bottom row takes the accessories.
    margin, gap = STICKER_SHEET_MARGIN_MM, STICKER_GAP_MM
    note_h = 6.0
    x0, x1 = margin, width - margin
    y0, y1 = margin + note_h, height - margin
    cell_w = (x1 - x0 - 2 * gap) / 3
    cell_h = (y1 - y0 - 3 * gap) / 4

    def cell(col: int, row: int, cols: int = 1, rows: int = 1) -> tuple[float, float, float, float]:
        """Row 0 at the top."""
        w = cols * cell_w + (cols - 1) * gap
        h = rows * cell_h + (rows - 1) * gap
        top = y1 - row * (cell_h + gap)
        return (x0 + col * (cell_w + gap), top - h, w, h)

    badge_h = min(cell_h * 0.55, 18.0)
    name_badge = {"fill": theme.background, "ink": theme.title, "max_height_mm": badge_h}
    middle = spec.tagline or spec.figure_name
    stickers = [
        _figure_sticker(doc, check, cut, name="figure (big)", cell=cell(0, 0, 2, 2)),
        _badge_sticker(doc, spec.figure_name, cell=cell(2, 0), **name_badge),
        _figure_sticker(doc, check, cut, name="figure (small 1)", cell=cell(2, 1)),
        _figure_sticker(doc, check, cut, name="figure (small 2)", cell=cell(0, 2)),
        _badge_sticker(doc, middle, cell=cell(1, 2), bold=middle == spec.figure_name, **name_badge),
        _figure_sticker(doc, check, cut, name="figure (small 3)", cell=cell(2, 2)),
    ]
    bottom = [a for a in spec.accessories if a.strip()][:3]
    extras = [t for t in (spec.figure_name, printing_settings.BRAND_NAME) if t]
    while len(bottom) < 3 and extras:
        bottom.append(extras.pop(0))
    for col, text in enumerate(bottom):
        stickers.append(
            _badge_sticker(
                doc,
                text,
                cell=cell(col, 3),
                fill=theme.accent,
                ink=theme.on_accent,
                max_height_mm=badge_h * 0.8,
            )
        )
    with doc.mm_space():
        doc.fill_bleed(theme.light)
        for sticker in stickers:
            sticker.draw()
        doc.text(
            f"{AI_NOTE} · {printing_settings.BRAND_NAME}",
            x=width / 2,
            y=printing_settings.SAFE_MARGIN_MM + 1.5,
            size_pt=6.5,
            colour=theme.dark,
            align="centre",
        )
        doc.spot_stroke([doc.polygon_path(s.cut) for s in stickers], CUT_CONTOUR)
    content = doc.finish()
    return PrintFile(content, "pdf", "application/pdf", check.finish(pdf=content))
