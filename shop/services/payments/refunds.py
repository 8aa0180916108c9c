"""Refunds: through Stripe from the admin (`order_refund`, idempotent by key), and from
Stripe's refund webhooks (made in the Dashboard, failed later, or listed on a charge).

Every refund that changes an order's refunded amount sends `shop.signals.order_refunded`
inside the same transaction.
"""

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.typing import Account
from shop.exceptions import PaymentError
from shop.models import ORDER_TRANSITIONS, Order, OrderStatus, Payment, Refund
from shop.services.orders import order_flag, order_transition
from shop.services.payments.client import (
    CENT,
    Outcome,
    Result,
    _stripe_errors,
    from_minor_units,
    minor_units,
    stripe_client,
)
from shop.signals import order_refunded

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


def refund_key_next(*, order: Order) -> str:
    """The idempotency key of the order's next refund. A staff form can carry it so that
    submitting the same form twice refunds once (see order_refund)."""
    return f"refund-{order.pk}-{order.refunds.count() + 1}"


def _email_refund(*, order_id: int, refund_id: int) -> None:
    """Queued in the refund's transaction (shop.services.emails: sent after the commit)."""
    from shop.services.emails import email_refund

    email_refund(order_id=order_id, refund_id=refund_id)


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
        _email_refund(order_id=locked.pk, refund_id=refund.pk)
    order.refresh_from_db()
    return refund


def _refund_apply(*, order: Order, amount: Decimal, actor: Account | None, reason: str) -> None:
    """Add a refund to the (locked) order, move it to partially_refunded / refunded, and
    announce it (order_refunded, inside the caller's transaction)."""
    total = order.refunded_amount + amount
    full = total >= order.total_gross
    to = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
    if to in ORDER_TRANSITIONS[order.status]:
        order_transition(order=order, to=to, actor=actor, reason=reason, refunded_amount=total)
    else:
        Order.objects.filter(pk=order.pk).update(refunded_amount=total)
        order.refunded_amount = total
        order_flag(order=order, reason=f"Refund of {amount} {order.currency} while {order.status}")
    order_refunded.send(sender=Order, order=order, amount=amount, full=full)


# --- Refund webhooks (dispatched from shop.services.payments.webhooks) --------------------------


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
    captured = from_minor_units(payment.amount) if payment.status == "succeeded" else Decimal(0)
    if order.refunded_amount + amount > captured:
        # Never more back than was taken: a mismatch is for staff to check, not to apply.
        why = (
            f"Refund {stripe_id} of {amount} {order.currency} would exceed the captured "
            f"{captured} (already refunded {order.refunded_amount}): not applied, check it."
        )
        order_flag(order=order, reason=why)
        return Outcome(Result.REJECTED, why, order)
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
    _email_refund(order_id=order.pk, refund_id=refund.pk)
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
