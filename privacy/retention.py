"""Retention rules, run daily (task privacy.run_retention, command minime_retention).

Each rule finds what is due, and deletes it unless dry_run; every rule returns what it found
(row ids only: the output goes to logs). Deleting files always goes through the storage."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from figures.models import ACTIVE_JOB_STATUSES, DesignStatus, FigureDesign, Photo, Render
from privacy.conf import privacy_settings
from privacy.models import DataExport, ErasureReceipt


@dataclass
class RuleResult:
    rule: str
    count: int = 0
    items: list[str] = field(default_factory=list)


def _photo_release_time(photo: Photo) -> datetime | None:
    """When the photo's retention clock starts: the later of its designs' approval and the
    shipping of the last order holding one of them; None while an order holding it is still
    being produced. Photos of designs neither approved nor ordered: the upload time."""
    from printing.privacy import order_in_production
    from shop.models import Order, OrderStatus

    designs = list(FigureDesign.objects.filter(photo=photo))
    if any(d.jobs.filter(status__in=ACTIVE_JOB_STATUSES).exists() for d in designs):
        return None
    times: list[datetime] = [
        d.approved_at for d in designs if d.status == DesignStatus.APPROVED and d.approved_at
    ]
    orders = (
        Order.objects.filter(lines__design__in=designs)
        .exclude(status__in=(OrderStatus.PENDING_PAYMENT, OrderStatus.CANCELLED))
        .distinct()
    )
    for order in orders:
        if order_in_production(order):
            return None
        shipped = order.status_changes.filter(to_status=OrderStatus.SHIPPED).aggregate(
            at=Max("created_at")
        )["at"]
        at = shipped or order.paid_at or order.created_at
        times.append(at)
    return max(times) if times else photo.created_at


def rule_photos(*, now: datetime, dry_run: bool) -> RuleResult:
    result = RuleResult("photos")
    cutoff = now - timedelta(days=privacy_settings.PHOTO_RETENTION_DAYS)
    for photo in Photo.objects.filter(created_at__lt=cutoff).order_by("created_at"):
        released = _photo_release_time(photo)
        if released is None or released >= cutoff:
            continue
        result.items.append(f"Photo {photo.pk}")
        if not dry_run:
            photo.image.delete(save=False)
            photo.delete()
    result.count = len(result.items)
    return result


def rule_unapproved_renders(*, now: datetime, dry_run: bool) -> RuleResult:
    from figures.privacy import renders_delete
    from shop.models import OrderLine

    result = RuleResult("unapproved_renders")
    cutoff = now - timedelta(days=privacy_settings.UNAPPROVED_RENDER_RETENTION_DAYS)
    renders = list(
        Render.objects.filter(created_at__lt=cutoff)
        .filter(approved_for__isnull=True)
        .exclude(Exists(OrderLine.objects.filter(render=OuterRef("pk"))))
        .order_by("created_at")
    )
    result.items = [f"Render {render.pk}" for render in renders]
    result.count = len(renders)
    if not dry_run:
        renders_delete(renders)
    return result


def rule_unused_accounts(*, now: datetime, dry_run: bool) -> RuleResult:
    from privacy.erasure import erasure_run, subject_hash
    from shop.models import Order

    result = RuleResult("unused_accounts")
    cutoff = now - timedelta(days=privacy_settings.UNUSED_ACCOUNT_DAYS)
    User = get_user_model()
    users = (
        User.objects.filter(is_staff=False, is_superuser=False)
        .filter(Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff))
        .exclude(Exists(Order.objects.filter(owner=OuterRef("pk"), created_at__gte=cutoff)))
        .exclude(
            Exists(
                FigureDesign.objects.filter(owner=OuterRef("pk")).filter(
                    Q(created_at__gte=cutoff) | Q(updated_at__gte=cutoff)
                )
            )
        )
        .order_by("pk")
    )
    for user in users:
        result.items.append(f"Account {user.pk}")
        if not dry_run:
            receipt = ErasureReceipt.objects.create(user=user, subject_hash=subject_hash(user.pk))
            erasure_run(receipt_id=receipt.pk)
    result.count = len(result.items)
    return result


def rule_expired_exports(*, now: datetime, dry_run: bool) -> RuleResult:
    result = RuleResult("expired_exports")
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


def rule_anonymised_invoices(*, now: datetime, dry_run: bool) -> RuleResult:
    from shop.models import Order
    from shop.privacy import ANONYMISED_EMAIL, orders_delete

    result = RuleResult("anonymised_invoices")
    cutoff = now - timedelta(days=365 * privacy_settings.INVOICE_RETENTION_YEARS)
    order_ids = list(
        Order.objects.filter(email=ANONYMISED_EMAIL, owner__isnull=True, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    result.items = [f"Order {pk}" for pk in order_ids]
    result.count = len(order_ids)
    if order_ids and not dry_run:
        orders_delete(order_ids)
    return result


def rule_deferred_print_files(*, now: datetime, dry_run: bool) -> RuleResult:
    from privacy.erasure import erasure_finish_waiting

    result = RuleResult("deferred_print_files")
    for receipt_id, files in erasure_finish_waiting(dry_run=dry_run):
        result.items.append(f"Erasure receipt {receipt_id} ({files})")
    result.count = len(result.items)
    return result


RULES: list[Callable[..., RuleResult]] = [
    rule_deferred_print_files,
    rule_photos,
    rule_unapproved_renders,
    rule_unused_accounts,
    rule_expired_exports,
    rule_anonymised_invoices,
]


def retention_run(*, dry_run: bool = False, now: Any = None) -> list[RuleResult]:
    now = now or timezone.now()
    return [rule(now=now, dry_run=dry_run) for rule in RULES]
