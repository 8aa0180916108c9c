"""The storefront's caches (shop.catalog, shop.render_memo) never show stale or foreign data:
the cart's lines and totals, CSRF tokens, prices per country and language, a customer's own
designs and cart, and design or price changes, all right on the very next request."""

import re
from decimal import Decimal

import pytest
from django.middleware.csrf import _unmask_cipher_token  # type: ignore[attr-defined]
from django.test import Client
from django.urls import reverse

from shop import render_memo
from shop.catalog import catalog_changed
from shop.models import CartLine, Product, ProductVariant
from tests import factories
from tests.shop import storefront_helpers as sh

pytestmark = pytest.mark.django_db(transaction=False)

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _empty_memo():
    render_memo.clear()
    yield
    render_memo.clear()


def _client_for(user, **kwargs):
    client = Client(**kwargs)
    client.force_login(user)
    return client


def _html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _twice(client, url):
    """The page rendered, then served again (from the memo when nothing changed)."""
    first = _html(client, url)
    return first, _html(client, url)


def test_a_repeated_page_is_served_from_the_memo_and_is_identical_but_for_the_token(user_client):
    design = sh.approved_design_for(user_client.user)
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1), design=design)

    for url in (sh.product_url(design), reverse("shop:cart")):
        first, second = _twice(user_client, url)

        assert TOKEN.sub("", first) == TOKEN.sub("", second)
        assert render_memo.CSRF_PLACEHOLDER not in second
    assert len(render_memo._pages) == 2


def test_cart_lines_count_and_totals_follow_every_cart_change(user_client):
    user = user_client.user
    design = sh.approved_design_for(user)
    sh.cart_with(user, (sh.PRINT_A4, 1), ("MM-STK-A5", 2), (sh.BOX_S, 1), design=design)
    cart_url = reverse("shop:cart")
    _twice(user_client, cart_url)

    line = CartLine.objects.get(cart__owner=user, variant__sku=sh.PRINT_A4)
    response = user_client.post(reverse("shop:cart_line", args=[line.pk]), {"quantity": 3})
    assert response.status_code == 302
    html = _html(user_client, cart_url)
    assert html.count('data-testid="cart-line"') == 3
    assert 'value="3"' in html
    assert "59.97 EUR" in html  # 3 x 19.99

    sticker = CartLine.objects.get(cart__owner=user, variant__sku="MM-STK-A5")
    user_client.post(reverse("shop:cart_line", args=[sticker.pk]), {"remove": "1"})
    html = _html(user_client, cart_url)
    assert html.count('data-testid="cart-line"') == 2
    assert "Removed from your cart." in html  # a message: never from (or into) the memo
    assert "Removed from your cart." not in _html(user_client, cart_url)


def test_each_session_gets_a_working_csrf_token_of_its_own(user):
    other = factories.user_create()
    design, other_design = sh.approved_design_for(user), sh.approved_design_for(other)
    mine = _client_for(user, enforce_csrf_checks=True)
    theirs = _client_for(other, enforce_csrf_checks=True)

    tokens = {}
    for name, client, url in (("mine", mine, sh.product_url(design)),
                              ("theirs", theirs, sh.product_url(other_design))):  # fmt: skip
        _html(client, url)
        html = _html(client, url)  # served from the memo
        found = set(TOKEN.findall(html))
        assert len(found) == 1
        token = found.pop()
        assert _unmask_cipher_token(token) == client.cookies["csrftoken"].value
        tokens[name] = token
    assert _unmask_cipher_token(tokens["mine"]) != _unmask_cipher_token(tokens["theirs"])

    a4 = ProductVariant.objects.get(sku=sh.PRINT_A4)
    post = {"product": a4.product_id, "variant": a4.pk, "quantity": 1}
    refused = mine.post(sh.product_url(design), {**post, "csrfmiddlewaretoken": tokens["theirs"]})
    assert refused.status_code == 403
    added = mine.post(sh.product_url(design), {**post, "csrfmiddlewaretoken": tokens["mine"]})
    assert added.status_code == 302


def test_prices_follow_the_country_and_the_language(user_client, settings):
    design = sh.approved_design_for(user_client.user)
    url = sh.product_url(design)
    assert "A4 · 19.99 EUR" in _twice(user_client, url)[1]

    settings.MINIME_DEFAULT_COUNTRY = "FI"
    html = _html(user_client, url)
    assert "A4 · 21.08 EUR" in html and "25.5 % VAT for Finland" in html

    german = _html(user_client, "/de" + url)
    assert "A4 · 21,08 EUR" in german and 'lang="de"' in german
    settings.MINIME_DEFAULT_COUNTRY = "DE"
    assert "A4 · 19.99 EUR" in _html(user_client, url)


