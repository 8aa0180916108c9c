"""The shop's privacy handler (registered in ShopConfig.ready()): export, erasure, the orders
shown in the privacy centre, the invoice retention rule, and the shop's holds on designs,
renders and accounts (its orders keep using them).

Erasure anonymises orders instead of deleting them: invoices must be kept for
MINIME_INVOICE_RETENTION_YEARS (tax law). What stays is what an invoice needs: number, dates,
lines (product, variant, SKU, quantity, prices, tax), totals, billing name and address. The
order gets `anonymised_at` (the invoice retention rule deletes it when its time is up); the
email, owner link, tracking data, figure names (a line's description keeps product and variant
only), design/render links and free-text reasons are cleared; Stripe webhook payloads of those
orders (email, metadata) are replaced by "{}"."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Model, Q
from django.utils import formats, timezone
from django.utils.translation import ngettext

from core.typing import Account
from figures.models import FigureDesign, Render
from privacy.conf import privacy_settings
from privacy.registry import (
    ErasePart,
    ExportPart,
    PrivacyHandler,
    RetentionRule,
    RuleResult,
    StoredItem,
)
from shop.conf import shop_settings
from shop.models import (
    Cart,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    OutboundEmail,
    Payment,
    Refund,
    WebhookEvent,
)
from shop.selectors import orders_of
from shop.signals import orders_purging

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
    """Delete orders for good (retention of anonymised invoices): the apps above are told
    first (shop.signals.orders_purging: printing deletes its print files); payments and
    refunds are PROTECTed, so they go before the orders."""
    with transaction.atomic():
        orders_purging.send(sender=Order, order_ids=order_ids)
        WebhookEvent.objects.filter(order__in=order_ids).delete()
        Refund.objects.filter(order__in=order_ids).delete()
        Payment.objects.filter(order__in=order_ids).delete()
        _, deleted = Order.objects.filter(pk__in=order_ids).delete()
    return deleted.get("shop.Order", 0)


# Paid, not shipped yet: what the order holds is still needed (partially refunded orders may
# still have the rest to produce).
PRODUCTION_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.PARTIALLY_REFUNDED,
)
# Orders that never became a sale hold nothing.
NO_SALE_STATUSES = (OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED)


def order_in_production(order: Order) -> bool:
    """Paid with something to print and not shipped yet (digital-only orders are done once
    paid: their file is the download)."""
    return (
        order.status in PRODUCTION_STATUSES
        and order.lines.filter(is_shippable=True).exists()
        and not order.status_changes.filter(to_status=OrderStatus.SHIPPED).exists()
    )


def order_last_used(order: Order) -> datetime | None:
    """When the order last needed its designs: its shipment (else payment, else placing);
    None while it is in production."""
    if order_in_production(order):
        return None
    shipped = order.status_changes.filter(to_status=OrderStatus.SHIPPED).aggregate(
        at=Max("created_at")
    )["at"]
    return shipped or order.paid_at or order.created_at


def _design_holds(pks: Collection[Any]) -> dict[Any, datetime | None]:
    holds: dict[Any, datetime | None] = {}
    orders = (
        Order.objects.filter(lines__design__in=pks)
        .exclude(status__in=NO_SALE_STATUSES)
        .distinct()
        .prefetch_related("lines")
    )
    for order in orders:
        since = order_last_used(order)
        for line in order.lines.all():
            if line.design_id not in pks:
                continue
            held = holds.get(line.design_id, since)
            holds[line.design_id] = None if since is None or held is None else max(since, held)
    return holds


class InvoiceRetention(RetentionRule):
    """Anonymised orders (their owner was erased) are deleted for good once
    MINIME_INVOICE_RETENTION_YEARS have passed. As German commercial and tax law counts it
    (HGB § 257(5), AO § 147(4)), the period starts at the end of the calendar year the order
    was placed in: an order of 2026 with 8 years is kept until 31 December 2034, deleted by
    the first daily run of 2035. The privacy centre shows that date for every order."""

    name = "anonymised_invoices"

    def years(self) -> int:
        return privacy_settings.INVOICE_RETENTION_YEARS

    def period(self) -> timedelta:
        return timedelta(days=365 * self.years())  # approximate: cutoff/delete_on are exact

    def cutoff(self, now: datetime) -> datetime:
        """Orders placed before 1 January of (this year - years) are past their period."""
        local = timezone.localtime(now)
        return local.replace(
            year=local.year - self.years(), month=1, day=1, hour=0, minute=0, second=0,
            microsecond=0,
        )  # fmt: skip

    def delete_on(self, start: datetime | None) -> date | None:
        """The last day it is kept: 31 December, `years` after the year it was placed in."""
        if start is None:
            return None
        return date(timezone.localtime(start).year + self.years(), 12, 31)

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        result = RuleResult(self.name)
        order_ids = list(
            Order.objects.filter(
                anonymised_at__isnull=False, owner__isnull=True, created_at__lt=self.cutoff(now)
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        result.items = [f"Order {pk}" for pk in order_ids]
        result.count = len(order_ids)
        if order_ids and not dry_run:
            orders_delete(order_ids)
        return result

    def explain(self, *, delete_on: date | None) -> str:
        years = self.years()
        return ngettext(
            "invoice kept %(years)d year by law, until %(date)s.",
            "invoice kept %(years)d years by law, until %(date)s.",
            years,
        ) % {"years": years, "date": formats.date_format(delete_on) if delete_on else ""}


class EmailRetention(RetentionRule):
    """Copies of customer emails the outbox sent (or gave up on) are deleted
    MINIME_EMAIL_RETENTION_DAYS after they were written; unsent ones are kept until sent."""

    name = "sent_emails"

    def period(self) -> timedelta:
        return timedelta(days=shop_settings.EMAIL_RETENTION_DAYS)

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        done = OutboundEmail.objects.exclude(status=OutboundEmail.Status.PENDING)
        due = list(
            done.filter(created_at__lt=self.cutoff(now)).order_by("pk").values_list("pk", flat=True)
        )
        if due and not dry_run:
            OutboundEmail.objects.filter(pk__in=due).delete()
        return RuleResult(self.name, len(due), [f"Email {pk}" for pk in due])


@dataclass
class ShopPrivacyHandler(PrivacyHandler):
    name: str = "shop"
    # After printing (it reads the orders this anonymises), before figures (the order lines'
    # links to designs and renders are cleared first).
    erase_order: int = 20
    invoices: InvoiceRetention = field(default_factory=InvoiceRetention)
    emails: EmailRetention = field(default_factory=EmailRetention)

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
                email="",
                anonymised_at=timezone.now(),
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
            # Copies of emails to them (addresses, names); unsent ones are never sent.
            _, emails = OutboundEmail.objects.filter(order__in=order_ids).delete()
        return ErasePart(
            counts={
                "orders_anonymised": anonymised,
                "orders_cancelled": cancelled,
                "order_lines": lines,
                "webhook_payloads_redacted": webhooks,
                "carts": carts.get("shop.Cart", 0),
                "emails": emails.get("shop.OutboundEmail", 0),
            }
        )

    def stored_items(self, *, user: Account) -> list[StoredItem]:
        rule = self.invoices
        return [
            StoredItem("order", order, rule, rule.delete_on(order.created_at))
            for order in orders_of(owner=user).order_by("-created_at")
        ]

    def retention_rules(self) -> list[RetentionRule]:
        return [self.invoices, self.emails]

    def holds(self, *, model: type[Model], pks: Collection[Any]) -> dict[Any, datetime | None]:
        """Designs of sold orders (until shipped), renders on order lines (while the line
        exists), and accounts (their last order)."""
        if model is FigureDesign:
            return _design_holds(pks)
        if model is Render:
            lines = OrderLine.objects.filter(render__in=pks).values_list("render_id", flat=True)
            return {pk: None for pk in lines}
        if model is get_user_model():
            last = (
                Order.objects.filter(owner__in=pks).values("owner").annotate(at=Max("created_at"))
            )
            return {row["owner"]: row["at"] for row in last}
        return {}
