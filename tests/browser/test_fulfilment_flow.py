"""Fulfilment in a real browser: a staff member of the "Fulfilment" group logs into the admin,
finds a paid order in the production queue, downloads its print files (a ZIP with the PDF),
marks it shipped with a tracking number on the intermediate page, and sees it as shipped;
the customer gets the shipping email. The print file is made by the real renderer (run
inline instead of by a worker)."""

import io
import re
import zipfile
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from playwright.sync_api import Locator, Page, expect

from core.typing import Account
from printing.models import PrintItem, PrintItemStatus
from printing.services import print_item_render
from shop.models import Order, OrderStatus
from shop.services.orders import order_mark_paid
from tests import factories
from tests.factories.shop import order_for

ROOT = Path(__file__).resolve().parent.parent.parent
TRACKING = "00340434161094042557"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def save_screenshot(page: Page, name: str) -> None:
    for target in (ROOT / "test-artifacts" / name, Path("/tmp") / name):
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target), full_page=True)


def test_staff_downloads_print_files_and_ships_an_order(live_server, browser_page: Page, settings):
    base = live_server.url
    page = browser_page
    settings.MINIME_HOLD_BELOW_DPI = 1  # the test render is 128 px: not held for resolution
    customer = factories.user_create()
    order, item = _paid_order_with_its_print_file(customer)
    staff = _fulfilment_staff()
    mail.outbox.clear()

    _open_the_production_queue(page, base, staff)
    row = page.locator("#result_list tbody tr", has_text=order.number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Paid")
    expect(row).to_contain_text("1/1 ready")
    expect(row.locator("img")).to_have_count(1)  # the approved art, through the staff view
    save_screenshot(page, "fulfilment-queue.png")

    archive = _download_print_files(page, row, order.number)
    [name] = archive.namelist()
    assert name == f"{order.number}/{order.number}-L1-sticker-sheet-a5-x2.pdf"
    assert archive.read(name) == item.file.open("rb").read()

    _mark_shipped(page, base, order, carrier="DHL", tracking_number=TRACKING)
    expect(page.locator("ul.messagelist")).to_contain_text(
        f"Order {order.number} shipped (DHL {TRACKING}); customer emailed."
    )
    expect(page.locator("#result_list tbody tr", has_text=order.number)).to_have_count(0)

    _expect_shown_as_shipped(page, order.number)
    save_screenshot(page, "fulfilment.png")
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == (
        OrderStatus.SHIPPED,
        "DHL",
        TRACKING,
    )
    assert order.status_changes.last().actor == staff
    [shipped_mail] = [m for m in mail.outbox if "is on its way" in m.subject]
    assert shipped_mail.to == [customer.email] and TRACKING in shipped_mail.body


def _paid_order_with_its_print_file(customer: Account) -> tuple[Order, PrintItem]:
    """An order of 2 A5 sticker sheets, paid, with its print file rendered and ready."""
    order = order_for(customer, sku="MM-STK-A5", quantity=2)
    # Paid: the line goes to printing, whose render task runs right here.
    with mock.patch(
        "printing.tasks.enqueue_render",
        side_effect=lambda item_id: print_item_render(item_id=item_id),
    ):
        order = order_mark_paid(order=order, reason="test payment")
    item = PrintItem.objects.get(order_line__order=order)
    assert item.status == PrintItemStatus.READY, item.hold_reason
    return order, item


def _fulfilment_staff() -> Account:
    staff = factories.user_create(email="packer@example.com", consent=False)
    staff.is_staff = True
    staff.save()
    staff.groups.add(Group.objects.get(name="Fulfilment"))
    return staff


def _open_the_production_queue(page: Page, base: str, staff: Account) -> None:
    page.goto(base + reverse("admin:login"))
    page.fill("#id_username", staff.username)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(base + reverse("admin:index"))
    page.get_by_role("link", name="Production queue").click()
    page.wait_for_url(re.compile(r"/admin/printing/productionorder/$"))


def _download_print_files(page: Page, row: Locator, number: str) -> zipfile.ZipFile:
    """Run the "download print files" action on the row; returns the ZIP the browser got."""
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "download_print_files")
    with page.expect_download() as download_info:
        page.locator("button[name=index]").click()
    download = download_info.value
    assert download.suggested_filename == f"print-files-{number}.zip"
    return zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))


def _mark_shipped(
    page: Page, base: str, order: Order, *, carrier: str, tracking_number: str
) -> None:
    """The "mark shipped" action, filled in on its intermediate page."""
    page.goto(base + reverse("admin:printing_productionorder_changelist"))
    row = page.locator("#result_list tbody tr", has_text=order.number)
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "mark_shipped")
    page.locator("button[name=index]").click()
    form = page.get_by_test_id("mark_shipped-form")
    expect(form).to_contain_text(order.number)
    form.locator(f"input[name='ship-{order.pk}-carrier']").fill(carrier)
    form.locator(f"input[name='ship-{order.pk}-tracking_number']").fill(tracking_number)
    form.locator("input[name=apply]").click()
    page.wait_for_url(re.compile(r"/admin/printing/productionorder/"))


def _expect_shown_as_shipped(page: Page, number: str) -> None:
    """Under the "Shipped" filter, and on its own page with the tracking number."""
    page.get_by_role("link", name="Shipped", exact=True).click()
    row = page.locator("#result_list tbody tr", has_text=number)
    expect(row).to_contain_text("Shipped")
    row.get_by_role("link", name=number).click()
    expect(page.locator("div.field-status")).to_contain_text("Shipped")
    expect(page.locator("div.field-tracking_number")).to_contain_text(TRACKING)
