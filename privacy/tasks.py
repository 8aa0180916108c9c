"""Thin Celery wrappers: ids in, one service call, retry policy."""

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.dispatch import PUBLISH_RETRY_POLICY

logger = logging.getLogger(__name__)

MAX_RETRIES = 5


def enqueue_erasure(*, receipt_id: int) -> None:
    erase_account.apply_async(
        args=(receipt_id,), queue="default", retry_policy=PUBLISH_RETRY_POLICY
    )


def enqueue_export(*, export_id: int) -> None:
    build_export.apply_async(args=(export_id,), queue="default", retry_policy=PUBLISH_RETRY_POLICY)


@shared_task(
    name="privacy.erase_account",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def erase_account(self: Any, receipt_id: int) -> None:
    from privacy.erasure import erasure_run

    try:
        erasure_run(receipt_id=receipt_id)
    except (OperationalError, InterfaceError, OSError) as exc:
        # Idempotent: a retry erases only what is left.
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc


@shared_task(name="privacy.build_export", acks_late=True, reject_on_worker_lost=True)
def build_export(export_id: int) -> None:
    # A failed build is marked failed (the customer asks again): no retry.
    from privacy.exporting import data_export_build

    data_export_build(export_id=export_id)


@shared_task(name="privacy.run_retention", acks_late=True)
def run_retention() -> None:
    from privacy.retention import retention_run

    for result in retention_run(dry_run=False):
        logger.info("Retention %s: %d", result.rule, result.count)


@shared_task(name="privacy.sweep_requests", ignore_result=True, expires=60)
def sweep_requests() -> int:
    """Beat: exports and erasures whose task was lost or that failed are sent again."""
    from privacy.sweeper import privacy_requests_sweep

    return privacy_requests_sweep()
