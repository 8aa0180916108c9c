"""Retention, run daily (task privacy.run_retention, command minime_retention).

The rules are the registered handlers' (privacy.registry.retention_rules), each with its period
read from settings: every rule finds what is due, deletes it unless dry_run, and returns what it
found (row ids only: the output goes to logs). Deleting files always goes through the storage.
Privacy's own rules (unused accounts, expired exports, finishing waiting erasures) are here."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from privacy.conf import privacy_settings
from privacy.models import DataExport, ErasureReceipt
from privacy.registry import (
    RetentionRule,
    RuleResult,
    clock_start,
    retention_holds,
    retention_rules,
)


def _unused_since(User: Any, cutoff: datetime) -> Q:
    """Customer accounts of any AUTH_USER_MODEL unused since cutoff: staff and superusers are
    never erased; a model without date_joined counts only accounts that have logged in."""
    fields = {field.name for field in User._meta.get_fields()}
    query = Q(last_login__lt=cutoff)
    if "date_joined" in fields:
        query |= Q(last_login__isnull=True, date_joined__lt=cutoff)
    for flag in ("is_staff", "is_superuser"):
        if flag in fields:
            query &= Q(**{flag: False})
    return query


class UnusedAccountsRule(RetentionRule):
    """Accounts with no login and no use by any app (orders, designs: their holds) for
    MINIME_UNUSED_ACCOUNT_DAYS are erased like an erasure request."""

    name = "unused_accounts"

    def period(self) -> timedelta:
        return timedelta(days=privacy_settings.UNUSED_ACCOUNT_DAYS)

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        from privacy.erasure import erasure_run, subject_hash

        result = RuleResult(self.name)
        cutoff = self.cutoff(now)
        User = get_user_model()
        users = list(User._default_manager.filter(_unused_since(User, cutoff)).order_by("pk"))
        holds = retention_holds(model=User, pks=[user.pk for user in users])
        for user in users:
            start = user.last_login or getattr(user, "date_joined", None)
            used = start and clock_start(start, pk=user.pk, holds=holds)
            if used is None or used >= cutoff:
                continue
            result.items.append(f"Account {user.pk}")
            if not dry_run:
                receipt = ErasureReceipt.objects.create(
                    user=user, subject_hash=subject_hash(user.pk)
                )
                erasure_run(receipt_id=receipt.pk)
        result.count = len(result.items)
        return result


class ExpiredExportsRule(RetentionRule):
    """Data export ZIPs whose download link expired (MINIME_EXPORT_LINK_HOURS)."""

    name = "expired_exports"

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        result = RuleResult(self.name)
        exports = DataExport.objects.filter(expires_at__lte=now).filter(
            Q(status__in=(DataExport.Status.READY, DataExport.Status.DOWNLOADED)) | ~Q(file="")
        )
        for export in exports.order_by("pk"):
            result.items.append(f"Export {export.pk}")
            if not dry_run:
                if export.file:
                    export.file.delete(save=False)
                export.status = DataExport.Status.EXPIRED
                export.save(update_fields=["file", "status"])
        result.count = len(result.items)
        return result


class FinishPendingRule(RetentionRule):
    """Finishes the work one handler's erasure left waiting (its `finish_pending`), for every
    waiting erasure receipt. A handler with pending work lists one of these in its rules."""

    def __init__(self, *, name: str, handler: str) -> None:
        self.name = name
        self.handler = handler

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        from privacy.erasure import erasure_finish_waiting

        result = RuleResult(self.name)
        for receipt_id, done in erasure_finish_waiting(handler=self.handler, dry_run=dry_run):
            result.items.append(f"Erasure receipt {receipt_id} ({done})")
        result.count = len(result.items)
        return result


def retention_run(*, dry_run: bool = False, now: Any = None) -> list[RuleResult]:
    now = now or timezone.now()
    return [rule.run(now=now, dry_run=dry_run) for rule in retention_rules()]
