"""Helpers for the shop admin tests: payments at localstripe (orders come from
tests.factories.shop), and small wrappers around the admin changelist's action POST."""

import re
from collections.abc import Sequence
from typing import Any

import requests
from django.conf import settings
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import reverse

from shop.models import Order, OrderStatus

CHANGELIST = "admin:shop_order_changelist"


# --- localstripe (tests/conftest.py: the `localstripe` and `stripe_settings` fixtures) ------


def stripe_request(method: str, path: str, **data: Any) -> dict[str, Any]:
    """Call localstripe as the merchant's server would (secret key from settings)."""
    response = requests.request(
        method,
        settings.MINIME_STRIPE_API_BASE.rstrip("/") + path,
        data=data or None,
        params=None,
        headers={"Authorization": f"Bearer {settings.MINIME_STRIPE_SECRET_KEY}"},
        timeout=10,
    )
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def stripe_confirm_with_test_card(payment_intent_id: str) -> dict[str, Any]:
    """What Stripe.js does in the browser, done server-side: attach the Visa test card and
    confirm the PaymentIntent."""
    path = f"/v1/payment_intents/{payment_intent_id}"
    stripe_request("POST", path, payment_method="pm_card_visa")
    return stripe_request("POST", path + "/confirm")


# --- Orders ---------------------------------------------------------------------------------


def order_paid_through_stripe(order: Order) -> Order:
    """Start the payment, pay it with the test card at localstripe, then let the shop learn
    it from Stripe (payments_reconcile asks localstripe, as for a lost webhook)."""
    from shop.services.payments.intents import payment_start
    from shop.services.payments.reconciliation import payments_reconcile

    start = payment_start(order=order)
    intent = stripe_confirm_with_test_card(start.payment_intent_id)
    assert intent["status"] == "succeeded", intent
    with override_settings(MINIME_PAYMENT_RECONCILE_AFTER_MINUTES=0):
        assert payments_reconcile() == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    return order


# --- Admin ----------------------------------------------------------------------------------


def changelist_url(**query: str) -> str:
    url = reverse(CHANGELIST)
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def run_action(client: Any, action: str, orders: Sequence[Order], **form: Any) -> Any:
    """POST the changelist's action form as the browser does (first step of an action)."""
    data = {"action": action, "_selected_action": [o.pk for o in orders], "index": 0, **form}
    return client.post(changelist_url(), data)


def confirm_action(client: Any, action: str, orders: Sequence[Order], **form: Any) -> Any:
    """POST an intermediate page's confirmation form (no "index", "apply" pressed)."""
    data = {"action": action, "_selected_action": [o.pk for o in orders], "apply": "1", **form}
    return client.post(changelist_url(), data)


def hidden_refund_keys(page: Any) -> dict[str, str]:
    """The per-order idempotency keys the refund confirmation page carries."""
    return dict(re.findall(r'name="(refund_key_\d+)" value="([^"]+)"', page.text))


def messages_of(response: Any) -> list[tuple[str, str]]:
    """(level tag, text) of every message the request left for the next page."""
    return [(m.level_tag, str(m.message)) for m in get_messages(response.wsgi_request)]
