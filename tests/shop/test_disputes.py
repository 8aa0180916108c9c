"""Chargebacks and refunds Stripe reports: linked to the order, flagged for staff, and never
more money back than was captured."""

from decimal import Decimal

import pytest
from django.core import mail

from shop.models import Dispute, Order, OrderStatus, Refund, WebhookEvent
from shop.signals import order_disputed
from tests.factories.shop import order_for, payment_for
from tests.shop.stripe_events import SECRET, deliver, event, intent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _webhook_secret(settings):
    settings.MINIME_STRIPE_WEBHOOK_SECRET = SECRET


@pytest.fixture
def paid(client, user, django_capture_on_commit_callbacks) -> Order:
    order = order_for(user)
    payment = payment_for(order)
    deliver(
        client,
        event("payment_intent.succeeded", intent(payment)),
        django_capture_on_commit_callbacks,
    )
    mail.outbox.clear()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


def dispute(order: Order, **changes) -> dict:
    obj = {
        "id": "dp_test_1",
        "object": "dispute",
        "amount": order.total_minor_units,
        "currency": "eur",
        "status": "needs_response",
        "reason": "fraudulent",
        "payment_intent": order.payments.get().stripe_payment_intent_id,
        "charge": "ch_test_1",
        "balance_transactions": [],
    }
    obj.update(changes)
    return obj


def test_a_chargeback_is_linked_to_its_order_flagged_and_announced(
    client, paid, django_capture_on_commit_callbacks
):
    # Given a receiver standing in for production (printing listens the same way)
    announced: list[str] = []

    def receiver(sender, order, dispute, **kwargs):
        announced.append(dispute.status)

    order_disputed.connect(receiver)
    try:
        # When the bank opens a dispute, withdraws the funds and the merchant loses it
        for kind, changes in [
            ("charge.dispute.created", {}),
            ("charge.dispute.funds_withdrawn", {"balance_transactions": [{"id": "txn_1"}]}),
            ("charge.dispute.closed", {"status": "lost"}),
        ]:
            response = deliver(
                client, event(kind, dispute(paid, **changes)), django_capture_on_commit_callbacks
            )
            assert response.status_code == 200
    finally:
        order_disputed.disconnect(receiver)

    # Then one dispute row follows it, the order is flagged, and each change was announced
    recorded = Dispute.objects.get()
    assert recorded.order == paid and recorded.status == "lost" and recorded.funds_withdrawn
    assert recorded.amount == paid.total_gross and recorded.reason == "fraudulent"
    paid.refresh_from_db()
    assert paid.needs_attention and "Chargeback dp_test_1" in paid.attention_reason
    assert announced == ["needs_response", "needs_response", "lost"]
    assert WebhookEvent.objects.filter(type__startswith="charge.dispute", order=paid).count() == 3


def test_a_dispute_of_an_unknown_payment_is_recorded_as_rejected(
    client, paid, django_capture_on_commit_callbacks
):
    payload = event("charge.dispute.created", dispute(paid, payment_intent="pi_someone_else"))

    assert deliver(client, payload, django_capture_on_commit_callbacks).status_code == 200

    assert not Dispute.objects.exists()
    assert WebhookEvent.objects.get(type="charge.dispute.created").result == "rejected"


def test_a_refund_beyond_what_was_captured_is_flagged_not_applied(
    client, paid, django_capture_on_commit_callbacks
):
    # Given a first refund of 2.50 that Stripe reported
    payment = paid.payments.get()
    first = {
        "id": "re_1", "object": "refund", "amount": 250, "currency": "eur",
        "status": "succeeded", "payment_intent": payment.stripe_payment_intent_id, "metadata": {},
    }  # fmt: skip
    deliver(client, event("refund.created", first), django_capture_on_commit_callbacks)

    # When a signed refund.created claims the whole amount again
    too_much = {**first, "id": "re_2", "amount": paid.total_minor_units}
    response = deliver(
        client, event("refund.created", too_much), django_capture_on_commit_callbacks
    )

    # Then it is recorded as rejected, the order is flagged, and the money stays as captured
    assert response.status_code == 200
    paid.refresh_from_db()
    assert paid.refunded_amount == Decimal("2.50")
    assert paid.status == OrderStatus.PARTIALLY_REFUNDED
    assert paid.needs_attention and "exceed the captured" in paid.attention_reason
    assert list(Refund.objects.values_list("stripe_refund_id", flat=True)) == ["re_1"]
    assert WebhookEvent.objects.get(payload__contains='"re_2"').result == "rejected"
