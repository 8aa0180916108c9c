"""A customer's files, made through the real services while the private alias is on S3:
an uploaded photo with GPS metadata, renders, a paid order with rendered print files."""

import io
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from figures.models import FigureDesign
from printing import services as print_services
from printing.models import PrintItem
from shop.models import Order
from tests import factories
from tests.printing.test_render_service import paid_order

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
    order, item_ids = paid_order(user, skus, capture, design=design)
    for item_id in item_ids:
        print_services.print_item_render(item_id=item_id)
    return order


def print_items(order: Order) -> list[PrintItem]:
    return list(PrintItem.objects.filter(order_line__order=order).select_related("order_line"))
