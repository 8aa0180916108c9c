"""Print items: every line of a paid order gets its print file, preflighted.

`print_items_register` is called by the shop after the commit that marks an order paid; it
takes over each line (physical products and digital downloads alike) and queues rendering.
`print_item_render` (the Celery task `printing.render_print_item` calls it) builds the file by
product kind (printing.products), stores it in private storage with its preflight report and
sets the item ready, held (for staff, with the reason) or failed (with the reason).
"""

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from printing.models import PrintItem, PrintItemStatus
from shop.models import Order, OrderLine

if TYPE_CHECKING:
    from printing import products

logger = logging.getLogger(__name__)

REASON_MAX = 300


class PrintInputError(Exception):
    """The line cannot be printed as it is (no render, an unreadable file): fail, clearly."""


class TransientPrintError(Exception):
    """Storing the file failed in a way that may pass (a storage hiccup): retry the task."""


def print_items_register(*, order_id: int) -> list[PrintItem]:
    """Take over every line of a paid order (idempotent) and queue the rendering of each item
    still waiting for its file, once this transaction commits."""
    with transaction.atomic():
        order = Order.objects.get(pk=order_id)
        items = []
        for line in order.lines.all():
            item, _created = PrintItem.objects.get_or_create(order_line=line)
            items.append(item)
        waiting = [item.pk for item in items if item.status == PrintItemStatus.PENDING]
        transaction.on_commit(lambda: _enqueue(waiting))
    return items


def _enqueue(item_ids: list[int]) -> None:
    from printing import tasks

    for item_id in item_ids:
        tasks.enqueue_render(item_id=item_id)


@dataclass(frozen=True)
class _Claim:
    proceed: bool
    item: PrintItem


def _claim(item_id: int, *, force: bool) -> _Claim:
    """Lock the row; an item that is finished (ready, held or failed) is left alone unless
    forced. Counts the attempt."""
    with transaction.atomic():
        item = PrintItem.objects.select_for_update().get(pk=item_id)
        if item.status != PrintItemStatus.PENDING and not force:
            return _Claim(False, item)
        item.attempts += 1
        item.save(update_fields=["attempts", "updated_at"])
        return _Claim(True, item)


def _render_image(line: OrderLine) -> Image.Image:
    """The approved render of the line, decoded; PrintInputError with a clear reason when it
    is missing or unreadable."""
    render = line.render
    if render is None:
        raise PrintInputError("No approved render is linked to this order line.")
    name = render.image.name
    if not name or not render.image.storage.exists(name):
        raise PrintInputError(f"The approved render's file is missing from storage ({name!r}).")
    try:
        with render.image.storage.open(name, "rb") as stored:
            image = Image.open(stored)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise PrintInputError(
            f"The approved render's file cannot be read as an image ({name!r}: "
            f"{type(exc).__name__})."
        ) from exc
    if image.width < 2 or image.height < 2:
        raise PrintInputError(f"The approved render is {image.width} x {image.height} px.")
    return image


def print_item_spec(line: OrderLine) -> "products.ProductSpec":
    from printing import products

    design = line.design
    variant = line.variant
    accessories = tuple(str(a) for a in (design.accessories or [])) if design else ()
    return products.ProductSpec(
        kind=line.product_kind,
        label=line.variant_name,
        width_mm=variant.width_mm if variant else None,
        height_mm=variant.height_mm if variant else None,
        figure_name=line.figure_name,
        tagline=design.tagline if design else "",
        accessories=accessories,
        box_theme=design.box_theme if design else "",
        order_code=f"{line.order.number}-{line.pk}",
    )


def print_item_fail(*, item_id: int, reason: str, force: bool = False) -> PrintItem:
    """Failed, with the reason; the file and report of an earlier run stay as they were. An
    item another run finished meanwhile is left alone unless `force`."""
    return _fail(item_id, reason, force=force)


def _fail(item_id: int, reason: str, *, force: bool) -> PrintItem:
    with transaction.atomic():
        item = PrintItem.objects.select_for_update().get(pk=item_id)
        if item.status != PrintItemStatus.PENDING and not force:
            return item
        item.status = PrintItemStatus.FAILED
        item.hold_reason = _clip(reason)
        item.save(update_fields=["status", "hold_reason", "updated_at"])
    logger.warning("Print item %s failed: %s", item_id, reason)
    return item


def _clip(text: str) -> str:
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def print_item_render(*, item_id: int, force: bool = False) -> PrintItem:
    """Build, preflight and store the print file of one item. Idempotent: an item that is no
    longer pending is returned as it is unless `force` (e.g. staff after fixing the render).

    The row is locked to claim the work and again to write the result; the build itself
    (seconds) runs outside any transaction so it holds no lock. Ready: the file passed (maybe
    with warnings); held: the preflight holds it for staff (reason in hold_reason); failed:
    the render is missing or unreadable, or the build broke (reason in hold_reason)."""
    from printing import products

    claim = _claim(item_id, force=force)
    if not claim.proceed:
        return claim.item
    line = OrderLine.objects.select_related("order", "render", "design", "variant").get(
        pk=claim.item.order_line_id
    )
    try:
        render = _render_image(line)
        result = products.build(print_item_spec(line), render)
    except (PrintInputError, products.ProductError) as exc:
        return _fail(item_id, str(exc), force=force)
    except DatabaseError:
        raise  # transient: the task retries
    except Exception as exc:  # a bug or bad data: fail visibly for staff, keep the traceback
        logger.exception("Building the print file of item %s failed", item_id)
        reason = f"Building the print file failed: {type(exc).__name__}: {exc}"
        return _fail(item_id, reason, force=force)
    return _store(item_id, line, result, force=force)


def _store(
    item_id: int, line: OrderLine, result: "products.PrintFile", *, force: bool
) -> PrintItem:
    held = result.held
    filename = f"{line.order.number}-{line.pk}-{line.product_kind}.{result.extension}"
    with transaction.atomic():
        item = PrintItem.objects.select_for_update().get(pk=item_id)
        if item.status != PrintItemStatus.PENDING and not force:
            return item  # another worker finished it meanwhile: keep theirs
        old_name = item.file.name
        try:
            item.file.save(filename, ContentFile(result.content), save=False)
        except OSError as exc:
            raise TransientPrintError(f"Storing the print file failed: {exc}") from exc
        new_name = str(item.file.name)
        try:
            item.preflight = result.report
            item.status = PrintItemStatus.HELD if held else PrintItemStatus.READY
            item.hold_reason = _clip(result.report.get("hold_reason", "")) if held else ""
            item.rendered_at = timezone.now()
            item.save()
        except Exception:
            item.file.storage.delete(new_name)
            raise
        if old_name and old_name != new_name:
            storage = item.file.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    logger.info("Print item %s %s (%s)", item_id, item.status, result.report.get("status"))
    return item
