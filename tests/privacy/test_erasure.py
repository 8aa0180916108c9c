"""Erasure through the privacy registry: after it, nothing of the person is left in private
storage or anywhere in the database, except the invoice fields tax law keeps."""

import hashlib
import io
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from PIL import Image, ImageEnhance

from figures import services as figure_services
from figures.models import FigureDesign, Photo, Render
from printing import services as print_services
from printing.models import PrintBatch, PrintItem
from privacy import tasks
from privacy.erasure import erasure_run, erasure_start, subject_hash
from privacy.exporting import data_export_build, data_export_create
from privacy.models import ConsentRecord, DataExport, ErasureReceipt
from privacy.registry import handlers
from shop.models import Cart, Order, OrderLine, ShippingMethod, WebhookEvent
from shop.services.cart import cart_add, cart_for
from shop.services.fulfilment import order_mark_in_production, order_mark_shipped
from shop.services.orders import order_mark_paid, order_place
from tests import factories
from tests.factories.shop import approved_design_for, variant

FULL_NAME = "Jürgen Tester"
ADDRESS = "Hauptstraße 1"
INVOICE_FIELDS = {
    ("shop.order", "full_name"),
    ("shop.order", "address_line1"),
}


@contextmanager
def private_storage_in(folder: Path) -> Iterator[Path]:
    """A private storage of the test's own, so a scan of it sees only that test's files.
    The models' FileFields resolved their storage at import: point those instances here."""
    root = folder / "private"
    root.mkdir()
    fields = [
        Photo._meta.get_field("image"),
        Render._meta.get_field("image"),
        PrintItem._meta.get_field("file"),
        PrintBatch._meta.get_field("file"),
        DataExport._meta.get_field("file"),
    ]
    storages: list[Any] = list({id(f.storage): f.storage for f in fields}.values())
    saved = [(storage, storage.__dict__.copy()) for storage in storages]
    for storage in storages:
        storage._location = str(root)
        for cached in ("base_location", "location"):
            storage.__dict__.pop(cached, None)
    try:
        with override_settings(PRIVATE_FILES_ROOT=root):
            yield root
    finally:
        for storage, state in saved:
            storage.__dict__.clear()
            storage.__dict__.update(state)


@pytest.fixture
def private_root(db, tmp_path) -> Iterator[Path]:
    with private_storage_in(tmp_path) as root:
        yield root


def unique_portrait() -> SimpleUploadedFile:
    """The test portrait with a random brightness, so every block of its stored bytes (and
    its hash) is this person's alone."""
    image = Image.open(io.BytesIO(factories.portrait_jpeg())).convert("RGB")
    image = ImageEnhance.Brightness(image).enhance(0.8 + secrets.randbelow(150) / 1000)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return SimpleUploadedFile("jurgen-private-selfie.jpg", buffer.getvalue(), "image/jpeg")


def customer(name: str = "Zorblax") -> Any:
    """A customer with account names, consents and a photo of their own."""
    user = factories.user_create(email=f"{name.lower()}.owner@example.com")
    user.first_name, user.last_name = "Jürgen", "Tester"
    user.save()
    return user


def stored_bytes(field_file: Any) -> bytes:
    with field_file.storage.open(field_file.name, "rb") as stored:
        return bytes(stored.read())


def paid_order(user: Any, design: Any, sku: str, capture: Any) -> Order:
    """A paid order of one catalog SKU whose print files are rendered for real."""
    cart_add(owner=user, design=design, variant=variant(sku))
    shippable = variant(sku).product.is_shippable
    order = order_place(
        owner=user,
        cart=cart_for(owner=user),
        email=user.email,
        full_name=FULL_NAME,
        address_line1=ADDRESS,
        address_line2="",
        postcode="10115",
        city="Berlin",
        country="DE",
        shipping_method=ShippingMethod.objects.get(code="standard") if shippable else None,
    )
    with mock.patch("printing.tasks.enqueue_render"), capture(execute=True):
        order_mark_paid(order=order, reason="test")
    for item in PrintItem.objects.filter(order_line__order=order):
        print_services.print_item_render(item_id=item.pk)
    assert all(item.file for item in PrintItem.objects.filter(order_line__order=order))
    return order


