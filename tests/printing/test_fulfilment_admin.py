"""The production queue in the admin (printing.admin.ProductionOrderAdmin), as a superuser and
as a member of the "Fulfilment" group: listing, filters, search, print file ZIPs, print
batches, packing slips, marking orders in production / shipped, refunds through localstripe,
and who may see what (never a customer's photo).

Print files here are small real PDFs made with reportlab in the test (TrimBox/BleedBox, a
CutContour spot colour), so these tests do not depend on the product renderer."""

import io
import json
import re
import subprocess
import zipfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from reportlab.lib.colors import CMYKColor, CMYKColorSep
from reportlab.pdfgen.canvas import Canvas

from printing.imposition import MM, Piece, box_rect, crop_marks, sheet_layout
from printing.models import PrintBatch, PrintItem, PrintItemStatus, ProductionOrder
from shop.exceptions import IllegalOrderTransition, ShopError
from shop.models import Order, OrderStatus, Refund
from shop.services.fulfilment import order_mark_in_production, order_mark_shipped
from shop.services.orders import order_transition
from tests import factories
from tests.factories import shop as shop_factories
from tests.factories.shop import approved_design_for, order_for
from tests.shop import admin_helpers as ah

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:printing_productionorder_changelist"
SRA3_PT = (907.09, 1275.59)


# --- Helpers ------------------------------------------------------------------------------------


def print_pdf(width_mm: float, height_mm: float, *, bleed_mm: float = 3.0, pages: int = 1) -> bytes:
    """A print-ready PDF like the renderer's: page = trim + bleed, TrimBox and BleedBox set,
    full-bleed cyan art and a CutContour spot-colour die line 3 mm inside the trim."""
    buffer = io.BytesIO()
    w, h, b = width_mm * MM, height_mm * MM, bleed_mm * MM
    canvas = Canvas(
        buffer,
        pagesize=(w + 2 * b, h + 2 * b),
        trimBox=(b, b, b + w, b + h),
        bleedBox=(0, 0, w + 2 * b, h + 2 * b),
    )
    for _page in range(pages):
        canvas.setFillColor(CMYKColor(1, 0, 0, 0))
        canvas.rect(0, 0, w + 2 * b, h + 2 * b, stroke=0, fill=1)
        canvas.setStrokeColor(CMYKColorSep(0, 1, 0, 0, spotName="CutContour"))
        canvas.setLineWidth(0.5)
        canvas.roundRect(b + 3 * MM, b + 3 * MM, w - 6 * MM, h - 6 * MM, 4 * MM, stroke=1)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def paid_order(user=None, *, sku="MM-STK-A5", quantity=1, design=None, country="DE", ago=None):
    """A paid order (status moved by the lifecycle function; no Stripe needed)."""
    user = user or factories.user_create()
    order = order_for(user, sku=sku, quantity=quantity, design=design, country=country)
    paid_at = timezone.now() - (ago or timedelta(minutes=5))
    return order_transition(order=order, to=OrderStatus.PAID, reason="test", paid_at=paid_at)


def ready(order, data: bytes | None = None, *, preflight=None) -> PrintItem:
    """Give each shippable line of the order a READY print item with a PDF."""
    item = None
    for line in order.lines.filter(is_shippable=True):
        item, _ = PrintItem.objects.get_or_create(order_line=line)
        size = (line.variant.width_mm, line.variant.height_mm) if line.variant else (148, 210)
        item.file.save("print.pdf", ContentFile(data or print_pdf(*size)), save=False)
        item.status = PrintItemStatus.READY
        item.preflight = preflight or {"ok": True, "effective_dpi": 312}
        item.save()
    assert item is not None
    return item


def changelist_url(**query) -> str:
    url = reverse(CHANGELIST)
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def run_action(client, action, orders, *, queue="all", **form):
    """POST the changelist's action form as the browser does, from the list filtered by
    `queue` (the admin runs actions on the selected rows of the filtered list)."""
    data = {"action": action, "_selected_action": [o.pk for o in orders], "index": 0, **form}
    return client.post(changelist_url(queue=queue), data)


def confirm_action(client, action, orders, *, queue="all", **form):
    """POST an intermediate page's confirmation form (no "index", "apply" pressed)."""
    data = {"action": action, "_selected_action": [o.pk for o in orders], "apply": "1", **form}
    return client.post(changelist_url(queue=queue), data)


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m.message)) for m in get_messages(response.wsgi_request)]


