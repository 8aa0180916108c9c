"""Prices are computed here and only here, from database rows: never from client numbers."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from shop.conf import shop_settings
from shop.models import ProductVariant, ShippingMethod, ShippingRate, ShippingZone

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_rate(country: str) -> Decimal:
    return shop_settings.vat_rate(str(country).upper())


@dataclass(frozen=True)
class Price:
    net: Decimal
    gross: Decimal
    tax: Decimal
    rate: Decimal
    currency: str


def price_for(net: Decimal, country: str) -> Price:
    rate = vat_rate(country)
    gross = money(net * (1 + rate))
    return Price(
        net=net, gross=gross, tax=gross - money(net), rate=rate, currency=shop_settings.CURRENCY
    )


def variant_price(*, variant: ProductVariant, country: str | None = None) -> Price:
    return price_for(variant.price_net, country or shop_settings.DEFAULT_COUNTRY)


def shipping_zone_for(country: str) -> ShippingZone | None:
    country = str(country).upper()
    for zone in ShippingZone.objects.filter(is_rest_of_world=False):
        if country in zone.countries:
            return zone
    return ShippingZone.objects.filter(is_rest_of_world=True).first()


def shipping_options(*, country: str) -> list[tuple[ShippingMethod, Price]]:
    zone = shipping_zone_for(country)
    if zone is None:
        return []
    rates = ShippingRate.objects.filter(zone=zone, method__is_active=True).select_related("method")
    return [(rate.method, price_for(rate.price_net, country)) for rate in rates]


@dataclass(frozen=True)
class QuoteLine:
    design_id: Any
    variant: ProductVariant
    quantity: int
    unit: Price
    total_gross: Decimal
    total_tax: Decimal


@dataclass(frozen=True)
class Quote:
    lines: list[QuoteLine]
    country: str
    currency: str
    subtotal_gross: Decimal
    needs_shipping: bool
    shipping_method: ShippingMethod | None
    shipping: Price | None
    tax_total: Decimal
    total_gross: Decimal


def quote(
    *,
    items: Iterable[tuple[Any, ProductVariant, int]],
    country: str,
    shipping_method: ShippingMethod | None = None,
) -> Quote:
    """Totals for (design id, variant, quantity) items shipped to country. Line gross =
    unit gross x quantity (what the customer sees); VAT is the share contained in it."""
    lines = []
    for design_id, variant, quantity in items:
        unit = price_for(variant.price_net, country)
        total = unit.gross * quantity
        tax = money(total * unit.rate / (1 + unit.rate))
        lines.append(QuoteLine(design_id, variant, quantity, unit, total, tax))
    needs_shipping = any(line.variant.product.is_shippable for line in lines)
    shipping = None
    if needs_shipping and shipping_method is not None:
        shipping = dict((m.pk, p) for m, p in shipping_options(country=country)).get(
            shipping_method.pk
        )
    subtotal = sum((line.total_gross for line in lines), Decimal("0.00"))
    tax_total = sum((line.total_tax for line in lines), Decimal("0.00"))
    total = subtotal
    if shipping is not None:
        total += shipping.gross
        tax_total += shipping.tax
    return Quote(
        lines=lines,
        country=str(country).upper(),
        currency=shop_settings.CURRENCY,
        subtotal_gross=subtotal,
        needs_shipping=needs_shipping,
        shipping_method=shipping_method if shipping is not None else None,
        shipping=shipping,
        tax_total=tax_total,
        total_gross=total,
    )