def erase(user: Any, capture: Any) -> ErasureReceipt:
    """Request erasure and run the queued task in this process."""
    with mock.patch("privacy.tasks.enqueue_erasure") as enqueue, capture(execute=True):
        receipt = erasure_start(user=user)
    enqueue.assert_called_once_with(receipt_id=receipt.pk)
    assert tasks.erase_account.apply(args=(receipt.pk,)).successful()
    receipt.refresh_from_db()
    return receipt


def storage_files(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def database_hits(needles: list[str]) -> set[tuple[str, str, str]]:
    """(model, field, needle) for every field value in a dump of the whole database that
    contains a needle (case-insensitive)."""
    buffer = io.StringIO()
    call_command("dumpdata", stdout=buffer)
    hits = set()
    for obj in json.loads(buffer.getvalue()):
        for field_name, value in obj["fields"].items():
            text = json.dumps(value, ensure_ascii=False).lower()
            for needle in needles:
                if needle.lower() in text:
                    hits.add((obj["model"], field_name, needle))
    return hits


def storage_hits(root: Path, needles: list[bytes], names: list[str]) -> list[str]:
    found = []
    for name, content in storage_files(root).items():
        found += [f"{name}: name {n}" for n in names if n in name]
        found += [f"{name}: content" for n in needles if n in content]
    return found


def test_registry_has_every_app_in_a_fixed_order():
    assert [h.name for h in handlers()] == ["printing", "shop", "figures", "accounts"]


def test_subject_hash_is_keyed_and_stable(settings):
    assert subject_hash(42) == subject_hash("42")
    assert subject_hash(42) != subject_hash(43)
    first = subject_hash(42)
    assert len(first) == 64
    settings.SECRET_KEY = "another-secret-key-" + "y" * 40
    assert subject_hash(42) != first  # keyed: the id alone does not give the hash


@dataclass
class Footprint:
    """Everything one customer left behind, and how to recognise it afterwards."""

    user: Any
    photo: Photo
    photo_bytes: bytes
    order: Order
    bystander_photo: Photo
    file_names: list[str]  # base names of the customer's files in private storage


def customer_with_a_full_footprint(root: Path, client: Any, capture: Any) -> Footprint:
    """A customer with a unique photo, a draft and an approved design with renders, a paid
    and shipped order with real print files, a webhook event, a cart, consents, an export;
    and a bystander with a photo of their own."""
    user = customer()
    photo = figure_services.photo_create(owner=user, upload=unique_portrait())
    design = approved_design_for(user, name="Zorblax", photo=photo)
    factories.design_for(user, name="Zorblax", photo=photo)
    order = paid_order(user, design, "MM-STK-A5", capture)
    order_mark_in_production(order=order, actor=None)
    order_mark_shipped(order=order, actor=None, carrier="DHL", tracking_number="ZX123TRACK")
    WebhookEvent.objects.create(
        stripe_event_id="evt_test_erasure",
        type="payment_intent.succeeded",
        payload=json.dumps({"receipt_email": user.email, "metadata": {"figure": "Zorblax"}}),
        order=order,
    )
    cart_add(owner=user, design=design, variant=variant("MM-DIG"))
    with mock.patch("privacy.tasks.enqueue_export"), capture():
        export = data_export_create(user=user)
    data_export_build(export_id=export.pk)
    bystander_photo = factories.photo_for(factories.user_create(email="bystander@example.com"))
    assert ConsentRecord.objects.filter(user=user).exists()
    assert client.login(username=user.username, password=factories.PASSWORD)
    client.logout()
    assert design.approved_render is not None
    file_names = [str(photo.image.name), str(design.approved_render.image.name)]
    file_names += [str(i.file.name) for i in PrintItem.objects.filter(order_line__order=order)]
    file_names.append(str(DataExport.objects.get(pk=export.pk).file.name))
    assert all((root / name).exists() for name in file_names)
    return Footprint(
        user=user,
        photo=photo,
        photo_bytes=stored_bytes(photo.image),
        order=order,
        bystander_photo=bystander_photo,
        file_names=[Path(name).name for name in file_names],
    )


def test_erasure_leaves_nothing_but_the_invoice_fields_kept_by_law(
    private_root, client, django_capture_on_commit_callbacks
):
    # given a customer with a full footprint (photo, designs, renders, shipped order...)
    given = customer_with_a_full_footprint(private_root, client, django_capture_on_commit_callbacks)
    user_id, username, email = given.user.pk, given.user.username, given.user.email
    file_names, photo_bytes = given.file_names, given.photo_bytes

    # when the customer is erased
    receipt = erase(given.user, django_capture_on_commit_callbacks)

    # then storage holds only the bystander's photo, nothing of the customer's
    needles_text = [email, username, "Zorblax", "jurgen-private-selfie", "ZX123TRACK"]
    assert (
        storage_hits(
            private_root,
            [n.encode() for n in needles_text] + [photo_bytes[len(photo_bytes) // 2 :][:64]],
            file_names,
        )
        == []
    )
    assert list(storage_files(private_root)) == [given.bystander_photo.image.name]
    photo_hash = hashlib.sha256(photo_bytes).hexdigest()
    stored_hashes = {hashlib.sha256(c).hexdigest() for c in storage_files(private_root).values()}
    assert photo_hash not in stored_hashes
    # the database holds the name and address on the kept invoice only
    needles = [*needles_text, given.photo.sha256, *file_names, FULL_NAME, ADDRESS, "Jürgen"]
    hits = database_hits(needles)
    assert {(model, field) for model, field, _ in hits} <= INVOICE_FIELDS, hits
    assert {needle for _, _, needle in hits} <= {FULL_NAME, ADDRESS, "Jürgen"}
    # the invoice data is kept, anonymised
    order = Order.objects.get(pk=given.order.pk)
    assert order.owner is None and order.email == "" and order.is_anonymised
    assert order.full_name == FULL_NAME and order.total_gross > 0 and order.number
    line = OrderLine.objects.get(order=order)
    assert line.figure_name == "" and line.design is None and line.render is None
    assert line.product_name and line.variant_name and line.quantity == 1
    event = WebhookEvent.objects.get(stripe_event_id="evt_test_erasure")
    assert event.payload == "{}" and "redacted" in event.error
    assert not Cart.objects.filter(owner_id=user_id).exists()
    assert not Photo.objects.filter(owner_id=user_id).exists()
    assert not FigureDesign.objects.filter(owner_id=user_id).exists()
    # the login is gone
    assert not get_user_model().objects.filter(pk=user_id).exists()
    assert not client.login(username=username, password=factories.PASSWORD)
    # the receipt proves it without personal data
    assert receipt.status == ErasureReceipt.Status.COMPLETED and receipt.completed_at
    assert receipt.user is None and receipt.subject_hash == subject_hash(user_id)
    assert receipt.details["figures"]["photos"] == 1
    assert receipt.details["figures"]["renders"] == 1
    assert receipt.details["printing"]["print_files"] == 1
    assert receipt.details["shop"]["orders_anonymised"] == 1
    assert receipt.details["accounts"]["consent_records"] == 2
    assert receipt.deferred == []
    receipt_text = json.dumps([receipt.details, receipt.deferred, str(receipt)])
    assert not [n for n in [*needles_text, *file_names, FULL_NAME, "Jürgen"] if n in receipt_text]
    # and running it again changes nothing
    assert erasure_run(receipt_id=receipt.pk).details == receipt.details


def test_erasure_while_an_order_is_in_production_waits_for_shipment(
    private_root, django_capture_on_commit_callbacks
):
    # given an order in production with its print files
    user = customer("Quibble")
    design = approved_design_for(user, name="Quibble")
    order = paid_order(user, design, "MM-STK-A5", django_capture_on_commit_callbacks)
    order_mark_in_production(order=order, actor=None)
    item = PrintItem.objects.get(order_line__order=order)
    print_file = private_root / item.file.name
    user_id = user.pk

    # when the customer is erased
    receipt = erase(user, django_capture_on_commit_callbacks)

    # then the print file stays for the press and the receipt waits, saying why
    assert print_file.exists()
    assert receipt.status == ErasureReceipt.Status.WAITING and receipt.completed_at is None
    assert receipt.deferred == [
        "Print files of 1 order(s) in production will be erased after shipment."
    ]
    assert not Photo.objects.filter(owner_id=user_id).exists()
    order.refresh_from_db()
    assert order.owner is None and order.email == "" and order.is_anonymised

    # when retention runs before shipment, nothing changes
    call_command("minime_retention", stdout=io.StringIO())
    assert print_file.exists()

    # when the order ships: a dry run lists it, the retention job erases the print files
    order_mark_shipped(order=order, actor=None, carrier="DHL", tracking_number="")
    out = io.StringIO()
    call_command("minime_retention", "--dry-run", stdout=out)
    assert "deferred_print_files: would delete 1" in out.getvalue()
    assert print_file.exists()
    call_command("minime_retention", stdout=io.StringIO())

    assert not print_file.exists()
    item.refresh_from_db()
    assert not item.file and item.preflight == {}
    receipt.refresh_from_db()
    assert receipt.status == ErasureReceipt.Status.COMPLETED and receipt.completed_at
    assert receipt.details["printing"]["print_files"] == 1
    assert receipt.details["printing"]["orders_waiting"] == 0
    assert storage_files(private_root) == {}


def test_erasure_cancels_queued_generation_and_pending_orders(
    private_root, django_capture_on_commit_callbacks
):
    # given a queued generation job and an unpaid order
    user = customer("Frobnic")
    design = approved_design_for(user, name="Frobnic")
    cart_add(owner=user, design=design, variant=variant("MM-DIG"))
    order = order_place(
        owner=user,
        cart=cart_for(owner=user),
        email=user.email,
        full_name=FULL_NAME,
        address_line1=ADDRESS,
        address_line2="",
        postcode="10115",
        city="Berlin",
        country="DE",
        shipping_method=None,
    )
    draft = factories.design_for(user, name="Frobnic")
    with mock.patch("figures.tasks.enqueue_generation"):
        figure_services.generation_job_create(design=draft, actor=user)

    # when erased
    receipt = erase(user, django_capture_on_commit_callbacks)

    # then the job was cancelled before its design went, and the order cannot be paid
    assert receipt.details["figures"]["jobs_cancelled"] == 1
    order.refresh_from_db()
    assert order.status == "cancelled" and order.email == "" and order.is_anonymised
    assert storage_files(private_root) == {}


def test_an_order_finished_after_erasure_emails_nobody(db):
    from django.core import mail
    from django.utils import timezone

    from shop.services.emails import email_shipped
    from tests.factories.shop import order_bare

    order = order_bare(email="", anonymised_at=timezone.now())

    email_shipped(order_id=order.pk)

    assert mail.outbox == []


def test_erasure_start_accepts_the_lazy_request_user(db, client):
    from django.contrib.auth import get_user_model
    from django.utils.functional import SimpleLazyObject

    from privacy.erasure import erasure_start
    from tests import factories

    user = factories.user_create()

    receipt = erasure_start(user=SimpleLazyObject(lambda: user))

    assert receipt.subject_hash
    assert get_user_model().objects.get(pk=user.pk).is_active is False