def listed(response) -> list[str]:
    return [o.number for o in response.context["cl"].result_list]


def state(order):
    order.refresh_from_db()
    return order.status, order.carrier, order.tracking_number, order.status_changes.count()


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def run(*cmd: str, data: bytes | None = None) -> str:
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout.decode()


def grey(image: Image.Image, x: int, y: int) -> int:
    value = image.getpixel((x, y))
    assert isinstance(value, int)
    return value


def separations(pdf: pikepdf.Pdf) -> set[str]:
    """Names of every Separation colour space used by the pages, their XObjects included."""
    found: set[str] = set()
    seen: set[tuple[int, int]] = set()

    def walk(resources) -> None:
        if resources is None:
            return
        for space in (resources.get("/ColorSpace") or {}).values():
            if isinstance(space, pikepdf.Array) and space[0] == pikepdf.Name.Separation:
                found.add(str(space[1])[1:])
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            walk(xobject.get("/Resources"))

    for page in pdf.pages:
        walk(page.obj.get("/Resources"))
    return found


class StaffClient(Client):
    user: Any


def logged_in(user) -> StaffClient:
    client = StaffClient()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def staff_client(db):
    """Staff without any permission."""
    user = factories.user_create(consent=False)
    user.is_staff = True
    user.save()
    return logged_in(user)


@pytest.fixture
def fulfilment_client(db):
    """Staff in the "Fulfilment" group (created by printing's data migration)."""
    user = factories.user_create(consent=False)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name="Fulfilment"))
    return logged_in(user)


@pytest.fixture(params=["superuser", "fulfilment"])
def production_client(request, admin_client):
    """The same admin work, done by a superuser and by a fulfilment group member."""
    if request.param == "superuser":
        return admin_client
    return request.getfixturevalue("fulfilment_client")


# --- The queue ----------------------------------------------------------------------------------


def test_queue_lists_paid_orders_not_yet_shipped_oldest_first(production_client):
    user = factories.user_create()
    design = approved_design_for(user)
    newest = paid_order(user, design=design, ago=timedelta(hours=1))
    oldest = paid_order(user, design=design, ago=timedelta(days=5))
    in_production = paid_order(user, design=design, ago=timedelta(days=2))
    order_mark_in_production(order=in_production, actor=None)
    part_refunded = paid_order(user, design=design, ago=timedelta(days=1, hours=1))
    order_transition(order=part_refunded, to=OrderStatus.PARTIALLY_REFUNDED, reason="bent")
    shipped = paid_order(user, design=design, ago=timedelta(days=3))
    order_mark_shipped(order=shipped, actor=None, carrier="DHL", tracking_number="1")
    refunded_after_shipping = paid_order(user, design=design, ago=timedelta(days=4))
    order_mark_shipped(
        order=refunded_after_shipping, actor=None, carrier="DHL", tracking_number="2"
    )
    order_transition(order=refunded_after_shipping, to=OrderStatus.PARTIALLY_REFUNDED, reason="x")
    unpaid = order_for(user, sku="MM-STK-A5", design=design)
    digital_only = paid_order(user, sku="MM-DIG", design=design)

    queue = production_client.get(changelist_url())
    shipped_view = production_client.get(changelist_url(queue="shipped"))

    assert queue.status_code == 200
    assert listed(queue) == [
        oldest.number,
        in_production.number,
        part_refunded.number,
        newest.number,
    ]
    for absent in (shipped, refunded_after_shipping, unpaid, digital_only):
        assert absent.number not in listed(queue)
    assert set(listed(shipped_view)) == {shipped.number, refunded_after_shipping.number}


