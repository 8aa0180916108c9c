"""Thin Celery wrappers: ids in, one service call, retry policy."""

import logging
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import translation

from core.dispatch import BROKER_ERRORS, PUBLISH_RETRY_POLICY
from figures.models import DesignStatus, FigureDesign
from printing import services
from printing.models import PrintItem
from printing.packaging.preview import previews_refresh

logger = logging.getLogger(__name__)

MAX_RETRIES = 4


def enqueue_render(*, item_id: int) -> None:
    """Queue the print file of one item (called on commit). No expiry: a paid line must get
    its file however late the worker comes; running twice is harmless (see the service)."""
    render_print_item.apply_async(
        args=(item_id,), queue="default", retry_policy=PUBLISH_RETRY_POLICY
    )


@shared_task(
    name="printing.render_print_item",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=MAX_RETRIES,
)
def render_print_item(self: Any, item_id: int, force: bool = False) -> None:
    try:
        services.print_item_render(item_id=item_id, force=force)
    except PrintItem.DoesNotExist:
        logger.info("Print item %s no longer exists (order erased?): nothing to render", item_id)
    except (OperationalError, InterfaceError, services.TransientPrintError) as exc:
        # The database or the file storage was briefly away: the item is still pending, so
        # running again does only the missing work. Anything else is recorded on the item.
        if self.request.retries >= MAX_RETRIES:
            services.print_item_fail(
                item_id=item_id,
                reason=f"Gave up after {MAX_RETRIES + 1} tries: {type(exc).__name__}: {exc}",
            )
            return
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc


@shared_task(name="printing.sweep_print_items", ignore_result=True, expires=60)
def sweep_print_items() -> int:
    """Beat: print items whose render task was lost (broker away, worker killed) sent again."""
    return services.print_items_sweep()


def enqueue_previews(*, design_id: object, language: str | None = None) -> None:
    """Queue the previews of a design just approved (called on commit). A broker that is away
    is logged, never raised: the preview views render a missing preview themselves."""
    try:
        render_design_previews.apply_async(
            args=(str(design_id), language), queue="default", retry_policy=PUBLISH_RETRY_POLICY
        )
    except BROKER_ERRORS as exc:
        logger.warning("broker unavailable, previews of %s left to the views: %s", design_id, exc)


@shared_task(name="printing.render_design_previews", ignore_result=True, max_retries=2, bind=True)
def render_design_previews(self: Any, design_id: str, language: str | None = None) -> int:
    """Render and store the previews of an approved design (only the missing or stale ones),
    their text in `language` (the approving request's)."""
    design = (
        FigureDesign.objects.filter(pk=design_id, status=DesignStatus.APPROVED)
        .select_related("approved_render")
        .first()
    )
    if design is None:
        logger.info("Design %s is gone or no longer approved: no previews", design_id)
        return 0
    try:
        with translation.override(language or settings.LANGUAGE_CODE):
            return previews_refresh(design=design)
    except (OperationalError, InterfaceError) as exc:
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
