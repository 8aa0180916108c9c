"""The box's back panel, laid out as data and then drawn: the name, tagline and accessories top
down on a light card, the AI note, the brand and the order's QR code at the foot.

Lines are stacked by their real extent (Face.extent_mm: the font's ascent and descent and any
ink that pokes out of them, such as the accents of "Ö" or the descender of "g"), never by
leading alone, so a name with descenders cannot touch the tagline under it. Text is never set
below the printer profile's minimum size (MIN_TEXT_PT): the body shrinks in steps down to it,
the name wraps onto two lines; what still does not fit is reported (`too_small`), the design
form refuses it (`box_text_problems`) and a print file with it is held. All body text is
100 % K; only the name (a headline, 10 pt and up) keeps the theme's colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from printing.conf import printing_settings
from printing.packaging.layout import SMALL_TEXT_PT, header_too_small
from printing.packaging.text import fit_text
from printing.pdf import BLACK, WHITE, PrintDocument
from printing.press.fonts import face, wrap_lines
from printing.press.qr import dark_runs, qr_modules
from printing.press.units import PT
from printing.products.common import AI_NOTE, Theme

# The shop's box variants (front width x height, mm; shop migration 0002): the design form
# checks that a figure's text fits both.
BOX_SIZES_MM = ((120.0, 180.0), (180.0, 280.0))
NOTE = (
    f"{AI_NOTE}: this figure was created with AI from a customer's photo. "
    "Not a toy: a printed collectible box."
)
BULLET = "•"


@dataclass(frozen=True)
class BackLine:
    """One line of text on the back, its baseline at (x, baseline) mm in net space (y up)."""

    text: str
    x: float
    baseline: float
    size_pt: float
    bold: bool
    role: str  # name, tagline, heading, bullet, accessory, note, brand, order_code
    align: str = "left"
    bottom: float = 0.0  # y of the line's lowest ink (descenders)


@dataclass
class _Column:
    """Lines stacked downward from `cursor` (the lowest ink so far), each placed by its own
    extent below the one above."""

    cursor: float
    lines: list[BackLine] = field(default_factory=list)

    def add(
        self, texts: Sequence[str], size: float, *, x: float, bold: bool, role: str, gap: float
    ) -> None:
        font = face("bold" if bold else "regular")
        for i, text in enumerate(texts):
            _left, top, _right, bottom = font.covering(text).extent_mm(text, size)
            space = gap if i == 0 else 0.25 * size * PT  # within a paragraph: a quarter em
            baseline = self.cursor - space + top  # top is negative (y down)
            self.cursor = baseline - bottom
            self.lines.append(BackLine(text, x, baseline, size, bold, role, bottom=self.cursor))


@dataclass(frozen=True)
class BackLayout:
    card: tuple[float, float, float, float]  # x, y, w, h of the light card
    qr: tuple[float, float, float]  # x, y, size
    lines: tuple[BackLine, ...]
    too_small: tuple[str, ...]  # "name", "tagline", "accessories", "note": do not fit


def back_layout(
    name: str,
    tagline: str,
    accessories: Sequence[str],
    panel: tuple[float, float, float, float],
    order_code: str = "",
) -> BackLayout:
    x, y, w, h = panel
    safe = printing_settings.SAFE_MARGIN_MM + 2.0
    floor = printing_settings.MIN_TEXT_PT
    left, right = x + 2 * safe, x + w - 2 * safe
    qr = min(28.0, w * 0.25)
    qr_x, qr_y = right - qr, y + 2 * safe
    foot, foot_small = _foot(left, right, qr_x, qr_y, qr, order_code, floor)
    limit = qr_y + qr + 3.0  # the column's ink stays above this
    items = [a for a in accessories if a.strip()]
    nominal = 9.0 if w < 150 else 11.0
    body = max(nominal, floor)
    while True:
        column, overflow = _column(name, tagline, items, left, right, y + h - 2 * safe, body, h)
        if column.cursor >= limit or body <= floor:
            break
        body = max(floor, body - 0.5)
    too_small = [overflow] if overflow else []
    if column.cursor < limit and not too_small:
        too_small.append(_overflowing(column.lines, limit))
    return BackLayout(
        card=(x + safe, y + safe, w - 2 * safe, h - 2 * safe),
        qr=(qr_x, qr_y, qr),
        lines=tuple(column.lines + foot),
        too_small=tuple(dict.fromkeys(too_small + foot_small)),
    )


def _column(
    name: str,
    tagline: str,
    items: Sequence[str],
    left: float,
    right: float,
    top: float,
    body: float,
    panel_h: float,
) -> tuple[_Column, str]:
    """Name, tagline and accessories from `top` down at body size `body`; and "name" when
    the name cannot be set at the minimum size."""
    floor = printing_settings.MIN_TEXT_PT
    width = right - left
    u = panel_h / 180.0
    lines, name_pt = fit_text(
        name, face("bold"), max_width=width, max_height=0.16 * panel_h,
        max_pt=30.0 * u, min_pt=max(16.0 * u, floor),
    )  # fmt: skip
    column = _Column(cursor=top)
    column.add(lines, name_pt, x=left, bold=True, role="name", gap=0.0)
    regular = face("regular").pdf_name
    if tagline.strip():
        size = max(body + 2.0, floor)
        wrapped = wrap_lines(tagline, regular, size, width)
        column.add(wrapped, size, x=left, bold=False, role="tagline", gap=0.4 * size * PT)
    if items:
        column.add(["Accessories"], body, x=left, bold=True, role="heading", gap=body * PT)
        indent = face("regular").width_mm(BULLET + " ", body)
        for item in items:
            wrapped = wrap_lines(item, regular, body, width - indent)
            start = len(column.lines)
            column.add(
                wrapped, body, x=left + indent, bold=False, role="accessory", gap=0.3 * body * PT
            )
            first = column.lines[start]
            column.lines.append(
                BackLine(BULLET, left, first.baseline, body, False, "bullet", bottom=first.bottom)
            )
    return column, ("name" if name_pt < floor else "")


def _overflowing(lines: Sequence[BackLine], limit: float) -> str:
    """The first field whose lines reach below `limit` (the foot)."""
    field_of = {"name": "name", "tagline": "tagline"}
    for line in lines:
        if line.bottom < limit:
            return field_of.get(line.role, "accessories")
    return "accessories"


def _foot(
    left: float,
    right: float,
    qr_x: float,
    qr_y: float,
    qr: float,
    order_code: str,
    floor: float,
) -> tuple[list[BackLine], list[str]]:
    """The order code under the QR code, the AI note beside it, the brand at the foot."""
    lines: list[BackLine] = []
    if order_code:
        size = max(6.0, floor)
        _l, top, _r, _b = face("regular").covering(order_code).extent_mm(order_code, size)
        baseline = qr_y - 0.6 + top  # its ink top 0.6 mm under the QR code
        lines.append(
            BackLine(order_code, qr_x + qr / 2, baseline, size, False, "order_code", "centre")
        )
    brand_pt = max(8.0, floor)
    brand = printing_settings.BRAND_NAME
    brand_face = face("bold").covering(brand)
    _l, brand_top, _r, brand_bottom = brand_face.extent_mm(brand, brand_pt)
    brand_line = BackLine(brand, left, qr_y + brand_bottom, brand_pt, True, "brand")
    note_pt = max(7.0, floor)
    note = _Column(cursor=qr_y + qr)
    wrapped = wrap_lines(NOTE, face("regular").pdf_name, note_pt, qr_x - 4.0 - left)
    note.add(wrapped, note_pt, x=left, bold=False, role="note", gap=0.0)
    problems = ["note"] if note.cursor < brand_line.baseline - brand_top + 1.0 else []
    return [*lines, *note.lines, brand_line], problems


def draw_back(doc: PrintDocument, layout: BackLayout, theme: Theme, qr_value: str) -> None:
    """Draw the back (in doc.mm_space())."""
    c = doc.canvas
    # A light card inset on the coloured back keeps long text readable.
    c.setFillColor(theme.light)
    cx, cy, cw, ch = layout.card
    c.roundRect(cx, cy, cw, ch, 4.0, stroke=0, fill=1)
    _qr(doc, qr_value, *layout.qr)
    for line in layout.lines:
        headline = line.role == "name" and line.size_pt >= SMALL_TEXT_PT
        doc.text(
            line.text,
            x=line.x,
            y=line.baseline,
            size_pt=line.size_pt,
            colour=theme.dark if headline else BLACK,
            bold=line.bold,
            align=line.align,
        )


def _qr(doc: PrintDocument, value: str, x: float, y: float, size: float) -> None:
    """A QR code as vector squares in K only, on a white square with a 2-module quiet zone."""
    modules = qr_modules(value)
    quiet = 2
    step = size / (len(modules) + 2 * quiet)
    c = doc.canvas
    c.setFillColor(WHITE)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(BLACK)
    path = c.beginPath()
    for row, col, length in dark_runs(modules):
        top = y + size - (row + quiet) * step
        path.rect(x + (col + quiet) * step, top - step, length * step, step)
    c.drawPath(path, stroke=0, fill=1)


def box_text_problems(name: str, tagline: str, accessories: Sequence[str]) -> dict[str, str]:
    """What the design form says about texts no box size can print at the minimum text size:
    {field: message}, fields "name", "tagline" and "accessory_<n>" (n counts `accessories`
    from 1, blank ones included)."""
    found: set[str] = set()
    for width, height in BOX_SIZES_MM:
        back = back_layout(name, tagline, accessories, (0.0, 0.0, width, height))
        front = header_too_small(name=name, tagline=tagline, width_mm=width, height_mm=height)
        found.update(back.too_small, front)
    problems: dict[str, str] = {}
    if "name" in found:
        problems["name"] = _("This name is too long to print on the box: please shorten it.")
    if "tagline" in found:
        problems["tagline"] = _("This tagline is too long to print on the box: please shorten it.")
    filled = [i for i, text in enumerate(accessories, start=1) if text.strip()]
    if "accessories" in found and filled:
        problems[f"accessory_{filled[-1]}"] = _(
            "The accessories are too long to print on the box: please shorten them."
        )
    return problems
