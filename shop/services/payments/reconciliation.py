"""Reconciliation: orders paid at Stripe whose webhook never arrived (Celery beat, every
5 minutes through shop.tasks.reconcile_payments)."""

import logging
from datetime import datetime, timedelta

import stripe
from django.db import transaction
from django.utils import timezone

from shop.conf import shop_settings
from shop.models import OrderStatus, Payment
from shop.services.payments.client import stripe_client
from shop.services.payments.intents import _record_success

logger = logging.getLogger(__name__)

# Stripe retries a webhook for 3 days; older unpaid orders are not worth an API call each run.
RECONCILE_MAX_AGE = timedelta(days=7)


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
