"""Stripe webhooks: only genuine, fresh, signed events change anything, each at most once,
in any order. These tests sign their own payloads the way Stripe does."""

import json
import time
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from shop.models import Order, OrderStatus, Refund, WebhookEvent
from shop.signals import order_refunded
from tests.factories.shop import order_for, payment_for
from tests.shop.stripe_events import SECRET, URL, deliver, event, intent, post, sign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.MINIME_STRIPE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def order(user):
    order = order_for(user)
    mail.outbox.clear()
    return order


@pytest.fixture
def payment(order):
    return payment_for(order)


def test_url_has_no_language_prefix_and_refuses_get(client):
    assert reverse("shop_stripe:webhook") == URL
    assert client.get(URL).status_code == 405


def test_signed_succeeded_event_marks_the_order_paid(
    client, order, payment, django_capture_on_commit_callbacks
):
    payload = event("payment_intent.succeeded", intent(payment), event_id="evt_paid_1")

    response = deliver(client, payload, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert order.paid_at is not None
    change = order.status_changes.last()
    assert (change.from_status, change.to_status) == ("pending_payment", "paid")
    assert change.reason == "stripe evt_paid_1"
    payment.refresh_from_db()
    assert payment.status == "succeeded"
    stored = WebhookEvent.objects.get(stripe_event_id="evt_paid_1")
    assert stored.result == "processed"
    assert stored.order == order
    assert stored.type == "payment_intent.succeeded"
    assert json.loads(stored.payload)["id"] == "evt_paid_1"
    assert stored.processed_at is not None
    assert [m.to for m in mail.outbox] == [[order.email]]
    assert "confirmed" in mail.outbox[0].subject.lower()


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda p: (p, sign(p, secret="whsec_attacker")), id="wrong-secret"),
        pytest.param(
            lambda p: (p.replace(b'"amount": 600', b'"amount": 1'), sign(p)), id="body-changed"
        ),
        pytest.param(lambda p: (p, sign(p).replace("v1=", "v0=")), id="no-v1-signature"),
        pytest.param(lambda p: (p, "garbage"), id="garbage-header"),
        pytest.param(lambda p: (p, ""), id="empty-header"),
        pytest.param(lambda p: (p, None), id="unsigned"),
        pytest.param(
            lambda p: (p, sign(p, timestamp=int(time.time()) - 301)), id="stale-timestamp"
        ),
    ],
)
def test_request_without_a_genuine_fresh_signature_is_refused_and_nothing_changes(
    client, order, payment, forge
):
    payload, signature = forge(event("payment_intent.succeeded", intent(payment)))

    response = post(client, payload, signature)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert not WebhookEvent.objects.exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.status_changes.count() == 1  # "placed"
    assert mail.outbox == []


def test_signed_request_that_is_not_an_event_is_refused(client):
    payload = b'{"hello": "world"}'

    assert post(client, payload, sign(payload)).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_without_a_configured_secret_everything_is_refused(client, settings, payment):
    settings.MINIME_STRIPE_WEBHOOK_SECRET = ""
    payload = event("payment_intent.succeeded", intent(payment))

    assert post(client, payload, sign(payload, secret="")).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_replayed_event_is_processed_once(
    client, order, payment, django_capture_on_commit_callbacks
):
    payload = event("payment_intent.succeeded", intent(payment), event_id="evt_replayed")

    first = deliver(client, payload, django_capture_on_commit_callbacks)
    second = deliver(client, payload, django_capture_on_commit_callbacks)

    assert (first.status_code, second.status_code) == (200, 200)
    assert WebhookEvent.objects.filter(stripe_event_id="evt_replayed").count() == 1
    assert order.status_changes.filter(to_status="paid").count() == 1
    assert len(mail.outbox) == 1


