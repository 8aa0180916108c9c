"""Paid order -> a print item per line -> its file rendered through the Celery task, stored
privately with its preflight report; holds, failures and re-runs."""

import io
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.db import OperationalError
from PIL import Image

from core.dispatch import PUBLISH_RETRY_POLICY
from figures.models import FigureDesign, Render
from printing import services, tasks
from printing.models import PrintItem, PrintItemStatus
from shop.models import Order, OrderLine, ShippingMethod
from shop.services import downloads
from shop.services.cart import cart_add, cart_for
from shop.services.orders import order_mark_paid, order_place
from tests.factories.shop import approved_design_for, variant


def render_resized(design: FigureDesign, size: int) -> Render:
    """The approved render (made at 128 px for speed) replaced by a size x size version: the
    resolution is what these tests are about, not the generator."""
    render = design.approved_render
    assert render is not None
    with render.image.open("rb") as stored:
        image = Image.open(stored).convert("RGB")
        image.load()
    buffer = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(buffer, format="PNG")
    render.image.save("render.png", ContentFile(buffer.getvalue()), save=False)
    render.width = render.height = size
    render.save()
    return render


def paid_order(user, skus, capture, *, design=None) -> tuple[Order, list[int]]:
    """An order of the given catalog SKUs, marked paid with its on-commit work run; returns
    it and the item ids handed to the task queue."""
    design = design or approved_design_for(user)
    for sku in skus:
        cart_add(owner=user, design=design, variant=variant(sku))
    shippable = any(variant(sku).product.is_shippable for sku in skus)

    order = order_place(
        owner=user,
        cart=cart_for(owner=user),
        email=user.email,
        full_name="Jürgen Tester",
        address_line1="Hauptstraße 1",
        address_line2="",
        postcode="10115",
        city="Berlin",
        country="DE",
        shipping_method=ShippingMethod.objects.get(code="standard") if shippable else None,
    )
    with mock.patch("printing.tasks.enqueue_render") as enqueue, capture(execute=True):
        order_mark_paid(order=order, reason="test")
    return order, [call.kwargs["item_id"] for call in enqueue.call_args_list]


def item_of(order: Order, sku: str) -> PrintItem:
    return PrintItem.objects.get(order_line__order=order, order_line__sku=sku)


def stored_bytes(item: PrintItem) -> bytes:
    with item.file.storage.open(item.file.name, "rb") as stored:
        return stored.read()


def test_paid_order_gets_a_print_file_for_every_line_through_the_task(
    user, django_capture_on_commit_callbacks
):
    design = approved_design_for(user)
    render_resized(design, 1024)
    skus = ["MM-DIG", "MM-PRT-A4", "MM-STK-A5", "MM-BOX-S"]

    order, enqueued = paid_order(user, skus, django_capture_on_commit_callbacks, design=design)

    items = PrintItem.objects.filter(order_line__order=order)
    assert sorted(enqueued) == sorted(item.pk for item in items)
    assert {item.status for item in items} == {PrintItemStatus.PENDING}
    for item_id in enqueued:
        assert tasks.render_print_item.apply(args=(item_id,)).successful()
    for sku, suffix, magic in [
        ("MM-DIG", ".png", b"\x89PNG"),
        ("MM-PRT-A4", ".pdf", b"%PDF"),
        ("MM-STK-A5", ".pdf", b"%PDF"),
        ("MM-BOX-S", ".pdf", b"%PDF"),
    ]:
        item = item_of(order, sku)
        assert item.status == PrintItemStatus.READY, (sku, item.hold_reason)
        assert item.hold_reason == ""
        assert item.file.name.startswith("print/") and item.file.name.endswith(suffix)
        assert stored_bytes(item).startswith(magic)
        assert item.preflight["status"] in ("ok", "warning")
        assert item.preflight["images"], sku
        assert item.attempts == 1 and item.rendered_at is not None
    a4 = item_of(order, "MM-PRT-A4")
    assert a4.preflight["trim_mm"] == [210.0, 297.0]
    assert any("upscaled" in w for w in a4.preflight["warnings"])
    # The digital download now serves the print-quality PNG.
    digital = item_of(order, "MM-DIG")
    assert downloads.download_file(line=digital.order_line).name == digital.file.name


