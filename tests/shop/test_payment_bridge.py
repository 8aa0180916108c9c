"""The localstripe development bridge (payment_confirm_with_token / order_pay_confirm): a card
token from localstripe's Stripe.js confirms the order's PaymentIntent on the server. Against
the real localstripe fixture; the order becomes paid only through the real webhook."""

import json
import time
import urllib.request
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from shop.conf import shop_settings
from shop.exceptions import PaymentError
from shop.models import Order, OrderStatus, Payment, WebhookEvent
from shop.services.orders import order_transition
from shop.services.payments.bridge import PaymentConfirmResult, payment_confirm_with_token
from shop.services.payments.client import stripe_client
from shop.services.payments.intents import PaymentStart, payment_start
from tests import factories
from tests.conftest import LOCALSTRIPE_WEBHOOK_SECRET
from tests.factories.shop import order_for
from tests.shop.test_payments import DECLINED, VISA, _configure_webhook, _webhook_off, wait_for

LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)
THREE_D_SECURE = "4000002500003155"
DECLINE_MESSAGE = "Your card was declined."


@pytest.fixture
def no_webhook(stripe_settings, localstripe):
    _webhook_off(localstripe)


@pytest.fixture
def webhook_to_live_server(stripe_settings, localstripe, live_server):
    """localstripe delivers its signed events to this test's live server."""
    _webhook_off(localstripe)
    time.sleep(1.2)  # events of earlier tests go out (to nowhere) first
    url = live_server.url + reverse("shop_stripe:webhook")
    _configure_webhook(localstripe, url=url, secret=LOCALSTRIPE_WEBHOOK_SECRET)
    yield
    _webhook_off(localstripe)


