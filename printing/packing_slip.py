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
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
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
from shop.models import Order

FONT_REGULAR = "MiniMeSans"
FONT_BOLD = "MiniMeSans-Bold"


def fonts_register() -> None:
    """TrueType fonts (embedded as subsets; DejaVu where installed, for ä, ß, ł ...)."""
    registered = pdfmetrics.getRegisteredFontNames()
    for name, path in (
        (FONT_REGULAR, printing_settings.FONT_REGULAR),
        (FONT_BOLD, printing_settings.FONT_BOLD),
    ):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, path))
    pdfmetrics.registerFontFamily(
        FONT_REGULAR, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_REGULAR,
        boldItalic=FONT_BOLD,
    )  # fmt: skip


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT_REGULAR, fontSize=10, leading=13)
    return {
        "base": base,
        "brand": ParagraphStyle("brand", base, fontName=FONT_BOLD, fontSize=18, leading=22),
        "title": ParagraphStyle("title", base, fontSize=12, textColor=colors.grey),
        "number": ParagraphStyle("number", base, fontName=FONT_BOLD, fontSize=16, leading=20),
        "label": ParagraphStyle("label", base, fontSize=8, leading=10, textColor=colors.grey),
        "address": ParagraphStyle("address", base, fontSize=12, leading=15),
        "cell": ParagraphStyle("cell", base, fontSize=10, leading=12),
        "qty": ParagraphStyle("qty", base, fontName=FONT_BOLD, fontSize=11, leading=13),
        "head": ParagraphStyle("head", base, fontName=FONT_BOLD, fontSize=9, leading=11),
        "small": ParagraphStyle("small", base, fontSize=8, leading=10, textColor=colors.grey),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _qr(value: str, size: float) -> Drawing:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    drawing.initialFontName = FONT_REGULAR  # else the renderer selects (unembedded) Helvetica
    return drawing


def _order_date(order: Order) -> str:
    when = timezone.localtime(order.paid_at or order.created_at)
    return formats.date_format(when, "DATE_FORMAT")


def _address(order: Order) -> str:
    lines = [order.full_name, order.address_line1, order.address_line2]
    lines.append(f"{order.postcode} {order.city}")
    lines.append(str(countries.name(str(order.country))).upper())
    return "\n".join(line for line in lines if line.strip())


def _slip(order: Order, styles: dict[str, ParagraphStyle], width: float) -> list[Flowable]:
    barcode = Code128(order.number, barHeight=11 * mm, barWidth=0.33 * mm, humanReadable=False)
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
                _qr(order.number, 32 * mm),
            ]
        ],
        colWidths=[width - 36 * mm, 36 * mm],
    )
    header.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
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
    rows: list[list[Any]] = [
        [
            _p(_("Qty"), styles["head"]),
            _p(_("Figure"), styles["head"]),
            _p(_("Product"), styles["head"]),
            _p(_("Variant"), styles["head"]),
            _p(_("SKU"), styles["head"]),
            _p(_("Packed"), styles["head"]),
        ]
    ]
    shippable = [line for line in order.lines.all() if line.is_shippable]
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
                ("FONTNAME", (0, 0), (-1, -1), FONT_REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, colors.lightgrey),
                ("TOPPADDING", (0, 1), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
                # An empty box to tick per line.
                *[("BOX", (5, r), (5, r), 0.6, colors.black) for r in range(1, len(rows))],
                ("LEFTPADDING", (5, 1), (5, -1), 0),
            ]
        )
    )
    items = sum(line.quantity for line in shippable)
    digital = sum(1 for line in order.lines.all() if not line.is_shippable)
    note = _("%(count)d item(s) in this parcel.") % {"count": items}
    if digital:
        note += " " + _("Digital downloads were sent by email.")
    return [
        header,
        Spacer(1, 8 * mm),
        KeepTogether(ship_to),
        Spacer(1, 8 * mm),
        lines,
        Spacer(1, 4 * mm),
        _p(note, styles["small"]),
    ]


def packing_slips_pdf(*, orders: Iterable[Order]) -> bytes:
    """One PDF with a packing slip per order (each starting on a new page)."""
    fonts_register()
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
        initialFontName=FONT_REGULAR,
        invariant=1,
    )
    width = doc.width - 12  # the frame's own padding: 6 pt on each side
    story: list[Flowable] = []
    with translation.override(settings.LANGUAGE_CODE):
        styles = _styles()
        for index, order in enumerate(orders):
            if index:
                story.append(PageBreak())
            story.extend(_slip(order, styles, width))
        doc.build(story)
    return buffer.getvalue()


def packing_slip_pdf(*, order: Order) -> bytes:
    return packing_slips_pdf(orders=[order])