def test_register_is_idempotent_and_queues_only_waiting_items(
    user, django_capture_on_commit_callbacks
):
    order, first = paid_order(user, ["MM-DIG", "MM-STK-A5"], django_capture_on_commit_callbacks)
    sticker = item_of(order, "MM-STK-A5")
    PrintItem.objects.filter(pk=sticker.pk).update(status=PrintItemStatus.READY)

    with (
        mock.patch("printing.tasks.enqueue_render") as enqueue,
        django_capture_on_commit_callbacks(execute=True),
    ):
        items = services.print_items_register(order_id=order.pk)

    assert len(first) == 2 and len(items) == 2
    assert PrintItem.objects.filter(order_line__order=order).count() == 2
    assert [c.kwargs["item_id"] for c in enqueue.call_args_list] == [item_of(order, "MM-DIG").pk]


def test_nothing_is_queued_before_the_commit(user, django_capture_on_commit_callbacks):
    order, _ids = paid_order(user, ["MM-DIG"], django_capture_on_commit_callbacks)
    PrintItem.objects.all().delete()

    with mock.patch("printing.tasks.enqueue_render") as enqueue:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.print_items_register(order_id=order.pk)
        queued_before_commit = enqueue.call_count
        for callback in callbacks:
            callback()

    assert queued_before_commit == 0
    assert enqueue.call_count == 1


def test_missing_render_file_fails_with_a_clear_reason_and_nothing_else_changes(
    user, django_capture_on_commit_callbacks
):
    order, [item_id] = paid_order(user, ["MM-STK-A5"], django_capture_on_commit_callbacks)
    render = order.lines.get().render
    render.image.storage.delete(render.image.name)

    item = services.print_item_render(item_id=item_id)

    item.refresh_from_db()
    assert item.status == PrintItemStatus.FAILED
    assert item.hold_reason.startswith("The approved render's file is missing from storage")
    assert render.image.name in item.hold_reason
    assert item.file.name == "" and item.preflight == {} and item.rendered_at is None


def test_corrupt_render_file_fails_with_a_clear_reason(user, django_capture_on_commit_callbacks):
    order, [item_id] = paid_order(user, ["MM-PRT-A4"], django_capture_on_commit_callbacks)
    render = order.lines.get().render
    with render.image.storage.open(render.image.name, "wb") as stored:
        stored.write(b"\x89PNG\r\n\x1a\n this is not an image")

    services.print_item_render(item_id=item_id)

    item = PrintItem.objects.get(pk=item_id)
    assert item.status == PrintItemStatus.FAILED
    assert "cannot be read as an image" in item.hold_reason
    assert item.file.name == ""


def test_line_without_render_fails_with_a_clear_reason(user, django_capture_on_commit_callbacks):
    order, [item_id] = paid_order(user, ["MM-STK-A5"], django_capture_on_commit_callbacks)
    OrderLine.objects.filter(order=order).update(render=None)

    item = services.print_item_render(item_id=item_id)

    assert item.status == PrintItemStatus.FAILED
    assert item.hold_reason == "No approved render is linked to this order line."


def test_a_finished_item_is_not_rendered_again_unless_forced(
    user, django_capture_on_commit_callbacks
):
    _order, [item_id] = paid_order(user, ["MM-STK-A5"], django_capture_on_commit_callbacks)
    first = services.print_item_render(item_id=item_id)
    name, rendered_at, content = first.file.name, first.rendered_at, stored_bytes(first)

    again = tasks.render_print_item.apply(args=(item_id,))
    unchanged = PrintItem.objects.get(pk=item_id)
    unchanged_content = stored_bytes(unchanged)
    with django_capture_on_commit_callbacks(execute=True):
        forced = services.print_item_render(item_id=item_id, force=True)

    assert again.successful()
    assert (unchanged.file.name, unchanged.rendered_at, unchanged.attempts) == (
        name,
        rendered_at,
        1,
    )
    assert unchanged_content == content
    assert forced.file.name != name and forced.attempts == 2
    assert forced.rendered_at > rendered_at
    assert not first.file.storage.exists(name)  # the old file went after the commit
    assert forced.file.storage.exists(forced.file.name)


