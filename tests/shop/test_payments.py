"""Payments against a real fake Stripe (localstripe): intents, cards, the real signed webhook
delivered to a live server, refunds and reconciliation."""

import json
import time
import urllib.request
from datetime import timedelta
from decimal import Decimal

import pytest
import stripe
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from shop.exceptions import PaymentError
from shop.models import Order, OrderStatus, Payment, Refund, WebhookEvent
from shop.services.payments.client import stripe_client
from shop.services.payments.intents import payment_start
from shop.services.payments.reconciliation import payments_reconcile
from shop.services.payments.refunds import order_refund, refund_key_next
from shop.signals import order_refunded
from tests import factories
from tests.conftest import LOCALSTRIPE_WEBHOOK_SECRET
from tests.factories.shop import order_for, payment_for

WEBHOOK_ID = "minime-tests"  # one registration, re-pointed or switched off by the tests
LIVE = pytest.mark.django_db(transaction=True, serialized_rollback=True)
VISA = "4242424242424242"
DECLINED = "4000000000000341"


def _configure_webhook(base: str, **fields) -> None:
    request = urllib.request.Request(
        f"{base}/_config/webhooks/{WEBHOOK_ID}",
        data=json.dumps(fields).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).close()


def _webhook_off(base: str) -> None:
    # localstripe cannot delete a webhook: narrow it to an event type that never happens.
    _configure_webhook(base, url="http://127.0.0.1:9/", secret="off", events=["minime.off"])


@pytest.fixture
def webhook_to_live_server(stripe_settings, localstripe, live_server):
    """localstripe delivers its signed events to this test's live server."""
    url = live_server.url + reverse("shop_stripe:webhook")
    # localstripe sends each event 1 s after it happens, to whatever is registered then:
    # let events of earlier tests go out (to nowhere) before this test listens.
    _webhook_off(localstripe)
    time.sleep(1.2)
    _configure_webhook(localstripe, url=url, secret=LOCALSTRIPE_WEBHOOK_SECRET)
    yield
    _webhook_off(localstripe)


@pytest.fixture
def no_webhook(stripe_settings, localstripe):
    _webhook_off(localstripe)


@pytest.fixture
def staff(db):
    account = factories.user_create(consent=False)
    account.is_staff = True
    account.save()
    return account


def pay_with_card(intent_id: str, number: str = VISA):
    """What Stripe.js does in the browser, done server-side against localstripe."""
    client = stripe_client()
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    method = client.v1.payment_methods.create(params={"type": "card", "card": card})
    client.v1.payment_intents.update(intent_id, params={"payment_method": method.id})
    return client.v1.payment_intents.confirm(intent_id)


