import json
import time
from decimal import Decimal

import pytest
from django.contrib.sites.models import Site
from django.core import mail, signing
from django.urls import reverse

from shop.exceptions import PaymentError
from shop.models import Order, OrderStatus, Payment, Refund
from shop.services import downloads, emails
from shop.services.orders import order_mark_paid, order_transition
from tests import factories
from tests.shop import storefront_helpers as sh

pytestmark = pytest.mark.django_db


def _url(name, order):
    return reverse(f"shop:{name}", kwargs={"number": order.number})


def _html(message):
    """The HTML part of an EmailMultiAlternatives."""
    return getattr(message, "alternatives")[0][0]


def _digital_line(order):
    return order.lines.get(sku=sh.DIGITAL)


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
    from shop.services import payments

    order = sh.order_for(user_client.user)
    started = payments.PaymentStart(
        payment_intent_id="pi_123",
        client_secret="pi_123_secret_abc",
        publishable_key="pk_test_xyz",
        js_url="http://127.0.0.1:8420/js.stripe.com/v3/",
    )
    monkeypatch.setattr(payments, "payment_start", lambda *, order: started)

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
    from shop.services import payments

    def refuse(*, order):
        raise PaymentError("Our payment provider cannot be reached right now.")

    monkeypatch.setattr(payments, "payment_start", refuse)
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


# --- Downloads --------------------------------------------------------------------------------


def test_paid_digital_line_downloads_the_approved_render(user_client):
    # given a paid order with a digital download
    design = sh.approved_design_for(user_client.user)
    order = sh.paid(sh.order_for(user_client.user, (sh.DIGITAL, 1), design=design))

    # when the customer follows the link on the order page
    page = user_client.get(_url("order_detail", order))
    link = page.context["rows"][0]["download_url"]
    response = user_client.get(link)

    # then they get the approved render's file as an attachment
    assert f'href="{link}"' in page.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "private, no-store"
    with design.approved_render.image.open("rb") as fh:
        assert b"".join(response.streaming_content) == fh.read()


def test_download_links_are_shown_only_once_paid(user_client):
    order = sh.order_for(user_client.user, (sh.DIGITAL, 1))

    pending = user_client.get(_url("order_detail", order)).content.decode()

    assert 'data-testid="download-link"' not in pending
    assert "Download available once paid." in pending


@pytest.mark.parametrize(
    "steps",
    [
        [],
        [OrderStatus.CANCELLED],
        [OrderStatus.PAID, OrderStatus.REFUNDED],
    ],
    ids=["pending", "cancelled", "refunded"],
)
def test_download_is_refused_unless_the_order_is_paid(user_client, steps):
    order = sh.order_for(user_client.user, (sh.DIGITAL, 1))
    link = downloads.download_url(line=_digital_line(order))
    sh.order_moved(order, *steps)

    response = user_client.get(link)

    assert response.status_code == 409
    assert "not available for the order in its current state" in response.content.decode()


@pytest.mark.parametrize(
    "steps",
    [
        [OrderStatus.PAID, OrderStatus.IN_PRODUCTION],
        [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED],
        [OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED],
    ],
    ids=["in_production", "delivered", "partially_refunded"],
)
def test_download_works_in_every_paid_state(user_client, steps):
    order = sh.order_moved(sh.order_for(user_client.user, (sh.DIGITAL, 1)), *steps)

    response = user_client.get(downloads.download_url(line=_digital_line(order)))

    assert response.status_code == 200


def test_tampered_download_token_is_404(user_client):
    order = sh.paid(sh.order_for(user_client.user, (sh.DIGITAL, 1)))
    token = downloads.download_token(line=_digital_line(order))
    payload, rest = token.split(":", 1)
    forged = signing.dumps({"line": _digital_line(order).pk + 1, "order": order.number})

    for bad in (token[:-2] + "xx", "x" + token, "nonsense", forged, payload + ":" + rest[::-1]):
        response = user_client.get(reverse("shop:download", kwargs={"token": bad}))
        assert response.status_code == 404, bad
        assert "This download link is not valid." in response.content.decode()


def test_expired_download_link_is_410(user_client, settings, monkeypatch):
    settings.MINIME_DOWNLOAD_LINK_MAX_AGE_DAYS = 30
    order = sh.paid(sh.order_for(user_client.user, (sh.DIGITAL, 1)))
    real_time = time.time
    with monkeypatch.context() as patch:  # a link made 31 days ago
        patch.setattr(time, "time", lambda: real_time() - 31 * 86400)
        old_link = downloads.download_url(line=_digital_line(order))

    response = user_client.get(old_link)

    assert response.status_code == 410
    assert "has expired" in response.content.decode()
    fresh = user_client.get(_url("order_detail", order)).context["rows"][0]["download_url"]
    assert user_client.get(fresh).status_code == 200


