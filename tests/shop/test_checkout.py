from decimal import Decimal

import pytest
from django.urls import reverse

from figures import services as figures_services
from shop.models import (
    Order,
    OrderStatus,
    Product,
    ProductVariant,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
)
from shop.services.cart import cart_for
from tests import factories
from tests.shop import storefront_helpers as sh

pytestmark = pytest.mark.django_db

CHECKOUT = reverse("shop:checkout")


def test_checkout_form_is_prefilled_with_the_account_email_and_priced_for_germany(user_client):
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))

    response = user_client.get(CHECKOUT)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{user_client.user.email}"' in html
    summary = response.context["summary"]
    assert summary.country == "DE"
    assert summary.total_gross == Decimal("24.94")  # 19.99 + standard 4.95, preselected
    assert 'data-testid="shipping-methods"' in html
    assert "Standard · 4.95 EUR" in html and "Express · 10.00 EUR" in html


def test_place_order_redirects_to_payment_and_empties_the_cart(user_client):
    # given a cart with two prints and a download
    sh.cart_with(user_client.user, (sh.PRINT_A4, 2), (sh.DIGITAL, 1))

    # when the checkout form is posted
    response = user_client.post(CHECKOUT, sh.checkout_data(user_client.user))

    # then a pending order exists, priced on the server, and the pay page is next
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("shop:order_pay", kwargs={"number": order.number})
    assert order.owner == user_client.user
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.subtotal_gross == Decimal("45.98")
    assert order.shipping_gross == Decimal("4.95")
    assert order.total_gross == Decimal("50.93")
    assert order.shipping_method_name == "Standard"
    assert (order.full_name, order.city, str(order.country)) == ("Jürgen Beispiel", "Berlin", "DE")
    assert order.lines.count() == 2
    assert not cart_for(owner=user_client.user).lines.exists()


def test_order_snapshots_survive_catalog_and_design_changes(user_client):
    # given an order for an A4 print of an approved design
    design = sh.approved_design_for(user_client.user)
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1), design=design)
    user_client.post(CHECKOUT, sh.checkout_data(user_client.user))
    order = Order.objects.get()

    # when the merchant changes price and names, and the customer makes a new design version
    ProductVariant.objects.filter(sku=sh.PRINT_A4).update(price_net=Decimal("99.00"), name="Big")
    Product.objects.filter(slug="art-print").update(name="Poster")
    newer = figures_services.design_revise(
        design=design, actor=user_client.user, changes={"name": "Renamed"}
    )

    # then the order still says what was bought, for how much
    line = order.lines.get()
    assert newer.version == 2
    assert (line.product_name, line.variant_name, line.sku) == ("Art print", "A4", sh.PRINT_A4)
    assert (line.figure_name, line.design_version) == ("Jürgen", 1)
    assert line.render_id == design.approved_render_id
    assert line.unit_price_net == Decimal("16.80")
    assert line.unit_price_gross == Decimal("19.99")
    assert line.tax_rate == Decimal("0.19")
    order.refresh_from_db()
    assert order.total_gross == Decimal("24.94")
    page = user_client.get(reverse("shop:order_detail", kwargs={"number": order.number}))
    assert "Art print · A4" in page.content.decode()
    assert "Poster" not in page.content.decode()


def test_order_numbers_are_sequential(user_client, settings):
    settings.MINIME_ORDER_NUMBER_PREFIX = "T-"
    design = sh.approved_design_for(user_client.user)
    numbers = []
    for _ in range(3):
        sh.cart_with(user_client.user, (sh.DIGITAL, 1), design=design)
        user_client.post(CHECKOUT, sh.checkout_data(user_client.user, shipping_method=None))
        numbers.append(Order.objects.latest("pk").number)

    values = [int(number.removeprefix("T-")) for number in numbers]
    assert all(number.startswith("T-") for number in numbers)
    assert values == [values[0], values[0] + 1, values[0] + 2]


def test_tampered_price_and_currency_fields_are_ignored(user_client):
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))
    tampered = sh.checkout_data(
        user_client.user,
        total_gross="0.01",
        subtotal_gross="0.01",
        shipping_gross="0",
        tax_total="0",
        price="0.01",
        unit_price_gross="0.01",
        currency="USD",
        status="paid",
    )

    response = user_client.post(CHECKOUT, tampered)

    order = Order.objects.get()
    assert response.status_code == 302
    assert order.total_gross == Decimal("24.94")
    assert order.currency == "EUR"
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_empty_cart_cannot_check_out(user_client):
    page = user_client.get(CHECKOUT)
    post = user_client.post(CHECKOUT, sh.checkout_data(user_client.user, shipping_method=None))

    assert page.status_code == 302 and page["Location"] == reverse("shop:cart")
    assert post.status_code == 409
    assert "Your cart is empty." in post.content.decode()
    assert not Order.objects.exists()


def test_shipping_method_not_offered_for_the_country_is_refused(user_client):
    # given a pick-up method offered in Germany only
    pickup = ShippingMethod.objects.create(name="Pick-up", code="pickup")
    ShippingRate.objects.create(
        method=pickup, zone=ShippingZone.objects.get(name="Germany"), price_net=Decimal("0")
    )
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))

    # when it is posted for France, or an unknown method id is posted
    france = user_client.post(
        CHECKOUT, sh.checkout_data(user_client.user, country="FR", shipping_method=pickup.pk)
    )
    unknown = user_client.post(CHECKOUT, sh.checkout_data(user_client.user, shipping_method=9999))
    missing = user_client.post(CHECKOUT, sh.checkout_data(user_client.user, shipping_method=""))

    # then the form comes back with a 400 and the typed address; no order
    assert france.status_code == unknown.status_code == missing.status_code == 400
    assert france.context["form"].errors["shipping_method"] == [
        "This shipping method is not offered for your country."
    ]
    assert 'value="Hauptstraße 1"' in france.content.decode()
    assert missing.context["form"].errors["shipping_method"] == ["Please choose a shipping method."]
    assert not Order.objects.exists()
    # and in Germany the same method is fine
    germany = user_client.post(
        CHECKOUT, sh.checkout_data(user_client.user, shipping_method=pickup.pk)
    )
    assert germany.status_code == 302
    assert Order.objects.get().shipping_gross == Decimal("0.00")


