"""What a paid order delivers: digital downloads (signed, expiring, owner-only links) and the
order emails (confirmation, payment failed, shipped, refund)."""

import time
from decimal import Decimal

import pytest
from django.contrib.sites.models import Site
from django.core import mail, signing
from django.urls import reverse

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
    assert downloads.download_resolve(token=link.split("/")[-2], owner=user).order == order
    assert "&amp;" not in text  # the text part is not HTML-escaped


def test_email_links_use_minime_site_url_when_set(
    user, settings, django_capture_on_commit_callbacks
):
    settings.MINIME_SITE_URL = "https://merch.example.com/"
    order = sh.paid(sh.order_for(user, (sh.DIGITAL, 1)))

    with django_capture_on_commit_callbacks(execute=True):  # queued, sent on commit
        emails.email_order_confirmation(order_id=order.pk)

    assert "https://merch.example.com/downloads/" in mail.outbox[0].body
    assert f"https://merch.example.com/orders/{order.number}/" in mail.outbox[0].body


def test_payment_failed_email_gives_the_reason_and_a_pay_link(
    user, django_capture_on_commit_callbacks
):
    order = sh.order_for(user)

    with django_capture_on_commit_callbacks(execute=True):  # queued, sent on commit
        emails.email_payment_failed(order_id=order.pk, reason="Your card was declined.")

    message = mail.outbox[0]
    assert message.subject == f"Order {order.number}: the payment did not go through"
    assert "Your card was declined." in message.body
    assert f"/orders/{order.number}/pay/" in message.body
    assert "24.94 EUR" in _html(message)


def test_shipped_email_names_carrier_and_tracking_number(user, django_capture_on_commit_callbacks):
    order = sh.paid(sh.order_for(user))
    order_transition(
        order=order, to=OrderStatus.SHIPPED, reason="test", carrier="DHL", tracking_number="JJD0001"
    )

    with django_capture_on_commit_callbacks(execute=True):  # queued, sent on commit
        emails.email_shipped(order_id=order.pk)

    message = mail.outbox[0]
    assert message.subject == f"Order {order.number} is on its way"
    for body in (message.body, _html(message)):
        assert "DHL" in body and "JJD0001" in body and "Hauptstraße 1" in body


def test_refund_email_states_the_amount(user, django_capture_on_commit_callbacks):
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

    with django_capture_on_commit_callbacks(execute=True):  # queued, sent on commit
        emails.email_refund(order_id=order.pk, refund_id=refund.pk)

    message = mail.outbox[0]
    assert message.subject == f"Order {order.number}: refund of 5.00 EUR"
    for body in (message.body, _html(message)):
        assert "5.00 EUR" in body
        assert "internal note" not in body  # staff's reason stays internal
