"""Chargebacks (Stripe charge.dispute.* webhooks): linked to the order through its payment,
recorded, flagged for staff, and announced (shop.signals.order_disputed) so that production
of anything not yet shipped is held while the dispute is open."""

from typing import Any

from shop.models import Dispute, Order, Payment
from shop.services.orders import order_flag
from shop.services.payments.client import Outcome, Result, from_minor_units
from shop.signals import order_disputed


def _payment_of(dispute_obj: dict[str, Any]) -> Payment | None:
    intent_id = dispute_obj.get("payment_intent")
    if isinstance(intent_id, dict):  # expanded object
        intent_id = intent_id.get("id")
    if not intent_id:
        return None
    return Payment.objects.filter(stripe_payment_intent_id=str(intent_id)).first()


def on_dispute(dispute_obj: dict[str, Any], event_id: str) -> Outcome:
    """charge.dispute.created / updated / closed / funds_withdrawn / funds_reinstated."""
    stripe_id = str(dispute_obj.get("id") or "")
    payment = _payment_of(dispute_obj)
    if not stripe_id or payment is None:
        return Outcome(Result.REJECTED, "dispute of a payment this shop does not know")
    order = Order.objects.select_for_update().get(pk=payment.order_id)
    status = str(dispute_obj.get("status") or Dispute.Status.NEEDS_RESPONSE)
    amount = from_minor_units(int(dispute_obj.get("amount") or 0))
    dispute, created = Dispute.objects.select_for_update().get_or_create(
        stripe_dispute_id=stripe_id,
        defaults={"order": order, "payment": payment, "status": status, "amount": amount},
    )
    dispute.status = status
    dispute.reason = str(dispute_obj.get("reason") or "")[:60]
    dispute.amount = amount
    balance = dispute_obj.get("balance_transactions") or []
    dispute.funds_withdrawn = dispute.funds_withdrawn or bool(balance)
    dispute.save()
    verb = "opened" if created else ("closed" if not dispute.is_open else "updated")
    order_flag(
        order=order,
        reason=(
            f"Chargeback {stripe_id} {verb}: {dispute.get_status_display()}"
            f" ({dispute.amount} {order.currency}, {dispute.reason or 'no reason given'})"
        ),
    )
    order_disputed.send(sender=Order, order=order, dispute=dispute)
    return Outcome(Result.PROCESSED, "", order, changed=True)
