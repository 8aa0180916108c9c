"""Erasure of a person's data through the registry (privacy.registry), with a receipt that
proves it without personal data.

erasure_start (the request) -> task privacy.erase_account -> erasure_run: every handler's
erase in erase order, the login last. Work a handler cannot do yet (print files of orders
still in production) waits: the receipt says so (status waiting) until the handler's retention
rule finishes it (erasure_finish_waiting -> the handler's finish_pending)."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.dispatch import dispatch_on_commit, mark_taken, redispatch_wait
from core.typing import Account
from privacy.models import ErasureReceipt
from privacy.registry import handler as handler_named
from privacy.registry import handlers

SUBJECT_SALT = "minime.privacy.subject"
# Internal references the follow-up job needs (order row ids, no personal data).
WAITING_KEY = "_waiting"


def subject_hash(user_id: Any) -> str:
    """A keyed hash of the account id: the same person maps to the same hash (receipts,
    training exports) but the hash cannot be turned back into the account."""
    return salted_hmac(SUBJECT_SALT, str(user_id), algorithm="sha256").hexdigest()


def erasure_receipt_open(*, user: Account) -> ErasureReceipt | None:
    """The account's erasure not yet run through (a finished one has deleted the account)."""
    return ErasureReceipt.objects.filter(
        user=user, status__in=(ErasureReceipt.Status.PENDING, ErasureReceipt.Status.FAILED)
    ).first()


def erasure_start(*, user: Account) -> ErasureReceipt:
    """Record the request, lock the login now, erase in the background after the commit.
    A second request while one is open returns the open receipt."""
    from privacy import tasks

    with transaction.atomic():
        # Parallel requests queue up on the account row, so only the first finds no receipt
        # (SQLite's IMMEDIATE transactions serialise them anyway).
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        receipt = erasure_receipt_open(user=user)
        if receipt is None:
            receipt = ErasureReceipt.objects.create(user=user, subject_hash=subject_hash(user.pk))
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        receipt_id = receipt.pk
        dispatch_on_commit(
            model=ErasureReceipt,
            pk=receipt_id,
            send=lambda: tasks.enqueue_erasure(receipt_id=receipt_id),
        )
    return receipt


def erasure_run(*, receipt_id: int) -> ErasureReceipt:
    """Erase everything the handlers hold for the receipt's account, then the account.
    Idempotent: a retry after a failure redoes only what is left (counts add up)."""
    from privacy.handlers import account_delete

    receipt = ErasureReceipt.objects.get(pk=receipt_id)
    user = receipt.user
    if user is None:
        return receipt  # done already (completed or waiting for shipments)
    mark_taken(model=ErasureReceipt, pk=receipt.pk)
    details: dict[str, Any] = dict(receipt.details)
    deferred: list[str] = list(receipt.deferred)
    waiting: dict[str, list[int]] = dict(details.get(WAITING_KEY, {}))
    try:
        for each in handlers():
            part = each.erase(user=user)
            counts = dict(details.get(each.name, {}))
            for key, value in part.counts.items():
                counts[key] = counts.get(key, 0) + value
            details[each.name] = counts
            deferred += [note for note in part.deferred if note not in deferred]
            for key, ids in part.pending.items():
                name = f"{each.name}.{key}"
                waiting[name] = sorted(set(waiting.get(name, [])) | set(ids))
        with transaction.atomic():
            account_delete(user=user)
            receipt.user = None
            if waiting:
                details[WAITING_KEY] = waiting
            receipt.details = details
            receipt.deferred = deferred
            receipt.status = (
                ErasureReceipt.Status.WAITING if waiting else ErasureReceipt.Status.COMPLETED
            )
            receipt.completed_at = None if waiting else timezone.now()
            receipt.save()
    except Exception as exc:
        # Kept for the sweeper to run again later (it redoes only what is left); the error
        # names the exception type only: its message could quote personal data.
        attempts = receipt.attempts + 1
        ErasureReceipt.objects.filter(pk=receipt.pk).update(
            status=ErasureReceipt.Status.FAILED,
            details=details,
            deferred=deferred,
            attempts=attempts,
            last_error=type(exc).__name__,
            taken_at=None,
            redispatch_at=timezone.now() + redispatch_wait(attempts),
        )
        raise
    return receipt


def _pending_of(waiting: dict[str, list[int]], handler: str) -> dict[str, list[int]]:
    prefix = f"{handler}."
    return {key[len(prefix) :]: ids for key, ids in waiting.items() if key.startswith(prefix)}


def erasure_finish_waiting(*, handler: str, dry_run: bool = False) -> list[tuple[int, int]]:
    """Finish what the handler's erase left waiting (its finish_pending: e.g. print files of
    orders that have shipped since) on every waiting receipt; a receipt with nothing left to
    wait for is completed. Returns (receipt id, work done) for each receipt where work was
    done (or, in a dry run, would be)."""
    finisher = handler_named(handler)
    done: list[tuple[int, int]] = []
    for receipt in ErasureReceipt.objects.filter(status=ErasureReceipt.Status.WAITING):
        waiting: dict[str, list[int]] = dict(receipt.details.get(WAITING_KEY, {}))
        pending = _pending_of(waiting, handler)
        if not pending:
            continue
        details = dict(receipt.details)
        result = finisher.finish_pending(
            pending=pending, counts=dict(details.get(handler, {})), dry_run=dry_run
        )
        still = {key: sorted(ids) for key, ids in result.pending.items() if ids}
        if still == {key: sorted(ids) for key, ids in pending.items()}:
            continue  # nothing could be done yet
        done.append((receipt.pk, result.done))
        if dry_run:
            continue
        details[handler] = result.counts
        for key in pending:
            waiting.pop(f"{handler}.{key}")
        waiting.update({f"{handler}.{key}": ids for key, ids in still.items()})
        if waiting:
            details[WAITING_KEY] = waiting
        else:
            details.pop(WAITING_KEY, None)
            receipt.status = ErasureReceipt.Status.COMPLETED
            receipt.completed_at = timezone.now()
        receipt.details = details
        receipt.save()
    return done


def consent_withdrawn_effects(*, user: Account, purpose: str) -> dict[str, dict[str, int]]:
    """What withdrawing a consent stops at once, app by app (every handler's
    consent_withdrawn: for the generation consent, figures cancels queued and running jobs
    and erases the source photos). Returns the counts of each handler that stopped something."""
    effects: dict[str, dict[str, int]] = {}
    with transaction.atomic():
        for each in handlers():
            counts = each.consent_withdrawn(user=user, purpose=purpose)
            if counts:
                effects[each.name] = counts
    return effects
