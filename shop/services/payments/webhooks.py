"""Stripe webhooks: verify, store, then process each event once.

Every inbound event is checked against its signature (MINIME_STRIPE_WEBHOOK_SECRET, at most
5 minutes old), stored as a WebhookEvent before anything else, then processed once per event
id under a row lock by the handler that WEBHOOK_HANDLERS names for its type (unknown types
are recorded as ignored). A handler runs in its own savepoint: a failure leaves no half-done
changes and is recorded with its error.

What the endpoint (shop.webhook_views.stripe_webhook) answers:

- 400: `webhook_receive` raised WebhookRejected (no secret configured, missing, wrong or stale
  signature, not a Stripe event); nothing was stored or changed.
- 500: the event is stored but its handler failed (result "failed"); Stripe delivers it again
  later and the redelivery is processed again.
- 200: processed, ignored (not ours, or a type we do not handle), or rejected (a signed event
  we cannot apply, recorded and flagged for staff); Stripe stops retrying. A redelivery of an
  event already done is answered 200 without processing it again.
"""

import json
import logging
from collections.abc import Callable
from typing import Any

import stripe
from django.db import transaction
from django.utils import timezone

from shop.conf import shop_settings
from shop.models import Order, OrderStatus, Payment, WebhookEvent
from shop.services.orders import order_flag
from shop.services.payments.client import Outcome, Result
from shop.services.payments.disputes import on_dispute
from shop.services.payments.intents import _record_success
from shop.services.payments.refunds import _on_charge_refunded, _on_refund

logger = logging.getLogger(__name__)


class WebhookRejected(Exception):
    """Not a genuine, fresh Stripe event: answered with 400, nothing stored or changed."""


# --- Payment intent events ----------------------------------------------------------------------


def _lock_payment_of(intent: dict[str, Any]) -> tuple[Order | None, Payment | None, Outcome | None]:
    """The order named in the intent's metadata (locked) and our Payment row of that intent;
    or an Outcome saying why the event cannot be applied."""
    metadata = intent.get("metadata") or {}
    raw_id = metadata.get("order_id")
    if not raw_id:
        return None, None, Outcome(Result.IGNORED, "not a shop payment (no order_id in metadata)")
    try:
        order = Order.objects.select_for_update().get(pk=int(raw_id))
    except (ValueError, TypeError, Order.DoesNotExist):
        return None, None, Outcome(Result.REJECTED, f"unknown order {raw_id!r}")
    payment = (
        Payment.objects.select_for_update()
        .filter(order=order, stripe_payment_intent_id=str(intent.get("id")))
        .first()
    )
    if payment is None:
        why = f"PaymentIntent {intent.get('id')} is not a payment of order {order.number}"
        return order, None, Outcome(Result.REJECTED, why, order)
    return order, payment, None


def _on_intent_succeeded(intent: dict[str, Any], event_id: str) -> Outcome:
    order, payment, refused = _lock_payment_of(intent)
    if refused is not None:
        if order is not None:  # money arrived through an intent we did not make for it
            order_flag(order=order, reason=refused.error)
        return refused
    assert payment is not None
    return _record_success(
        payment_id=payment.pk,
        amount=int(intent.get("amount") or 0),
        currency=str(intent.get("currency") or ""),
        reason=f"stripe {event_id}",
    )


def _on_intent_not_paid(intent: dict[str, Any], event_id: str, *, notify: bool) -> Outcome:
    """payment_failed / canceled: the order stays payable; late events change nothing."""
    order, payment, refused = _lock_payment_of(intent)
    if refused is not None:
        return refused
    assert order is not None and payment is not None
    if payment.status == "succeeded" or order.status != OrderStatus.PENDING_PAYMENT:
        return Outcome(
            Result.PROCESSED, "late event: the order is no longer awaiting payment", order
        )
    message = str((intent.get("last_payment_error") or {}).get("message") or "")
    payment.status = str(intent.get("status") or "requires_payment_method")
    payment.last_error = message[:300]
    payment.save(update_fields=["status", "last_error", "updated_at"])
    if notify:
        from shop.services.emails import email_payment_failed

        email_payment_failed(order_id=order.pk, reason=message)  # sent after the commit
    return Outcome(Result.PROCESSED, "", order)