def test_queue_filters_by_state_product_country_and_age_and_searches(production_client):
    user = factories.user_create(email="sticker.fan@example.com")
    design = approved_design_for(user)
    sticker = paid_order(user, design=design, ago=timedelta(hours=2))
    other = factories.user_create(email="print.lover@example.com")
    art = paid_order(other, sku="MM-PRT-A4", country="AT", ago=timedelta(days=2))
    box = paid_order(other, sku="MM-BOX-S", ago=timedelta(days=4))
    order_mark_in_production(order=box, actor=None)

    def numbers(**query):
        return set(listed(production_client.get(changelist_url(**query))))

    assert numbers(kind="sticker_sheet") == {sticker.number}
    assert numbers(kind="art_print") == {art.number}
    assert numbers(kind="box") == {box.number}
    assert numbers(country="AT") == {art.number}
    assert numbers(age="lt1") == {sticker.number}
    assert numbers(age="1to3") == {art.number}
    assert numbers(age="gt3") == {box.number}
    assert numbers(queue="in_production") == {box.number}
    assert numbers(queue="paid") == {sticker.number, art.number}
    assert numbers(q=art.number) == {art.number}
    assert numbers(q="sticker.fan@example.com") == {sticker.number}
    with_counts = production_client.get(changelist_url(_facets="True"))
    assert with_counts.status_code == 200 and sticker.number in with_counts.text


def test_queue_page_queries_do_not_grow_with_the_orders(admin_client):
    user = factories.user_create()
    design = approved_design_for(user)
    ready(paid_order(user, design=design))
    admin_client.get(changelist_url())  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as one:
        admin_client.get(changelist_url())
    for _ in range(4):
        ready(paid_order(user, design=design))
    with CaptureQueriesContext(connection) as five:
        page = admin_client.get(changelist_url())

    assert len(listed(page)) == 5
    assert len(five) == len(one)


def test_queue_shows_the_approved_art_through_the_staff_view_only(production_client):
    order = paid_order()
    line = order.lines.get()

    queue = production_client.get(changelist_url())
    thumb = production_client.get(
        reverse("admin:printing_productionorder_render", args=[line.pk]) + "?size=thumb"
    )
    full = production_client.get(reverse("admin:printing_productionorder_render", args=[line.pk]))

    thumb_url = reverse("admin:printing_productionorder_render", args=[line.pk]) + "?size=thumb"
    assert thumb_url in queue.text
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 160
    approved = line.render.image.open("rb").read()
    assert body(full) == approved  # the approved render, byte for byte
    photo = line.design.photo
    assert photo is not None and str(photo.pk) not in queue.text
    assert photo.image.name not in queue.text
    # Art of orders not (yet) in production is not served.
    unpaid = order_for(factories.user_create(), sku="MM-STK-A5")
    unpaid_line = unpaid.lines.get()
    refused = production_client.get(
        reverse("admin:printing_productionorder_render", args=[unpaid_line.pk])
    )
    assert refused.status_code == 404


def test_change_page_shows_lines_print_files_history_and_payment_events_read_only(
    production_client,
):
    order = paid_order()
    item = ready(order, preflight={"effective_dpi": 140, "warnings": ["low resolution"]})
    PrintItem.objects.filter(pk=item.pk).update(
        status=PrintItemStatus.HELD, hold_reason="Only 140 dpi of real detail"
    )
    from shop.models import WebhookEvent

    WebhookEvent.objects.create(
        stripe_event_id="evt_prod_1", type="payment_intent.succeeded", payload="{}", order=order,
        result=WebhookEvent.Result.PROCESSED,
    )  # fmt: skip

    page = production_client.get(reverse("admin:printing_productionorder_change", args=[order.pk]))

    assert page.status_code == 200
    text = page.text
    assert order.number in text and order.lines.get().figure_name in text
    assert "Held for staff" in text
    assert "Only 140 dpi of real detail" in text and "&#9888;" in text  # highlighted
    assert "&quot;effective_dpi&quot;: 140" in text  # pretty JSON of the preflight report
    assert "payment_intent.succeeded" in text  # payment events
    assert "Awaiting payment" in text or "pending_payment" in text  # status history rows
    assert reverse("admin:printing_productionorder_print_file", args=[item.pk]) in text
    assert reverse("admin:printing_productionorder_packing_slip", args=[order.pk]) in text
    assert 'name="_save"' not in text  # nothing to edit here
    assert not page.context["adminform"].form.fields


# --- Print files --------------------------------------------------------------------------------


