"""The storefront's pages: home, product and design pages, the customer's orders, the
payment page, and the order status JSON and thank-you page."""

import json

import pytest
from django.urls import reverse

from shop.exceptions import PaymentError
from shop.models import OrderStatus
from tests import factories
from tests.shop import storefront_helpers as sh

pytestmark = pytest.mark.django_db


def _url(name, order):
    return reverse(f"shop:{name}", kwargs={"number": order.number})


# --- Home, product page, header ---------------------------------------------------------------


def test_home_lists_the_customers_approved_designs_with_an_order_button(user_client):
    # given an approved design, a draft, and someone else's approved design
    approved = sh.approved_design_for(user_client.user, name="Approved One")
    factories.design_for(user_client.user, name="Still Draft")
    sh.approved_design_for(factories.user_create(), name="Not Mine")

    # when the customer opens the home page
    html = user_client.get(reverse("shop:home")).content.decode()

    # then the intro is kept and only their approved design is offered for merch
    assert "Become your own action figure" in html
    assert "Approved One" in html
    assert "Still Draft" not in html and "Not Mine" not in html
    assert sh.product_url(approved) in html
    assert "Order merch" in html
    assert 'href="/cart/"' in html and 'href="/orders/"' in html  # header links


def test_home_for_visitors_shows_the_intro_only(client):
    response = client.get(reverse("shop:home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Create my figure" in html
    assert 'data-testid="approved-designs"' not in html
    assert 'href="/cart/"' not in html


def test_product_page_shows_the_ai_labelled_render_and_vat_inclusive_prices(user_client):
    design = sh.approved_design_for(user_client.user)

    response = user_client.get(sh.product_url(design))

    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("figures:render_image", args=[design.approved_render_id]) in html
    assert "AI-generated" in html
    assert "Prices incl. 19 % VAT for Germany" in html
    for text in ("Digital download", "Art print", "Sticker sheet", "Blister-pack box"):
        assert text in html
    assert "A4 · 19.99 EUR" in html  # 16.80 net + 19 %
    assert "Full resolution · 6.00 EUR" in html
    assert "Standard (18 cm) · 40.00 EUR" in html
    assert 'max="20"' in html  # MAX_LINE_QUANTITY


def test_product_page_vat_note_follows_the_default_country(user_client, settings):
    settings.MINIME_DEFAULT_COUNTRY = "FI"
    design = sh.approved_design_for(user_client.user)

    html = user_client.get(sh.product_url(design)).content.decode()

    assert "incl. 25.5 % VAT for Finland" in html
    assert "A4 · 21.08 EUR" in html


def test_inactive_products_and_variants_are_not_offered(user_client):
    from shop.models import Product, ProductVariant

    Product.objects.filter(slug="sticker-sheet").update(is_active=False)
    ProductVariant.objects.filter(sku="MM-PRT-A3").update(is_active=False)
    design = sh.approved_design_for(user_client.user)

    html = user_client.get(sh.product_url(design)).content.decode()

    assert "Sticker sheet" not in html
    assert "A3 ·" not in html and "A4 ·" in html


def test_design_page_of_an_approved_design_links_to_its_merch(user_client):
    design = sh.approved_design_for(user_client.user)
    draft = factories.design_for(user_client.user)

    approved_html = user_client.get(reverse("figures:design", args=[design.pk])).content.decode()
    draft_html = user_client.get(reverse("figures:design", args=[draft.pk])).content.decode()

    assert sh.product_url(design) in approved_html
    assert "Order merch" in approved_html
    assert "Order merch" not in draft_html


# --- Orders: ownership, list, detail ----------------------------------------------------------


def test_order_pages_of_another_account_are_404(user_client):
    order = sh.order_for(factories.user_create())

    for name in ("order_detail", "order_pay", "order_complete", "order_status"):
        assert user_client.get(_url(name, order)).status_code == 404, name
    assert user_client.get(reverse("shop:order_detail", args=["MM-999999"])).status_code == 404


def test_order_pages_need_a_login(client, user):
    order = sh.order_for(user)

    for name in ("order_detail", "order_pay", "order_complete", "order_status"):
        response = client.get(_url(name, order))
        assert response.status_code == 302, name
        assert "/accounts/login/" in response["Location"]
    assert client.get(reverse("shop:order_list")).status_code == 302


def test_order_list_shows_own_orders_only(user_client):
    mine = sh.order_for(user_client.user)
    theirs = sh.order_for(factories.user_create())

    html = user_client.get(reverse("shop:order_list")).content.decode()

    assert mine.number in html
    assert theirs.number not in html
    assert "Awaiting payment" in html and "Pay now" in html


def test_order_detail_shows_status_lines_totals_address_and_history(user_client):
    order = sh.paid(sh.order_for(user_client.user, (sh.PRINT_A4, 2)))

    response = user_client.get(_url("order_detail", order))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="order-status">Paid<' in html
    assert "Art print · A4" in html and "39.98 EUR" in html
    assert "4.95 EUR" in html and "44.93 EUR" in html  # shipping, total
    assert "Hauptstraße 1" in html and "Germany" in html
    history = [entry["label"] for entry in response.context["history"]]
    assert history == ["Awaiting payment", "Paid"]
    assert 'data-testid="download-link"' not in html  # no digital line


# --- Payment page ---------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [[OrderStatus.PAID], [OrderStatus.CANCELLED]])
def test_payment_page_of_a_non_payable_order_redirects_to_the_order(user_client, steps):
    order = sh.order_moved(sh.order_for(user_client.user), *steps)

    response = user_client.get(_url("order_pay", order), follow=True)

    assert response.redirect_chain == [(_url("order_detail", order), 302)]
    assert "cannot be paid now" in response.content.decode()


def test_payment_page_renders_the_card_form_for_stripe_js(user_client, monkeypatch):
    # given a payable order and a stand-in for the payments service (rendering only)
    from shop.services.payments import intents

    order = sh.order_for(user_client.user)
    started = intents.PaymentStart(
        payment_intent_id="pi_123",
        client_secret="pi_123_secret_abc",
        publishable_key="pk_test_xyz",
        js_url="http://127.0.0.1:8420/js.stripe.com/v3/",
    )
    monkeypatch.setattr(intents, "payment_start", lambda *, order: started)

    # when the pay page is opened
    response = user_client.get(_url("order_pay", order))

    # then Stripe.js is loaded from the given URL and gets the intent's secret
    html = response.content.decode()
    assert response.status_code == 200
    assert '<script src="http://127.0.0.1:8420/js.stripe.com/v3/"></script>' in html
    config = json.loads(html.split('id="stripe-config" type="application/json">')[1].split("<")[0])
    assert config["clientSecret"] == "pi_123_secret_abc"
    assert config["publishableKey"] == "pk_test_xyz"
    for testid in ("card-element", "card-errors", "pay-button"):
        assert f'data-testid="{testid}"' in html
    assert "Pay 24.94 EUR" in html
    assert _url("order_complete", order) in html


def test_payment_page_starts_one_payment_at_localstripe_and_reuses_it(
    user_client, stripe_settings, localstripe
):
    # given localstripe as Stripe (stripe_settings)
    order = sh.order_for(user_client.user)

    # when the pay page is opened twice
    first = user_client.get(_url("order_pay", order))
    second = user_client.get(_url("order_pay", order))

    # then one PaymentIntent for the order total exists and both pages hand it to Stripe.js
    payment = order.payments.get()
    assert payment.amount == 2494 and payment.currency == "EUR"
    for response in (first, second):
        assert response.status_code == 200
        assert response.context["payment"].payment_intent_id == payment.stripe_payment_intent_id
        html = response.content.decode()
        assert f'<script src="{localstripe}/js.stripe.com/v3/"></script>' in html
        assert f"{payment.stripe_payment_intent_id}_secret_" in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_payment_page_shows_why_the_payment_cannot_start(user_client, settings):
    # given no Stripe key configured (payments really unavailable)
    settings.MINIME_STRIPE_SECRET_KEY = ""
    order = sh.order_for(user_client.user)

    response = user_client.get(_url("order_pay", order))

    assert response.status_code == 409
    assert "Card payments are not available right now" in response.content.decode()
    assert 'data-testid="pay-button"' not in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_payment_page_shows_a_payment_error_message(user_client, monkeypatch):
    from shop.services.payments import intents

    def refuse(*, order):
        raise PaymentError("Our payment provider cannot be reached right now.")

    monkeypatch.setattr(intents, "payment_start", refuse)
    order = sh.order_for(user_client.user)

    response = user_client.get(_url("order_pay", order))

    assert response.status_code == 409
    assert "cannot be reached right now" in response.content.decode()


# --- Status and thank-you page ----------------------------------------------------------------


def test_status_json_follows_the_order(user_client):
    order = sh.order_for(user_client.user)

    pending = user_client.get(_url("order_status", order))
    sh.paid(order)
    paid = user_client.get(_url("order_status", order))

    assert pending.json() == {
        "number": order.number,
        "status": "pending_payment",
        "status_label": "Awaiting payment",
        "is_payable": True,
    }
    assert paid.json()["status"] == "paid" and paid.json()["status_label"] == "Paid"
    assert paid["Cache-Control"] == "no-store"


def test_complete_page_polls_the_status_and_never_marks_anything_paid(user_client):
    order = sh.order_for(user_client.user)

    response = user_client.get(_url("order_complete", order))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="order-status">Awaiting payment<' in html
    assert f'data-status-url="{_url("order_status", order)}"' in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.status_changes.count() == 1


def test_complete_page_of_a_paid_order_says_paid(user_client):
    order = sh.paid(sh.order_for(user_client.user))

    html = user_client.get(_url("order_complete", order)).content.decode()

    assert 'data-testid="order-status">Paid<' in html
