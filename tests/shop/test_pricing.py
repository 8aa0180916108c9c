from decimal import Decimal

import pytest

from shop.models import ShippingMethod
from shop.services.cart import cart_quote
from shop.services.pricing import price_for, quote, shipping_options, variant_price, vat_rate
from tests import factories
from tests.shop import storefront_helpers as sh

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("country", "rate"),
    [("DE", "0.19"), ("de", "0.19"), ("FR", "0.20"), ("FI", "0.255"), ("HU", "0.27"),
     ("US", "0"), ("CH", "0"), ("GB", "0")],
)  # fmt: skip
def test_vat_rate_per_destination_country_and_none_outside_the_eu(country, rate):
    # given a destination country / when its rate is looked up
    result = vat_rate(country)

    # then it is the EU standard rate, or 0 for exports
    assert result == Decimal(rate)
    assert isinstance(result, Decimal)


def test_vat_table_can_be_replaced_by_a_setting(settings):
    settings.MINIME_VAT_RATES = {"DE": "0.07", "CH": "0.081"}

    assert vat_rate("DE") == Decimal("0.07")
    assert vat_rate("CH") == Decimal("0.081")
    assert vat_rate("FR") == Decimal("0")


@pytest.mark.parametrize(
    ("net", "country", "gross", "tax"),
    [
        ("16.80", "DE", "19.99", "3.19"),  # 19.992 rounds down
        ("5.04", "DE", "6.00", "0.96"),  # 5.9976 rounds up
        ("2.50", "NL", "3.03", "0.53"),  # 3.025: half up, not banker's rounding
        ("2.50", "US", "2.50", "0.00"),  # export: no VAT
        ("0.00", "DE", "0.00", "0.00"),
    ],
)
def test_gross_price_is_rounded_half_up_to_the_cent(net, country, gross, tax):
    # when a net price is priced for a country
    price = price_for(Decimal(net), country)

    # then gross and tax are Decimal cents and add up to the gross price
    assert price.gross == Decimal(gross)
    assert price.tax == Decimal(tax)
    assert price.net + price.tax == price.gross
    assert all(isinstance(v, Decimal) for v in (price.net, price.gross, price.tax, price.rate))
    assert price.gross.as_tuple().exponent == -2
    assert price.currency == "EUR"


def test_variant_price_defaults_to_the_shops_country(settings):
    a4 = sh.variant(sh.PRINT_A4)

    assert variant_price(variant=a4).gross == Decimal("19.99")  # DE, 19 %
    settings.MINIME_DEFAULT_COUNTRY = "AT"
    assert variant_price(variant=a4).gross == Decimal("20.16")  # AT, 20 %
    assert variant_price(variant=a4, country="US").gross == Decimal("16.80")


def test_shipping_options_come_from_the_destinations_zone():
    # given the seeded zones: Germany, the EU, rest of the world
    def gross(country):
        return {m.code: p.gross for m, p in shipping_options(country=country)}

    # then each country gets its zone's rates with its own VAT
    assert gross("DE") == {"standard": Decimal("4.95"), "express": Decimal("10.00")}
    assert gross("FR") == {"standard": Decimal("9.98"), "express": Decimal("20.11")}
    assert gross("US") == {"standard": Decimal("14.99"), "express": Decimal("29.99")}


def test_inactive_shipping_method_is_not_offered():
    ShippingMethod.objects.filter(code="express").update(is_active=False)

    assert [m.code for m, _p in shipping_options(country="DE")] == ["standard"]


def test_quote_totals_are_the_sum_of_the_lines_plus_shipping():
    # given two physical lines and a digital one, shipped to Germany
    items = [
        (None, sh.variant(sh.PRINT_A4), 2),
        (None, sh.variant(sh.BOX_S), 1),
        (None, sh.variant(sh.DIGITAL), 3),
    ]

    # when quoted with standard shipping
    result = quote(items=items, country="DE", shipping_method=sh.standard_shipping())

    # then every line is unit gross x quantity, and the totals add up exactly
    for line in result.lines:
        assert line.total_gross == line.unit.gross * line.quantity
    assert [line.total_gross for line in result.lines] == [
        Decimal("39.98"),
        Decimal("40.00"),
        Decimal("18.00"),
    ]
    assert result.subtotal_gross == sum(line.total_gross for line in result.lines)
    assert result.shipping is not None and result.shipping.gross == Decimal("4.95")
    assert result.total_gross == result.subtotal_gross + result.shipping.gross
    assert result.total_gross == Decimal("102.93")
    assert result.tax_total == sum(line.total_tax for line in result.lines) + result.shipping.tax
    assert result.needs_shipping is True
    assert result.currency == "EUR"
    assert all(
        isinstance(v, Decimal)
        for v in (result.subtotal_gross, result.tax_total, result.total_gross)
    )


def test_line_vat_is_the_share_contained_in_the_gross_total():
    result = quote(items=[(None, sh.variant(sh.PRINT_A4), 3)], country="DE")

    line = result.lines[0]
    assert line.total_gross == Decimal("59.97")
    assert line.total_tax == Decimal("9.58")  # 59.97 * 0.19 / 1.19 = 9.575...
    assert result.tax_total == Decimal("9.58")


def test_digital_only_quote_needs_no_shipping_even_if_a_method_is_passed():
    result = quote(
        items=[(None, sh.variant(sh.DIGITAL), 1)],
        country="DE",
        shipping_method=sh.standard_shipping(),
    )

    assert result.needs_shipping is False
    assert result.shipping is None
    assert result.shipping_method is None
    assert result.total_gross == result.subtotal_gross == Decimal("6.00")


def test_physical_quote_without_a_method_has_no_shipping_yet():
    result = quote(items=[(None, sh.variant(sh.PRINT_A4), 1)], country="DE")

    assert result.needs_shipping is True
    assert result.shipping is None
    assert result.total_gross == Decimal("19.99")


def test_same_cart_costs_differently_by_country():
    # given a cart with one print
    user = factories.user_create()
    cart = sh.cart_with(user, (sh.PRINT_A4, 1))
    standard = sh.standard_shipping()

    # when quoted for Germany, Hungary and the USA
    de = cart_quote(cart=cart, country="DE", shipping_method=standard)
    hu = cart_quote(cart=cart, country="HU", shipping_method=standard)
    us = cart_quote(cart=cart, country="US", shipping_method=standard)

    # then VAT and shipping follow the destination
    assert (de.total_gross, de.tax_total) == (Decimal("24.94"), Decimal("3.98"))
    assert (hu.total_gross, hu.tax_total) == (Decimal("31.91"), Decimal("6.79"))
    assert (us.total_gross, us.tax_total) == (Decimal("31.79"), Decimal("0"))