def test_download_print_files_zip_holds_the_ready_files(production_client):
    user = factories.user_create()
    design = approved_design_for(user)
    first = paid_order(user, design=design, ago=timedelta(days=1))
    second = paid_order(user, sku="MM-PRT-A4", quantity=2, design=design)
    pending = paid_order(user, design=design)
    PrintItem.objects.create(order_line=pending.lines.get())
    first_pdf, second_pdf = print_pdf(148, 210), print_pdf(210, 297)
    ready(first, first_pdf)
    ready(second, second_pdf)

    response = run_action(production_client, "download_print_files", [first, second, pending])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert sorted(archive.namelist()) == [
        f"{first.number}/{first.number}-L1-sticker-sheet-a5-x1.pdf",
        f"{second.number}/{second.number}-L1-art-print-a4-x2.pdf",
    ]
    assert archive.read(archive.namelist()[0]) in (first_pdf, second_pdf)
    assert ("warning", f"Not in the ZIP: {pending.number} L1 (Sticker sheet A5): "
            "Waiting for print files") in messages_of(response)  # fmt: skip


def test_download_print_files_when_none_is_ready_says_so(production_client):
    order = paid_order()

    response = run_action(production_client, "download_print_files", [order])

    assert response.status_code == 302
    assert (
        "error",
        "None of the selected orders has print files ready; nothing to download.",
    ) in messages_of(response)


def test_single_print_file_and_order_zip_from_the_change_page(production_client):
    order = paid_order()
    item = ready(order)

    one = production_client.get(
        reverse("admin:printing_productionorder_print_file", args=[item.pk])
    )
    whole = production_client.get(
        reverse("admin:printing_productionorder_print_files", args=[order.pk])
    )

    assert one.status_code == 200 and one["Content-Type"] == "application/pdf"
    assert f"{order.number}-L1-sticker-sheet-a5-x1.pdf" in one["Content-Disposition"]
    assert body(one).startswith(b"%PDF")
    assert zipfile.ZipFile(io.BytesIO(body(whole))).namelist() == [
        f"{order.number}/{order.number}-L1-sticker-sheet-a5-x1.pdf"
    ]


# --- Print batches ------------------------------------------------------------------------------


