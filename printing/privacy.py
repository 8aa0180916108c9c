"""Printing's part of export and erasure (registered in PrintingConfig.ready()).

Print files are made from the customer's render, so they are personal data. Items of orders
still in production keep their files (the press needs them): they are erased once the order
has shipped, by `printing_erase_deferred_after_shipment` (privacy retention job)."""

from dataclasses import dataclass

from django.db import transaction

from core.typing import Account
from printing.models import PrintBatch, PrintItem
from privacy.registry import ErasePart, ExportPart, PrivacyHandler
from shop.models import Order, OrderStatus

# Paid, not shipped yet: the print files are still needed (partially refunded orders may
# still have the rest to produce).
PRODUCTION_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.IN_PRODUCTION,
    OrderStatus.PARTIALLY_REFUNDED,
)
DEFERRED_NOTE = "Print files of {count} order(s) in production will be erased after shipment."


def order_in_production(order: Order) -> bool:
    """Paid with something to print and not shipped yet (digital-only orders are done once
    paid: their file is the download)."""
    return (
        order.status in PRODUCTION_STATUSES
        and order.lines.filter(is_shippable=True).exists()
        and not order.status_changes.filter(to_status=OrderStatus.SHIPPED).exists()
    )


def _items_erase(items: list[PrintItem]) -> int:
    """Delete the files of these items (and of batches that hold no other item still in
    production); the rows stay as production history, with no picture and no report."""
    erased = 0
    for item in items:
        if item.file:
            item.file.delete(save=False)
            erased += 1
        item.preflight = {}
        item.hold_reason = ""
        item.save(update_fields=["file", "preflight", "hold_reason", "updated_at"])
    batches = PrintBatch.objects.filter(items__in=items).exclude(file="").distinct()
    for batch in batches:
        orders = Order.objects.filter(lines__print_item__batches=batch).distinct()
        if not any(order_in_production(order) for order in orders):
            batch.file.delete(save=False)
            batch.save(update_fields=["file"])
            erased += 1
    return erased


def printing_erase_deferred_after_shipment(*, order_ids: list[int]) -> tuple[int, list[int]]:
    """Erase the print files of deferred orders that are no longer in production. Returns the
    number of files erased and the ids of the orders still waiting."""
    erased = 0
    waiting: list[int] = []
    with transaction.atomic():
        for order in Order.objects.filter(pk__in=order_ids).select_for_update():
            if order_in_production(order):
                waiting.append(order.pk)
                continue
            erased += _items_erase(list(PrintItem.objects.filter(order_line__order=order)))
    return erased, waiting


def printing_deferred_order_ids(order_ids: list[int]) -> list[int]:
    """Which of these orders still wait (for a dry run: nothing changes)."""
    return [o.pk for o in Order.objects.filter(pk__in=order_ids) if order_in_production(o)]


@dataclass
class PrintingPrivacyHandler(PrivacyHandler):
    name: str = "printing"

    def export(self, *, user: Account) -> ExportPart:
        # The print files are made from the renders the export already holds: list them only.
        items = PrintItem.objects.filter(order_line__order__owner=user).select_related(
            "order_line__order"
        )
        return ExportPart(
            data={
                "print_files": [
                    {
                        "order": item.order_line.order.number,
                        "product": item.order_line.product_name,
                        "variant": item.order_line.variant_name,
                        "status": item.status,
                        "has_file": bool(item.file),
                        "rendered_at": item.rendered_at.isoformat() if item.rendered_at else None,
                    }
                    for item in items.order_by("pk")
                ]
            }
        )

    def erase(self, *, user: Account) -> ErasePart:
        part = ErasePart()
        waiting: list[int] = []
        erased = 0
        with transaction.atomic():
            for order in Order.objects.filter(owner=user).select_for_update():
                items = list(PrintItem.objects.filter(order_line__order=order))
                if not items:
                    continue
                if order_in_production(order):
                    waiting.append(order.pk)
                    continue
                erased += _items_erase(items)
        part.counts = {"print_files": erased, "orders_waiting": len(waiting)}
        if waiting:
            part.deferred.append(DEFERRED_NOTE.format(count=len(waiting)))
            part.pending["orders"] = waiting
        return part


__all__ = [
    "PrintingPrivacyHandler",
    "order_in_production",
    "printing_deferred_order_ids",
    "printing_erase_deferred_after_shipment",
]