def test_payment_failed_after_succeeded_leaves_the_order_paid(
    client, order, payment, django_capture_on_commit_callbacks
):
    succeeded = event("payment_intent.succeeded", intent(payment))
    failed = event(
        "payment_intent.payment_failed",
        intent(
            payment,
            status="requires_payment_method",
            last_payment_error={"message": "Your card was declined."},
        ),
    )

    deliver(client, succeeded, django_capture_on_commit_callbacks)
    response = deliver(client, failed, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert (payment.status, payment.last_error) == ("succeeded", "")
    assert ["confirmed" in m.subject.lower() for m in mail.outbox] == [True]


def test_succeeded_after_payment_failed_marks_the_order_paid(
    client, order, payment, django_capture_on_commit_callbacks
):
    failed = event(
        "payment_intent.payment_failed",
        intent(payment, status="requires_payment_method", last_payment_error={"message": "No"}),
    )
    deliver(client, failed, django_capture_on_commit_callbacks)

    deliver(
        client,
        event("payment_intent.succeeded", intent(payment)),
        django_capture_on_commit_callbacks,
    )

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_payment_failed_keeps_the_order_payable_and_tells_the_customer(
    client, order, payment, django_capture_on_commit_callbacks
):
    payload = event(
        "payment_intent.payment_failed",
        intent(
            payment,
            status="requires_payment_method",
            last_payment_error={"code": "card_declined", "message": "Your card was declined."},
        ),
    )

    response = deliver(client, payload, django_capture_on_commit_callbacks)

    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.is_payable
    assert payment.status == "requires_payment_method"
    assert payment.last_error == "Your card was declined."
    assert WebhookEvent.objects.get().result == "processed"
    assert len(mail.outbox) == 1
    assert "payment" in mail.outbox[0].subject.lower()


def test_canceled_intent_is_recorded_without_an_email(
    client, order, payment, django_capture_on_commit_callbacks
):
    payload = event("payment_intent.canceled", intent(payment, status="canceled"))

    deliver(client, payload, django_capture_on_commit_callbacks)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert (payment.status, order.status) == ("canceled", OrderStatus.PENDING_PAYMENT)
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "mismatch"),
    [({"amount": 599}, "599 EUR"), ({"currency": "usd"}, "600 USD")],
    ids=["amount", "currency"],
)
def test_payment_that_does_not_match_the_order_is_rejected_and_flagged(
    client, order, payment, changes, mismatch, django_capture_on_commit_callbacks
):
    payload = event("payment_intent.succeeded", intent(payment, **changes))

    response = deliver(client, payload, django_capture_on_commit_callbacks)

    assert response.status_code == 200  # stored and answered: Stripe need not retry
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.paid_at is None
    assert order.needs_attention
    assert mismatch in order.attention_reason
    stored = WebhookEvent.objects.get()
    assert stored.result == "rejected"
    assert mismatch in stored.error
    assert stored.order == order
    assert mail.outbox == []


def test_currency_is_compared_case_insensitively(
    client, order, payment, django_capture_on_commit_callbacks
):
    payload = event("payment_intent.succeeded", intent(payment, currency="EUR"))

    deliver(client, payload, django_capture_on_commit_callbacks)

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_event_for_an_unknown_order_is_stored_as_rejected_and_answered_200(client, order, payment):
    obj = intent(payment, metadata={"order_id": "999999", "order_number": "MM-999999"})
    payload = event("payment_intent.succeeded", obj)

    response = post(client, payload, sign(payload))

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert stored.result == "rejected"
    assert "999999" in stored.error
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_intent_that_is_not_the_orders_payment_is_rejected_and_flagged(client, order, payment):
    payload = event("payment_intent.succeeded", intent(payment, id="pi_someone_else"))

    response = post(client, payload, sign(payload))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.needs_attention
    assert WebhookEvent.objects.get().result == "rejected"


def test_intent_without_shop_metadata_is_ignored(client, payment):
    payload = event("payment_intent.succeeded", intent(payment, metadata={}))

    assert post(client, payload, sign(payload)).status_code == 200
    assert WebhookEvent.objects.get().result == "ignored"


def test_unknown_event_type_is_stored_and_ignored(client, order):
    payload = event("customer.created", {"id": "cus_1", "object": "customer"})

    response = post(client, payload, sign(payload))

    assert response.status_code == 200
    stored = WebhookEvent.objects.get()
    assert (stored.type, stored.result) == ("customer.created", "ignored")


def test_event_that_fails_is_stored_answered_500_and_processed_on_redelivery(
    client, order, payment, django_capture_on_commit_callbacks
):
    broken = event("payment_intent.succeeded", intent(payment, amount="six"), event_id="evt_x")
    fixed = event("payment_intent.succeeded", intent(payment), event_id="evt_x")

    first = post(client, broken, sign(broken))
    stored = WebhookEvent.objects.get()
    assert (first.status_code, stored.result) == (500, "failed")
    assert "ValueError" in stored.error
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT

    second = deliver(client, fixed, django_capture_on_commit_callbacks)

    assert second.status_code == 200
    stored.refresh_from_db()
    assert stored.result == "processed"
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def _paid(client, payment, capture) -> Order:
    deliver(client, event("payment_intent.succeeded", intent(payment)), capture)
    mail.outbox.clear()
    return Order.objects.get(pk=payment.order_id)


