"""The order's PaymentIntent: start (or reuse) it, retrieve and retire it, record its success,
and cancel an unpaid order together with its open intents.

An order becomes paid only from Stripe's word: `_record_success` is called by the webhook
(shop.services.payments.webhooks), by reconciliation, and by payment_start when it finds the
intent already succeeded.
"""

import logging
from dataclasses import dataclass
from typing import Any

import stripe
from django.db import transaction
from django.utils.translation import gettext as _

from core.typing import Account
from shop.conf import shop_settings
from shop.exceptions import IllegalOrderTransition, PaymentError
from shop.models import ORDER_TRANSITIONS, Order, OrderStatus, Payment
from shop.services.orders import order_flag, order_mark_paid, order_transition
from shop.services.payments.client import (
    Outcome,
    Result,
    _matches,
    _stripe_errors,
    stripe_client,
)

logger = logging.getLogger(__name__)

# PaymentIntent states in which the customer can still pay it (reused by payment_start).
REUSABLE_INTENT_STATUSES = frozenset(
    {"requires_payment_method", "requires_confirmation", "requires_action", "processing"}
)
CANCELABLE_INTENT_STATUSES = REUSABLE_INTENT_STATUSES - {"processing"}


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


# --- Recording a success ------------------------------------------------------------------------


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