def test_print_batch_imposes_ready_sheets_on_sra3_with_crop_marks_and_spot_colours(
    production_client,
):
    user = factories.user_create()
    design = approved_design_for(user)
    stickers = paid_order(user, quantity=3, design=design, ago=timedelta(days=1))
    art = paid_order(user, sku="MM-PRT-A4", design=design)
    ready(stickers)
    ready(art)

    response = run_action(production_client, "create_print_batch", [stickers, art])

    batch = PrintBatch.objects.get()
    [(level, text)] = messages_of(response)
    assert level == "success"
    assert text.startswith(f"Print batch {batch.pk} created: 2 print files on ")
    link = reverse("admin:printing_printbatch_file", args=[batch.pk])
    assert f'href="{link}"' in text
    assert batch.sheet_size == "SRA3"
    assert set(batch.items.all()) == set(PrintItem.objects.all())
    download = production_client.get(link)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    data = body(download)
    (Path("/tmp") / "fulfilment-batch.pdf").write_bytes(data)  # to look at by hand

    info = run("pdfinfo", "-", data=data)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    # 3 A5 sticker sheets (4 fit an SRA3) and one A4 print (2 fit an SRA3): 2 sheets.
    assert pages == batch.sheet_count == 2
    assert (width, height) == pytest.approx(SRA3_PT, abs=0.01)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert {"CutContour", "All"} <= separations(pdf)  # die line kept; marks in registration
    slug = run("pdftotext", "-", "-", data=data)
    assert f"batch {batch.pk}" in slug and stickers.number in slug and art.number in slug

    # Crop marks are drawn where the layout says: dark pixels at each mark's middle.
    pieces = []
    for order in (stickers, art):
        item = order.lines.get().print_item
        with pikepdf.open(item.file.open("rb")) as src:
            page = src.pages[0]
            piece = Piece(item.pk, "", 0, box_rect(page.trimbox), box_rect(page.bleedbox))
        pieces += [piece] * order.lines.get().quantity
    sheets = sheet_layout(pieces, "SRA3")
    assert [len(s.placements) for s in sheets] == [3, 1]
    dpi = 150
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-png", "-"],
        input=data, capture_output=True, check=True,
    ).stdout  # fmt: skip
    image = Image.open(io.BytesIO(png)).convert("L")
    marks = crop_marks(sheets[0])
    for x0, y0, x1, y1 in marks:
        mx, my = (x0 + x1) / 2 * dpi / 72, image.height - (y0 + y1) / 2 * dpi / 72
        window = [grey(image, int(mx) + dx, int(my) + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        assert min(window) < 128, (x0, y0, x1, y1)
    # Every cut line (each trim edge of each piece) has marks, none of them on a piece.
    for placement in sheets[0].placements:
        t = placement.trim
        for x in (t.x0, t.x1):
            assert any(abs(m[0] - x) < 0.01 and abs(m[2] - x) < 0.01 for m in marks), x
        for y in (t.y0, t.y1):
            assert any(abs(m[1] - y) < 0.01 and abs(m[3] - y) < 0.01 for m in marks), y
        for x0, y0, x1, y1 in marks:
            assert not (t.x0 < (x0 + x1) / 2 < t.x1 and t.y0 < (y0 + y1) / 2 < t.y1)
        # The art lies where the layout put it: cyan (dark grey) at the trim box's centre.
        cx, cy = (t.x0 + t.x1) / 2 * dpi / 72, image.height - (t.y0 + t.y1) / 2 * dpi / 72
        assert grey(image, int(cx), int(cy)) < 230
    assert grey(image, 5, 5) == 255  # the sheet's edge stays blank


def test_print_batch_leaves_out_boxes_and_unready_items_with_a_reason(production_client):
    user = factories.user_create()
    design = approved_design_for(user)
    box = paid_order(user, sku="MM-BOX-S", design=design)
    ready(box, print_pdf(300, 250))
    held = paid_order(user, design=design)
    ready(held)
    PrintItem.objects.filter(order_line__order=held).update(
        status=PrintItemStatus.HELD, hold_reason="face too small"
    )
    good = paid_order(user, design=design)
    ready(good)

    only_bad = run_action(production_client, "create_print_batch", [box, held])
    assert not PrintBatch.objects.exists()
    mixed = run_action(production_client, "create_print_batch", [box, good])

    assert (
        "warning",
        f"Left out of the batch: {box.number} L1 (Blister-pack box Standard (18 cm)): "
        "blister-pack boxes are die-cut on their own and never batched",
    ) in messages_of(only_bad)
    assert (
        "warning",
        f"Left out of the batch: {held.number} L1 (Sticker sheet A5): "
        "print file not ready (Held for staff: face too small)",
    ) in messages_of(only_bad)
    assert (
        "error",
        "Nothing to batch: no ready sticker sheet or art print in the selection.",
    ) in messages_of(only_bad)
    batch = PrintBatch.objects.get()
    assert list(batch.items.all()) == [good.lines.get().print_item]
    assert any(level == "success" for level, _ in messages_of(mixed))


def test_print_batch_admin_lists_batches_read_only(production_client):
    order = paid_order()
    ready(order)
    run_action(production_client, "create_print_batch", [order])
    batch = PrintBatch.objects.get()

    listing = production_client.get(reverse("admin:printing_printbatch_changelist"))
    detail = production_client.get(reverse("admin:printing_printbatch_change", args=[batch.pk]))

    assert listing.status_code == 200 and detail.status_code == 200
    assert reverse("admin:printing_printbatch_file", args=[batch.pk]) in listing.text
    assert order.number in detail.text
    assert 'name="_save"' not in detail.text
    assert production_client.get(reverse("admin:printing_printbatch_add")).status_code == 403


# --- Moving orders on ---------------------------------------------------------------------------


def test_mark_in_production_records_who(production_client):
    order = paid_order()

    response = run_action(production_client, "mark_in_production", [order])

    assert ("success", f"Order {order.number} is in production.") in messages_of(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PRODUCTION
    change = order.status_changes.last()
    assert change.to_status == OrderStatus.IN_PRODUCTION
    assert change.actor_id == response.wsgi_request.user.pk


def test_mark_shipped_asks_for_carrier_and_tracking_then_emails_the_customer(
    production_client, django_capture_on_commit_callbacks
):
    user = factories.user_create()
    design = approved_design_for(user)
    first = paid_order(user, design=design, ago=timedelta(days=1))
    second = paid_order(user, design=design)
    order_mark_in_production(order=second, actor=None)

    page = run_action(production_client, "mark_shipped", [first, second])
    missing = confirm_action(production_client, "mark_shipped", [first, second])
    with django_capture_on_commit_callbacks(execute=True):
        done = confirm_action(
            production_client,
            "mark_shipped",
            [first, second],
            **{
                f"ship-{first.pk}-carrier": "DHL",
                f"ship-{first.pk}-tracking_number": "00340434161094042557",
                f"ship-{second.pk}-carrier": "Deutsche Post",
                f"ship-{second.pk}-tracking_number": " RR 1234 5678 DE ",
            },
        )

    assert page.status_code == 200
    assert f'name="ship-{first.pk}-carrier"' in page.text
    assert f'name="ship-{second.pk}-tracking_number"' in page.text
    assert missing.status_code == 200 and "This field is required." in missing.text
    assert done.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.carrier, first.tracking_number) == (
        OrderStatus.SHIPPED, "DHL", "00340434161094042557",
    )  # fmt: skip
    assert (second.status, second.carrier, second.tracking_number) == (
        OrderStatus.SHIPPED, "Deutsche Post", "RR12345678DE",
    )  # fmt: skip
    assert first.status_changes.last().actor_id == done.wsgi_request.user.pk
    shipped_mails = [m for m in mail.outbox if "is on its way" in m.subject]
    assert sorted(m.to[0] for m in shipped_mails) == [user.email, user.email]
    mail_first = next(m for m in shipped_mails if first.number in m.subject)
    assert "00340434161094042557" in mail_first.body and "DHL" in mail_first.body


def test_actions_on_orders_in_the_wrong_state_change_nothing(
    production_client, django_capture_on_commit_callbacks
):
    user = factories.user_create()
    design = approved_design_for(user)
    shipped = paid_order(user, design=design)
    order_mark_shipped(order=shipped, actor=None, carrier="DHL", tracking_number="1")
    refunded = paid_order(user, design=design)
    order_transition(order=refunded, to=OrderStatus.REFUNDED, reason="cancelled by phone")
    before = {o.pk: state(o) for o in (shipped, refunded)}
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        in_production = run_action(production_client, "mark_in_production", [shipped])
        ship = run_action(production_client, "mark_shipped", [shipped, refunded])
        ship_confirmed = confirm_action(
            production_client, "mark_shipped", [shipped],
            **{f"ship-{shipped.pk}-carrier": "UPS", f"ship-{shipped.pk}-tracking_number": "9"},
        )  # fmt: skip

    assert messages_of(in_production) == [
        ("error", f"Order {shipped.number} is Shipped and cannot become In production.")
    ]
    assert ship.status_code == 302  # no form: nothing can be shipped
    # (Messages pile up until a page shows them: the newest are last.)
    # The refunded order is not in the production queue, so the action never sees it.
    assert messages_of(ship)[-1:] == [
        ("error", f"Order {shipped.number} is Shipped and cannot be marked shipped."),
    ]
    assert messages_of(ship_confirmed)[-1:] == [
        ("error", f"Order {shipped.number} is Shipped and cannot be marked shipped.")
    ]
    assert {o.pk: state(o) for o in (shipped, refunded)} == before
    assert mail.outbox == []


def test_refund_goes_through_stripe_with_the_key_from_the_form(production_client, stripe_settings):
    order = ah.order_paid_through_stripe(shop_factories.order_placed(sku="MM-STK-A5"))
    intent = order.payments.get().stripe_payment_intent_id

    page = run_action(production_client, "refund", [order])
    keys = dict(re.findall(r'name="(refund_key_\d+)" value="([^"]+)"', page.text))
    form = {"scope": "partial", "amount": "3.00", "reason": "one sticker bent", **keys}
    done = confirm_action(production_client, "refund", [order], **form)
    again = confirm_action(production_client, "refund", [order], **form)  # resent form

    assert page.status_code == 200
    assert keys == {f"refund_key_{order.pk}": f"refund-{order.pk}-1"}
    assert ("success", f"Refunded 3.00 EUR of order {order.number}.") in messages_of(done)
    assert (
        "warning",
        f"Order {order.number}: this refund was already made; nothing refunded again.",
    ) in messages_of(again)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        Decimal("3.00"),
    )
    refund = Refund.objects.get(order=order)
    assert (refund.idempotency_key, refund.reason) == (f"refund-{order.pk}-1", "one sticker bent")
    assert refund.created_by_id == done.wsgi_request.user.pk
    at_stripe = ah.stripe_request("GET", f"/v1/refunds?payment_intent={intent}")["data"]
    assert [r["amount"] for r in at_stripe] == [300]


def test_refund_of_an_order_without_money_left_changes_nothing(production_client):
    order = paid_order()
    order_transition(order=order, to=OrderStatus.REFUNDED, reason="test")
    before = state(order)

    response = run_action(production_client, "refund", [order])

    assert response.status_code == 302
    # Refunded orders are not in the production queue's queryset at all.
    assert state(order) == before
    assert not Refund.objects.exists()


# --- Packing slips ------------------------------------------------------------------------------


def test_packing_slip_pdf_has_the_order_number_and_address_with_embedded_fonts(
    production_client,
):
    order = paid_order(quantity=2)

    response = production_client.get(
        reverse("admin:printing_productionorder_packing_slip", args=[order.pk])
    )

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert f"packing-slip-{order.number}.pdf" in response["Content-Disposition"]
    data = body(response)
    text = run("pdftotext", "-layout", "-", "-", data=data)
    for expected in (order.number, "Jürgen Tester", "Hauptstraße 1", "10115 Berlin", "GERMANY",
                     "Sticker sheet", "A5", "Mini-Me Merch"):  # fmt: skip
        assert expected in text
    assert "EUR" not in text  # no prices on a packing slip
    fonts = run("pdffonts", "-", data=data).splitlines()[2:]
    assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts
    info = run("pdfinfo", "-", data=data)
    assert "595.276 x 841.89 pts (A4)" in info


def test_packing_slips_action_returns_one_pdf_for_the_selected_orders(production_client):
    user = factories.user_create()
    design = approved_design_for(user)
    orders = [paid_order(user, design=design) for _ in range(2)]

    response = run_action(production_client, "packing_slips", orders)

    data = body(response)
    assert response["Content-Type"] == "application/pdf"
    assert "Pages:           2" in run("pdfinfo", "-", data=data)
    text = run("pdftotext", "-", "-", data=data)
    assert all(o.number in text for o in orders)


# --- Permissions --------------------------------------------------------------------------------


def test_the_fulfilment_group_has_only_production_permissions():
    group = Group.objects.get(name="Fulfilment")

    codenames = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}

    assert codenames == {
        "printing.view_productionorder",
        "printing.change_productionorder",
        "printing.refund_productionorder",
        "printing.view_printitem",
        "printing.view_printbatch",
        "printing.add_printbatch",
    }


