"""Reads for production: the queue of paid orders with something to make or ship, their
lines and print items."""

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from printing.models import PrintItem, ProductionOrder
from shop.models import Order, OrderLine, OrderStatus, OrderStatusChange

S = OrderStatus
# Paid and not yet shipped: the work to do.
QUEUE_STATUSES = (S.PAID, S.IN_PRODUCTION, S.PARTIALLY_REFUNDED)
# Also reachable in the queue's admin (filter "Shipped"), e.g. to print a slip again.
VISIBLE_STATUSES = (*QUEUE_STATUSES, S.SHIPPED, S.DELIVERED)


def production_orders() -> "QuerySet[ProductionOrder]":
    """Orders with something to make or ship, once paid; `queued_at` is when they entered
    the queue (paid, else placed), `was_shipped` whether they ever left it as shipped (a
    partially refunded order may or may not have been)."""
    shippable = OrderLine.objects.filter(order=OuterRef("pk"), is_shippable=True)
    shipped = OrderStatusChange.objects.filter(order=OuterRef("pk"), to_status=S.SHIPPED)
    return (
        ProductionOrder.objects.filter(Exists(shippable), status__in=VISIBLE_STATUSES)
        .annotate(queued_at=Coalesce("paid_at", "created_at"), was_shipped=Exists(shipped))
        .prefetch_related("lines__print_item", "lines__render")
    )


def production_to_do() -> Q:
    """Filter of `production_orders()` for the work still to do: paid, not shipped."""
    return Q(status__in=[S.PAID, S.IN_PRODUCTION]) | Q(
        status=S.PARTIALLY_REFUNDED, was_shipped=False
    )


def production_lines() -> "QuerySet[OrderLine]":
    """Shippable lines of orders in production's sight (paid and physical), not every cart."""
    return OrderLine.objects.filter(order__status__in=VISIBLE_STATUSES, is_shippable=True)


def production_print_items() -> "QuerySet[PrintItem]":
    """Print items of orders in production's sight."""
    return PrintItem.objects.filter(order_line__order__status__in=VISIBLE_STATUSES)


def line_position(line: OrderLine) -> int:
    """1-based position of the line in its order (lines are ordered by id)."""
    return OrderLine.objects.filter(order_id=line.order_id, pk__lte=line.pk).count()


def order_print_items(orders: Iterable[Order]) -> list[tuple[OrderLine, int, PrintItem | None]]:
    """Every shippable line of the orders with its position and print item (if any)."""
    rows = []
    for order in orders:
        lines = OrderLine.objects.filter(order=order).select_related("order", "print_item")
        for position, line in enumerate(lines.order_by("pk"), start=1):
            if line.is_shippable:
                rows.append((line, position, getattr(line, "print_item", None)))
    return rows