def test_digital_only_checkout_needs_an_address_but_no_shipping(user_client):
    sh.cart_with(user_client.user, (sh.DIGITAL, 2))

    page = user_client.get(CHECKOUT)
    post = user_client.post(CHECKOUT, sh.checkout_data(user_client.user, shipping_method=None))
    no_address = sh.checkout_data(user_client.user, shipping_method=None, address_line1="")

    assert "shipping_method" not in page.context["form"].fields
    assert 'data-testid="no-shipping"' in page.content.decode()
    assert post.status_code == 302
    order = Order.objects.get()
    assert order.shipping_method is None
    assert order.shipping_gross == Decimal("0.00")
    assert order.total_gross == order.subtotal_gross == Decimal("12.00")
    assert order.address_line1 == "Hauptstraße 1"
    # an address is still required (the invoice)
    sh.cart_with(user_client.user, (sh.DIGITAL, 1))
    assert user_client.post(CHECKOUT, no_address).status_code == 400


@pytest.mark.parametrize("missing", ["email", "full_name", "address_line1", "postcode", "city"])
def test_invalid_address_is_shown_again_with_400(user_client, missing):
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))

    response = user_client.post(CHECKOUT, sh.checkout_data(user_client.user, **{missing: ""}))

    assert response.status_code == 400
    assert response.context["form"].errors[missing]
    assert 'value="10115"' in response.content.decode() or missing == "postcode"
    assert not Order.objects.exists()


def test_unknown_country_is_refused(user_client):
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))

    response = user_client.post(CHECKOUT, sh.checkout_data(user_client.user, country="XX"))

    assert response.status_code == 400
    assert response.context["form"].errors["country"]


def test_country_change_recomputes_vat_and_shipping(user_client):
    # given a print in the cart
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))

    # when the summary is asked for Germany, France (GET) and the USA (country changed, JS post)
    de = user_client.get(CHECKOUT).context["summary"]
    fr = user_client.get(CHECKOUT, {"country": "FR"}).context["summary"]
    refresh = user_client.post(
        CHECKOUT,
        sh.checkout_data(user_client.user, country="US", full_name="Typed Name", refresh="1"),
    )
    us = refresh.context["summary"]

    # then VAT and shipping follow the country; a refresh keeps what was typed, orders nothing
    assert (de.total_gross, de.tax_total) == (Decimal("24.94"), Decimal("3.98"))
    assert (fr.total_gross, fr.tax_total) == (Decimal("30.14"), Decimal("5.02"))
    assert (us.total_gross, us.tax_total) == (Decimal("31.79"), Decimal("0"))
    assert refresh.status_code == 200
    assert 'value="Typed Name"' in refresh.content.decode()
    assert not refresh.context["form"].errors
    assert not Order.objects.exists()


def test_order_is_priced_for_the_posted_country(user_client):
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))

    user_client.post(CHECKOUT, sh.checkout_data(user_client.user, country="FR"))

    order = Order.objects.get()
    assert str(order.country) == "FR"
    assert order.lines.get().tax_rate == Decimal("0.20")
    assert order.total_gross == Decimal("30.14")  # 20.16 + 9.98 EU shipping


def test_product_taken_off_sale_cannot_be_checked_out(user_client):
    # given a cart line whose product was taken off sale after it was added
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))
    Product.objects.filter(slug="art-print").update(is_active=False)

    response = user_client.post(CHECKOUT, sh.checkout_data(user_client.user))

    assert response.status_code == 409
    assert "no longer available" in response.content.decode()
    assert not Order.objects.exists()
    assert cart_for(owner=user_client.user).lines.count() == 1


def test_checkout_of_another_account_is_impossible(user_client):
    # given another customer's full cart
    other = factories.user_create()
    sh.cart_with(other, (sh.PRINT_A4, 1))

    # when this customer (empty cart) checks out
    response = user_client.post(CHECKOUT, sh.checkout_data(user_client.user))

    # then nothing is ordered from the other cart
    assert response.status_code == 409
    assert not Order.objects.exists()
    assert cart_for(owner=other).lines.count() == 1


def test_checkout_needs_a_login(client):
    response = client.get(CHECKOUT)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_country_change_preselects_a_method_offered_there(user_client):
    # given a pick-up method offered in Germany only, chosen before the country changes
    pickup = ShippingMethod.objects.create(name="Pick-up", code="pickup", position=0)
    ShippingRate.objects.create(
        method=pickup, zone=ShippingZone.objects.get(name="Germany"), price_net=Decimal("0")
    )
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))

    # when the country changes to France
    response = user_client.post(
        CHECKOUT,
        sh.checkout_data(user_client.user, country="FR", shipping_method=pickup.pk, refresh="1"),
    )

    # then France's first method is selected and priced in the summary
    summary = response.context["summary"]
    assert summary.shipping_method.code == "standard"
    assert summary.shipping.gross == Decimal("9.98")


def test_unknown_country_in_the_query_falls_back_to_the_default(user_client):
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1))

    response = user_client.get(CHECKOUT, {"country": "XX"})

    assert response.context["summary"].country == "DE"
    assert response.context["form"].initial["country"] == "DE"
