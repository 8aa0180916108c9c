"""Print files against faults: a killed worker, a broker away when the payment arrives, a
render that crashes its worker every time."""

from unittest import mock

import pytest
from django.utils import timezone

from printing import services
from printing.models import PrintItem, PrintItemStatus
from tests import factories
from tests.factories.printing import paid_order
from tests.faults.conftest import wait_for
from tests.printing.admin_helpers import run_action

SLOW_UPSCALER = "tests.faults.backends.slow_upscaler"


def finished(item: PrintItem) -> PrintItem | None:
    item.refresh_from_db()
    return item if item.status != PrintItemStatus.PENDING else None


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_print_render_is_replaced_and_the_file_is_made(start_worker):
    # Given a worker making a print file slowly (the small render of an A4 art print is
    # upscaled, never held, so the slow upscaler always runs)
    slow = {"MINIME_UPSCALER": SLOW_UPSCALER, "MINIME_HOLD_BELOW_DPI": 1}
    worker = start_worker(step_pause=1.0, **slow)
    order = paid_order(factories.user_create(), sku="MM-PRT-A4")
    item = PrintItem.objects.get(order_line__order=order)

    def rendering() -> bool:
        item.refresh_from_db()
        return item.taken_at is not None

    wait_for(rendering, what="the worker to take the print item")
    assert item.status == PrintItemStatus.PENDING  # still rendering when it is killed

    # When it is SIGKILLed mid-render and a new worker (with its beat sweeper) starts
    worker.kill()
    start_worker(MINIME_PRINT_RENDER_TIMEOUT=2)

    # Then the item is sent again once it counts as lost, and its file is made
    item = wait_for(lambda: finished(item), timeout=90, what="the print file")
    assert item.status in (PrintItemStatus.READY, PrintItemStatus.HELD), item.hold_reason
    assert item.file and item.attempts == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_payment_arriving_while_the_broker_is_down_is_printed_once_it_is_back(
    broker_down, start_worker
):
    # Given the broker is unreachable when the order becomes paid
    order = paid_order(factories.user_create(), sku="MM-STK-A5")

    # Then the print item exists at once (same transaction), waiting to be sent
    item = PrintItem.objects.get(order_line__order=order)
    assert item.status == PrintItemStatus.PENDING and item.dispatched_at is None

    # When the broker is back and a worker with its beat sweeper runs, with no click
    broker_down()
    start_worker()

    # Then the file is made
    item = wait_for(lambda: finished(item), what="the print file")
    assert item.status in (PrintItemStatus.READY, PrintItemStatus.HELD)
    assert item.dispatch_count >= 1


@pytest.mark.django_db
def test_a_render_that_kills_its_worker_every_time_is_failed_after_the_cap(settings):
    # Given an item whose renders died with their worker as often as allowed
    settings.MINIME_PRINT_RENDER_MAX_ATTEMPTS = 3
    order = paid_order(factories.user_create(), sku="MM-STK-A5")
    item = PrintItem.objects.get(order_line__order=order)
    PrintItem.objects.filter(pk=item.pk).update(attempts=3)

    # When the broker delivers it once more
    item = services.print_item_render(item_id=item.pk)

    # Then it is failed with a reason staff see in the production queue, and not rendered
    assert item.status == PrintItemStatus.FAILED
    assert "3 attempts" in item.hold_reason
    assert not item.file


@pytest.mark.django_db
def test_staff_re_render_sends_a_finished_item_back_to_the_worker(
    admin_client, django_capture_on_commit_callbacks
):
    # Given a failed item
    order = paid_order(factories.user_create(), sku="MM-STK-A5")
    item = PrintItem.objects.get(order_line__order=order)
    services.print_item_fail(item_id=item.pk, reason="broken render")

    # When staff choose "Re-render print files" for its order in the production queue
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = run_action(admin_client, "rerender_orders", [order])

    # Then it is pending again with a fresh attempt count, its history says who asked, and it
    # is sent to a worker after the commit
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == PrintItemStatus.PENDING and item.attempts == 0
    last = item.status_changes.last()
    assert (last.from_status, last.to_status, last.reason) == (
        "failed", "pending", "re-render requested",
    )  # fmt: skip
    assert last.actor is not None and len(callbacks) == 1


@pytest.mark.django_db
def test_a_sweep_between_the_commit_and_the_publish_sends_no_second_copy():
    # Given an order just paid: its print item is committed, its publish not yet run
    order = paid_order(factories.user_create(), sku="MM-STK-A5")
    item = PrintItem.objects.get(order_line__order=order)

    # When the beat sweeper runs at that moment
    with mock.patch("printing.tasks.render_print_item.apply_async") as publish:
        sent = services.print_items_sweep()

    # Then it leaves the item to the publish already on its way
    assert sent == 0 and publish.call_count == 0
    assert item.dispatch_count == 0


@pytest.mark.django_db
def test_a_copy_delivered_while_another_worker_renders_is_left_to_that_worker():
    # Given an item a worker took a moment ago
    order = paid_order(factories.user_create(), sku="MM-STK-A5")
    item = PrintItem.objects.get(order_line__order=order)
    PrintItem.objects.filter(pk=item.pk).update(taken_at=timezone.now(), attempts=1)

    # When a second copy of its task is delivered
    again = services.print_item_render(item_id=item.pk)

    # Then nothing is built twice and no attempt is counted
    assert again.status == PrintItemStatus.PENDING and again.attempts == 1
    assert not again.file
