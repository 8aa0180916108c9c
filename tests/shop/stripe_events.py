"""Signed Stripe events for the webhook tests, made the way Stripe makes them."""

import hashlib
import hmac
import json
import time
from itertools import count

SECRET = "whsec_test_webhooks"
URL = "/stripe/webhook/"
_ids = count(1)


def sign(payload: bytes, *, secret: str = SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def event(event_type: str, obj: dict, *, event_id: str | None = None) -> bytes:
    body = {
        "id": event_id or f"evt_test_{next(_ids)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {"object": obj},
    }
    return json.dumps(body).encode()


def intent(payment, **changes) -> dict:
    order = payment.order
    obj = {
        "id": payment.stripe_payment_intent_id,
        "object": "payment_intent",
        "amount": order.total_minor_units,
        "currency": order.currency.lower(),
        "status": "succeeded",
        "metadata": {"order_id": str(order.pk), "order_number": order.number},
        "last_payment_error": None,
    }
    obj.update(changes)
    return obj


def post(client, payload: bytes, signature: str | None = None):
    headers = {} if signature is None else {"Stripe-Signature": signature}
    return client.post(URL, data=payload, content_type="application/json", headers=headers)


def deliver(client, payload: bytes, capture):
    """Stripe's delivery: signed now; on-commit work (emails) runs as after a real commit."""
    with capture(execute=True):
        return post(client, payload, sign(payload))
