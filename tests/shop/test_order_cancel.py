"""Cancelling an unpaid order closes its PaymentIntent at Stripe (real localstripe), so the
customer cannot pay a cancelled order afterwards."""

import pytest

from shop.exceptions import IllegalOrderTransition, PaymentError
from shop.models import OrderStatus, Payment
from shop.services.payments.client import stripe_client
from shop.services.payments.intents import order_cancel_unpaid, payment_start
from tests import factories
from tests.factories.shop import order_for
from tests.shop.test_payments import _webhook_off, pay_with_card

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_webhook(stripe_settings, localstripe):
    _webhook_off(localstripe)


def test_cancelling_an_unpaid_order_cancels_its_payment_intent(no_webhook):
    order = order_for(factories.user_create())
    intent_id = payment_start(order=order).payment_intent_id

    order_cancel_unpaid(order=order, actor=None, reason="customer phoned")

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert stripe_client().v1.payment_intents.retrieve(intent_id).status == "canceled"
    assert Payment.objects.get(order=order).status == "canceled"
    with pytest.raises(PaymentError):
        payment_start(order=order)


def test_an_order_paid_at_stripe_is_not_cancelled(no_webhook):
    order = order_for(factories.user_create())
    pay_with_card(payment_start(order=order).payment_intent_id)  # webhook not yet received

    with pytest.raises(PaymentError):
        order_cancel_unpaid(order=order, actor=None, reason="too late")

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_cancelling_a_paid_order_is_refused_and_changes_nothing(db):
    order = order_for(factories.user_create())
    from shop.services.orders import order_transition

    order_transition(order=order, to=OrderStatus.PAID, reason="test")

    with pytest.raises(IllegalOrderTransition):
        order_cancel_unpaid(order=order, actor=None, reason="no")

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
