"""Retention rules: a dry run lists what is due and changes nothing; a real run deletes it,
files included."""

import hashlib
import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from figures import services as figure_services
from figures.models import FigureDesign, Photo, Render
from privacy import tasks
from privacy.models import DataExport, ErasureReceipt
from privacy.retention import retention_run
from shop.models import Order, OrderStatus
from shop.services.fulfilment import order_mark_in_production
from tests import factories
from tests.factories.shop import approved_design_for, order_bare
from tests.privacy.test_erasure import (
    database_hits,
    paid_order,
    private_storage_in,
    storage_files,
    stored_bytes,
    unique_portrait,
)
from tests.privacy.test_export import built_export


@pytest.fixture
def private_root(db, tmp_path) -> Iterator[Path]:
    with private_storage_in(tmp_path) as root:
        yield root


DAY = timedelta(days=1)


def retention(*, dry_run: bool) -> str:
    out = io.StringIO()
    args = ["--dry-run"] if dry_run else []
    call_command("minime_retention", *args, stdout=out)
    return out.getvalue()


def days_ago(days: int):
    return timezone.now() - days * DAY


def unapproved_render_for(user) -> Render:
    """A render of a draft design, generated inline (not approved)."""
    design = factories.design_for(user)
    with (
        override_settings(MINIME_RENDER_SIZE=128, MINIME_RENDERS_PER_JOB=1),
        mock.patch("figures.tasks.enqueue_generation"),
    ):
        job = figure_services.generation_job_create(design=design, actor=user)
        figure_services.job_run(job_id=job.pk)
    return job.renders.get()


