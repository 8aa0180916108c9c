"""Erasure of a person's data through the registry (privacy.registry), with a receipt that
proves it without personal data.

erasure_start (the request) -> task privacy.erase_account -> erasure_run: every handler's
erase in the fixed order, the login last. Print files of orders still in production wait;
the receipt says so (status waiting) until the retention job finishes them after shipment."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core.typing import Account
from privacy.models import ErasureReceipt
from privacy.registry import handlers

SUBJECT_SALT = "minime.privacy.subject"
# Internal references the follow-up job needs (order row ids, no personal data).
WAITING_KEY = "_waiting"


def subject_hash(user_id: Any) -> str:
    """A keyed hash of the account id: the same person maps to the same hash (receipts,
    training exports) but the hash cannot be turned back into the account."""
    return salted_hmac(SUBJECT_SALT, str(user_id), algorithm="sha256").hexdigest()


def erasure_start(*, user: Account) -> ErasureReceipt:
    """Record the request, lock the login now, erase in the background after the commit.
    A second request while one is open returns the open receipt."""
    from privacy import tasks

    with transaction.atomic():
        receipt = ErasureReceipt.objects.filter(
            user=user, status__in=(ErasureReceipt.Status.PENDING, ErasureReceipt.Status.FAILED)
        ).first()
        if receipt is None:
            receipt = ErasureReceipt.objects.create(user=user, subject_hash=subject_hash(user.pk))
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        receipt_id = receipt.pk
        transaction.on_commit(lambda: tasks.enqueue_erasure(receipt_id=receipt_id))
    return receipt


def erasure_run(*, receipt_id: int) -> ErasureReceipt:
    """Erase everything the handlers hold for the receipt's account, then the account.
    Idempotent: a retry after a failure redoes only what is left (counts add up)."""
    from privacy.handlers import account_delete

    receipt = ErasureReceipt.objects.get(pk=receipt_id)
    user = receipt.user
    if user is None:
        return receipt  # done already (completed or waiting for shipments)
    details: dict[str, Any] = dict(receipt.details)
    deferred: list[str] = list(receipt.deferred)
    waiting: dict[str, list[int]] = dict(details.get(WAITING_KEY, {}))
    try:
        for handler in handlers():
            part = handler.erase(user=user)
            counts = dict(details.get(handler.name, {}))
            for key, value in part.counts.items():
                counts[key] = counts.get(key, 0) + value
            details[handler.name] = counts
            deferred += [note for note in part.deferred if note not in deferred]
            for key, ids in part.pending.items():
                name = f"{handler.name}.{key}"
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
    except Exception:
        ErasureReceipt.objects.filter(pk=receipt.pk).update(
            status=ErasureReceipt.Status.FAILED, details=details, deferred=deferred
        )
        raise
    return receipt


def erasure_finish_waiting(*, dry_run: bool = False) -> list[tuple[int, int]]:
    """Finish waiting receipts whose deferred work can be done now (orders shipped).
    Returns (receipt id, files erased) for each receipt that had work done (or, in a dry
    run, that would be completed)."""
    from printing.privacy import (
        printing_deferred_order_ids,
        printing_erase_deferred_after_shipment,
    )

    done: list[tuple[int, int]] = []
    for receipt in ErasureReceipt.objects.filter(status=ErasureReceipt.Status.WAITING):
        waiting = dict(receipt.details.get(WAITING_KEY, {}))
        order_ids = waiting.get("printing.orders", [])
        if dry_run:
            still = printing_deferred_order_ids(order_ids)
            if len(still) < len(order_ids):
                done.append((receipt.pk, len(order_ids) - len(still)))
            continue
        erased, still = printing_erase_deferred_after_shipment(order_ids=order_ids)
        if len(still) == len(order_ids) and order_ids:
            continue
        details = dict(receipt.details)
        counts = dict(details.get("printing", {}))
        counts["print_files"] = counts.get("print_files", 0) + erased
        counts["orders_waiting"] = len(still)
        details["printing"] = counts
        if still:
            waiting["printing.orders"] = still
            details[WAITING_KEY] = waiting
        else:
            waiting.pop("printing.orders", None)
            if waiting:
                details[WAITING_KEY] = waiting
            else:
                details.pop(WAITING_KEY, None)
        receipt.details = details
        if not waiting:
            receipt.status = ErasureReceipt.Status.COMPLETED
            receipt.completed_at = timezone.now()
        receipt.save()
        done.append((receipt.pk, erased))
    return done


def withdraw_generation_consent_effects(*, user: Account) -> dict[str, int]:
    """What withdrawing the generation consent stops at once: queued/running generation
    jobs are cancelled and the source photos erased (designs and renders stay: they are
    the customer's ordered products, not the biometric source)."""
    from figures.privacy import figures_cancel_active_jobs, figures_erase_photos

    with transaction.atomic():
        cancelled = figures_cancel_active_jobs(
            user=user, reason="cancelled: generation consent withdrawn"
        )
        photos = figures_erase_photos(user=user)
    return {"jobs_cancelled": cancelled, "photos": photos}