def test_a_customer_never_sees_another_customers_page(user):
    other = factories.user_create()
    design = sh.approved_design_for(user, name="Mine Alone")
    other_design = sh.approved_design_for(other, name="Their Own")
    sh.cart_with(user, (sh.PRINT_A4, 1), design=design)
    mine, theirs = _client_for(user), _client_for(other)
    _twice(mine, sh.product_url(design))
    _twice(mine, reverse("shop:cart"))

    their_product = _html(theirs, sh.product_url(other_design))
    their_cart = _html(theirs, reverse("shop:cart"))

    for html in (their_product, their_cart):
        assert user.email not in html and "Mine Alone" not in html
        assert other.email in html
    assert "Their Own" in their_product
    assert 'data-testid="cart-empty"' in their_cart
    assert theirs.get(sh.product_url(design)).status_code == 404


def test_a_design_change_shows_at_once(user_client):
    design = sh.approved_design_for(user_client.user, name="Before")
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1), design=design)
    for url in (sh.product_url(design), reverse("shop:cart")):
        assert "Before" in _twice(user_client, url)[1]

    design.name, design.tagline = "After", "Chief Tester"
    design.save(update_fields=["name", "tagline"])

    product_html = _html(user_client, sh.product_url(design))
    assert "After" in product_html and "Chief Tester" in product_html
    assert "Before" not in product_html
    assert "After" in _html(user_client, reverse("shop:cart"))


def test_a_price_or_catalog_change_shows_at_once(user_client):
    design = sh.approved_design_for(user_client.user)
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1), design=design)
    url = sh.product_url(design)
    assert "A4 · 19.99 EUR" in _twice(user_client, url)[1]

    a4 = ProductVariant.objects.get(sku=sh.PRINT_A4)
    a4.price_net = Decimal("20.00")
    a4.save()
    assert "A4 · 23.80 EUR" in _html(user_client, url)
    assert "23.80 EUR" in _html(user_client, reverse("shop:cart"))

    box = Product.objects.get(kind="box")
    box.name = "Collector box"
    box.save()
    assert "Collector box" in _html(user_client, url)

    # A bulk update sends no signal: its caller announces the change.
    Product.objects.filter(pk=box.pk).update(is_active=False)
    catalog_changed()
    assert "Collector box" not in _html(user_client, url)


def test_a_new_login_of_another_account_on_the_same_browser_sees_its_own_header(user):
    other = factories.user_create()
    design, other_design = sh.approved_design_for(user), sh.approved_design_for(other)
    browser = _client_for(user)
    _twice(browser, sh.product_url(design))

    browser.force_login(other)
    html = _html(browser, sh.product_url(other_design))

    assert other.email in html and user.email not in html


def test_the_same_page_content_for_two_customers_still_shows_each_their_own_header(user):
    # given two customers whose carts render the same (both empty)
    other = factories.user_create()
    mine, theirs = _client_for(user), _client_for(other)
    _twice(mine, reverse("shop:cart"))

    # when the other one opens theirs, then it is rendered for them, not served from the first
    html = _html(theirs, reverse("shop:cart"))
    assert other.email in html and user.email not in html


def test_the_cart_reads_only_its_lines_variants_and_products_come_from_the_catalog(user_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    design = sh.approved_design_for(user_client.user)
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1), (sh.BOX_S, 2), design=design)
    cart_url = reverse("shop:cart")
    _html(user_client, cart_url)  # the catalog is loaded once per process

    render_memo.clear()
    with CaptureQueriesContext(connection) as queries:
        html = _html(user_client, cart_url)

    sql = [q["sql"] for q in queries.captured_queries]
    assert sum('FROM "shop_cartline"' in s for s in sql) == 1
    assert not [s for s in sql if '"shop_productvariant"' in s or '"shop_product"' in s]
    assert html.count('data-testid="cart-line"') == 2
    assert "Art print · A4" in html and "Blister-pack box" in html


def test_a_product_taken_off_sale_shows_in_the_cart_at_once(user_client):
    design = sh.approved_design_for(user_client.user)
    sh.cart_with(user_client.user, (sh.PRINT_A4, 1), design=design)
    cart_url = reverse("shop:cart")
    assert "No longer available" not in _twice(user_client, cart_url)[1]

    art_print = Product.objects.get(slug="art-print")
    art_print.is_active = False
    art_print.save()

    assert "No longer available" in _html(user_client, cart_url)


def test_a_session_the_cache_lost_is_read_from_the_database(user_client):
    from django.core.cache import cache

    assert _html(user_client, reverse("shop:cart"))
    cache.clear()  # sessions are read from the cache first (cached_db)

    assert user_client.get(reverse("shop:cart")).status_code == 200


def test_a_logged_out_session_is_gone_for_every_process(user):
    browser = _client_for(user)
    stolen = Client()
    stolen.cookies["sessionid"] = browser.cookies["sessionid"].value
    assert stolen.get(reverse("shop:cart")).status_code == 200

    browser.post(reverse("account_logout"))

    assert stolen.get(reverse("shop:cart")).status_code == 302  # to the login page