def card_token(number: str = VISA) -> str:
    """What localstripe's `stripe.createToken(card)` does in the browser (POST /v1/tokens;
    localstripe wants a 16-digit number, a 3-digit cvc and a year from 2017)."""
    card = {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"}
    return str(stripe_client().v1.tokens.create(params={"card": card}).id)


def authenticate(client_secret: str, *, success: bool) -> dict:
    """localstripe's 3-D Secure step, as its confirmCardPayment does after the modal."""
    intent_id = client_secret.split("_secret_")[0]
    request = urllib.request.Request(
        f"{shop_settings.STRIPE_API_BASE}/v1/payment_intents/{intent_id}/_authenticate"
        f"?success={'true' if success else 'false'}",
        data=json.dumps({"key": "pk_test_minime", "client_secret": client_secret}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def confirm_url(order: Order) -> str:
    return reverse("shop:order_pay_confirm", args=[order.number])


# --- The service ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_good_card_succeeds_without_marking_the_order_paid(user, no_webhook):
    order = order_for(user)
    start = payment_start(order=order)

    result = payment_confirm_with_token(order=order, token_id=card_token(VISA))

    assert result == PaymentConfirmResult("succeeded", start.client_secret, "")
    intent = stripe_client().v1.payment_intents.retrieve(start.payment_intent_id)
    assert intent.status == "succeeded"
    assert intent.amount == order.total_minor_units
    assert Payment.objects.get(order=order).status == "succeeded"
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT  # only Stripe's webhook marks it paid


@pytest.mark.django_db
def test_bridge_starts_the_payment_when_the_page_has_not(user, no_webhook):
    order = order_for(user)

    result = payment_confirm_with_token(order=order, token_id=card_token(VISA))

    assert result.status == "succeeded"
    payment = Payment.objects.get(order=order)
    assert result.client_secret.startswith(payment.stripe_payment_intent_id + "_secret_")


@pytest.mark.django_db
def test_declined_card_keeps_the_order_payable_and_a_retry_succeeds(user, no_webhook):
    order = order_for(user)
    first = payment_start(order=order)

    declined = payment_confirm_with_token(order=order, token_id=card_token(DECLINED))

    assert declined.status == "requires_payment_method"
    assert declined.error_message == DECLINE_MESSAGE
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.is_payable

    retried = payment_confirm_with_token(order=order, token_id=card_token(VISA))

    assert (retried.status, retried.error_message) == ("succeeded", "")
    # localstripe takes no new card on a declined intent: it is cancelled, a fresh one paid.
    client = stripe_client()
    assert client.v1.payment_intents.retrieve(first.payment_intent_id).status == "canceled"
    payments = list(order.payments.order_by("pk"))
    assert [p.status for p in payments] == ["canceled", "succeeded"]
    assert payments[1].amount == order.total_minor_units
    assert retried.client_secret.startswith(payments[1].stripe_payment_intent_id + "_secret_")
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


@pytest.mark.django_db
def test_three_d_secure_card_requires_action_then_authenticates(user, no_webhook):
    order = order_for(user)
    start = payment_start(order=order)

    result = payment_confirm_with_token(order=order, token_id=card_token(THREE_D_SECURE))

    assert (result.status, result.client_secret, result.error_message) == (
        "requires_action",
        start.client_secret,
        "",
    )
    assert Payment.objects.get(order=order).status == "requires_action"
    assert authenticate(result.client_secret, success=True)["status"] == "succeeded"


@pytest.mark.django_db
def test_failed_authentication_leaves_the_intent_payable_with_another_card(user, no_webhook):
    order = order_for(user)
    start = payment_start(order=order)
    result = payment_confirm_with_token(order=order, token_id=card_token(THREE_D_SECURE))
    assert authenticate(result.client_secret, success=False)["status"] == (
        "requires_payment_method"
    )

    retried = payment_confirm_with_token(order=order, token_id=card_token(VISA))

    assert (retried.status, retried.client_secret) == ("succeeded", start.client_secret)
    assert order.payments.count() == 1


@pytest.mark.django_db
def test_bridge_refuses_a_paid_order(user, no_webhook):
    order = order_for(user)
    payment_confirm_with_token(order=order, token_id=card_token(VISA))

    # The intent succeeded (webhook off): payment_start records it and refuses to go on.
    with pytest.raises(PaymentError, match="already paid"):
        payment_confirm_with_token(order=order, token_id=card_token(VISA))
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.count() == 1


@pytest.mark.django_db
def test_bridge_is_refused_without_localstripe(user, stripe_settings):
    order = order_for(user)
    stripe_settings.MINIME_STRIPE_API_BASE = None

    with pytest.raises(PaymentError, match="only for local development"):
        payment_confirm_with_token(order=order, token_id="tok_anything")
    assert not order.payments.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["", "pm_123", "tok_", "tok_a/b", "tok_ä", "tok_" + "a" * 300])
def test_bridge_refuses_what_is_not_a_token_id(user, no_webhook, token):
    order = order_for(user)

    with pytest.raises(PaymentError, match="card details"):
        payment_confirm_with_token(order=order, token_id=token)
    assert not order.payments.exists()


@pytest.mark.django_db
def test_unknown_token_is_a_clear_error(user, no_webhook):
    order = order_for(user)

    with pytest.raises(PaymentError, match="card details"):
        payment_confirm_with_token(order=order, token_id="tok_doesnotexist1")
    order.refresh_from_db()
    assert order.is_payable


# --- The view ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_view_confirms_a_good_card(user_client, no_webhook):
    order = order_for(user_client.user)

    response = user_client.post(confirm_url(order), {"token": card_token(VISA)})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["status"] == "succeeded"
    assert data["error"] == ""
    payment = Payment.objects.get(order=order)
    assert data["client_secret"].startswith(payment.stripe_payment_intent_id + "_secret_")


@pytest.mark.django_db
def test_view_reports_a_decline_then_accepts_another_card(user_client, no_webhook):
    order = order_for(user_client.user)

    declined = user_client.post(confirm_url(order), {"token": card_token(DECLINED)})
    retried = user_client.post(confirm_url(order), {"token": card_token(VISA)})

    assert declined.status_code == 200
    assert declined.json()["status"] == "requires_payment_method"
    assert declined.json()["error"] == DECLINE_MESSAGE
    assert retried.status_code == 200
    assert (retried.json()["status"], retried.json()["error"]) == ("succeeded", "")


@pytest.mark.django_db
def test_view_hands_back_the_secret_for_three_d_secure(user_client, no_webhook):
    order = order_for(user_client.user)
    start = payment_start(order=order)

    response = user_client.post(confirm_url(order), {"token": card_token(THREE_D_SECURE)})

    assert response.json() == {
        "status": "requires_action",
        "client_secret": start.client_secret,
        "error": "",
    }


@pytest.mark.django_db
def test_view_hides_other_accounts_orders(user_client, no_webhook):
    other = factories.user_create()
    order = order_for(other)

    response = user_client.post(confirm_url(order), {"token": card_token(VISA)})

    assert response.status_code == 404
    assert not order.payments.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("status", [OrderStatus.PAID, OrderStatus.CANCELLED])
def test_view_refuses_an_order_that_is_not_payable(user_client, no_webhook, status):
    order = order_for(user_client.user)
    order_transition(order=order, to=status, reason="test")

    response = user_client.post(confirm_url(order), {"token": card_token(VISA)})

    assert response.status_code == 409
    assert response.json()["status"] == "error"
    assert "cannot be paid" in response.json()["error"]
    assert not order.payments.exists()


@pytest.mark.django_db
def test_view_needs_a_token(user_client, no_webhook):
    order = order_for(user_client.user)

    response = user_client.post(confirm_url(order), {})

    assert response.status_code == 400
    assert response.json()["status"] == "error"


@pytest.mark.django_db
def test_view_turns_a_refusal_into_409(user_client, no_webhook):
    order = order_for(user_client.user)

    response = user_client.post(confirm_url(order), {"token": "tok_doesnotexist1"})

    assert response.status_code == 409
    assert "card details" in response.json()["error"]


@pytest.mark.django_db
def test_view_does_not_exist_without_localstripe(user_client, stripe_settings):
    order = order_for(user_client.user)
    stripe_settings.MINIME_STRIPE_API_BASE = None

    response = user_client.post(confirm_url(order), {"token": "tok_anything"})

    assert response.status_code == 404
    assert not order.payments.exists()


@pytest.mark.django_db
def test_view_needs_login_post_and_csrf(user, no_webhook):
    order = order_for(user)
    anonymous = Client()
    assert anonymous.post(confirm_url(order), {"token": "tok_x"}).status_code == 302

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post(confirm_url(order), {"token": card_token(VISA)}).status_code == 403
    assert strict.get(confirm_url(order)).status_code == 405
    assert not order.payments.exists()


# --- The pay page -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_pay_page_offers_the_bridge_only_with_localstripe(user_client, stripe_settings):
    order = order_for(user_client.user)
    url = reverse("shop:order_pay", args=[order.number])

    with_localstripe = user_client.get(url)
    stripe_settings.MINIME_STRIPE_API_BASE = None
    stripe_settings.MINIME_STRIPE_JS_URL = "https://js.stripe.com/v3/"
    fake = PaymentStart(
        "pi_real", "pi_real_secret_x", "pk_test_minime", "https://js.stripe.com/v3/"
    )
    with mock.patch("shop.services.payments.intents.payment_start", return_value=fake):
        with_stripe = user_client.get(url)

    config = with_localstripe.context["stripe_config"]
    assert config["confirmUrl"] == confirm_url(order)
    assert "csrfmiddlewaretoken" in with_localstripe.text
    assert "confirmUrl" not in with_stripe.context["stripe_config"]
    assert with_stripe.context["stripe_config"]["clientSecret"] == "pi_real_secret_x"
    assert '<script src="https://js.stripe.com/v3/"></script>' in with_stripe.text


# --- With the real webhook --------------------------------------------------------------------


@LIVE
def test_good_card_through_the_view_is_marked_paid_by_the_webhook(user, webhook_to_live_server):
    order = order_for(user)
    client = Client()
    client.force_login(user)

    response = client.post(confirm_url(order), {"token": card_token(VISA)})

    assert response.json()["status"] == "succeeded"
    assert wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID)
    event = WebhookEvent.objects.get(type="payment_intent.succeeded")
    assert (event.result, event.order_id) == ("processed", order.pk)


@LIVE
def test_decline_then_retry_is_paid_by_the_webhook_of_the_second_intent(
    user, webhook_to_live_server
):
    order = order_for(user)

    declined = payment_confirm_with_token(order=order, token_id=card_token(DECLINED))
    assert declined.error_message == DECLINE_MESSAGE
    assert wait_for(lambda: WebhookEvent.objects.filter(type__endswith="payment_failed").exists())
    assert Order.objects.get(pk=order.pk).is_payable

    retried = payment_confirm_with_token(order=order, token_id=card_token(VISA))

    assert retried.status == "succeeded"
    assert wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID)
    paid_by = WebhookEvent.objects.get(type="payment_intent.succeeded")
    assert paid_by.result == "processed"
    assert [p.status for p in order.payments.order_by("pk")] == ["canceled", "succeeded"]
