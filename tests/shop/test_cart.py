from decimal import Decimal

import pytest
from django.urls import reverse

from shop.models import CartLine, ProductVariant
from shop.services.cart import cart_for
from tests import factories
from tests.shop import storefront_helpers as sh

pytestmark = pytest.mark.django_db

CART = reverse("shop:cart")


def _lines(user):
    return list(CartLine.objects.filter(cart__owner=user).values_list("variant__sku", "quantity"))


def _line_url(line):
    return reverse("shop:cart_line", kwargs={"line_id": line.pk})


def test_add_to_cart_from_the_product_page(user_client):
    # given an approved design
    design = sh.approved_design_for(user_client.user)

    # when the customer adds an A4 print
    response = user_client.post(sh.product_url(design), sh.add_to_cart_data(sh.PRINT_A4, 2))

    # then it is in their cart and they see the cart
    assert response.status_code == 302
    assert response["Location"] == CART
    assert _lines(user_client.user) == [(sh.PRINT_A4, 2)]
    page = user_client.get(CART)
    assert "Added to your cart: Art print A4." in page.content.decode()


def test_adding_the_same_item_again_increases_its_quantity(user_client):
    design = sh.approved_design_for(user_client.user)
    url = sh.product_url(design)

    user_client.post(url, sh.add_to_cart_data(sh.PRINT_A4, 1))
    user_client.post(url, sh.add_to_cart_data(sh.PRINT_A4, 3))
    user_client.post(url, sh.add_to_cart_data(sh.DIGITAL, 1))

    assert _lines(user_client.user) == [(sh.PRINT_A4, 4), (sh.DIGITAL, 1)]


def test_set_quantity_and_remove_lines(user_client):
    # given a cart with two lines
    cart = sh.cart_with(user_client.user, (sh.PRINT_A4, 1), (sh.DIGITAL, 1))
    print_line, digital_line = cart.lines.all()

    # when the print's quantity is set to 5 and the download removed
    set_response = user_client.post(_line_url(print_line), {"quantity": "5"})
    remove_response = user_client.post(_line_url(digital_line), {"quantity": "1", "remove": "1"})

    # then the cart holds 5 prints only
    assert set_response.status_code == remove_response.status_code == 302
    assert _lines(user_client.user) == [(sh.PRINT_A4, 5)]


def test_quantity_zero_removes_the_line(user_client):
    cart = sh.cart_with(user_client.user, (sh.PRINT_A4, 2))

    response = user_client.post(_line_url(cart.lines.get()), {"quantity": "0"})

    assert response.status_code == 302
    assert _lines(user_client.user) == []


def test_cart_page_shows_lines_and_server_computed_totals(user_client):
    # given 2 A4 prints and a download
    sh.cart_with(user_client.user, (sh.PRINT_A4, 2), (sh.DIGITAL, 1))

    # when the cart is shown
    response = user_client.get(CART)

    # then lines, unit prices and the subtotal come from cart_quote
    assert response.status_code == 200
    html = response.content.decode()
    summary = response.context["summary"]
    assert summary.subtotal_gross == Decimal("45.98")  # 2 x 19.99 + 6.00
    assert "19.99 EUR" in html and "39.98 EUR" in html and "45.98 EUR" in html
    assert "Jürgen" in html and "Art print · A4" in html
    assert html.count('data-testid="cart-line"') == 2
    assert "/studio/renders/" in html  # the thumbnail, through the owner-checked URL


def test_other_accounts_design_cannot_be_put_in_the_cart(user_client):
    # given someone else's approved design
    other = factories.user_create()
    design = sh.approved_design_for(other)

    # when this customer opens or posts to its product page
    page = user_client.get(sh.product_url(design))
    post = user_client.post(sh.product_url(design), sh.add_to_cart_data(sh.PRINT_A4))

    # then it does not exist for them, and nobody's cart changed
    assert page.status_code == post.status_code == 404
    assert not CartLine.objects.exists()


def test_other_accounts_cart_line_cannot_be_changed_or_removed(user_client):
    other = factories.user_create()
    line = sh.cart_with(other, (sh.PRINT_A4, 2)).lines.get()

    change = user_client.post(_line_url(line), {"quantity": "7"})
    remove = user_client.post(_line_url(line), {"quantity": "0", "remove": "1"})

    assert change.status_code == remove.status_code == 404
    assert _lines(other) == [(sh.PRINT_A4, 2)]


