"""Stripe payments: one PaymentIntent per order, verified webhooks, refunds, reconciliation.

An order becomes paid only from Stripe's word: a signed webhook (stored first, processed once
per event id, rows locked) or, for a webhook that never came, `payments_reconcile`. With
MINIME_STRIPE_API_BASE set every call goes to that server (localstripe); without it, to Stripe.
Amounts sent to Stripe are integer minor units; the shop's amounts are Decimal.
"""

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

import stripe
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.typing import Account
from shop.conf import shop_settings
from shop.exceptions import IllegalOrderTransition, PaymentError
from shop.models import ORDER_TRANSITIONS, Order, OrderStatus, Payment, Refund, WebhookEvent
from shop.services.orders import order_flag, order_mark_paid, order_transition

logger = logging.getLogger(__name__)

Result = WebhookEvent.Result
CENT = Decimal("0.01")
# PaymentIntent states in which the customer can still pay it (reused by payment_start).
REUSABLE_INTENT_STATUSES = frozenset(
    {"requires_payment_method", "requires_confirmation", "requires_action", "processing"}
)
CANCELABLE_INTENT_STATUSES = REUSABLE_INTENT_STATUSES - {"processing"}
REFUNDABLE_ORDER_STATUSES = frozenset(
    {
        OrderStatus.PAID,
        OrderStatus.IN_PRODUCTION,
        OrderStatus.SHIPPED,
        OrderStatus.DELIVERED,
        OrderStatus.PARTIALLY_REFUNDED,
    }
)
FAILED_REFUND_STATUSES = frozenset({"failed", "canceled"})
# Stripe retries a webhook for 3 days; older unpaid orders are not worth an API call each run.
RECONCILE_MAX_AGE = timedelta(days=7)


class WebhookRejected(Exception):
    """Not a genuine, fresh Stripe event: answered with 400, nothing stored or changed."""


# --- Stripe client ------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str | None) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base.rstrip("/")} if api_base else None,
        # Retries reuse the request's idempotency key, so a retried POST never doubles.
        max_network_retries=2,
        http_client=stripe.RequestsClient(timeout=20),
    )


def stripe_client() -> stripe.StripeClient:
    """Stripe, or localstripe when MINIME_STRIPE_API_BASE is set (real keys need no code
    change: leave the base unset)."""
    api_key = shop_settings.STRIPE_SECRET_KEY
    if not api_key:
        logger.error("MINIME_STRIPE_SECRET_KEY is not set: card payments are unavailable")
        raise PaymentError(_("Card payments are not available right now. Please try later."))
    return _client(api_key, shop_settings.STRIPE_API_BASE or None)


@contextmanager
def _stripe_errors(message: str) -> Iterator[None]:
    """Stripe failures become a PaymentError with a message for the page; details go to
    the log (never to the customer)."""
    try:
        yield
    except stripe.APIConnectionError as exc:
        logger.warning("Stripe unreachable: %s", exc)
        raise PaymentError(
            _("Our payment provider cannot be reached right now. Please try again in a minute.")
        ) from exc
    except stripe.StripeError as exc:
        logger.error("Stripe error (%s): %s", type(exc).__name__, exc)
        raise PaymentError(message) from exc


