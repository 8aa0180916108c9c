"""Every private file on S3 (moto's standalone server in CI): photos, renders, print files,
batches, the data export, and erasure leaving none of the person's objects in the bucket."""

import io
import json
import zipfile

import pytest
from django.urls import reverse
from PIL import Image

from figures import services as figure_services
from figures.models import Photo, Render
from printing.imposition.batch import print_batch_create
from printing.models import PrintItemStatus
from privacy.models import DataExport
from shop.services.fulfilment import order_mark_in_production, order_mark_shipped
from tests import factories
from tests.factories.shop import approved_design_for
from tests.privacy.test_erasure import customer, erase, unique_portrait
from tests.privacy.test_export import built_export
from tests.storage.journey import (
    FIELDS,
    paid_order_with_print_files,
    print_items,
    render_enlarged,
    selfie_with_gps,
)
from tests.storage.s3 import requires_s3

pytestmark = [requires_s3, pytest.mark.django_db]


def test_an_uploaded_photo_is_a_private_metadata_free_object_in_the_bucket(bucket, user_client):
    # when a customer uploads a phone selfie with GPS metadata through the studio
    response = user_client.post(
        reverse("figures:design_new"), {**FIELDS, "photo": selfie_with_gps()}
    )

    # then the bucket holds exactly the cleaned photo, under a random name, private
    assert response.status_code == 302, response.content[:2000]
    photo = Photo.objects.get(owner=user_client.user)
    assert bucket.names() == {photo.image.name}
    assert "zorblax" not in photo.image.name and "selfie" not in photo.image.name
    stored = bucket.read(photo.image.name)
    assert stored.startswith(b"\xff\xd8")
    assert b"PhoneMaker" not in stored and b"WGS-84" not in stored and b"Exif" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert not image.getexif() and "exif" not in image.info
    assert bucket.is_private(photo.image.name)


def test_generation_renders_are_private_objects_in_the_bucket(bucket, user):
    # when a design is generated (stylize backend, in this process) and a render approved
    design = approved_design_for(user)

    # then every render is a PNG object next to the photo, and nothing else was stored
    renders = list(Render.objects.filter(job__design=design))
    assert renders
    assert bucket.names() == {design.photo.image.name} | {r.image.name for r in renders}
    for render in renders:
        stored = bucket.read(render.image.name)
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "PNG" and image.size == (render.width, render.height)
        with render.image.open("rb") as through_django:
            assert through_django.read() == stored
        assert bucket.is_private(render.image.name)


@pytest.mark.printing
def test_print_files_and_a_print_batch_are_rendered_into_the_bucket(
    bucket, user, django_capture_on_commit_callbacks
):
    # given a paid order of a digital download, an art print and a sticker sheet
    design = approved_design_for(user)
    render_enlarged(design)
    skus = ["MM-DIG", "MM-PRT-A4", "MM-STK-A5"]

    # when the print render service renders each line, and staff batch the sticker sheet
    order = paid_order_with_print_files(user, design, skus, django_capture_on_commit_callbacks)
    items = {item.order_line.sku: item for item in print_items(order)}
    batch = print_batch_create(items=[items["MM-STK-A5"]], actor=None)

    # then each print file and the batch PDF (imposed from the S3 objects) are in the bucket
    assert set(items) == set(skus)
    for sku, magic in [("MM-DIG", b"\x89PNG"), ("MM-PRT-A4", b"%PDF"), ("MM-STK-A5", b"%PDF")]:
        item = items[sku]
        assert item.status == PrintItemStatus.READY, (sku, item.hold_reason)
        assert item.file.name in bucket.names()
        assert bucket.read(item.file.name).startswith(magic)
        assert bucket.is_private(item.file.name)
    assert batch.file.name in bucket.names()
    assert bucket.read(batch.file.name).startswith(b"%PDF")


def test_the_data_export_zip_is_built_in_the_bucket_from_the_bucket(
    bucket, django_capture_on_commit_callbacks
):
    # given a customer with a photo and an approved design
    user = customer("Exporta")
    photo = figure_services.photo_create(owner=user, upload=unique_portrait())
    design = approved_design_for(user, name="Exporta", photo=photo)

    # when the export is built (the task, in this process)
    export = built_export(user, django_capture_on_commit_callbacks)

    # then the ZIP is a private object holding the photo and render objects byte for byte
    assert export.status == DataExport.Status.READY
    assert export.file.name in bucket.names()
    assert bucket.is_private(export.file.name)
    archive = zipfile.ZipFile(io.BytesIO(bucket.read(export.file.name)))
    data = json.loads(archive.read("data.json"))
    [photo_entry] = data["photos"]
    assert archive.read(photo_entry["file"]) == bucket.read(photo.image.name)
    [render_entry] = data["renders"]
    assert archive.read(render_entry["file"]) == bucket.read(design.approved_render.image.name)


@pytest.mark.printing
def test_erasure_leaves_no_object_of_the_person_in_the_bucket(
    bucket, django_capture_on_commit_callbacks
):
    # given a customer with photos, renders, print files of a shipped order and an export,
    # and a bystander
    capture = django_capture_on_commit_callbacks
    user = customer("Zorblax")
    photo = figure_services.photo_create(owner=user, upload=unique_portrait())
    design = approved_design_for(user, name="Zorblax", photo=photo)
    render_enlarged(design)
    factories.design_for(user, name="Zorblax", photo=photo)
    order = paid_order_with_print_files(user, design, ["MM-DIG", "MM-STK-A5"], capture)
    order_mark_in_production(order=order, actor=None)
    order_mark_shipped(order=order, actor=None, carrier="DHL", tracking_number="ZX123TRACK")
    built_export(user, capture)
    bystander = factories.photo_for(factories.user_create(email="bystander@example.com"))
    before = bucket.names()
    assert len(before) >= 6  # photo, render, 2 print files, export ZIP, bystander's photo
    assert all(item.file and item.file.name in before for item in print_items(order))

    # when the customer is erased
    receipt = erase(user, capture)

    # then the bucket holds the bystander's photo and nothing else
    assert receipt.status == receipt.Status.COMPLETED, receipt.details
    assert bucket.names() == {bystander.image.name}
    everything = bucket.s3.list_objects_v2(Bucket=bucket.name, Prefix=bucket.prefix + "/")
    assert [o["Key"] for o in everything["Contents"]] == [f"{bucket.prefix}/{bystander.image.name}"]