def wait_for(check, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def paid_order(user) -> Order:
    """Paid at localstripe with the test card, recorded by reconciliation (no webhook)."""
    order = order_for(user)
    pay_with_card(payment_start(order=order).payment_intent_id)
    assert payments_reconcile(now=timezone.now() + timedelta(hours=1)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    mail.outbox.clear()
    return order


@pytest.mark.django_db
def test_payment_start_creates_one_intent_for_the_order_and_reuses_it(
    user, stripe_settings, no_webhook
):
    order = order_for(user)

    first = payment_start(order=order)
    second = payment_start(order=order)

    intent = stripe_client().v1.payment_intents.retrieve(first.payment_intent_id)
    assert intent.amount == order.total_minor_units == 600
    assert intent.currency == "eur"
    assert intent.metadata["order_id"] == str(order.pk)
    assert intent.metadata["order_number"] == order.number
    assert second == first
    assert first.client_secret.startswith(first.payment_intent_id + "_secret_")
    assert first.publishable_key == "pk_test_minime"
    assert first.js_url.endswith("/js.stripe.com/v3/")
    payment = Payment.objects.get(order=order)
    assert (payment.stripe_payment_intent_id, payment.amount, payment.currency) == (
        first.payment_intent_id,
        600,
        "EUR",
    )


@pytest.mark.django_db
def test_payment_start_replaces_an_intent_that_no_longer_fits_the_order(
    user, stripe_settings, no_webhook
):
    order = order_for(user)
    first = payment_start(order=order)
    Order.objects.filter(pk=order.pk).update(total_gross=Decimal("7.00"))

    second = payment_start(order=order)

    client = stripe_client()
    assert second.payment_intent_id != first.payment_intent_id
    assert client.v1.payment_intents.retrieve(second.payment_intent_id).amount == 700
    assert client.v1.payment_intents.retrieve(first.payment_intent_id).status == "canceled"
    assert order.payments.count() == 2


@pytest.mark.django_db
def test_payment_start_refuses_a_paid_order(user, stripe_settings, no_webhook):
    order = paid_order(user)

    with pytest.raises(PaymentError, match="already paid"):
        payment_start(order=order)
    assert order.payments.count() == 1


@pytest.mark.django_db
def test_payment_start_notices_a_payment_whose_webhook_is_late(user, stripe_settings, no_webhook):
    order = order_for(user)
    pay_with_card(payment_start(order=order).payment_intent_id)

    with pytest.raises(PaymentError, match="already paid"):
        payment_start(order=order)

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.payments.count() == 1


@pytest.mark.django_db
def test_payment_start_without_stripe_keys_is_a_clear_error(user, settings):
    settings.MINIME_STRIPE_SECRET_KEY = ""
    order = order_for(user)

    with pytest.raises(PaymentError, match="not available"):
        payment_start(order=order)
    assert not order.payments.exists()


@pytest.mark.django_db
def test_unreachable_stripe_is_a_clear_error(user, stripe_settings):
    stripe_settings.MINIME_STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens there
    order = order_for(user)

    with pytest.raises(PaymentError, match="cannot be reached"):
        payment_start(order=order)
    assert not order.payments.exists()


@LIVE
def test_paying_with_a_test_card_marks_the_order_paid_through_the_real_webhook(
    user, webhook_to_live_server
):
    order = order_for(user)
    start = payment_start(order=order)

    intent = pay_with_card(start.payment_intent_id)

    assert intent.status == "succeeded"
    assert wait_for(lambda: Order.objects.get(pk=order.pk).status == OrderStatus.PAID)
    event = WebhookEvent.objects.get()
    assert (event.result, event.order_id) == ("processed", order.pk)
    change = Order.objects.get(pk=order.pk).status_changes.last()
    assert change.reason == f"stripe {event.stripe_event_id}"
    assert Payment.objects.get(order=order).status == "succeeded"
    assert wait_for(lambda: len(mail.outbox) == 1)


@LIVE
def test_declined_card_leaves_the_order_payable(user, webhook_to_live_server):
    order = order_for(user)
    start = payment_start(order=order)

    with pytest.raises(stripe.CardError):
        pay_with_card(start.payment_intent_id, DECLINED)

    assert wait_for(lambda: Payment.objects.get(order=order).last_error != "")
    payment = Payment.objects.get(order=order)
    assert payment.status == "requires_payment_method"
    assert "declined" in payment.last_error
    order.refresh_from_db()
    assert order.is_payable
    assert wait_for(lambda: len(mail.outbox) == 1)
    # The customer tries again on the same intent.
    assert payment_start(order=order).payment_intent_id == start.payment_intent_id


@pytest.mark.django_db
def test_reconciliation_marks_an_order_paid_when_the_webhook_was_lost(
    user, stripe_settings, no_webhook
):
    order = order_for(user)
    pay_with_card(payment_start(order=order).payment_intent_id)
    now = timezone.now()

    too_early = payments_reconcile(now=now)
    fixed = payments_reconcile(now=now + timedelta(minutes=11))
    again = payments_reconcile(now=now + timedelta(minutes=16))

    assert (too_early, fixed, again) == (0, 1, 0)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.status_changes.last().reason == "reconciled"
    assert not WebhookEvent.objects.exists()


@pytest.mark.django_db
def test_reconciliation_leaves_unpaid_orders_alone(user, stripe_settings, no_webhook):
    order = order_for(user)
    payment_start(order=order)

    assert payments_reconcile(now=timezone.now() + timedelta(minutes=30)) == 0
    order.refresh_from_db()
    assert order.is_payable


@pytest.mark.django_db
def test_full_refund(user, staff, stripe_settings, no_webhook, django_capture_on_commit_callbacks):
    order = paid_order(user)

    with django_capture_on_commit_callbacks(execute=True):
        refund = order_refund(order=order, amount=None, actor=staff, reason="damaged")

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refunded_amount == order.total_gross == Decimal("6.00")
    assert (refund.amount, refund.status, refund.created_by) == (
        Decimal("6.00"),
        "succeeded",
        staff,
    )
    at_stripe = stripe_client().v1.refunds.retrieve(refund.stripe_refund_id)
    assert at_stripe.amount == 600
    change = order.status_changes.last()
    assert (change.from_status, change.to_status, change.actor) == ("paid", "refunded", staff)
    assert len(mail.outbox) == 1
    assert "refund" in mail.outbox[0].subject.lower()


@pytest.fixture
def refunds_heard():
    """What shop.signals.order_refunded announced, and what its receiver saw of the order."""
    heard = []

    def receiver(sender, *, order, amount, full, **kwargs):
        seen = Order.objects.get(pk=order.pk)
        heard.append((order.pk, amount, full, seen.status, seen.refunded_amount))

    order_refunded.connect(receiver)
    yield heard
    order_refunded.disconnect(receiver)


@pytest.mark.django_db
def test_staff_refunds_announce_order_refunded_with_the_new_state(
    user, staff, stripe_settings, no_webhook, refunds_heard, django_capture_on_commit_callbacks
):
    order = paid_order(user)

    with django_capture_on_commit_callbacks() as after_commit:
        order_refund(order=order, amount=Decimal("2.00"), actor=staff)
        announced_before_commit = len(refunds_heard)
    order_refund(order=order, amount=None, actor=staff)

    assert announced_before_commit == 1 and after_commit  # the refund email waits for commit
    assert refunds_heard == [
        (order.pk, Decimal("2.00"), False, "partially_refunded", Decimal("2.00")),
        (order.pk, Decimal("4.00"), True, "refunded", Decimal("6.00")),
    ]


@pytest.mark.django_db
def test_partial_refunds_then_the_rest(user, staff, stripe_settings, no_webhook):
    order = paid_order(user)

    order_refund(order=order, amount=Decimal("2.00"), actor=staff)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("partially_refunded", Decimal("2.00"))

    with pytest.raises(PaymentError):
        order_refund(order=order, amount=Decimal("4.01"), actor=staff)  # more than is left

    last = order_refund(order=order, amount=None, actor=staff)
    order.refresh_from_db()
    assert last.amount == Decimal("4.00")
    assert (order.status, order.refunded_amount) == ("refunded", Decimal("6.00"))
    listed = stripe_client().v1.refunds.list(
        params={"payment_intent": last.payment.stripe_payment_intent_id}
    )
    assert sorted(r.amount for r in listed.data) == [200, 400]


@pytest.mark.django_db
def test_the_same_refund_submitted_twice_refunds_once(user, staff, stripe_settings, no_webhook):
    order = paid_order(user)
    key = refund_key_next(order=order)  # what the staff form carries

    first = order_refund(order=order, amount=Decimal("1.50"), actor=staff, idempotency_key=key)
    second = order_refund(order=order, amount=Decimal("1.50"), actor=staff, idempotency_key=key)

    assert second.pk == first.pk
    assert Refund.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("1.50")
    listed = stripe_client().v1.refunds.list(
        params={"payment_intent": first.payment.stripe_payment_intent_id}
    )
    assert len(listed.data) == 1
    assert refund_key_next(order=order) != key


@pytest.mark.parametrize(
    "amount", [Decimal("0"), Decimal("-1.00"), Decimal("6.01"), Decimal("0.001")]
)
@pytest.mark.django_db
def test_refund_outside_what_was_paid_is_refused_and_changes_nothing(
    user, staff, stripe_settings, no_webhook, amount
):
    order = paid_order(user)

    with pytest.raises(PaymentError):
        order_refund(order=order, amount=amount, actor=staff)

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("paid", Decimal("0.00"))
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_unpaid_order_cannot_be_refunded(user, staff, stripe_settings, no_webhook):
    order = order_for(user)

    with pytest.raises(PaymentError, match="cannot be refunded"):
        order_refund(order=order, amount=None, actor=staff)
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_refund_stripe_refuses_changes_nothing(user, staff, stripe_settings, no_webhook):
    order = paid_order(user)
    payment = order.payments.get()
    # Stripe no longer knows the payment (e.g. another account's keys): the refund fails.
    Payment.objects.filter(pk=payment.pk).update(stripe_payment_intent_id="pi_unknown")

    with pytest.raises(PaymentError, match="nothing was refunded"):
        order_refund(order=order, amount=None, actor=staff)

    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("paid", Decimal("0.00"))
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_payment_start_replaces_an_intent_stripe_no_longer_knows(user, stripe_settings, no_webhook):
    # e.g. localstripe restarted from scratch, or the shop moved to other Stripe keys
    order = order_for(user)
    lost = payment_for(order, intent_id="pi_lost_on_restart")

    start = payment_start(order=order)

    assert start.payment_intent_id != "pi_lost_on_restart"
    lost.refresh_from_db()
    assert lost.status == "missing"
    assert stripe_client().v1.payment_intents.retrieve(start.payment_intent_id).amount == 600
