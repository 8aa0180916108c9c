"""The starting catalog and shipping table; merchants edit both in the admin."""

from decimal import Decimal

from django.db import migrations

PRODUCTS = [
    ("digital", "Digital download", "digital-download", "High-resolution image of your figure.",
     [("Full resolution", "MM-DIG", "5.04", None, None)]),
    ("art_print", "Art print", "art-print", "Museum-grade matte paper.",
     [("A4", "MM-PRT-A4", "16.80", 210, 297), ("A3", "MM-PRT-A3", "24.37", 297, 420),
      ("30 x 40 cm", "MM-PRT-3040", "29.41", 300, 400)]),
    ("sticker_sheet", "Sticker sheet", "sticker-sheet", "Kiss-cut vinyl stickers.",
     [("A5", "MM-STK-A5", "6.72", 148, 210), ("A4", "MM-STK-A4", "10.08", 210, 297)]),
    ("box", "Blister-pack box", "blister-box", "Printed card box with your figure's name.",
     [("Standard (18 cm)", "MM-BOX-S", "33.61", 120, 180),
      ("Large (28 cm)", "MM-BOX-L", "46.22", 180, 280)]),
]  # fmt: skip

ZONES = [
    ("Germany", ["DE"], False),
    ("European Union", ["AT", "BE", "BG", "CY", "CZ", "DK", "EE", "ES", "FI", "FR", "GR", "HR",
                        "HU", "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE",
                        "SI", "SK"], False),
    ("Rest of world", [], True),
]  # fmt: skip

METHODS = [
    ("Standard", "standard", {"Germany": "4.16", "European Union": "8.32", "Rest of world": "14.99"}),
    ("Express", "express", {"Germany": "8.40", "European Union": "16.76", "Rest of world": "29.99"}),
]  # fmt: skip


def seed(apps, schema_editor):
    Product = apps.get_model("shop", "Product")
    Variant = apps.get_model("shop", "ProductVariant")
    Zone = apps.get_model("shop", "ShippingZone")
    Method = apps.get_model("shop", "ShippingMethod")
    Rate = apps.get_model("shop", "ShippingRate")
    for position, (kind, name, slug, description, variants) in enumerate(PRODUCTS):
        product = Product.objects.create(
            kind=kind, name=name, slug=slug, description=description, position=position
        )
        for vpos, (vname, sku, price, width, height) in enumerate(variants):
            Variant.objects.create(
                product=product, name=vname, sku=sku, price_net=Decimal(price),
                width_mm=width, height_mm=height, position=vpos,
            )  # fmt: skip
    zones = {
        name: Zone.objects.create(name=name, countries=countries, is_rest_of_world=rest)
        for name, countries, rest in ZONES
    }
    for position, (name, code, prices) in enumerate(METHODS):
        method = Method.objects.create(name=name, code=code, position=position)
        for zone_name, price in prices.items():
            Rate.objects.create(method=method, zone=zones[zone_name], price_net=Decimal(price))


def unseed(apps, schema_editor):
    for model in ("ShippingRate", "ShippingMethod", "ShippingZone", "ProductVariant", "Product"):
        apps.get_model("shop", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