def test_the_management_command_recreates_the_group():
    group = Group.objects.get(name="Fulfilment")
    group.permissions.add(Permission.objects.get(codename="change_figuredesign"))
    Group.objects.filter(name="Fulfilment").delete()
    Group.objects.create(name="Fulfilment").permissions.add(
        Permission.objects.get(codename="view_photo")
    )
    out = io.StringIO()

    call_command("minime_fulfilment_group", stdout=out)

    group = Group.objects.get(name="Fulfilment")
    assert sorted(p.codename for p in group.permissions.all()) == sorted(
        ["view_productionorder", "change_productionorder", "refund_productionorder",
         "view_printitem", "view_printbatch", "add_printbatch"]
    )  # fmt: skip
    assert "Removed permissions: figures.view_photo" in out.getvalue()


def test_fulfilment_staff_never_reach_customer_photos_designs_or_privacy(fulfilment_client):
    customer = factories.user_create()
    order = paid_order(customer)
    photo = order.lines.get().design.photo
    user = fulfilment_client.user

    photo_view = fulfilment_client.get(reverse("figures:photo_image", args=[photo.pk]))
    photo_admin = fulfilment_client.get("/admin/figures/photo/")
    design_admin = fulfilment_client.get(reverse("admin:figures_figuredesign_changelist"))
    render_admin = fulfilment_client.get(reverse("admin:figures_render_changelist"))
    shop_orders = fulfilment_client.get(reverse("admin:shop_order_changelist"))
    index = fulfilment_client.get(reverse("admin:index"))

    assert photo_view.status_code == 404  # owner-checked: not theirs
    assert photo_admin.status_code == 404  # photos have no admin at all
    assert design_admin.status_code == 403 and render_admin.status_code == 403
    assert shop_orders.status_code == 403
    assert all(p.startswith("printing.") for p in user.get_all_permissions())
    assert not any(
        user.has_perm(p)
        for p in ("figures.view_photo", "figures.change_photo", "figures.change_figuredesign",
                  "figures.view_figuredesign")
    )  # fmt: skip
    assert not any(p.startswith("privacy.") for p in user.get_all_permissions())
    assert "Production queue" in index.text and "Figures" not in index.text


