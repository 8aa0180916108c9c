"""The sticker sheet (A5 / A4): the cut-out figure big, the figure name, small figures and one
badge per accessory; every sticker has a closed kiss-cut path in the printer profile's cut spot
colour (e.g. 'CutContour', on an optional-content layer of that name, overprinting): the
figure's alpha contour grown by a uniform white border, badges rounded rectangles. The white
face of each sticker runs STICKER_CUT_BLEED_MM past its cut (sticker_parts)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from PIL import Image

from printing.conf import printing_settings
from printing.pdf import BLACK, PrintDocument, cut_colour
from printing.preflight import Preflight
from printing.products import PrintFile, ProductSpec
from printing.products.common import AI_NOTE, figure_cutout, glyphs_check, spec_size, theme_for
from printing.products.sticker_parts import (
    STICKER_BORDER_MM,
    STICKER_CUT_BLEED_MM,
    BadgeStyle,
    Cell,
    alpha_contour_mm,
    badge_sticker,
    draw_stickers,
    figure_sticker,
)

__all__ = [
    "STICKER_BORDER_MM",
    "STICKER_CUT_BLEED_MM",
    "alpha_contour_mm",
    "build_sticker_sheet",
    "sheet_note_pt",
]

STICKER_SHEET_MARGIN_MM = 8.0  # kiss-cut stickers keep clear of the sheet's trim
STICKER_GAP_MM = 4.0
SHEET_NOTE_PT = 7.0


def sheet_note_pt() -> float:
    """The AI note under the stickers: never below the printer's minimum."""
    return max(SHEET_NOTE_PT, printing_settings.MIN_TEXT_PT)


def build_sticker_sheet(spec: ProductSpec, render: Image.Image) -> PrintFile:
    width, height = spec_size(spec)
    cut_spot = cut_colour()
    check = Preflight(
        kind=spec.kind,
        label=spec.label,
        trim_mm=(width, height),
        bleed_mm=printing_settings.BLEED_MM,
        expect_separations=(cut_spot.spotName,),
    )
    glyphs_check(check, [spec.figure_name, spec.tagline, *spec.accessories])
    doc = PrintDocument(
        width_mm=width, height_mm=height, title=f"{spec.figure_name} sticker sheet {spec.label}"
    )
    theme = theme_for(spec.box_theme)
    cut = figure_cutout(render)
    cell = _grid(width, height)
    badge_h = min(cell(0, 0)[3] * 0.55, 18.0)
    name = BadgeStyle(theme.background, theme.title, theme.light, max_height_mm=badge_h)
    middle = spec.tagline or spec.figure_name
    tagline = dataclasses.replace(name, bold=middle == spec.figure_name)
    stickers = [
        figure_sticker(doc, check, cut, name="figure (big)", cell=cell(0, 0, 2, 2)),
        badge_sticker(doc, spec.figure_name, cell=cell(2, 0), style=name),
        figure_sticker(doc, check, cut, name="figure (small 1)", cell=cell(2, 1)),
        figure_sticker(doc, check, cut, name="figure (small 2)", cell=cell(0, 2)),
        badge_sticker(doc, middle, cell=cell(1, 2), style=tagline),
        figure_sticker(doc, check, cut, name="figure (small 3)", cell=cell(2, 2)),
    ]
    bottom = [a for a in spec.accessories if a.strip()][:3]
    extras = [t for t in (spec.figure_name, printing_settings.BRAND_NAME) if t]
    while len(bottom) < 3 and extras:
        bottom.append(extras.pop(0))
    accent = BadgeStyle(theme.accent, theme.on_accent, theme.light, max_height_mm=badge_h * 0.8)
    for col, text in enumerate(bottom):
        stickers.append(badge_sticker(doc, text, cell=cell(col, 3), style=accent))
    with doc.mm_space():
        doc.fill_bleed(theme.light)
        draw_stickers(doc, stickers)
        # Small type: K only (theme.light is a pale tint, black reads on every theme's).
        doc.text(
            f"{AI_NOTE} · {printing_settings.BRAND_NAME}",
            x=width / 2,
            y=printing_settings.SAFE_MARGIN_MM + 1.5,
            size_pt=sheet_note_pt(),
            colour=BLACK,
            align="centre",
        )
        with doc.layer(cut_spot.spotName):
            doc.spot_stroke([doc.polygon_path(s.cut) for s in stickers], cut_spot)
    content = doc.finish()
    return PrintFile(content, "pdf", "application/pdf", check.finish(pdf=content))


def _grid(width: float, height: float) -> Callable[..., Cell]:
    """Cells of a 3 x 4 grid (row 0 at the top): the big figure spans 2 x 2; the name, the
    tagline and three small figures fill the next cells; the bottom row takes the accessories.
    The sheet note sits below the grid."""
    margin, gap = STICKER_SHEET_MARGIN_MM, STICKER_GAP_MM
    note_h = 6.0
    x0, x1 = margin, width - margin
    y0, y1 = margin + note_h, height - margin
    cell_w = (x1 - x0 - 2 * gap) / 3
    cell_h = (y1 - y0 - 3 * gap) / 4

    def cell(col: int, row: int, cols: int = 1, rows: int = 1) -> Cell:
        w = cols * cell_w + (cols - 1) * gap
        h = rows * cell_h + (rows - 1) * gap
        top = y1 - row * (cell_h + gap)
        return (x0 + col * (cell_w + gap), top - h, w, h)

    return cell
