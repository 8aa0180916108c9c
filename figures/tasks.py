"""Thin Celery wrappers: ids in, one service call, retry policy."""

import logging
from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.db import OperationalError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.dispatch import PUBLISH_RETRY_POLICY
from figures import services
from figures.backends.base import TransientGenerationError
from figures.conf import figures_settings

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


def enqueue_generation(*, job_id: Any) -> None:
    """Send a job to the GPU queue with its time limits (called on commit)."""
    limit = figures_settings.GENERATION_TIME_LIMIT
    generate_renders.apply_async(
        args=(str(job_id),),
        queue=figures_settings.GPU_QUEUE,
        retry_policy=PUBLISH_RETRY_POLICY,
        soft_time_limit=limit,
        time_limit=limit + 30,
        # A job nobody picked up in time is failed by the reaper; don't start it late.
        expires=figures_settings.GENERATION_QUEUE_TIMEOUT,
    )


@shared_task(
    name="figures.generate_renders",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=MAX_RETRIES,
)
def generate_renders(self: Any, job_id: str) -> None:
    try:
        services.job_run(job_id=job_id)
    except SoftTimeLimitExceeded:
        services.job_fail(
            job_id=job_id, message=_("Generating took too long and was stopped. Please try again.")
        )
    except (TransientGenerationError, OperationalError) as exc:
        if self.request.retries >= MAX_RETRIES:
            message = getattr(exc, "user_message", "") or _(
                "The generator is busy right now. Please try again in a few minutes."
            )
            services.job_fail(job_id=job_id, message=message)
            return
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
    except Exception:
        # A bug, not the customer's fault: fail now (with a retry button) instead of leaving
        # the page on "running" until the reaper comes; Celery still logs the traceback.
        services.job_fail(
            job_id=job_id,
            message=gettext_noop(
                "Something went wrong while generating your figure. Please try again."
            ),
        )
        raise


@shared_task(name="figures.reap_stuck_jobs")
def reap_stuck_jobs() -> int:
    """Beat: dead workers' jobs sent again or failed; lost or undelivered jobs sent again."""
    return services.jobs_sweep()
