"""Printing test data: paid orders in the production queue (moved on by the order lifecycle
function, no Stripe needed) and ready print items holding small real print PDFs (made with
reportlab here, so tests do not depend on the product renderer)."""

import io
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from reportlab.lib.colors import CMYKColor, CMYKColorSep
from reportlab.pdfgen.canvas import Canvas

from figures.models import FigureDesign
from printing.models import PrintItem, PrintItemStatus
from printing.press.units import MM
from shop.models import Order, OrderStatus
from shop.services.orders import order_transition
from tests.factories.privacy import user_create
from tests.factories.shop import order_for


def print_pdf(width_mm: float, height_mm: float, *, bleed_mm: float = 3.0, pages: int = 1) -> bytes:
    """A print-ready PDF like the renderer's: page = trim + bleed, TrimBox and BleedBox set,
    full-bleed cyan art and a CutContour spot-colour die line 3 mm inside the trim."""
    buffer = io.BytesIO()
    w, h, b = width_mm * MM, height_mm * MM, bleed_mm * MM
    canvas = Canvas(
        buffer,
        pagesize=(w + 2 * b, h + 2 * b),
        trimBox=(b, b, b + w, b + h),
        bleedBox=(0, 0, w + 2 * b, h + 2 * b),
    )
    for _page in range(pages):
        canvas.setFillColor(CMYKColor(1, 0, 0, 0))
        canvas.rect(0, 0, w + 2 * b, h + 2 * b, stroke=0, fill=1)
        canvas.setStrokeColor(CMYKColorSep(0, 1, 0, 0, spotName="CutContour"))
        canvas.setLineWidth(0.5)
        canvas.roundRect(b + 3 * MM, b + 3 * MM, w - 6 * MM, h - 6 * MM, 4 * MM, stroke=1)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def paid_order(
    user: Any = None,
    *,
    sku: str = "MM-STK-A5",
    quantity: int = 1,
    design: FigureDesign | None = None,
    country: str = "DE",
    ago: timedelta | None = None,
) -> Order:
    """A paid order (status moved by the lifecycle function; no Stripe needed)."""
    user = user or user_create()
    order = order_for(user, sku=sku, quantity=quantity, design=design, country=country)
    paid_at = timezone.now() - (ago or timedelta(minutes=5))
    return order_transition(order=order, to=OrderStatus.PAID, reason="test", paid_at=paid_at)


def ready(order: Order, data: bytes | None = None, *, preflight: Any = None) -> PrintItem:
    """Give each shippable line of the order a READY print item with a PDF."""
    item = None
    for line in order.lines.filter(is_shippable=True):
        item, _ = PrintItem.objects.get_or_create(order_line=line)
        size = (line.variant.width_mm, line.variant.height_mm) if line.variant else (148, 210)
        item.file.save("print.pdf", ContentFile(data or print_pdf(*size)), save=False)
        item.status = PrintItemStatus.READY
        item.preflight = preflight or {"ok": True, "effective_dpi": 312}
        item.save()
    assert item is not None
    return item