def test_photo_of_a_design_approved_long_ago_is_deleted(private_root, user):
    # given a photo whose design was approved 31 days ago, and a fresh one
    old = figure_services.photo_create(owner=user, upload=unique_portrait())
    design = approved_design_for(user, photo=old)
    Photo.objects.filter(pk=old.pk).update(created_at=days_ago(40))
    FigureDesign.objects.filter(pk=design.pk).update(approved_at=days_ago(31))
    fresh = factories.photo_for(user)
    old_file = private_root / old.image.name
    old_bytes = stored_bytes(old.image)

    # when dry run: listed, nothing deleted
    out = retention(dry_run=True)
    assert "photos: would delete 1" in out and f"Photo {old.pk}" in out
    assert old_file.exists() and Photo.objects.filter(pk=old.pk).exists()

    # when run for real: deleted with its file; the fresh photo and the design stay
    out = retention(dry_run=False)
    assert "photos: deleted 1" in out
    assert not old_file.exists() and not Photo.objects.filter(pk=old.pk).exists()
    assert Photo.objects.filter(pk=fresh.pk).exists()
    design.refresh_from_db()
    assert design.photo is None and design.approved_render is not None

    # then nothing of the photo is left in storage or in the database
    digest = hashlib.sha256(old_bytes).hexdigest()
    chunk = old_bytes[len(old_bytes) // 2 :][:64]
    for name, content in storage_files(private_root).items():
        assert old.image.name not in name and chunk not in content
        assert hashlib.sha256(content).hexdigest() != digest
    assert database_hits([old.sha256, str(old.image.name), str(old.pk)]) == set()


def test_photo_of_a_recent_approval_or_an_order_in_production_is_kept(
    private_root, user, django_capture_on_commit_callbacks
):
    # given an old upload approved 10 days ago, and one whose order is in production
    recent = approved_design_for(user)
    in_production = approved_design_for(user)
    order = paid_order(user, in_production, "MM-STK-A5", django_capture_on_commit_callbacks)
    order_mark_in_production(order=order, actor=None)
    Photo.objects.update(created_at=days_ago(400))
    FigureDesign.objects.filter(pk=recent.pk).update(approved_at=days_ago(10))
    FigureDesign.objects.filter(pk=in_production.pk).update(approved_at=days_ago(300))

    out = retention(dry_run=False)

    assert "photos: deleted 0" in out
    assert Photo.objects.filter(owner=user).count() == 2


def test_photo_of_a_design_never_approved_goes_after_the_days_from_upload(private_root, user):
    design = factories.design_for(user)
    Photo.objects.filter(pk=design.photo_id).update(created_at=days_ago(31))

    assert "photos: would delete 1" in retention(dry_run=True)
    assert Photo.objects.filter(pk=design.photo_id).exists()
    retention(dry_run=False)
    assert not Photo.objects.filter(pk=design.photo_id).exists()


def test_renders_never_approved_are_deleted_after_their_days(
    private_root, user, django_capture_on_commit_callbacks
):
    # given an old unapproved render, an old approved one and an old ordered one
    stale = unapproved_render_for(user)
    approved = approved_design_for(user)
    ordered_design = approved_design_for(user)
    paid_order(user, ordered_design, "MM-DIG", django_capture_on_commit_callbacks)
    Render.objects.update(created_at=days_ago(8))
    stale_file = private_root / stale.image.name

    out = retention(dry_run=True)
    assert "unapproved_renders: would delete 1" in out and f"Render {stale.pk}" in out
    assert stale_file.exists()

    out = retention(dry_run=False)
    assert "unapproved_renders: deleted 1" in out
    assert not stale_file.exists() and not Render.objects.filter(pk=stale.pk).exists()
    assert Render.objects.filter(pk=approved.approved_render_id).exists()
    assert Render.objects.filter(pk=ordered_design.approved_render_id).exists()


def test_unused_accounts_are_erased(private_root, django_capture_on_commit_callbacks):
    # given an account unused for 731 days with a photo, and an active one
    idle = factories.user_create()
    photo = factories.photo_for(idle)
    photo_file = private_root / photo.image.name
    get_user_model().objects.filter(pk=idle.pk).update(
        date_joined=days_ago(800), last_login=days_ago(731)
    )
    Photo.objects.filter(pk=photo.pk).update(created_at=days_ago(10))
    active = factories.user_create()
    get_user_model().objects.filter(pk=active.pk).update(date_joined=days_ago(800))
    factories.design_for(active)

    out = retention(dry_run=True)
    assert "unused_accounts: would delete 1" in out and f"Account {idle.pk}" in out
    assert get_user_model().objects.filter(pk=idle.pk).exists() and photo_file.exists()

    out = retention(dry_run=False)
    assert "unused_accounts: deleted 1" in out
    assert not get_user_model().objects.filter(pk=idle.pk).exists()
    assert not photo_file.exists()
    assert get_user_model().objects.filter(pk=active.pk).exists()
    receipt = ErasureReceipt.objects.get()
    assert receipt.status == ErasureReceipt.Status.COMPLETED and receipt.user is None


def test_expired_export_zips_are_deleted(private_root, user, django_capture_on_commit_callbacks):
    export = built_export(user, django_capture_on_commit_callbacks)
    current = built_export(user, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(expires_at=days_ago(1))
    zip_file = private_root / export.file.name

    out = retention(dry_run=True)
    assert "expired_exports: would delete 1" in out and zip_file.exists()

    out = retention(dry_run=False)
    assert "expired_exports: deleted 1" in out and not zip_file.exists()
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED and not export.file
    assert (private_root / current.file.name).exists()


def test_anonymised_invoices_older_than_the_retention_are_deleted(db, settings):
    settings.MINIME_INVOICE_RETENTION_YEARS = 8
    old = order_bare(status=OrderStatus.SHIPPED, email="", anonymised_at=timezone.now())
    recent = order_bare(status=OrderStatus.SHIPPED, email="", anonymised_at=timezone.now())
    customer_order = order_bare(status=OrderStatus.SHIPPED, total_gross=Decimal("1.00"))
    # Placed in a year whose end is more than 8 years ago (HGB § 257(5) counts from year end)
    Order.objects.filter(pk__in=[old.pk, customer_order.pk]).update(created_at=days_ago(9 * 366))

    out = retention(dry_run=True)
    assert "anonymised_invoices: would delete 1" in out and f"Order {old.pk}" in out
    assert Order.objects.filter(pk=old.pk).exists()

    out = retention(dry_run=False)
    assert "anonymised_invoices: deleted 1" in out
    assert not Order.objects.filter(pk=old.pk).exists()
    assert Order.objects.filter(pk__in=[recent.pk, customer_order.pk]).count() == 2


def test_the_daily_task_runs_the_rules(db):
    with mock.patch("privacy.retention.retention_rules", return_value=[]):
        assert tasks.run_retention.apply().successful()
    assert retention_run(dry_run=True)