def test_forced_re_render_without_the_render_file_fails_and_keeps_the_old_file(
    user, django_capture_on_commit_callbacks
):
    order, [item_id] = paid_order(user, ["MM-STK-A5"], django_capture_on_commit_callbacks)
    ready = services.print_item_render(item_id=item_id)
    render = order.lines.get().render
    render.image.storage.delete(render.image.name)

    failed = services.print_item_render(item_id=item_id, force=True)

    assert failed.status == PrintItemStatus.FAILED
    assert "missing from storage" in failed.hold_reason
    assert (failed.file.name, failed.preflight, failed.rendered_at) == (
        ready.file.name,
        ready.preflight,
        ready.rendered_at,
    )
    assert stored_bytes(failed).startswith(b"%PDF")


def test_a_bug_while_building_fails_the_item_with_the_error(
    user, django_capture_on_commit_callbacks
):
    _order, [item_id] = paid_order(user, ["MM-STK-A5"], django_capture_on_commit_callbacks)

    with mock.patch("printing.products.build", side_effect=ZeroDivisionError("oops")):
        item = services.print_item_render(item_id=item_id)

    assert item.status == PrintItemStatus.FAILED
    assert item.hold_reason == "Building the print file failed: ZeroDivisionError: oops"


def test_a_small_render_on_a3_is_held_for_staff_with_the_reason(
    user, django_capture_on_commit_callbacks
):
    _order, [item_id] = paid_order(user, ["MM-PRT-A3"], django_capture_on_commit_callbacks)

    item = services.print_item_render(item_id=item_id)

    assert item.status == PrintItemStatus.HELD
    assert item.hold_reason.startswith(
        "render too small for A3: 128 x 128 px (91 x 128 px printed) give 8 dpi"
    )
    assert item.preflight["status"] == "hold"
    assert item.preflight["hold_reason"] == item.hold_reason
    # The file is kept: staff look at it before deciding.
    assert stored_bytes(item).startswith(b"%PDF")


def test_digital_download_falls_back_to_the_render_until_the_png_is_ready(
    user, django_capture_on_commit_callbacks
):
    order, [item_id] = paid_order(user, ["MM-DIG"], django_capture_on_commit_callbacks)
    line = order.lines.get()

    before = downloads.download_file(line=line)
    services.print_item_render(item_id=item_id)  # 128 px render: held, still the render
    held = downloads.download_file(line=line)
    render_resized(line.design, 1024)
    ready_item = services.print_item_render(item_id=item_id, force=True)
    after = downloads.download_file(line=line)

    assert before.name == line.render.image.name
    assert PrintItem.objects.get(pk=item_id).status == ready_item.status == "ready"
    assert held.name == line.render.image.name or held.name.endswith(".png")
    assert after.name == ready_item.file.name and after.name.endswith(".png")


@pytest.mark.parametrize(
    ("errors", "calls", "ok"),
    [
        pytest.param([OperationalError("database is locked")] * 2, 3, True, id="transient"),
        pytest.param([ValueError("a bug")], 1, False, id="not-transient"),
    ],
)
def test_the_task_retries_transient_errors_only(db, errors, calls, ok):
    with mock.patch.object(services, "print_item_render", side_effect=[*errors, None]) as render:
        result = tasks.render_print_item.apply(args=(42,))

    assert render.call_count == calls
    assert result.successful() is ok
    assert render.call_args.kwargs == {"item_id": 42, "force": False}


def test_the_task_fails_the_item_when_the_transient_error_persists(
    user, django_capture_on_commit_callbacks
):
    _order, [item_id] = paid_order(user, ["MM-STK-A5"], django_capture_on_commit_callbacks)
    error = services.TransientPrintError("Storing the print file failed: disk full")

    with mock.patch.object(services, "_store", side_effect=error) as store:
        result = tasks.render_print_item.apply(args=(item_id,))

    item = PrintItem.objects.get(pk=item_id)
    assert result.successful() and store.call_count == tasks.MAX_RETRIES + 1
    assert item.status == PrintItemStatus.FAILED
    assert item.hold_reason == (
        "Gave up after 5 tries: TransientPrintError: Storing the print file failed: disk full"
    )
    assert item.attempts == 5


def test_the_task_of_a_deleted_item_does_nothing(db):
    assert tasks.render_print_item.apply(args=(987654,)).successful()


def test_the_task_is_named_and_acks_late():
    task = tasks.render_print_item
    assert task.name == "printing.render_print_item"
    assert task.acks_late and task.ignore_result
    with mock.patch.object(task, "apply_async") as apply_async:
        tasks.enqueue_render(item_id=7)
    apply_async.assert_called_once_with(
        args=(7,), queue="default", retry_policy=PUBLISH_RETRY_POLICY
    )
