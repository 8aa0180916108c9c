"""Downloads of private files on S3 stream through Django's owner-checked views: the owner's
response body is the object itself (never a redirect to the bucket), anyone else gets a 404,
and no page, header, email or admin page a customer or fulfilment staff sees names the bucket."""

from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from privacy.models import DataExport
from shop.services import downloads
from shop.services.emails import emails_deliver_due
from tests import factories
from tests.factories.shop import approved_design_for
from tests.privacy.test_export import built_export
from tests.storage.journey import paid_order_with_print_files, print_items, render_enlarged
from tests.storage.s3 import Bucket, leak_needles, requires_s3

pytestmark = [requires_s3, pytest.mark.django_db]


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_no_bucket_reference(response: Any, what: str) -> None:
    """Neither the headers nor a (non-streamed) body mention the bucket or its endpoint."""
    assert not response.has_header("Location") or not any(
        needle in response["Location"] for needle in leak_needles()
    ), what
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    body = b"" if response.streaming else response.content
    for needle in leak_needles():
        assert needle not in headers, (what, needle, headers)
        assert needle.encode() not in body, (what, needle)


def streamed_object(response: Any, bucket: Bucket, name: str, what: str) -> None:
    """A 200 whose streamed body is the stored object, byte for byte."""
    assert response.status_code == 200, (what, response.status_code)
    assert response.streaming and not response.has_header("Location"), what
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", ")), what
    assert_no_bucket_reference(response, what)
    assert b"".join(response.streaming_content) == bucket.read(name), what


def test_photos_and_renders_stream_to_their_owner_and_are_404_for_anyone_else(bucket):
    # given a customer's approved design (photo and render in the bucket)
    owner = factories.user_create()
    design = approved_design_for(owner)
    photo, render = design.photo, design.approved_render
    files = {
        reverse("figures:photo_image", args=[photo.pk]): photo.image.name,
        reverse("figures:render_image", args=[render.pk]): render.image.name,
    }
    assert set(files.values()) <= bucket.names()
    stranger = signed_in(factories.user_create())

    for url, name in files.items():
        # when the owner and a stranger ask for it
        mine, theirs, anonymous = signed_in(owner).get(url), stranger.get(url), Client().get(url)

        # then the owner gets the object through Django; nobody else gets anything
        streamed_object(mine, bucket, name, url)
        assert theirs.status_code == 404, url
        assert_no_bucket_reference(theirs, url)
        assert anonymous.status_code == 302 and "/accounts/" in anonymous["Location"], url


@pytest.mark.printing
def test_order_download_and_data_export_stream_to_their_owner_only(
    bucket, django_capture_on_commit_callbacks
):
    # given a paid digital download and a ready data export
    owner = factories.user_create()
    design = approved_design_for(owner)
    capture = django_capture_on_commit_callbacks
    order = paid_order_with_print_files(owner, design, ["MM-DIG"], capture)
    export = built_export(owner, capture)
    me, stranger = signed_in(owner), signed_in(factories.user_create())

    # when the owner follows the links their pages show
    order_page = me.get(reverse("shop:order_detail", kwargs={"number": order.number}))
    link = order_page.context["rows"][0]["download_url"]
    line_file = downloads.download_file(line=order.lines.get())
    centre = me.get(reverse("privacy:centre"))
    export_link = reverse("privacy:export_download", args=[export.token])

    # then each streams its object; the same links are 404 for a stranger
    assert link in order_page.content.decode() and export_link in centre.content.decode()
    assert stranger.get(link).status_code == 404
    assert stranger.get(export_link).status_code == 404
    streamed_object(me.get(link), bucket, line_file.name, "order download")
    streamed_object(me.get(export_link), bucket, export.file.name, "data export")
    assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.DOWNLOADED


@pytest.mark.printing
def test_no_page_email_or_admin_page_names_the_bucket(
    bucket, fulfilment_client, admin_client, django_capture_on_commit_callbacks
):
    # given a customer with a design, a paid order of a print and a download, and an export
    owner = factories.user_create()
    design = approved_design_for(owner)
    render_enlarged(design)
    skus = ["MM-DIG", "MM-PRT-A4"]
    order = paid_order_with_print_files(owner, design, skus, django_capture_on_commit_callbacks)
    built_export(owner, django_capture_on_commit_callbacks)
    emails_deliver_due()
    items = print_items(order)

    # when the customer, fulfilment staff and a superuser open every page showing these files
    me = signed_in(owner)
    customer_pages = [
        reverse("figures:studio"),
        reverse("figures:design", args=[design.pk]),
        reverse("shop:home"),
        reverse("shop:product", kwargs={"design_id": design.pk}),
        reverse("shop:order_list"),
        reverse("shop:order_detail", kwargs={"number": order.number}),
        reverse("privacy:centre"),
    ]
    staff_pages = [
        reverse("admin:printing_productionorder_changelist"),
        reverse("admin:printing_productionorder_change", args=[order.pk]),
        reverse("admin:printing_printitem_changelist"),
        *[reverse("admin:printing_printitem_change", args=[item.pk]) for item in items],
    ]
    superuser_pages = [
        *staff_pages,
        reverse("admin:figures_render_change", args=[design.approved_render.pk]),
        reverse("admin:figures_figuredesign_change", args=[design.pk]),
        reverse("admin:shop_order_change", args=[order.pk]),
    ]

    # then none of them, nor any email sent, mentions the bucket or its endpoint
    for who, client, pages in [
        ("customer", me, customer_pages),
        ("fulfilment", fulfilment_client, staff_pages),
        ("superuser", admin_client, superuser_pages),
    ]:
        for url in pages:
            response = client.get(url)
            assert response.status_code == 200, (who, url, response.status_code)
            assert_no_bucket_reference(response, f"{who} {url}")
    assert mail.outbox
    for message in mail.outbox:
        text = message.body + "".join(str(part[0]) for part in getattr(message, "alternatives", []))
        assert not [n for n in leak_needles() if n in text], message.subject
    # and fulfilment staff get the print file and the art streamed through the admin
    item = next(i for i in items if i.order_line.sku == "MM-PRT-A4")
    print_file = fulfilment_client.get(
        reverse("admin:printing_productionorder_print_file", args=[item.pk])
    )
    art_url = reverse("admin:printing_productionorder_render", args=[item.order_line.pk])
    art = fulfilment_client.get(art_url)
    streamed_object(print_file, bucket, item.file.name, "print file")
    streamed_object(art, bucket, design.approved_render.image.name, "art")