def test_staff_without_the_group_and_customers_are_refused(staff_client, user_client):
    order = paid_order()
    item = ready(order)
    line = order.lines.get()
    urls = [
        changelist_url(),
        reverse("admin:printing_productionorder_change", args=[order.pk]),
        reverse("admin:printing_productionorder_render", args=[line.pk]),
        reverse("admin:printing_productionorder_print_file", args=[item.pk]),
        reverse("admin:printing_productionorder_print_files", args=[order.pk]),
        reverse("admin:printing_productionorder_packing_slip", args=[order.pk]),
        reverse("admin:printing_printitem_file", args=[item.pk]),
    ]

    for url in urls:
        staff = staff_client.get(url)
        customer = user_client.get(url)
        assert staff.status_code == 403, url
        assert customer.status_code == 302, url
        assert customer["Location"].startswith(reverse("admin:login"))
    assert run_action(staff_client, "mark_in_production", [order]).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_view_only_staff_see_the_queue_but_cannot_move_orders_or_refund(staff_client):
    staff_client.user.user_permissions.add(Permission.objects.get(codename="view_productionorder"))
    order = paid_order()

    queue = staff_client.get(changelist_url())
    response = run_action(staff_client, "mark_in_production", [order])
    refund = run_action(staff_client, "refund", [order])

    assert queue.status_code == 200
    actions = dict(queue.context["action_form"].fields["action"].choices)
    assert set(actions) == {"", "download_print_files", "packing_slips"}
    # An action the user does not have is unknown to the changelist ("No action selected").
    assert response.status_code == 302 and refund.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


