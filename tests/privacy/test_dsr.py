from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from privacy.models import DataSubjectRequest, DataSubjectRequestLog
from privacy.requests import add_one_month, dsr_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (date(2026, 1, 15), date(2026, 2, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),  # leap year
        (date(2028, 1, 29), date(2028, 2, 29)),
        (date(2026, 1, 29), date(2026, 2, 28)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 2, 28), date(2026, 3, 28)),
        (date(2028, 2, 29), date(2028, 3, 29)),
        (date(2026, 8, 31), date(2026, 9, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),
        (date(2026, 12, 1), date(2027, 1, 1)),
    ],
)
def test_deadline_is_one_calendar_month_later(received, deadline):
    assert add_one_month(received) == deadline


def test_dsr_create_computes_the_deadline_from_the_local_received_date(settings):
    tz = ZoneInfo(settings.TIME_ZONE)
    received = datetime(2026, 1, 31, 10, 0, tzinfo=tz)

    request = dsr_create(
        kind=DataSubjectRequest.Kind.ACCESS, email="a@example.com", received_at=received
    )

    assert request.deadline == date(2026, 2, 28)
    assert request.log.count() == 1


def _staff_client(client):
    staff = factories.user_create(consent=False, email="dpo@example.com")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    return staff


def _overdue_request(**fields):
    return dsr_create(
        kind=DataSubjectRequest.Kind.ACCESS,
        email="late@example.com",
        received_at=timezone.now() - timedelta(days=60),
        **fields,
    )


def test_overdue_requests_stand_out_in_the_changelist(client):
    _staff_client(client)
    late = _overdue_request()
    on_time = dsr_create(kind=DataSubjectRequest.Kind.ERASURE, email="fresh@example.com")
    done_late = _overdue_request()
    done_late.status = DataSubjectRequest.Status.DONE
    done_late.save()
    url = reverse("admin:privacy_datasubjectrequest_changelist")

    response = client.get(url)
    overdue_only = client.get(url, {"overdue": "yes"})

    html = response.content.decode()
    assert html.count('data-overdue="1"') == 1
    assert any(
        "past their one-month deadline" in str(m) for m in get_messages(response.wsgi_request)
    )
    assert list(overdue_only.context["cl"].result_list) == [late]
    assert on_time not in overdue_only.context["cl"].result_list


def test_staff_can_file_a_request_and_the_deadline_is_computed(client):
    _staff_client(client)

    response = client.post(
        reverse("admin:privacy_datasubjectrequest_add"),
        {
            "kind": "access",
            "email": "letter@example.com",
            "received_at_0": "2026-01-31",
            "received_at_1": "09:00:00",
            "status": "open",
            "identity_check": "",
            "details": "Letter by post",
            "log-TOTAL_FORMS": "0",
            "log-INITIAL_FORMS": "0",
            "log-MIN_NUM_FORMS": "0",
            "log-MAX_NUM_FORMS": "1000",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    request = DataSubjectRequest.objects.get(email="letter@example.com")
    assert request.deadline == date(2026, 2, 28)
    assert request.from_customer is False
    assert request.log.filter(message__contains="staff").exists()


@pytest.mark.parametrize("action", ["run_export", "run_erasure"])
def test_actions_need_an_identity_check(client, action):
    _staff_client(client)
    customer = factories.user_create()
    request = dsr_create(kind=DataSubjectRequest.Kind.ACCESS, user=customer, from_customer=False)

    response = client.post(
        reverse("admin:privacy_datasubjectrequest_changelist"),
        {"action": action, "_selected_action": [request.pk]},
        follow=True,
    )

    assert "check the identity first" in response.content.decode()
    request.refresh_from_db()
    assert request.status == DataSubjectRequest.Status.OPEN
    assert DataSubjectRequestLog.objects.filter(request=request).count() == 1
    customer.refresh_from_db()
    assert customer.is_active


def test_run_erasure_with_verified_identity_starts_the_erasure_and_logs_it(
    client, django_capture_on_commit_callbacks
):
    from privacy.models import ErasureReceipt

    _staff_client(client)
    customer = factories.user_create()
    request = dsr_create(
        kind=DataSubjectRequest.Kind.ERASURE,
        user=customer,
        from_customer=False,
        identity_verified=True,
        identity_check="Passport copy checked",
    )

    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("admin:privacy_datasubjectrequest_changelist"),
            {"action": "run_erasure", "_selected_action": [request.pk]},
        )

    request.refresh_from_db()
    assert request.status == DataSubjectRequest.Status.IN_PROGRESS
    receipt = ErasureReceipt.objects.get()
    assert request.log.filter(message__contains=f"receipt {receipt.pk}").exists()
    assert request.log.last().actor.email == "dpo@example.com"


def test_read_only_admins_for_exports_receipts_and_training_sets(client):
    _staff_client(client)
    for model in ("dataexport", "erasurereceipt", "trainingexport"):
        assert client.get(reverse(f"admin:privacy_{model}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:privacy_{model}_add")).status_code == 403