def test_download_link_of_another_account_is_404(user_client):
    order = sh.paid(sh.order_for(factories.user_create(), (sh.DIGITAL, 1)))

    response = user_client.get(downloads.download_url(line=_digital_line(order)))

    assert response.status_code == 404


def test_download_needs_a_login(client, user):
    order = sh.paid(sh.order_for(user, (sh.DIGITAL, 1)))

    response = client.get(downloads.download_url(line=_digital_line(order)))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_physical_lines_have_no_download_link(user):
    order = sh.paid(sh.order_for(user, (sh.PRINT_A4, 1)))

    with pytest.raises(downloads.DownloadNotAvailable):
        downloads.download_url(line=order.lines.get())


# --- Emails -----------------------------------------------------------------------------------


def test_confirmation_email_lists_lines_totals_address_and_an_absolute_download_link(
    user, django_capture_on_commit_callbacks
):
    # given the site's domain and a pending order with a download and a print
    Site.objects.filter(pk=1).update(domain="shop.example.test")
    order = sh.order_for(user, (sh.DIGITAL, 1), (sh.PRINT_A4, 2))

    # when the payment is confirmed (what the webhook does)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order=order, reason="test")

    # then the customer gets one confirmation in text and HTML
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == f"Order {order.number} confirmed: thank you!"
    text = message.body
    html = _html(message)
    for body in (text, html):
        assert "Digital download" in body and "Art print" in body
        assert "39.98 EUR" in body and "50.93 EUR" in body and "4.95 EUR" in body
        assert "Hauptstraße 1" in body and "10115 Berlin" in body
        assert "http://shop.example.test/downloads/" in body
    link = text.split("http://shop.example.test", 1)[1].split()[0]
    assert downloads.download_resolve(token=link.split("/")[-2]).order == order
    assert "&amp;" not in text  # the text part is not HTML-escaped


def test_email_links_use_minime_site_url_when_set(user, settings):
    settings.MINIME_SITE_URL = "https://merch.example.com/"
    order = sh.paid(sh.order_for(user, (sh.DIGITAL, 1)))

    emails.email_order_confirmation(order_id=order.pk)

    assert "https://merch.example.com/downloads/" in mail.outbox[0].body
    assert f"https://merch.example.com/orders/{order.number}/" in mail.outbox[0].body


def test_payment_failed_email_gives_the_reason_and_a_pay_link(user):
    order = sh.order_for(user)

    emails.email_payment_failed(order_id=order.pk, reason="Your card was declined.")

    message = mail.outbox[0]
    assert message.subject == f"Order {order.number}: the payment did not go through"
    assert "Your card was declined." in message.body
    assert f"/orders/{order.number}/pay/" in message.body
    assert "24.94 EUR" in _html(message)


def test_shipped_email_names_carrier_and_tracking_number(user):
    order = sh.paid(sh.order_for(user))
    order_transition(
        order=order, to=OrderStatus.SHIPPED, reason="test", carrier="DHL", tracking_number="JJD0001"
    )

    emails.email_shipped(order_id=order.pk)

    message = mail.outbox[0]
    assert message.subject == f"Order {order.number} is on its way"
    for body in (message.body, _html(message)):
        assert "DHL" in body and "JJD0001" in body and "Hauptstraße 1" in body


def test_refund_email_states_the_amount(user):
    order = sh.paid(sh.order_for(user))
    payment = Payment.objects.create(
        order=order, stripe_payment_intent_id="pi_refund_test", amount=2494, currency="EUR",
        status="succeeded",
    )  # fmt: skip
    refund = Refund.objects.create(
        order=order, payment=payment, idempotency_key="refund-test-1", amount=Decimal("5.00"),
        status="succeeded", reason="internal note",
    )  # fmt: skip
    Order.objects.filter(pk=order.pk).update(refunded_amount=Decimal("5.00"))

    emails.email_refund(order_id=order.pk, refund_id=refund.pk)

    message = mail.outbox[0]
    assert message.subject == f"Order {order.number}: refund of 5.00 EUR"
    for body in (message.body, _html(message)):
        assert "5.00 EUR" in body
        assert "internal note" not in body  # staff's reason stays internal