# --- Services -----------------------------------------------------------------------------------


def test_shipping_services_refuse_digital_only_orders_and_blank_carriers():
    digital = paid_order(sku="MM-DIG")
    physical = paid_order()

    with pytest.raises(IllegalOrderTransition):
        order_mark_shipped(order=digital, actor=None, carrier="DHL", tracking_number="1")
    with pytest.raises(IllegalOrderTransition):
        order_mark_in_production(order=digital, actor=None)
    with pytest.raises(ShopError, match="Enter the carrier"):
        order_mark_shipped(order=physical, actor=None, carrier="  ", tracking_number="1")

    assert Order.objects.get(pk=digital.pk).status == OrderStatus.PAID
    assert Order.objects.get(pk=physical.pk).status == OrderStatus.PAID


def test_production_order_is_a_proxy_of_the_shop_order():
    order = paid_order()

    assert ProductionOrder.objects.get(pk=order.pk).number == order.number
    assert ProductionOrder._meta.proxy and ProductionOrder._meta.db_table == "shop_order"
    assert json.dumps(ProductionOrder._meta.verbose_name_plural.title()) == '"Production Queue"'


# --- With the real renderer ---------------------------------------------------------------------


def test_rendered_print_files_go_into_the_zip_and_a_print_batch(admin_client, settings):
    from printing.services import print_item_render

    # The test render is 128 px: let it pass the resolution floor instead of being held.
    settings.MINIME_HOLD_BELOW_DPI = 1
    order = paid_order(sku="MM-STK-A5")
    item = PrintItem.objects.create(order_line=order.lines.get())

    item = print_item_render(item_id=item.pk)
    assert item.status == PrintItemStatus.READY, item.hold_reason
    zipped = run_action(admin_client, "download_print_files", [order])
    run_action(admin_client, "create_print_batch", [order])

    archive = zipfile.ZipFile(io.BytesIO(body(zipped)))
    assert archive.read(archive.namelist()[0]) == item.file.open("rb").read()
    batch = PrintBatch.objects.get()
    assert batch.sheet_count == 1
    with pikepdf.open(batch.file.open("rb")) as pdf:
        assert "CutContour" in separations(pdf)
        assert len(pdf.pages) == 1
        assert "/OutputIntents" in pdf.Root  # the items' print condition is kept
