from django.contrib.auth import get_user_model
from django.db import transaction

from core.typing import Account
from privacy.models import ConsentRecord, DataExport, ErasureReceipt, Purpose
from privacy.selectors import consent_is_active, policy_current


def consent_record(*, user: Account, purpose: str, granted: bool, method: str) -> ConsentRecord:
    """Append one decision for the policy version in force now."""
    policy = policy_current(purpose=purpose)
    return ConsentRecord.objects.create(
        user=user, purpose=purpose, policy_version=policy.version, granted=granted, method=method
    )


@transaction.atomic
def consent_form_submit(
    *, user: Account, generation: bool, training: bool, method: str
) -> list[ConsentRecord]:
    """Record each decision on the consent form (a declined opt-in is a decision too)."""
    return [
        consent_record(user=user, purpose=Purpose.GENERATION, granted=generation, method=method),
        consent_record(user=user, purpose=Purpose.TRAINING, granted=training, method=method),
    ]


def consent_require(*, user: Account, purpose: str) -> None:
    from privacy.exceptions import ConsentRequired

    if not consent_is_active(user=user, purpose=purpose):
        raise ConsentRequired(purpose)


@transaction.atomic
def consent_withdraw_generation(*, user: Account, method: str) -> ConsentRecord:
    """Withdrawing generation consent stops everything that depends on it: queued jobs are
    cancelled and the photos erased (each handler's consent_withdrawn does its part)."""
    from privacy.erasure import consent_withdrawn_effects

    record = consent_record(user=user, purpose=Purpose.GENERATION, granted=False, method=method)
    consent_withdrawn_effects(user=user, purpose=Purpose.GENERATION)
    return record


def _account_lock(user: Account) -> None:
    """Parallel requests of one account wait here for each other (a no-op on SQLite, whose
    IMMEDIATE transactions serialise writers anyway)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


@transaction.atomic
def privacy_centre_export_request(*, user: Account) -> tuple[DataExport, bool]:
    """A customer asks for their data: start the export and file it as a data-subject request
    (logged in to the own account is the identity check). One at a time: while an export is
    being prepared, asking again returns it (False: nothing new) and files no request."""
    from privacy.exporting import data_export_create, data_export_pending
    from privacy.models import DataSubjectRequest
    from privacy.requests import dsr_create, dsr_log

    _account_lock(user)
    pending = data_export_pending(user=user)
    if pending is not None:
        return pending, False
    export = data_export_create(user=user)
    request = dsr_create(
        kind=DataSubjectRequest.Kind.ACCESS,
        user=user,
        email=user.email,
        from_customer=True,
        identity_verified=True,
        identity_check="Signed in to the own account",
    )
    request.status = DataSubjectRequest.Status.IN_PROGRESS
    request.save(update_fields=["status"])
    dsr_log(request=request, message=f"Export {export.pk} started from the privacy centre.")
    return export, True


@transaction.atomic
def privacy_centre_erasure_request(*, user: Account) -> ErasureReceipt:
    """A customer erases their account. The request row keeps no email: after the erasure it
    would be the only personal data left; the receipt id links it to the proof. Once: a
    second request (a double click, another tab) returns the open receipt and files nothing."""
    from privacy.erasure import erasure_receipt_open, erasure_start
    from privacy.models import DataSubjectRequest
    from privacy.requests import dsr_create, dsr_log

    _account_lock(user)
    # A plain model instance: request.user is a lazy proxy, and erasure works on the row.
    user = get_user_model()._default_manager.get(pk=user.pk)
    open_receipt = erasure_receipt_open(user=user)
    if open_receipt is not None:
        return open_receipt
    receipt = erasure_start(user=user)
    request = dsr_create(
        kind=DataSubjectRequest.Kind.ERASURE,
        user=user,
        from_customer=True,
        identity_verified=True,
        identity_check="Signed in and re-entered the password",
    )
    request.status = DataSubjectRequest.Status.IN_PROGRESS
    request.save(update_fields=["status"])
    dsr_log(
        request=request, message=f"Erasure started from the privacy centre, receipt {receipt.pk}."
    )
    return receipt
