"""The production queue's "Refund…" action (shop.admin_refunds.refund_action, shared with
the shop's order admin): through localstripe with the idempotency key from the form."""

import re
from decimal import Decimal

import pytest

from shop.models import OrderStatus, Refund
from shop.services.orders import order_transition
from tests.factories import shop as shop_factories
from tests.factories.printing import paid_order
from tests.printing.admin_helpers import (
    confirm_action,
    messages_of,
    run_action,
    state,
)
from tests.shop import admin_helpers as ah

pytestmark = pytest.mark.django_db


def test_refund_goes_through_stripe_with_the_key_from_the_form(production_client, stripe_settings):
    order = ah.order_paid_through_stripe(shop_factories.order_placed(sku="MM-STK-A5"))
    intent = order.payments.get().stripe_payment_intent_id

    page = run_action(production_client, "refund", [order])
    keys = dict(re.findall(r'name="(refund_key_\d+)" value="([^"]+)"', page.text))
    form = {"scope": "partial", "amount": "3.00", "reason": "one sticker bent", **keys}
    done = confirm_action(production_client, "refund", [order], **form)
    again = confirm_action(production_client, "refund", [order], **form)  # resent form

    assert page.status_code == 200
    assert keys == {f"refund_key_{order.pk}": f"refund-{order.pk}-1"}
    assert ("success", f"Refunded 3.00 EUR of order {order.number}.") in messages_of(done)
    assert (
        "warning",
        f"Order {order.number}: this refund was already made; nothing refunded again.",
    ) in messages_of(again)
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        Decimal("3.00"),
    )
    refund = Refund.objects.get(order=order)
    assert (refund.idempotency_key, refund.reason) == (f"refund-{order.pk}-1", "one sticker bent")
    assert refund.created_by_id == done.wsgi_request.user.pk
    at_stripe = ah.stripe_request("GET", f"/v1/refunds?payment_intent={intent}")["data"]
    assert [r["amount"] for r in at_stripe] == [300]


def test_refund_of_an_order_without_money_left_changes_nothing(production_client):
    order = paid_order()
    order_transition(order=order, to=OrderStatus.REFUNDED, reason="test")
    before = state(order)

    response = run_action(production_client, "refund", [order])

    assert response.status_code == 302
    # Refunded orders are not in the production queue's queryset at all.
    assert state(order) == before
    assert not Refund.objects.exists()