def test_draft_design_is_refused_with_a_message(user_client):
    # given a design that is still a draft (no approved render)
    draft = factories.design_for(user_client.user)

    # when the customer tries to order it
    page = user_client.get(sh.product_url(draft))
    post = user_client.post(sh.product_url(draft), sh.add_to_cart_data(sh.PRINT_A4))

    # then they are told to approve it first, and nothing is added
    assert page.status_code == post.status_code == 409
    assert "not approved yet" in page.content.decode()
    assert _lines(user_client.user) == []


@pytest.mark.parametrize("quantity", ["0", "-1", "21", "abc", ""])
def test_add_quantity_outside_1_to_max_is_refused_and_the_form_kept(user_client, quantity):
    design = sh.approved_design_for(user_client.user)

    response = user_client.post(sh.product_url(design), sh.add_to_cart_data(sh.PRINT_A4, quantity))

    assert response.status_code == 400
    offers = {o["product"].slug: o["form"] for o in response.context["offers"]}
    assert offers["art-print"].errors["quantity"]
    assert _lines(user_client.user) == []


def test_adding_beyond_the_line_limit_is_refused(user_client, settings):
    settings.MINIME_MAX_LINE_QUANTITY = 5
    design = sh.approved_design_for(user_client.user)
    url = sh.product_url(design)
    user_client.post(url, sh.add_to_cart_data(sh.PRINT_A4, 4))

    response = user_client.post(url, sh.add_to_cart_data(sh.PRINT_A4, 2))

    assert response.status_code == 400
    assert "At most 5 of each item" in response.content.decode()
    assert _lines(user_client.user) == [(sh.PRINT_A4, 4)]


@pytest.mark.parametrize("quantity", ["21", "-3", "many"])
def test_cart_quantity_outside_the_limits_is_refused(user_client, quantity):
    cart = sh.cart_with(user_client.user, (sh.PRINT_A4, 2))

    response = user_client.post(_line_url(cart.lines.get()), {"quantity": quantity})

    assert response.status_code == 400
    assert response.context["rows"][0]["form"].errors["quantity"]
    assert _lines(user_client.user) == [(sh.PRINT_A4, 2)]


def test_tampered_variant_ids_are_refused(user_client):
    # given an approved design, an inactive variant and a variant of another product
    design = sh.approved_design_for(user_client.user)
    url = sh.product_url(design)
    inactive = sh.variant("MM-PRT-A3")
    ProductVariant.objects.filter(pk=inactive.pk).update(is_active=False)
    a4 = sh.variant(sh.PRINT_A4)
    box = sh.variant(sh.BOX_S)

    posts = [
        {"product": a4.product_id, "variant": 999999, "quantity": 1},  # no such variant
        {"product": a4.product_id, "variant": "1 OR 1=1", "quantity": 1},
        {"product": a4.product_id, "variant": inactive.pk, "quantity": 1},
        {"product": a4.product_id, "variant": box.pk, "quantity": 1},  # another product's
        {"product": 999999, "variant": a4.pk, "quantity": 1},
        {"variant": a4.pk, "quantity": 1},
    ]

    # when each is posted / then each is a 400 and the cart stays empty
    for data in posts:
        assert user_client.post(url, data).status_code == 400, data
    assert _lines(user_client.user) == []


def test_price_fields_in_the_post_are_ignored(user_client):
    design = sh.approved_design_for(user_client.user)

    user_client.post(
        sh.product_url(design),
        sh.add_to_cart_data(sh.PRINT_A4, 1, price="0.01", price_net="0", currency="USD"),
    )

    summary = user_client.get(CART).context["summary"]
    assert summary.subtotal_gross == Decimal("19.99")
    assert summary.currency == "EUR"


def test_cart_pages_need_a_login_and_changes_need_post(client, user):
    line = sh.cart_with(user, (sh.PRINT_A4, 1)).lines.get()

    assert client.get(CART).status_code == 302
    assert "/accounts/login/" in client.get(CART)["Location"]
    client.force_login(user)
    assert client.get(_line_url(line)).status_code == 405
    assert cart_for(owner=user).lines.count() == 1
