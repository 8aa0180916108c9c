"""Packing slips: one A4 page (more for long orders) per order, for the parcel.

Shop name, order number as text, QR code and Code 128 barcode (scanned at the packing
table), the date, the shipping address, and the physical lines with quantity, figure name,
product and variant; no prices. Every font is embedded (TrueType subsets)."""

from collections.abc import Iterable
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_countries import countries
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.shapes import Drawing, Rect
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from printing.conf import printing_settings
from printing.press.fonts import Fonts, font_covering, fonts
from printing.press.qr import dark_runs, qr_modules
from shop.models import Order, OrderLine


def _styles(product_fonts: Fonts) -> dict[str, ParagraphStyle]:
    regular, bold = product_fonts.regular, product_fonts.bold
    base = ParagraphStyle("base", fontName=regular, fontSize=10, leading=13)
    return {
        "base": base,
        "brand": ParagraphStyle("brand", base, fontName=bold, fontSize=18, leading=22),
        "title": ParagraphStyle("title", base, fontSize=12, textColor=colors.grey),
        "number": ParagraphStyle("number", base, fontName=bold, fontSize=16, leading=20),
        "label": ParagraphStyle("label", base, fontSize=8, leading=10, textColor=colors.grey),
        "address": ParagraphStyle("address", base, fontSize=12, leading=15),
        "cell": ParagraphStyle("cell", base, fontSize=10, leading=12),
        "qty": ParagraphStyle("qty", base, fontName=bold, fontSize=11, leading=13),
        "head": ParagraphStyle("head", base, fontName=bold, fontSize=9, leading=11),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10, textColor=colors.grey),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    markup = escape(str(text)).replace("\n", "<br/>")
    # A name or address the product font lacks glyphs for is set in its fallback font.
    font = font_covering(style.fontName, str(text))
    if font != style.fontName:
        markup = f'<font face="{font}">{markup}</font>'
    return Paragraph(markup, style)


def _qr(value: str, size: float, *, font: str) -> Drawing:
    """The QR code as a drawing of black squares with a 4-module quiet zone."""
    modules = qr_modules(value)
    quiet = 4
    step = size / (len(modules) + 2 * quiet)
    drawing = Drawing(size, size)
    for row, col, length in dark_runs(modules):
        drawing.add(
            Rect(
                (col + quiet) * step,
                size - (row + quiet + 1) * step,
                length * step,
                step,
                fillColor=colors.black,
                strokeColor=None,
                strokeWidth=0,
            )
        )
    drawing.initialFontName = font  # else the renderer selects (unembedded) Helvetica
    return drawing


def _order_date(order: Order) -> str:
    when = timezone.localtime(order.paid_at or order.created_at)
    return formats.date_format(when, "DATE_FORMAT")


def _address(order: Order) -> str:
    lines = [order.full_name, order.address_line1, order.address_line2]
    lines.append(f"{order.postcode} {order.city}")
    lines.append(str(countries.name(str(order.country))).upper())
    return "\n".join(line for line in lines if line.strip())


def _header(order: Order, styles: dict[str, ParagraphStyle], width: float) -> Table:
    """Brand, order number (as text and Code 128), date; the QR code on the right."""
    barcode = Code128(order.number, barHeight=11 * mm, barWidth=0.33 * mm, humanReadable=False)
    regular = styles["base"].fontName
    header = Table(
        [
            [
                [
                    _p(printing_settings.BRAND_NAME, styles["brand"]),
                    _p(_("Packing slip"), styles["title"]),
                    Spacer(1, 5 * mm),
                    _p(_("Order"), styles["label"]),
                    _p(order.number, styles["number"]),
                    barcode,
                    Spacer(1, 2 * mm),
                    _p(_("Date"), styles["label"]),
                    _p(_order_date(order), styles["base"]),
                ],
                _qr(order.number, 32 * mm, font=regular),
            ]
        ],
        colWidths=[width - 36 * mm, 36 * mm],
    )
    header.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), regular),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return header


def _ship_to(order: Order, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    ship_to = [
        _p(_("Ship to"), styles["label"]),
        _p(_address(order), styles["address"]),
    ]
    if order.shipping_method_name:
        ship_to += [
            Spacer(1, 2 * mm),
            _p(_("Shipping"), styles["label"]),
            _p(order.shipping_method_name, styles["base"]),
        ]
    return ship_to


def _lines_table(shippable: list[OrderLine], styles: dict[str, ParagraphStyle]) -> Table:
    """The physical lines, each with an empty box to tick when packed."""
    head = [_("Qty"), _("Figure"), _("Product"), _("Variant"), _("SKU"), _("Packed")]
    rows: list[list[Any]] = [[_p(text, styles["head"]) for text in head]]
    for line in shippable:
        rows.append(
            [
                _p(f"{line.quantity} x", styles["qty"]),
                _p(line.figure_name, styles["cell"]),
                _p(line.product_name, styles["cell"]),
                _p(line.variant_name, styles["cell"]),
                _p(line.sku, styles["small"]),
                "",
            ]
        )
    lines = Table(
        rows,
        colWidths=[13 * mm, None, 40 * mm, 30 * mm, 30 * mm, 18 * mm],
        repeatRows=1,
    )
    lines.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), styles["base"].fontName),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.lightgrey),
                ("TOPPADDING", (0, 1), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
                *[("BOX", (5, r), (5, r), 0.6, colors.black) for r in range(1, len(rows))],
                ("LEFTPADDING", (5, 1), (5, -1), 0),
            ]
        )
    )
    return lines


def _slip(order: Order, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    all_lines = list(order.lines.all())
    shippable = [line for line in all_lines if line.is_shippable]
    items = sum(line.quantity for line in shippable)
    digital = sum(1 for line in all_lines if not line.is_shippable)
    note = _("%(count)d item(s) in this parcel.") % {"count": items}
    if digital:
        note += " " + _("Digital downloads were sent by email.")
    return [
        _header(order, styles, width),
        Spacer(1, 8 * mm),
        KeepTogether(_ship_to(order, styles)),
        Spacer(1, 8 * mm),
        _lines_table(shippable, styles),
        Spacer(1, 4 * mm),
        _p(note, styles["small"]),
    ]


def packing_slips_pdf(*, orders: Iterable[Order]) -> bytes:
    """One PDF with a packing slip per order (each starting on a new page)."""
    product_fonts = fonts()
    buffer = BytesIO()
    orders = list(orders)
    margin = 18 * mm
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margin,
        rightMargin=margin,
        topMargin=margin,
        bottomMargin=margin,
        title=_("Packing slips") if len(orders) != 1 else f"{_('Packing slip')} {orders[0].number}",
        author=printing_settings.BRAND_NAME,
        creator=printing_settings.BRAND_NAME,
        initialFontName=product_fonts.regular,
        invariant=1,
    )
    width = doc.width - 12  # the frame's own padding: 6 pt on each side
    story: list[Flowable] = []
    with translation.override(settings.LANGUAGE_CODE):
        styles = _styles(product_fonts)
        for index, order in enumerate(orders):
            if index:
                story.append(PageBreak())
            story.extend(_slip(order, styles, width))
        doc.build(story)
    return buffer.getvalue()


def packing_slip_pdf(*, order: Order) -> bytes:
    return packing_slips_pdf(orders=[order])
