"""Print items have a lifecycle as data (PRINT_ITEM_TRANSITIONS) with one transition function
that refuses illegal moves and records the legal ones; the items are created inside the
transaction that marks the order paid (printing listens to shop.signals.order_paid), so they
roll back with it, and only the render tasks wait for the commit."""

from unittest import mock

import pytest
from django.db import transaction

from core.exceptions import CustomerFacingError
from printing import services
from printing.exceptions import IllegalPrintItemTransition
from printing.models import PRINT_ITEM_TRANSITIONS, PrintItem, PrintItemStatus
from printing.receivers import download_file_of
from shop.models import OrderLine, OrderStatus
from shop.privacy import orders_delete
from shop.services.downloads import _download_file_providers
from shop.services.orders import order_mark_paid
from tests.factories.shop import order_for

STATES = list(PrintItemStatus.values)
LEGAL = [(a, b) for a in STATES for b in sorted(PRINT_ITEM_TRANSITIONS[a])]
ILLEGAL = [(a, b) for a in STATES for b in STATES if b not in PRINT_ITEM_TRANSITIONS[a]]


def paid_item(user, sku: str = "MM-STK-A5") -> PrintItem:
    """The print item of a one-line order, paid (rendering not queued: no commit here)."""
    order = order_for(user, sku=sku)
    order_mark_paid(order=order, reason="test")
    return PrintItem.objects.get(order_line__order=order)


def history(item: PrintItem) -> list[tuple[str, str, str]]:
    return list(item.status_changes.values_list("from_status", "to_status", "reason"))


def test_the_table_covers_every_state_and_only_finished_items_go_back_to_pending():
    assert set(PRINT_ITEM_TRANSITIONS) == set(STATES)
    assert all(targets <= set(STATES) for targets in PRINT_ITEM_TRANSITIONS.values())
    # Back to pending is staff's re-render of a finished item; pending never repeats itself.
    back = {
        state
        for state, targets in PRINT_ITEM_TRANSITIONS.items()
        if PrintItemStatus.PENDING in targets
    }
    assert back == {PrintItemStatus.READY, PrintItemStatus.HELD, PrintItemStatus.FAILED}
    assert issubclass(IllegalPrintItemTransition, CustomerFacingError)


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL)
def test_legal_move_changes_the_state_and_writes_a_history_row(from_status, to_status, user):
    item = paid_item(user)
    PrintItem.objects.filter(pk=item.pk).update(status=from_status)
    item.status_changes.all().delete()

    moved = services.print_item_transition(
        item=item, to=to_status, actor=user, reason="staff decision", hold_reason="why"
    )

    assert moved.status == to_status and moved.hold_reason == "why"
    assert PrintItem.objects.get(pk=item.pk).status == to_status
    change = item.status_changes.get()
    assert (change.from_status, change.to_status) == (from_status, to_status)
    assert (change.actor, change.reason) == (user, "staff decision")


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_illegal_move_is_refused_and_changes_nothing(from_status, to_status, user):
    item = paid_item(user)
    PrintItem.objects.filter(pk=item.pk).update(status=from_status)
    before = PrintItem.objects.values().get(pk=item.pk)
    changes = history(item)

    with pytest.raises(IllegalPrintItemTransition, match="cannot become"):
        services.print_item_transition(item=item, to=to_status, reason="nope", hold_reason="x")

    assert PrintItem.objects.values().get(pk=item.pk) == before
    assert history(item) == changes


def test_a_paid_transition_that_rolls_back_leaves_no_print_items_and_queues_nothing(
    user, django_capture_on_commit_callbacks
):
    order = order_for(user, sku="MM-DIG")

    with (
        mock.patch("printing.tasks.enqueue_render") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError, match="after the payment"),
        transaction.atomic(),
    ):
        order_mark_paid(order=order, reason="test")
        assert PrintItem.objects.filter(order_line__order=order).count() == 1
        raise RuntimeError("something failed after the payment")

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert not PrintItem.objects.filter(order_line__order=order).exists()
    assert enqueue.call_count == 0


def test_paid_items_are_created_in_the_transaction_and_queued_after_its_commit(
    user, django_capture_on_commit_callbacks
):
    order = order_for(user, sku="MM-PRT-A4")

    with mock.patch("printing.tasks.enqueue_render") as enqueue:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            order_mark_paid(order=order, reason="test")
        item = PrintItem.objects.get(order_line__order=order)
        queued_before_commit = enqueue.call_count
        for callback in callbacks:
            callback()

    assert queued_before_commit == 0
    assert [call.kwargs for call in enqueue.call_args_list] == [{"item_id": item.pk}]
    assert item.status == PrintItemStatus.PENDING
    assert history(item) == [("", "pending", "order paid")]


def test_rendering_records_every_move_of_the_item(user, django_capture_on_commit_callbacks):
    item = paid_item(user, sku="MM-PRT-A3")  # the 128 px render is held on A3
    line = OrderLine.objects.get(pk=item.order_line_id)

    held = services.print_item_render(item_id=item.pk)
    services.print_item_render(item_id=item.pk)  # not forced: finished, left alone
    OrderLine.objects.filter(pk=line.pk).update(render=None)
    failed = services.print_item_render(item_id=item.pk, force=True)

    assert (held.status, failed.status) == (PrintItemStatus.HELD, PrintItemStatus.FAILED)
    assert history(item) == [
        ("", "pending", "order paid"),
        ("pending", "held", held.hold_reason),
        ("held", "failed", "No approved render is linked to this order line."),
    ]
    assert held.hold_reason.startswith("render too small for A3")


def test_a_digital_item_ready_goes_through_the_transition(user):
    item = paid_item(user, sku="MM-DIG")

    with mock.patch("printing.products.build") as build:
        build.return_value = mock.Mock(
            held=False, extension="png", content=b"\x89PNG fake", report={"status": "ok"}
        )
        ready = services.print_item_render(item_id=item.pk)

    assert ready.status == PrintItemStatus.READY and ready.file.name.endswith(".png")
    assert history(ready)[-1] == ("pending", "ready", "print file ready")
    assert download_file_of in _download_file_providers
    assert download_file_of(ready.order_line) == ready.file


def test_purged_orders_lose_their_print_files_after_the_commit(
    user, django_capture_on_commit_callbacks
):
    item = paid_item(user, sku="MM-STK-A5")
    item = services.print_item_render(item_id=item.pk)
    name, storage = item.file.name, item.file.storage
    order_id = item.order_line.order_id

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        orders_delete([order_id])
    kept_until_commit = storage.exists(name)
    for callback in callbacks:
        callback()

    assert kept_until_commit and not storage.exists(name)
    assert not PrintItem.objects.filter(pk=item.pk).exists()
