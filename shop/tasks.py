"""Thin Celery wrappers: one service call each."""

from celery import shared_task

from shop.services.emails import emails_deliver_due
from shop.services.payments.reconciliation import payments_reconcile


@shared_task(name="shop.reconcile_payments", ignore_result=True, expires=240)
def reconcile_payments() -> int:
    """Beat, every 5 minutes: orders Stripe has been paid for but whose webhook never came."""
    return payments_reconcile()


@shared_task(name="shop.deliver_emails", ignore_result=True, expires=60)
def deliver_emails() -> int:
    """Beat, every MINIME_SWEEP_SECONDS: customer emails whose delivery failed or is due."""
    return emails_deliver_due()
