"""Printing's side of what the shop announces (shop.signals) or asks (shop's download file
provider); connected and registered in PrintingConfig.ready(). Shop never imports printing.

Signals arrive inside the transaction of the order change: the rows written here commit or
roll back with it, and only the broker (render tasks) and file storage wait for the commit."""

from typing import Any

from django.db import transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import translation

from figures.models import FigureDesign, GenerationJob, Render
from figures.signals import design_approved
from printing.models import DesignPreview, PrintItem, PrintItemStatus
from printing.packaging.preview import previews_delete
from printing.services import print_items_hold, print_items_register
from shop.models import Dispute, Order, OrderLine
from shop.signals import order_disputed, order_paid, orders_purging


@receiver(order_paid, dispatch_uid="printing.print_items_register")
def print_items_on_order_paid(sender: object, *, order: Order, **kwargs: Any) -> None:
    """Paid: every line becomes a print item in the same transaction."""
    print_items_register(order_id=order.pk)


@receiver(order_disputed, dispatch_uid="printing.hold_on_order_disputed")
def production_on_order_disputed(
    sender: object, *, order: Order, dispute: Dispute, **kwargs: Any
) -> None:
    """A chargeback is open: nothing of the order is produced until staff settle it."""
    if dispute.is_open:
        print_items_hold(order=order, reason=f"Chargeback {dispute.stripe_dispute_id} open.")


@receiver(orders_purging, dispatch_uid="printing.print_files_on_orders_purging")
def print_files_on_orders_purging(sender: object, *, order_ids: list[int], **kwargs: Any) -> None:
    """The orders go for good (their items go with them by cascade): their print files are
    deleted from storage once the deletion commits."""
    items = PrintItem.objects.filter(order_line__order__in=order_ids).exclude(file="")
    files = [(item.file.storage, str(item.file.name)) for item in items]

    def delete_files() -> None:
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)


def download_file_of(line: OrderLine) -> FieldFile | None:
    """shop's download file provider: the print-quality PNG of a digital line once it is
    ready and stored, else None (the shop then serves the approved render)."""
    item = PrintItem.objects.filter(order_line=line, status=PrintItemStatus.READY).first()
    name = item.file.name if item is not None else ""
    if item is not None and name and name.endswith(".png") and item.file.storage.exists(name):
        return item.file
    return None


@receiver(design_approved, dispatch_uid="printing.previews_on_design_approved")
def previews_on_design_approved(sender: object, *, design: FigureDesign, **kwargs: Any) -> None:
    """Approved: a worker renders and stores the design's previews once this commits, so the
    product page shows them at once (a broker that is away is logged: the views render a
    missing preview themselves)."""
    from printing import tasks

    design_id = design.pk
    # In the language of the approving request: the customer's views then find them fresh.
    language = translation.get_language()
    transaction.on_commit(lambda: tasks.enqueue_previews(design_id=design_id, language=language))


@receiver(post_delete, sender=DesignPreview, dispatch_uid="printing.preview_file_delete")
def preview_file_on_delete(sender: object, *, instance: DesignPreview, **kwargs: Any) -> None:
    """A stored preview shows the customer's face: its file goes once its row's deletion
    commits (the design's, its render's, an erasure's)."""
    storage, name = instance.file.storage, str(instance.file.name or "")
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@receiver(post_delete, sender=Render, dispatch_uid="printing.preview_forget_render")
def preview_forget_on_render_delete(sender: object, *, instance: Render, **kwargs: Any) -> None:
    """A deleted render (erasure, retention) leaves no stored preview made from it (the
    design's own deletion takes its previews by cascade)."""
    designs = GenerationJob.objects.filter(pk=instance.job_id).values_list("design_id", flat=True)
    previews_delete(design_ids=list(designs))
