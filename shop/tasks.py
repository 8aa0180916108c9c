"""Thin Celery wrappers: one service call each."""

from celery import shared_task

from shop.services.payments import payments_reconcile


@shared_task(name="shop.reconcile_payments", ignore_result=True, expires=240)
def reconcile_payments() -> int:
    """Beat, every 5 minutes: orders Stripe has been paid for but whose webhook never came."""
    return payments_reconcile()