def test_refund_made_in_the_stripe_dashboard_is_recorded(
    client, payment, django_capture_on_commit_callbacks
):
    order = _paid(client, payment, django_capture_on_commit_callbacks)
    refund = {
        "id": "re_dashboard_1",
        "object": "refund",
        "amount": 250,
        "currency": "eur",
        "status": "succeeded",
        "payment_intent": payment.stripe_payment_intent_id,
        "metadata": {},
    }

    deliver(client, event("refund.created", refund), django_capture_on_commit_callbacks)
    # The same refund reported again (refund.updated) changes nothing more.
    deliver(client, event("refund.updated", refund), django_capture_on_commit_callbacks)

    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.refunded_amount == Decimal("2.50")
    recorded = Refund.objects.get()
    assert (recorded.stripe_refund_id, recorded.amount, recorded.status) == (
        "re_dashboard_1",
        Decimal("2.50"),
        "succeeded",
    )
    assert len(mail.outbox) == 1
    assert "refund" in mail.outbox[0].subject.lower()


def test_refund_webhook_announces_order_refunded_inside_its_transaction(
    client, payment, django_capture_on_commit_callbacks
):
    order = _paid(client, payment, django_capture_on_commit_callbacks)
    heard = []

    def receiver(sender, *, order, amount, full, **kwargs):
        heard.append((order.pk, amount, full, Order.objects.get(pk=order.pk).status))
        if len(heard) == 1:
            raise RuntimeError("printing could not record it")

    refund = {
        "id": "re_dashboard_2",
        "object": "refund",
        "amount": 600,
        "currency": "eur",
        "status": "succeeded",
        "payment_intent": payment.stripe_payment_intent_id,
        "metadata": {},
    }
    payload = event("refund.created", refund)
    order_refunded.connect(receiver)
    try:
        # A failing receiver undoes the refund with it (500: Stripe delivers it again) ...
        failed = deliver(client, payload, django_capture_on_commit_callbacks)
        assert not Refund.objects.exists()
        # ... and the redelivery records it and announces it once more.
        done = deliver(client, payload, django_capture_on_commit_callbacks)
    finally:
        order_refunded.disconnect(receiver)

    assert (failed.status_code, done.status_code) == (500, 200)
    assert heard == [(order.pk, Decimal("6.00"), True, "refunded")] * 2
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == ("refunded", Decimal("6.00"))
    assert Refund.objects.get().stripe_refund_id == "re_dashboard_2"


def test_refund_that_fails_at_stripe_flags_the_order(
    client, payment, django_capture_on_commit_callbacks
):
    order = _paid(client, payment, django_capture_on_commit_callbacks)
    Refund.objects.create(
        order=order,
        payment=payment,
        stripe_refund_id="re_ours_1",
        idempotency_key=f"refund-{order.pk}-1",
        amount=Decimal("6.00"),
        status="succeeded",
    )
    failed = {
        "id": "re_ours_1",
        "object": "refund",
        "amount": 600,
        "currency": "eur",
        "status": "failed",
        "payment_intent": payment.stripe_payment_intent_id,
        "metadata": {"refund_key": f"refund-{order.pk}-1"},
    }

    deliver(client, event("refund.updated", failed), django_capture_on_commit_callbacks)

    order.refresh_from_db()
    assert Refund.objects.get().status == "failed"
    assert order.needs_attention
    assert "re_ours_1" in order.attention_reason


def test_charge_refunded_beyond_what_the_shop_recorded_flags_the_order(
    client, payment, django_capture_on_commit_callbacks
):
    order = _paid(client, payment, django_capture_on_commit_callbacks)
    charge = {
        "id": "ch_1",
        "object": "charge",
        "amount": 600,
        "amount_refunded": 600,
        "payment_intent": payment.stripe_payment_intent_id,
        "refunded": True,
    }

    response = deliver(client, event("charge.refunded", charge), django_capture_on_commit_callbacks)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.needs_attention
    assert "6.00" in order.attention_reason
