"""Printing's privacy handler (registered in PrintingConfig.ready()): export and erasure of
print files, and the erasure work it leaves for later.

Print files are made from the customer's render, so they are personal data. Items of orders
still in production keep their files (the press needs them): the erasure leaves those orders
pending, and the retention rule "deferred_print_files" erases their files once the order has
shipped (privacy.erasure.erasure_finish_waiting -> `finish_pending`). Files of orders deleted
for good go with them (printing.receivers, on shop.signals.orders_purging)."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse

from core.typing import Account
from figures.models import DesignStatus, FigureDesign
from printing.models import (
    DesignPreview,
    PreviewKind,
    PrintBatch,
    PrintItem,
    PrintItemStatusChange,
)
from printing.packaging.preview import previews_delete
from privacy.registry import (
    ErasePart,
    ExportPart,
    PendingResult,
    PrivacyHandler,
    RetentionRule,
    StoredItem,
)
from privacy.retention import FinishPendingRule
from shop.models import Order
from shop.privacy import PRODUCTION_STATUSES, order_in_production

DEFERRED_NOTE = "Print files of {count} order(s) in production will be erased after shipment."


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
    # The history keeps the moves, not the reasons (they can quote names from the file).
    PrintItemStatusChange.objects.filter(print_item__in=items).update(reason="")
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


def _stored_previews(user: Account) -> QuerySet[DesignPreview]:
    """The person's previews that have a file, a design's together in kind order."""
    return (
        DesignPreview.objects.filter(design__owner=user)
        .exclude(file="")
        .select_related("design")
        .order_by("design__created_at", "design_id", "kind")
    )


def _preview_url(row: DesignPreview) -> str:
    """Where the owner sees this preview: the views serve approved designs only."""
    if row.design.status != DesignStatus.APPROVED:
        return ""
    if row.kind == PreviewKind.SHARE_CARD:
        return reverse("printing:share_card", args=[row.design_id])
    return reverse("printing:product_preview", args=[row.design_id, row.kind])


@dataclass
class PrintingPrivacyHandler(PrivacyHandler):
    name: str = "printing"
    # First: it reads the person's orders before the shop anonymises them (owner -> NULL).
    erase_order: int = 10

    def export(self, *, user: Account) -> ExportPart:
        # The print files are made from the renders the export already holds: list them only.
        items = PrintItem.objects.filter(order_line__order__owner=user).select_related(
            "order_line__order"
        )
        previews = list(_stored_previews(user))
        files = [(f"previews/{row.design_id}-{row.kind}.png", row.file) for row in previews]
        return ExportPart(
            files=files,
            data={
                "previews": [
                    {
                        "design": str(row.design_id),
                        "kind": row.kind,
                        "file": f"previews/{row.design_id}-{row.kind}.png",
                        "made_at": row.updated_at.isoformat(),
                    }
                    for row in previews
                ],
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
                ],
            },
        )

    def stored_items(self, *, user: Account) -> list[StoredItem]:
        """The stored product previews (they show the person's face). No retention rule: they
        go with their design or its render, and on erasure."""
        return [
            StoredItem("preview", row, view_url=_preview_url(row)) for row in _stored_previews(user)
        ]

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
        # The previews show the person's face: they go now (files once this commits).
        designs = list(FigureDesign.objects.filter(owner=user).values_list("pk", flat=True))
        previews = previews_delete(design_ids=designs)
        part.counts = {
            "print_files": erased,
            "orders_waiting": len(waiting),
            "previews": previews,
        }
        if waiting:
            part.deferred.append(DEFERRED_NOTE.format(count=len(waiting)))
            part.pending["orders"] = waiting
        return part

    def retention_rules(self) -> list[RetentionRule]:
        return [FinishPendingRule(name="deferred_print_files", handler=self.name)]

    def finish_pending(
        self, *, pending: dict[str, list[int]], counts: dict[str, int], dry_run: bool
    ) -> PendingResult:
        """Erase the print files of the waiting orders that have shipped since."""
        order_ids = pending.get("orders", [])
        if dry_run:
            still = printing_deferred_order_ids(order_ids)
            return PendingResult(
                done=len(order_ids) - len(still), counts=counts, pending={"orders": still}
            )
        erased, still = printing_erase_deferred_after_shipment(order_ids=order_ids)
        counts = {
            **counts,
            "print_files": counts.get("print_files", 0) + erased,
            "orders_waiting": len(still),
        }
        return PendingResult(done=erased, counts=counts, pending={"orders": still})


__all__ = [
    "PRODUCTION_STATUSES",
    "PrintingPrivacyHandler",
    "order_in_production",
    "printing_deferred_order_ids",
    "printing_erase_deferred_after_shipment",
]
