"""Durable hand-offs (a transactional outbox without a separate table).

Every piece of work that a request or webhook starts is a row (a generation job, a print item,
a data export, an erasure receipt, an outgoing email) written in the same transaction as the
state change that needs it. Those rows inherit `Dispatchable`:

- after the commit, `dispatch_on_commit` sends the Celery task; a broker that is down is
  logged, never raised into the request (the customer gets no 5xx);
- the worker calls `mark_taken` when it picks the row up;
- each app's beat sweeper calls `sweep` on its rows: any row no worker has taken by its
  `redispatch_at` (or never dispatched) is sent again, with the wait doubling each time up to
  an hour, so a long queue is not flooded with copies. Handlers are idempotent (they lock the
  row and do only missing work), so a duplicate delivery is harmless.
"""

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from kombu.exceptions import KombuError
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.conf import core_settings

logger = logging.getLogger(__name__)

# What publishing a task raises when the broker is unreachable (refused, timed out, DNS).
BROKER_ERRORS: tuple[type[BaseException], ...] = (
    BrokerOperationalError,
    KombuError,
    ConnectionError,
    OSError,
    TimeoutError,
)

# Publishing retries briefly, then gives up: the sweeper sends it again later.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}


MAX_REDISPATCH_WAIT = timedelta(hours=1)


class Dispatchable(models.Model):
    """A row that stands for work a worker must do."""

    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)
    dispatch_count = models.PositiveIntegerField(default=0, editable=False)
    redispatch_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    taken_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


def redispatch_wait(dispatch_count: int) -> timedelta:
    """How long after its n-th dispatch an untaken row is sent again (doubling, capped)."""
    base = timedelta(seconds=core_settings.DISPATCH_RETRY_SECONDS)
    return min(base * 2 ** max(0, min(dispatch_count - 1, 12)), MAX_REDISPATCH_WAIT)


def dispatch_now(*, model: type[Dispatchable], pk: Any, send: Callable[[], Any]) -> bool:
    """Publish now; record the dispatch. False (and a log line) when the broker is away."""
    try:
        send()
    except BROKER_ERRORS as exc:
        logger.warning(
            "broker unavailable, %s %s left for the sweeper: %s", model.__name__, pk, exc
        )
        # Due at once: the next sweep after the broker is back sends it.
        model._default_manager.filter(pk=pk).update(redispatch_at=None)
        return False
    now = timezone.now()
    count = (
        model._default_manager.filter(pk=pk).values_list("dispatch_count", flat=True).first() or 0
    ) + 1
    model._default_manager.filter(pk=pk).update(
        dispatched_at=now, dispatch_count=F("dispatch_count") + 1,
        redispatch_at=now + redispatch_wait(count),
    )  # fmt: skip
    return True


def dispatch_on_commit(*, model: type[Dispatchable], pk: Any, send: Callable[[], Any]) -> None:
    """Publish once the current transaction commits (at once outside a transaction).

    The row is marked as on its way first, in the caller's transaction: a sweep that runs
    between the commit and the publish must not send a second copy."""
    model._default_manager.filter(pk=pk).update(redispatch_at=timezone.now() + redispatch_wait(1))
    transaction.on_commit(lambda: dispatch_now(model=model, pk=pk, send=send))


def mark_taken(*, model: type[Dispatchable], pk: Any) -> None:
    model._default_manager.filter(pk=pk).update(taken_at=timezone.now())


def release(*, model: type[Dispatchable], pk: Any) -> None:
    """The work goes back to waiting (e.g. its worker died): the next sweep sends it again."""
    model._default_manager.filter(pk=pk).update(taken_at=None, redispatch_at=None)


def due(queryset: QuerySet[Any], *, now: Any = None) -> QuerySet[Any]:
    """Rows nobody has taken whose time to be sent (again) has come."""
    now = now or timezone.now()
    return queryset.filter(taken_at__isnull=True).filter(
        Q(redispatch_at__isnull=True) | Q(redispatch_at__lte=now)
    )


def sweep(
    queryset: QuerySet[Any],
    *,
    send_for: Callable[[Any], Callable[[], Any]],
    limit: int = 500,
    now: Any = None,
) -> int:
    """Send again every due row of `queryset`; returns how many were sent. Stops at the first
    broker failure (the next sweep tries again)."""
    model = queryset.model
    sent = 0
    for pk in due(queryset, now=now).order_by("pk").values_list("pk", flat=True)[:limit]:
        if not dispatch_now(model=model, pk=pk, send=send_for(pk)):
            break
        sent += 1
    return sent
