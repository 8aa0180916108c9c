"""The privacy beat sweeper: no export or erasure a customer asked for stalls.

Exports and erasures are rows (core.dispatch); this sends again every one whose task never
reached a worker (the broker was away) or whose worker died mid-way (taken longer ago than
MINIME_PRIVACY_REQUEST_TIMEOUT), and retries failed erasures with backoff until
MINIME_ERASURE_MAX_ATTEMPTS; past that an erasure shows as stuck in the admin."""

import logging
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from core.dispatch import release, sweep
from privacy import tasks
from privacy.conf import privacy_settings
from privacy.models import DataExport, ErasureReceipt

logger = logging.getLogger(__name__)


def erasures_retryable() -> Any:
    """Erasures still to run: pending, or failed fewer than ERASURE_MAX_ATTEMPTS times."""
    return ErasureReceipt.objects.filter(user__isnull=False).filter(
        Q(status=ErasureReceipt.Status.PENDING)
        | Q(
            status=ErasureReceipt.Status.FAILED,
            attempts__lt=privacy_settings.ERASURE_MAX_ATTEMPTS,
        )
    )


def erasures_stuck() -> Any:
    """For staff: erasures that failed every retry, or that no worker finished for hours."""
    long_ago = timezone.now() - timedelta(hours=1)
    return ErasureReceipt.objects.filter(user__isnull=False).filter(
        Q(status=ErasureReceipt.Status.FAILED, attempts__gte=privacy_settings.ERASURE_MAX_ATTEMPTS)
        | Q(status=ErasureReceipt.Status.PENDING, requested_at__lt=long_ago)
    )


def privacy_requests_sweep(*, now: Any = None) -> int:
    now = now or timezone.now()
    lost = now - timedelta(seconds=privacy_settings.REQUEST_TIMEOUT)
    for model, rows in (
        (DataExport, DataExport.objects.filter(status=DataExport.Status.PENDING)),
        (ErasureReceipt, erasures_retryable()),
    ):
        for pk in rows.filter(taken_at__lt=lost).values_list("pk", flat=True):
            logger.warning("%s %s: its worker was lost; sending it again", model.__name__, pk)
            release(model=model, pk=pk)
    exports = sweep(
        DataExport.objects.filter(status=DataExport.Status.PENDING),
        send_for=lambda pk: lambda: tasks.enqueue_export(export_id=pk),
        now=now,
    )
    erasures = sweep(
        erasures_retryable(),
        send_for=lambda pk: lambda: tasks.enqueue_erasure(receipt_id=pk),
        now=now,
    )
    return exports + erasures
