"""Exports and erasures never stall: the sweeper sends lost ones again, retries a failed
erasure with backoff, and staff see an erasure that failed every retry as stuck."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from privacy.erasure import erasure_run, erasure_start
from privacy.exporting import data_export_create
from privacy.models import DataExport, ErasureReceipt
from privacy.sweeper import erasures_stuck, privacy_requests_sweep
from tests import factories

pytestmark = pytest.mark.django_db


def test_an_export_whose_task_never_reached_a_worker_is_sent_again(
    user, django_capture_on_commit_callbacks
):
    # Given an export recorded but never dispatched (the broker was away at the commit)
    away = BrokerOperationalError("connection refused")
    with (
        mock.patch("privacy.tasks.build_export.apply_async", side_effect=away),
        django_capture_on_commit_callbacks(execute=True),
    ):
        export = data_export_create(user=user)
    export.refresh_from_db()
    assert export.dispatched_at is None

    # When the sweeper runs (the broker is back)
    with mock.patch("privacy.tasks.build_export.apply_async") as publish:
        sent = privacy_requests_sweep()

    # Then it is published once and recorded as dispatched; a second sweep waits its turn
    assert sent == 1 and publish.call_count == 1
    export.refresh_from_db()
    assert export.dispatched_at is not None and export.dispatch_count == 1
    with mock.patch("privacy.tasks.build_export.apply_async") as publish_again:
        assert privacy_requests_sweep() == 0
    publish_again.assert_not_called()


def test_a_failing_erasure_is_retried_with_backoff_then_shown_as_stuck(user, settings):
    # Given an erasure whose run fails every time (a handler's storage is away)
    settings.MINIME_ERASURE_MAX_ATTEMPTS = 2
    receipt = erasure_start(user=user)
    with (
        mock.patch("privacy.erasure.handlers", side_effect=OSError("storage away")),
        mock.patch("privacy.tasks.erase_account.apply_async") as publish,
    ):
        # When it runs and fails, the sweeper sends it again only after its backoff
        with pytest.raises(OSError):
            erasure_run(receipt_id=receipt.pk)
        receipt.refresh_from_db()
        assert receipt.status == "failed" and receipt.attempts == 1
        assert receipt.last_error == "OSError"  # the type only: messages may quote data
        assert privacy_requests_sweep() == 0
        assert privacy_requests_sweep(now=receipt.redispatch_at + timedelta(seconds=1)) == 1
        assert publish.call_count == 1
        # and after the last allowed attempt it is left for staff
        with pytest.raises(OSError):
            erasure_run(receipt_id=receipt.pk)
        later = timezone.now() + timedelta(days=1)
        assert privacy_requests_sweep(now=later) == 0

    # Then staff find it under "stuck", and the login stays locked meanwhile
    assert list(erasures_stuck()) == [receipt]
    user.refresh_from_db()
    assert not user.is_active


def test_the_admin_lists_stuck_erasures(admin_client, user, settings):
    settings.MINIME_ERASURE_MAX_ATTEMPTS = 1
    stuck = erasure_start(user=user)
    ErasureReceipt.objects.filter(pk=stuck.pk).update(status="failed", attempts=1)
    fine = erasure_start(user=factories.user_create())

    page = admin_client.get(reverse("admin:privacy_erasurereceipt_changelist") + "?stuck=yes")

    listed = list(page.context["cl"].result_list)
    assert listed == [stuck] and fine not in listed


def test_a_failed_export_offers_to_try_again(user_client):
    export = data_export_create(user=user_client.user)
    DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED)

    html = user_client.get(reverse("privacy:centre")).content.decode()

    assert 'data-testid="export-failed"' in html
    assert "Try again" in html
