"""A customer's files, made through the real services while the private alias is on S3:
an uploaded photo with GPS metadata, renders, a paid order with rendered print files."""

import io
from typing import Any
from unittest import mock

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from figures.models import FigureDesign
from printing import services as print_services
from printing.models import PrintItem
from shop.models import Order, ShippingMethod
from shop.services.cart import cart_add, cart_for
from shop.services.orders import order_mark_paid, order_place
from tests import factories
from tests.factories.shop import variant

FIELDS = {
    "name": "Zorblax",
    "tagline": "Chief Coffee Officer",
    "accessory_1": "coffee mug",
    "accessory_2": "laptop",
    "style": "action_figure",
    "box_theme": "hero_red",
}


def selfie_with_gps() -> SimpleUploadedFile:
    """The test portrait as a phone would send it: EXIF with the maker and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 22.0, 12.5),
        ExifTags.GPS.GPSMapDatum: "WGS-84",
    }
    buffer = io.BytesIO()
    Image.open(io.BytesIO(factories.portrait_jpeg())).save(
        buffer, format="JPEG", quality=90, exif=exif
    )
    data = buffer.getvalue()
    assert b"PhoneMaker" in data and b"WGS-84" in data
    return SimpleUploadedFile("zorblax-gps-selfie.jpg", data, content_type="image/jpeg")


def render_enlarged(design: FigureDesign, size: int = 1024) -> None:
    """The approved render (generated at 128 px for speed) stored again at print resolution,
    so the print files are rendered, not held for too little detail."""
    render = design.approved_render
    assert render is not None
    with render.image.open("rb") as stored:
        image = Image.open(stored).convert("RGB")
    buffer = io.BytesIO()
    image.resize((size, size), Image.Resampling.LANCZOS).save(buffer, format="PNG")
    old_name = render.image.name
    render.image.save("render.png", ContentFile(buffer.getvalue()), save=False)
    render.width = render.height = size
    render.save()
    render.image.storage.delete(old_name)


def paid_order_with_print_files(
    user: Any, design: FigureDesign, skus: list[str], capture: Any
) -> Order:
    """A paid order of the given catalog SKUs; each line's print file rendered by the print
    render service (what the Celery task runs), in this process."""
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
    with mock.patch("printing.tasks.enqueue_render"), capture(execute=True):
        order_mark_paid(order=order, reason="test")
    for item in PrintItem.objects.filter(order_line__order=order):
        print_services.print_item_render(item_id=item.pk)
    return order


def print_items(order: Order) -> list[PrintItem]:
    return list(PrintItem.objects.filter(order_line__order=order).select_related("order_line"))
