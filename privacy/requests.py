"""Data-subject requests (GDPR Art. 12-22): received, answered within one month, logged."""

import calendar
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from core.typing import Account
from privacy.models import DataSubjectRequest, DataSubjectRequestLog


class IdentityNotVerified(Exception):
    """Staff must check who is asking before handing out or erasing anyone's data."""

    def __init__(self, request: DataSubjectRequest) -> None:
        super().__init__(f"Identity not verified for data-subject request {request.pk}")
        self.request = request


class RequestHasNoAccount(Exception):
    """The request is not linked to an account, so there is nothing to run it on."""


def add_one_month(day: date) -> date:
    """The same day next month, or that month's last day when it is shorter (31 Jan -> 28 or
    29 Feb): the one-month answer period of Art. 12(3) GDPR, counted in calendar months."""
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def dsr_deadline(*, received_at: datetime) -> date:
    return add_one_month(timezone.localdate(received_at))


def dsr_log(*, request: DataSubjectRequest, message: str, actor: Account | None = None) -> None:
    DataSubjectRequestLog.objects.create(request=request, actor=actor, message=message[:300])


@transaction.atomic
def dsr_create(
    *,
    kind: str,
    user: Account | None = None,
    email: str = "",
    received_at: datetime | None = None,
    from_customer: bool = True,
    identity_verified: bool = False,
    identity_check: str = "",
    details: str = "",
    actor: Account | None = None,
) -> DataSubjectRequest:
    received_at = received_at or timezone.now()
    request = DataSubjectRequest.objects.create(
        kind=kind,
        user=user,
        email=email,
        received_at=received_at,
        deadline=dsr_deadline(received_at=received_at),
        identity_verified=identity_verified,
        identity_check=identity_check,
        details=details,
        from_customer=from_customer,
    )
    source = "privacy centre" if from_customer else "staff"
    dsr_log(request=request, actor=actor, message=f"Request received ({source}).")
    return request


def _runnable_account(request: DataSubjectRequest) -> Account:
    if not request.identity_verified:
        raise IdentityNotVerified(request)
    if request.user is None:
        raise RequestHasNoAccount(f"Data-subject request {request.pk} has no account")
    return request.user


@transaction.atomic
def dsr_run_export(*, request: DataSubjectRequest, actor: Account | None) -> None:
    from privacy.exporting import data_export_create

    user = _runnable_account(request)
    export = data_export_create(user=user)
    request.status = DataSubjectRequest.Status.IN_PROGRESS
    request.save(update_fields=["status"])
    dsr_log(request=request, actor=actor, message=f"Export {export.pk} started.")


@transaction.atomic
def dsr_run_erasure(*, request: DataSubjectRequest, actor: Account | None) -> None:
    from privacy.erasure import erasure_start

    user = _runnable_account(request)
    receipt = erasure_start(user=user)
    request.status = DataSubjectRequest.Status.IN_PROGRESS
    request.save(update_fields=["status"])
    dsr_log(request=request, actor=actor, message=f"Erasure started, receipt {receipt.pk}.")