def _on_payment_failed(intent: dict[str, Any], event_id: str) -> Outcome:
    return _on_intent_not_paid(intent, event_id, notify=True)


def _on_intent_canceled(intent: dict[str, Any], event_id: str) -> Outcome:
    return _on_intent_not_paid(intent, event_id, notify=False)


# --- Dispatch -----------------------------------------------------------------------------------

# One handler per event type, called inside the event's transaction with (object, event id);
# a type not listed here is stored and answered as ignored. Refund handlers: refunds.py.
WEBHOOK_HANDLERS: dict[str, Callable[[dict[str, Any], str], Outcome]] = {
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_payment_failed,
    "payment_intent.canceled": _on_intent_canceled,
    "charge.refunded": _on_charge_refunded,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.refund.updated": _on_refund,
    "charge.dispute.created": on_dispute,
    "charge.dispute.updated": on_dispute,
    "charge.dispute.closed": on_dispute,
    "charge.dispute.funds_withdrawn": on_dispute,
    "charge.dispute.funds_reinstated": on_dispute,
}
DONE_RESULTS = frozenset({Result.PROCESSED, Result.IGNORED, Result.REJECTED})


# --- Receiving and processing -------------------------------------------------------------------


def webhook_receive(*, payload: bytes, signature: str | None) -> WebhookEvent:
    """Verify, store, then process a Stripe event once. Raises WebhookRejected (nothing
    stored) for a missing, wrong or stale (> 5 min) signature. A redelivered event that was
    handled is returned unchanged; one that failed is processed again."""
    secret = shop_settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("MINIME_STRIPE_WEBHOOK_SECRET is not set: Stripe webhooks are refused")
        raise WebhookRejected("webhook secret not configured")
    if not signature:
        raise WebhookRejected("missing Stripe-Signature header")
    try:
        stripe.Webhook.construct_event(payload, signature, secret)  # default tolerance 300 s
        data = json.loads(payload)
        event_id, event_type = data["id"], data["type"]
        obj = data["data"]["object"]
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(f"invalid signature: {exc.user_message or exc}") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise WebhookRejected("not a Stripe event") from exc
    if not (isinstance(event_id, str) and isinstance(event_type, str) and isinstance(obj, dict)):
        raise WebhookRejected("not a Stripe event")

    event, _created = WebhookEvent.objects.get_or_create(
        stripe_event_id=event_id,
        defaults={"type": event_type, "payload": payload.decode("utf-8")},
    )
    if event.result in DONE_RESULTS:
        return event
    return _webhook_process(event_pk=event.pk, event_type=event_type, obj=obj)


def _webhook_process(*, event_pk: int, event_type: str, obj: dict[str, Any]) -> WebhookEvent:
    handler = WEBHOOK_HANDLERS.get(event_type)
    with transaction.atomic():
        # Two deliveries of one event at once: the second waits here, then sees it done.
        event = WebhookEvent.objects.select_for_update().get(pk=event_pk)
        if event.result in DONE_RESULTS:
            return event
        if handler is None:
            outcome = Outcome(Result.IGNORED, "")
        else:
            try:
                with transaction.atomic():  # a failing handler leaves no half-done changes
                    outcome = handler(obj, event.stripe_event_id)
            except Exception as exc:
                logger.exception("Stripe event %s (%s) failed", event.stripe_event_id, event_type)
                outcome = Outcome(Result.FAILED, f"{type(exc).__name__}: {exc}")
        event.result = outcome.result
        event.error = outcome.error
        event.order = outcome.order
        event.processed_at = timezone.now()
        event.save(update_fields=["result", "error", "order", "processed_at"])
    return event
