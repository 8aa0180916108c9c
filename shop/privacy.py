"""The shop's part of export and erasure (registered in ShopConfig.ready()).

Erasure anonymises orders instead of deleting them: invoices must be kept for
MINIME_INVOICE_RETENTION_YEARS (tax law). What stays is what an invoice needs: number, dates,
lines (product, variant, SKU, quantity, prices, tax), totals, billing name and address. The
email becomes ANONYMISED_EMAIL (which also marks the order as anonymised for retention), the
owner link, tracking data, figure names (a line's description keeps product and variant
only), design/render links and free-text reasons are cleared; Stripe webhook payloads of those
orders (email, metadata) are replaced by "{}"."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from core.typing import Account
from privacy.registry import ErasePart, ExportPart, PrivacyHandler
from shop.models import (
    Cart,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    Payment,
    Refund,
    WebhookEvent,
)

ANONYMISED_EMAIL = "erased@invalid"
WEBHOOK_REDACTED_NOTE = "Payload redacted: the customer's personal data was erased."


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _money(value: Any) -> str:
    return str(value)


def order_export(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "created_at": _iso(order.created_at),
        "paid_at": _iso(order.paid_at),
        "email": order.email,
        "language": order.language,
        "currency": order.currency,
        "billing_address": {
            "full_name": order.full_name,
            "address_line1": order.address_line1,
            "address_line2": order.address_line2,
            "postcode": order.postcode,
            "city": order.city,
            "country": str(order.country),
        },
        "shipping_method": order.shipping_method_name,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "shipping_gross": _money(order.shipping_gross),
        "subtotal_gross": _money(order.subtotal_gross),
        "tax_total": _money(order.tax_total),
        "total_gross": _money(order.total_gross),
        "refunded_amount": _money(order.refunded_amount),
        "lines": [
            {
                "figure_name": line.figure_name,
                "design": str(line.design_id) if line.design_id else None,
                "design_version": line.design_version,
                "product": line.product_name,
                "variant": line.variant_name,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price_gross": _money(line.unit_price_gross),
                "tax_rate": str(line.tax_rate),
                "line_total_gross": _money(line.line_total_gross),
            }
            for line in order.lines.all()
        ],
        "status_history": [
            {"from": c.from_status, "to": c.to_status, "at": _iso(c.created_at)}
            for c in order.status_changes.all()
        ],
    }


def orders_delete(order_ids: list[int]) -> int:
    """Delete orders for good (retention of anonymised invoices): payments and refunds are
    PROTECTed, so they go first; print files are deleted from storage."""
    from printing.models import PrintItem

    for item in PrintItem.objects.filter(order_line__order__in=order_ids).exclude(file=""):
        item.file.delete(save=False)
    with transaction.atomic():
        WebhookEvent.objects.filter(order__in=order_ids).delete()
        Refund.objects.filter(order__in=order_ids).delete()
        Payment.objects.filter(order__in=order_ids).delete()
        _, deleted = Order.objects.filter(pk__in=order_ids).delete()
    return deleted.get("shop.Order", 0)


@dataclass
class ShopPrivacyHandler(PrivacyHandler):
    name: str = "shop"

    def export(self, *, user: Account) -> ExportPart:
        orders = Order.objects.filter(owner=user).prefetch_related("lines", "status_changes")
        return ExportPart(data={"orders": [order_export(o) for o in orders.order_by("pk")]})

    def erase(self, *, user: Account) -> ErasePart:
        from shop.services.orders import order_transition

        with transaction.atomic():
            orders = Order.objects.filter(owner=user)
            order_ids = list(orders.values_list("pk", flat=True))
            # An unpaid order must not be paid (and produced) after its owner is gone.
            cancelled = 0
            for order in orders.filter(status=OrderStatus.PENDING_PAYMENT):
                order_transition(order=order, to=OrderStatus.CANCELLED, reason="account erased")
                cancelled += 1
            anonymised = Order.objects.filter(pk__in=order_ids).update(
                owner=None,
                email=ANONYMISED_EMAIL,
                carrier="",
                tracking_number="",
                attention_reason="",
            )
            lines = OrderLine.objects.filter(order__in=order_ids).update(
                figure_name="", design=None, render=None
            )
            # Reasons are free text ("shipped: DHL <tracking>", staff notes).
            OrderStatusChange.objects.filter(order__in=order_ids).update(reason="")
            Refund.objects.filter(order__in=order_ids).update(reason="")
            Payment.objects.filter(order__in=order_ids).update(last_error="")
            # Events that never got linked to an order can still carry the email.
            webhook_filter = Q(order__in=order_ids)
            if user.email:
                webhook_filter |= Q(payload__contains=user.email)
            webhooks = WebhookEvent.objects.filter(webhook_filter).update(
                payload="{}", error=WEBHOOK_REDACTED_NOTE
            )
            _, carts = Cart.objects.filter(owner=user).delete()
        return ErasePart(
            counts={
                "orders_anonymised": anonymised,
                "orders_cancelled": cancelled,
                "order_lines": lines,
                "webhook_payloads_redacted": webhooks,
                "carts": carts.get("shop.Cart", 0),
            }
        )
