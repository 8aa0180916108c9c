"""Print items: every line of a paid order gets its print file, preflighted.

`print_items_register` runs inside the transaction that marks an order paid (printing.receivers
listens to shop.signals.order_paid): it takes over each line (physical products and digital
downloads alike), so the items commit or roll back with the payment, and queues rendering once
that transaction commits. `print_item_render` (the Celery task `printing.render_print_item`
calls it) builds the file by product kind (printing.products), stores it in private storage
with its preflight report and sets the item ready, held (for staff, with the reason) or failed
(with the reason). Every state change goes through `print_item_transition`.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core.dispatch import dispatch_on_commit, release, sweep
from core.states import transition_locked
from core.typing import Account
from printing.conf import printing_settings
from printing.exceptions import IllegalPrintItemTransition
from printing.models import (
    PRINT_ITEM_TRANSITIONS,
    PrintItem,
    PrintItemStatus,
    PrintItemStatusChange,
)
from shop.models import Order, OrderLine

if TYPE_CHECKING:
    from printing import products

logger = logging.getLogger(__name__)

REASON_MAX = 300


class PrintInputError(Exception):
    """The line cannot be printed as it is (no render, an unreadable file): fail, clearly."""


class TransientPrintError(Exception):
    """Storing the file failed in a way that may pass (a storage hiccup): retry the task."""


def print_item_transition(
    *, item: PrintItem, to: str, actor: Account | None = None, reason: str = "", **fields: Any
) -> PrintItem:
    """The one way a print item changes state: legal moves only (PRINT_ITEM_TRANSITIONS),
    each one recorded. Locks the row; `fields` are saved with the move (e.g. file, preflight,
    hold_reason). Raises IllegalPrintItemTransition and changes nothing for a refused move."""
    transition_locked(
        row=item, to=to, table=PRINT_ITEM_TRANSITIONS, history=PrintItemStatusChange,
        owner_field="print_item", refuse=_refuse, actor=actor, reason=_clip(reason),
        fields=fields,
    )  # fmt: skip
    item.refresh_from_db()
    return item


def _refuse(item: PrintItem, to: str) -> IllegalPrintItemTransition:
    return IllegalPrintItemTransition(
        _("Print item %(id)s is %(status)s and cannot become %(to)s.")
        % {"id": item.pk, "status": item.get_status_display(), "to": PrintItemStatus(to).label}
    )


def print_items_register(*, order_id: int) -> list[PrintItem]:
    """Take over every line of a paid order (idempotent; call inside the transaction that
    marks it paid) and queue the rendering of each item still waiting for its file, once
    that transaction commits."""
    with transaction.atomic():
        order = Order.objects.get(pk=order_id)
        items = []
        for line in order.lines.all():
            item, created = PrintItem.objects.get_or_create(order_line=line)
            if created:
                PrintItemStatusChange.objects.create(
                    print_item=item, to_status=PrintItemStatus.PENDING, reason="order paid"
                )
            items.append(item)
        for item in items:
            if item.status == PrintItemStatus.PENDING and item.taken_at is None:
                _dispatch_on_commit(item.pk)
    return items


def _dispatch_on_commit(item_id: int) -> None:
    """The item row is the durable hand-off: sent after the commit, and again by the sweeper
    while no worker has taken it (the broker was away, or the message was lost)."""
    from printing import tasks

    dispatch_on_commit(
        model=PrintItem, pk=item_id, send=lambda: tasks.enqueue_render(item_id=item_id)
    )


def print_item_rerender(*, item: PrintItem, actor: Account | None) -> PrintItem:
    """Staff: render a finished item again (after fixing its render, or to retry a failure):
    back to pending with a fresh attempt count, sent to a worker after the commit."""
    with transaction.atomic():
        item = print_item_transition(
            item=item, to=PrintItemStatus.PENDING, actor=actor, reason="re-render requested",
            attempts=0, hold_reason="", taken_at=None, redispatch_at=None,
        )  # fmt: skip
        _dispatch_on_commit(item.pk)
    return item


def print_items_hold(*, order: Order, reason: str) -> int:
    """Hold every item of the order that is waiting or ready (a chargeback): production
    stops; staff release them with "re-render" once it is settled. Returns how many."""
    held = 0
    with transaction.atomic():
        for item in PrintItem.objects.select_for_update().filter(
            order_line__order=order, status__in=(PrintItemStatus.PENDING, PrintItemStatus.READY)
        ):
            print_item_transition(
                item=item, to=PrintItemStatus.HELD, reason=reason, hold_reason=_clip(reason)
            )
            held += 1
    return held


def print_items_sweep(*, now: Any = None) -> int:
    """The beat sweeper: items a worker took but never finished within RENDER_TIMEOUT (the
    worker was killed) are released, then every pending item no worker has taken is sent
    (again). The attempt cap in `_claim` stops an item that crashes its worker every time."""
    from printing import tasks

    now = now or timezone.now()
    lost = PrintItem.objects.filter(
        status=PrintItemStatus.PENDING,
        taken_at__lt=now - timedelta(seconds=printing_settings.RENDER_TIMEOUT),
    )
    for item_id in lost.values_list("pk", flat=True):
        logger.warning("Print item %s: its worker was lost; sending it again", item_id)
        release(model=PrintItem, pk=item_id)
    return sweep(
        PrintItem.objects.filter(status=PrintItemStatus.PENDING),
        send_for=lambda pk: lambda: tasks.enqueue_render(item_id=pk),
        now=now,
    )


@dataclass(frozen=True)
class _Claim:
    proceed: bool
    item: PrintItem


def _claim(item_id: int, *, force: bool) -> _Claim:
    """Lock the row; an item that is finished (ready, held or failed) is left alone unless
    forced. Counts the attempt; an item whose earlier attempts all died with their worker
    (RENDER_MAX_ATTEMPTS) is failed instead of crashing another one."""
    with transaction.atomic():
        item = PrintItem.objects.select_for_update().get(pk=item_id)
        if item.status != PrintItemStatus.PENDING and not force:
            return _Claim(False, item)
        now = timezone.now()
        lost_after = timedelta(seconds=printing_settings.RENDER_TIMEOUT)
        if item.taken_at is not None and item.taken_at > now - lost_after and not force:
            # Another worker is making it (a copy of the task sent again): leave it to that
            # one; if that worker died, the sweeper releases the item after RENDER_TIMEOUT.
            return _Claim(False, item)
        limit = printing_settings.RENDER_MAX_ATTEMPTS
        if item.attempts >= limit and not force:
            reason = (
                f"Rendering did not finish in {item.attempts} attempts (the worker stopped "
                f"each time); re-render it once the cause is fixed."
            )
            return _Claim(False, _fail(item_id, reason, force=False))
        item.attempts += 1
        item.taken_at = now
        item.save(update_fields=["attempts", "taken_at", "updated_at"])
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
        item = print_item_transition(
            item=item, to=PrintItemStatus.FAILED, reason=reason, hold_reason=_clip(reason)
        )
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
    claim = _claim(item_id, force=force)
    if not claim.proceed:
        return claim.item
    try:
        return _build_and_store(claim.item, force=force)
    except (DatabaseError, TransientPrintError):
        # The task retries this delivery: give the claim back so the retry may take it.
        PrintItem.objects.filter(pk=item_id).update(taken_at=None)
        raise


def _build_and_store(item: PrintItem, *, force: bool) -> PrintItem:
    from printing import products

    item_id = item.pk
    line = OrderLine.objects.select_related("order", "render", "design", "variant").get(
        pk=item.order_line_id
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
        hold_reason = _clip(result.report.get("hold_reason", "")) if held else ""
        try:
            item = print_item_transition(
                item=item,
                to=PrintItemStatus.HELD if held else PrintItemStatus.READY,
                reason=hold_reason or "print file ready",
                file=new_name,
                preflight=result.report,
                hold_reason=hold_reason,
                rendered_at=timezone.now(),
            )
        except Exception:
            item.file.storage.delete(new_name)
            raise
        if old_name and old_name != new_name:
            storage = item.file.storage
            transaction.on_commit(lambda: storage.delete(old_name))
    logger.info("Print item %s %s (%s)", item_id, item.status, result.report.get("status"))
    return item
