"""The press sheets' own ink: crop marks, the contour cutter's registration marks and the slug
line, one reportlab page per sheet (the pieces are put under it by printing.imposition.batch).

Everything here is 100 % K (one plate: nothing to misregister, and the cutter's optical sensor
reads black), at least the printer profile's sheet margin inside the sheet edge; the slug is
set at the profile's minimum text size and shortened by rule (items, then the extras) when it
does not fit its room, never set smaller.
"""

import math
from dataclasses import dataclass
from io import BytesIO

from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from printing.conf import printing_settings
from printing.imposition.layout import (
    SLUG_LEADING,
    Rect,
    Sheet,
    crop_marks,
    registration_marks,
    slug_area,
    slug_font_size,
)
from printing.press import colour
from printing.press.fonts import fonts

MARK_WIDTH = 0.25  # pt, a hairline (K only)
SLUG_MAX_LINES = 3
SEPARATOR = " · "


@dataclass(frozen=True)
class SlugInfo:
    batch_id: int
    sheet_name: str  # "SRA3"
    stamp: str  # when the batch was made


def _labels(sheet: Sheet) -> list[str]:
    """The items on the sheet, once each, with the number of copies: "#12 MM-000123 x3"."""
    counts: dict[str, int] = {}
    for placement in sheet.placements:
        counts[placement.piece.label] = counts.get(placement.piece.label, 0) + 1
    return [label if n == 1 else f"{label} x{n}" for label, n in counts.items()]


def _candidates(info: SlugInfo, sheet: Sheet, number: int, total: int) -> list[str]:
    """The slug's texts, richest first: all items, fewer items ("+N more"), no items, and the
    essentials only (batch, sheet, stock and finishing)."""
    essential = [
        f"batch {info.batch_id}",
        f"{info.sheet_name} sheet {number}/{total}",
        f"{sheet.stock.name.upper()}: {sheet.stock.finishing}",
    ]
    full = [printing_settings.BRAND_NAME, *essential]
    count = len(sheet.placements)
    full += [f"{count} piece{'' if count == 1 else 's'}", info.stamp]
    labels = _labels(sheet)
    texts = []
    for kept in range(len(labels), -1, -1):
        items = ", ".join(labels[:kept])
        if kept < len(labels):
            items = f"{items}, +{len(labels) - kept} more" if kept else f"{len(labels)} items"
        texts.append(SEPARATOR.join([*full, f"items: {items}"]))
    texts.append(SEPARATOR.join(essential))
    return texts


def slug_lines(texts: list[str], font: str, size: float, width: float, lines: int) -> list[str]:
    """The first text that fits `lines` lines of `width` at `size`; else the last one cut
    short with an ellipsis (the text is never set smaller)."""
    for text in texts:
        split = simpleSplit(text, font, size, width)
        if len(split) <= lines:
            return split
    from reportlab.pdfbase.pdfmetrics import stringWidth

    split = simpleSplit(texts[-1], font, size, width)[:lines]
    last = split[-1]
    while last and stringWidth(last + "…", font, size) > width:
        last = last[:-1]
    return [*split[:-1], last + "…"]


def _draw_slug(canvas: Canvas, area: Rect, lines: list[str], size: float) -> None:
    """Lines stacked from the bottom of the area up (descenders stay inside it)."""
    y = area.y0 + 0.3 * size + (len(lines) - 1) * size * SLUG_LEADING
    for line in lines:
        canvas.drawString(area.x0, y, line)
        y -= size * SLUG_LEADING


def marks_layer(info: SlugInfo, sheets: list[Sheet]) -> bytes:
    """One page per sheet with its marks and slug (reportlab: the font is embedded), and
    an outline entry where a new stock starts."""
    regular = fonts().regular
    size = slug_font_size()
    black = colour.BLACK.reportlab()
    buffer = BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(sheets[0].width, sheets[0].height),
        pageCompression=1,
        initialFontName=regular,  # else reportlab lists a Helvetica it never embeds
        initialFontSize=size,
    )
    canvas.setTitle(f"{printing_settings.BRAND_NAME} print batch {info.batch_id}")
    canvas.setCreator(printing_settings.BRAND_NAME)
    previous = None
    for number, sheet in enumerate(sheets, start=1):
        canvas.setPageSize((sheet.width, sheet.height))
        if sheet.stock != previous:
            key = f"stock-{number}"
            canvas.bookmarkPage(key)
            title = f"Sheet {number}: {sheet.stock.name} ({sheet.stock.finishing})"
            canvas.addOutlineEntry(title, key, level=0)
            previous = sheet.stock
        canvas.setLineWidth(MARK_WIDTH)
        canvas.setStrokeColor(black)
        canvas.setFillColor(black)
        marks = crop_marks(sheet)
        for x0, y0, x1, y1 in marks:
            canvas.line(x0, y0, x1, y1)
        for square in registration_marks(sheet):
            canvas.rect(square.x0, square.y0, square.width, square.height, stroke=0, fill=1)
        area = slug_area(sheet, marks)
        lines = min(SLUG_MAX_LINES, max(1, math.floor(area.height / (size * SLUG_LEADING))))
        texts = _candidates(info, sheet, number, len(sheets))
        canvas.setFont(regular, size)
        _draw_slug(canvas, area, slug_lines(texts, regular, size, area.width, lines), size)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()