def minor_units(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def from_minor_units(amount: int) -> Decimal:
    return (Decimal(int(amount)) / 100).quantize(CENT)


def _matches(*, order: Order, amount: int, currency: str) -> bool:
    return int(amount) == order.total_minor_units and currency.upper() == order.currency.upper()


@dataclass
class Outcome:
    """What applying one piece of Stripe news did (becomes the WebhookEvent's result)."""

    result: str
    error: str = ""
    order: Order | None = None
    changed: bool = False  # the order was marked paid / refunded by it


# --- Starting a payment -------------------------------------------------------------------------


@dataclass(frozen=True)
class PaymentStart:
    """What the pay page hands to Stripe.js."""

    payment_intent_id: str
    client_secret: str
    publishable_key: str
    js_url: str


def _refuse_unpayable(order: Order) -> None:
    if order.status == OrderStatus.PENDING_PAYMENT:
        return
    if order.paid_at is not None:
        raise PaymentError(_("Order %(number)s is already paid.") % {"number": order.number})
    raise PaymentError(
        _("Order %(number)s cannot be paid: it is %(status)s.")
        % {"number": order.number, "status": order.get_status_display()}
    )


def payment_start(*, order: Order) -> PaymentStart:
    """The order's PaymentIntent: created once, reused by every later visit of the pay page
    (a new one only when the old one no longer fits the order or can no longer be paid).
    Refuses orders that are not awaiting payment, so nobody pays twice."""
    client = stripe_client()
    start_failed = _("The payment could not be started. Please try again.")
    intent: Any = None
    settled: Outcome | None = None  # the intent had already succeeded at Stripe
    # The order row stays locked while Stripe answers: two tabs never create two intents.
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        _refuse_unpayable(locked)
        payment = locked.payments.order_by("-created_at", "-pk").first()
        if payment is not None:
            existing = _intent_retrieve(client, payment)
            if existing is not None:
                status = str(existing.status)
                if status == "succeeded":
                    # Paid at Stripe, the webhook is still on its way: apply it now.
                    settled = _record_success(
                        payment_id=payment.pk,
                        amount=existing.amount,
                        currency=existing.currency,
                        reason=f"stripe {existing.id} (seen by payment_start)",
                    )
                elif status in REUSABLE_INTENT_STATUSES and _matches(
                    order=locked, amount=existing.amount, currency=existing.currency
                ):
                    intent = existing
                else:
                    _intent_retire(client, payment, existing)
        if settled is None and intent is None:
            attempt = locked.payments.count() + 1
            with _stripe_errors(start_failed):
                intent = client.v1.payment_intents.create(
                    params={
                        "amount": locked.total_minor_units,
                        "currency": locked.currency.lower(),
                        "metadata": {"order_id": str(locked.pk), "order_number": locked.number},
                    },
                    options={
                        "idempotency_key": (
                            f"order-{locked.pk}-pi-{locked.total_minor_units}-{attempt}"
                        )
                    },
                )
            Payment.objects.get_or_create(
                stripe_payment_intent_id=intent.id,
                defaults={
                    "order": locked,
                    "amount": intent.amount,
                    "currency": str(intent.currency).upper(),
                    "status": str(intent.status),
                },
            )
    if settled is not None:
        order.refresh_from_db()
        if settled.result == Result.PROCESSED:
            raise PaymentError(_("Order %(number)s is already paid.") % {"number": order.number})
        raise PaymentError(
            _("The payment of order %(number)s needs a check by our team; we will contact you.")
            % {"number": order.number}
        )
    if not intent.client_secret:
        raise PaymentError(start_failed)
    return PaymentStart(
        payment_intent_id=intent.id,
        client_secret=intent.client_secret,
        publishable_key=shop_settings.STRIPE_PUBLISHABLE_KEY,
        js_url=shop_settings.STRIPE_JS_URL,
    )


def _intent_retrieve(client: stripe.StripeClient, payment: Payment) -> Any:
    """The PaymentIntent, or None when Stripe no longer knows it (e.g. localstripe restarted
    from scratch, or the keys changed): the caller then makes a new one."""
    missing = False
    with _stripe_errors(_("The payment could not be started. Please try again.")):
        try:
            intent = client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
        except stripe.InvalidRequestError as exc:
            if exc.http_status != 404:
                raise
            missing = True
    if missing:
        Payment.objects.filter(pk=payment.pk).update(status="missing")
        return None
    if payment.status != intent.status:
        Payment.objects.filter(pk=payment.pk).update(status=str(intent.status))
    return intent


def _intent_retire(client: stripe.StripeClient, payment: Payment, intent: Any) -> None:
    """Cancel an intent that no longer fits the order so it cannot be paid later."""
    if str(intent.status) not in CANCELABLE_INTENT_STATUSES:
        return
    try:
        client.v1.payment_intents.cancel(intent.id)
    except stripe.StripeError as exc:  # best effort; the webhook would still flag a payment
        logger.warning("Could not cancel stale PaymentIntent %s: %s", intent.id, exc)
        return
    Payment.objects.filter(pk=payment.pk).update(status="canceled")


def order_cancel_unpaid(*, order: Order, actor: Account | None, reason: str) -> Order:
    """Cancel an order nobody has paid. Its open PaymentIntents are cancelled at Stripe first,
    so the customer cannot pay the cancelled order later; a payment already succeeded or in
    progress at Stripe refuses the cancel (record it, then refund instead)."""
    order.refresh_from_db()
    if OrderStatus.CANCELLED not in ORDER_TRANSITIONS[order.status]:
        raise IllegalOrderTransition(
            _("Order %(number)s is %(status)s and cannot be cancelled.")
            % {"number": order.number, "status": order.get_status_display()}
        )
    open_payments = list(order.payments.exclude(status__in=["succeeded", "canceled", "missing"]))
    if open_payments:
        client = stripe_client()
        for payment in open_payments:
            intent = _intent_retrieve(client, payment)
            if intent is None:
                continue
            if str(intent.status) in ("succeeded", "processing"):
                raise PaymentError(
                    _("Order %(number)s has a payment at Stripe and cannot be cancelled; "
                      "wait until it is recorded, then refund it.")
                    % {"number": order.number}
                )  # fmt: skip
            if str(intent.status) in CANCELABLE_INTENT_STATUSES:
                with _stripe_errors(_("Stripe could not cancel the payment. Please try again.")):
                    client.v1.payment_intents.cancel(intent.id)
                Payment.objects.filter(pk=payment.pk).update(status="canceled")
    return order_transition(order=order, to=OrderStatus.CANCELLED, actor=actor, reason=reason)


# --- Development bridge: card payments through localstripe's Stripe.js -------------------------


@dataclass(frozen=True)
class PaymentConfirmResult:
    """What the pay page does next after `payment_confirm_with_token`.

    status: the PaymentIntent's status ("succeeded", "processing", "requires_action",
    "requires_payment_method" after a decline); client_secret: that intent's secret (for
    Stripe.js' 3-D Secure step); error_message: Stripe's words for a declined card, else ""."""

    status: str
    client_secret: str
    error_message: str = ""


def _bridge_intent_with_card(client: stripe.StripeClient, intent_id: str, card_id: str) -> Any:
    with _stripe_errors(_("The payment could not be started. Please try again.")):
        return client.v1.payment_intents.update(intent_id, params={"payment_method": card_id})


def payment_confirm_with_token(*, order: Order, token_id: str) -> PaymentConfirmResult:
    """DEVELOPMENT SHIM for localstripe only; refused (PaymentError) unless
    MINIME_STRIPE_API_BASE is set. With real Stripe the pay page confirms in the browser with
    `stripe.confirmCardPayment(clientSecret, {payment_method: {card: element}})` and this
    function is never used.

    localstripe's stand-in Stripe.js cannot confirm a card payment (its confirmCardPayment
    only does the 3-D Secure step), so its page tokenizes the card (`stripe.createToken`) and
    posts the token here. This sets the token's card on the order's current PaymentIntent
    (the one payment_start made or reuses) and confirms it. A declined card returns Stripe's
    message and leaves the order payable; the next card is tried on the same intent, or, when
    Stripe will not take a new card on it (localstripe keeps a declined intent in
    requires_payment_method), on a fresh one from payment_start after cancelling the old one.
    Never marks the order paid: the webhook (or reconciliation) does."""
    if not shop_settings.STRIPE_API_BASE:
        raise PaymentError(
            _("This payment step is only for local development (MINIME_STRIPE_API_BASE).")
        )
    if not (
        isinstance(token_id, str)
        and token_id.startswith("tok_")
        and len(token_id) <= 255
        and token_id.isascii()
        and token_id[4:].isalnum()
    ):
        raise PaymentError(_("The card details could not be read. Please try again."))
    client = stripe_client()
    failed = _("The payment could not be started. Please try again.")
    start = payment_start(order=order)  # refuses orders that are not awaiting payment
    with _stripe_errors(_("The card details could not be read. Please try again.")):
        token = client.v1.tokens.retrieve(token_id)
    card_id = str(token["card"]["id"])
    intent = _bridge_intent_with_card(client, start.payment_intent_id, card_id)
    if str(intent.status) == "processing":
        return PaymentConfirmResult(status="processing", client_secret=str(intent.client_secret))
    if str(intent.status) != "requires_confirmation":
        # This intent takes no new card: cancel it, and pay a fresh one.
        payment = Payment.objects.get(order=order, stripe_payment_intent_id=intent.id)
        _intent_retire(client, payment, intent)
        start = payment_start(order=order)
        if start.payment_intent_id == intent.id:
            raise PaymentError(failed)
        intent = _bridge_intent_with_card(client, start.payment_intent_id, card_id)
        if str(intent.status) != "requires_confirmation":
            raise PaymentError(failed)
    declined = ""
    with _stripe_errors(_("The payment did not go through. Please try again.")):
        try:
            intent = client.v1.payment_intents.confirm(intent.id)
        except stripe.CardError as exc:
            logger.info("Card declined for order %s: %s", order.number, exc.code)
            declined = exc.user_message or _("Your card was declined.")
            intent = client.v1.payment_intents.retrieve(intent.id)
    status = str(intent.status)
    # The webhook may already have recorded the success: never step back from it.
    Payment.objects.filter(stripe_payment_intent_id=intent.id).exclude(status="succeeded").update(
        status=status
    )
    return PaymentConfirmResult(
        status=status, client_secret=str(intent.client_secret), error_message=declined
    )


# --- Applying what Stripe says ------------------------------------------------------------------


def _record_success(*, payment_id: int, amount: int, currency: str, reason: str) -> Outcome:
    """A PaymentIntent succeeded: mark the order paid if the money matches it. Call inside a
    transaction; locks the order, then the payment (always in that order)."""
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    order = Order.objects.select_for_update().get(pk=order_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    payment.status = "succeeded"
    payment.last_error = ""
    payment.save(update_fields=["status", "last_error", "updated_at"])
    intent_id = payment.stripe_payment_intent_id
    if not _matches(order=order, amount=amount, currency=currency):
        why = (
            f"Payment {intent_id} of {amount} {currency.upper()} (minor units) does not match "
            f"the order total {order.total_minor_units} {order.currency}: not marked paid. "
            "Check it and refund it in Stripe."
        )
        order_flag(order=order, reason=why)
        return Outcome(Result.REJECTED, why, order)
    if order.status == OrderStatus.PENDING_PAYMENT:
        order_mark_paid(order=order, reason=reason)
        return Outcome(Result.PROCESSED, "", order, changed=True)
    if order.status == OrderStatus.CANCELLED:
        why = f"Payment {intent_id} succeeded for a cancelled order: refund it."
        order_flag(order=order, reason=why)
        return Outcome(Result.REJECTED, why, order)
    if order.payments.filter(status="succeeded").exclude(pk=payment.pk).exists():
        why = f"Order paid twice: payment {intent_id} is a second one. Refund it."
        order_flag(order=order, reason=why)
        return Outcome(Result.REJECTED, why, order)
    return Outcome(Result.PROCESSED, "", order)  # a repeat or late event: already paid


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

        order_id = order.pk
        transaction.on_commit(lambda: email_payment_failed(order_id=order_id, reason=message))
    return Outcome(Result.PROCESSED, "", order)


def _on_payment_failed(intent: dict[str, Any], event_id: str) -> Outcome:
    return _on_intent_not_paid(intent, event_id, notify=True)


def _on_intent_canceled(intent: dict[str, Any], event_id: str) -> Outcome:
    return _on_intent_not_paid(intent, event_id, notify=False)


def _refund_apply(*, order: Order, amount: Decimal, actor: Account | None, reason: str) -> None:
    """Add a refund to the (locked) order and move it to partially_refunded / refunded."""
    total = order.refunded_amount + amount
    to = OrderStatus.REFUNDED if total >= order.total_gross else OrderStatus.PARTIALLY_REFUNDED
    if to in ORDER_TRANSITIONS[order.status]:
        order_transition(order=order, to=to, actor=actor, reason=reason, refunded_amount=total)
    else:
        Order.objects.filter(pk=order.pk).update(refunded_amount=total)
        order_flag(order=order, reason=f"Refund of {amount} {order.currency} while {order.status}")


def _on_refund(refund_obj: dict[str, Any], event_id: str) -> Outcome:
    """refund.created / refund.updated / refund.failed / charge.refund.updated: keep our
    Refund rows in step; a refund made in the Stripe Dashboard is recorded as well."""
    stripe_id = str(refund_obj.get("id") or "")
    intent_id = refund_obj.get("payment_intent")
    payment = Payment.objects.filter(stripe_payment_intent_id=str(intent_id)).first()
    if not stripe_id or payment is None:
        return Outcome(Result.IGNORED, "refund of a payment this shop does not know")
    # The order lock first: a staff refund in flight holds it until its Refund row is saved.
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    key = str((refund_obj.get("metadata") or {}).get("refund_key") or "")
    refund = Refund.objects.filter(stripe_refund_id=stripe_id).first()
    if refund is None and key:
        refund = Refund.objects.filter(order=order, idempotency_key=key).first()
    status = str(refund_obj.get("status") or "pending")
    if refund is not None:
        was_failed = refund.status in FAILED_REFUND_STATUSES
        refund.status = status
        refund.stripe_refund_id = stripe_id
        refund.save(update_fields=["status", "stripe_refund_id"])
        if status in FAILED_REFUND_STATUSES and not was_failed:
            why = f"Refund {stripe_id} of {refund.amount} {order.currency} {status} at Stripe."
            order_flag(order=order, reason=why)
            return Outcome(Result.PROCESSED, why, order)
        return Outcome(Result.PROCESSED, "", order)
    if status in FAILED_REFUND_STATUSES:
        return Outcome(Result.PROCESSED, "", order)  # nothing was given back
    amount = from_minor_units(int(refund_obj.get("amount") or 0))
    refund = Refund.objects.create(
        order=order,
        payment=payment,
        stripe_refund_id=stripe_id,
        idempotency_key=f"stripe-{stripe_id}",
        amount=amount,
        status=status,
        reason=f"made in Stripe ({event_id})",
    )
    _refund_apply(order=order, amount=amount, actor=None, reason=f"stripe {event_id}")
    _email_refund_on_commit(order_id=order.pk, refund_id=refund.pk)
    return Outcome(Result.PROCESSED, "", order, changed=True)


def _on_charge_refunded(charge: dict[str, Any], event_id: str) -> Outcome:
    """charge.refunded: its refunds (when the API version lists them) and a check that the
    shop knows about everything Stripe has refunded."""
    listed = (charge.get("refunds") or {}).get("data") or []
    for refund_obj in listed:
        _on_refund(refund_obj, event_id)
    payment = Payment.objects.filter(stripe_payment_intent_id=str(charge.get("payment_intent")))
    first = payment.first()
    if first is None:
        return Outcome(Result.IGNORED, "refund of a payment this shop does not know")
    order = Order.objects.select_for_update().get(pk=first.order_id)
    at_stripe = from_minor_units(int(charge.get("amount_refunded") or 0))
    if at_stripe > order.refunded_amount:
        why = (
            f"Stripe reports {at_stripe} {order.currency} refunded, the shop recorded "
            f"{order.refunded_amount}: check the refunds."
        )
        order_flag(order=order, reason=why)
        return Outcome(Result.PROCESSED, why, order)
    return Outcome(Result.PROCESSED, "", order)


WEBHOOK_HANDLERS: dict[str, Callable[[dict[str, Any], str], Outcome]] = {
    "payment_intent.succeeded": _on_intent_succeeded,
    "payment_intent.payment_failed": _on_payment_failed,
    "payment_intent.canceled": _on_intent_canceled,
    "charge.refunded": _on_charge_refunded,
    "refund.created": _on_refund,
    "refund.updated": _on_refund,
    "refund.failed": _on_refund,
    "charge.refund.updated": _on_refund,
}
DONE_RESULTS = frozenset({Result.PROCESSED, Result.IGNORED, Result.REJECTED})


# --- Webhooks -----------------------------------------------------------------------------------


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


# --- Refunds ------------------------------------------------------------------------------------


def refund_key_next(*, order: Order) -> str:
    """The idempotency key of the order's next refund. A staff form can carry it so that
    submitting the same form twice refunds once (see order_refund)."""
    return f"refund-{order.pk}-{order.refunds.count() + 1}"


def _email_refund_on_commit(*, order_id: int, refund_id: int) -> None:
    from shop.services.emails import email_refund

    transaction.on_commit(lambda: email_refund(order_id=order_id, refund_id=refund_id))


def order_refund(
    *,
    order: Order,
    amount: Decimal | None,
    actor: Account | None,
    reason: str = "",
    idempotency_key: str | None = None,
) -> Refund:
    """Refund through Stripe: everything left when `amount` is None, else that much.

    The key (default: the order's n-th refund, `refund_key_next`) is unique in the database
    and sent to Stripe: a repeated call with the same key returns the first refund instead of
    refunding again, and a network retry never refunds twice at Stripe. Any Stripe error
    raises PaymentError and changes nothing."""
    client = stripe_client()
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        key = idempotency_key or refund_key_next(order=locked)
        existing = Refund.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.order_id != locked.pk or (amount is not None and existing.amount != amount):
                raise PaymentError(_("This refund was already submitted with other details."))
            return existing
        if locked.status not in REFUNDABLE_ORDER_STATUSES:
            raise PaymentError(
                _("Order %(number)s is %(status)s and cannot be refunded.")
                % {"number": locked.number, "status": locked.get_status_display()}
            )
        remaining = locked.total_gross - locked.refunded_amount
        value = remaining if amount is None else Decimal(amount)
        if value <= 0 or value > remaining or value != value.quantize(CENT):
            raise PaymentError(
                _("Refund between 0.01 and %(remaining)s %(currency)s.")
                % {"remaining": remaining, "currency": locked.currency}
            )
        payment = locked.payments.filter(status="succeeded").order_by("-created_at").first()
        if payment is None:
            raise PaymentError(_("This order has no card payment to refund."))
        refund = Refund.objects.create(
            order=locked,
            payment=payment,
            idempotency_key=key,
            amount=value,
            status="pending",
            reason=reason[:300],
            created_by=actor,
        )
        with _stripe_errors(_("Stripe did not accept the refund; nothing was refunded.")):
            result = client.v1.refunds.create(
                params={
                    "payment_intent": payment.stripe_payment_intent_id,
                    "amount": minor_units(value),
                    "metadata": {
                        "order_id": str(locked.pk),
                        "order_number": locked.number,
                        "refund_key": key,
                    },
                },
                options={"idempotency_key": key},
            )
        refund.stripe_refund_id = result.id
        refund.status = str(result.status or "pending")
        refund.save(update_fields=["stripe_refund_id", "status"])
        _refund_apply(
            order=locked, amount=value, actor=actor, reason=reason or f"refund {result.id}"
        )
        _email_refund_on_commit(order_id=locked.pk, refund_id=refund.pk)
    order.refresh_from_db()
    return refund


# --- Reconciliation -----------------------------------------------------------------------------


def payments_reconcile(*, now: datetime | None = None) -> int:
    """Ask Stripe about orders still awaiting payment after PAYMENT_RECONCILE_AFTER_MINUTES
    (a lost webhook); mark those paid whose intent succeeded. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=shop_settings.PAYMENT_RECONCILE_AFTER_MINUTES)
    payments = list(
        Payment.objects.filter(
            order__status=OrderStatus.PENDING_PAYMENT,
            order__created_at__lte=cutoff,
            order__created_at__gte=now - RECONCILE_MAX_AGE,
        )
        .exclude(status__in=["succeeded", "canceled", "missing"])
        .order_by("pk")
    )
    if not payments:
        return 0
    client = stripe_client()
    fixed = 0
    for payment in payments:
        try:
            intent = client.v1.payment_intents.retrieve(payment.stripe_payment_intent_id)
        except stripe.StripeError as exc:
            logger.warning("Reconcile: cannot retrieve %s: %s", payment, exc)
            continue
        with transaction.atomic():
            if str(intent.status) == "succeeded":
                outcome = _record_success(
                    payment_id=payment.pk,
                    amount=intent.amount,
                    currency=intent.currency,
                    reason="reconciled",
                )
                fixed += int(outcome.changed)
            elif str(intent.status) != payment.status:
                Payment.objects.filter(pk=payment.pk).update(status=str(intent.status))
    return fixed
