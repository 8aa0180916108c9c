from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone, translation

from core.typing import Account
from privacy.models import (
    ConsentRecord,
    DataExport,
    DataSubjectRequest,
    PolicyDocument,
    Purpose,
)
from privacy.registry import StoredItem, handlers


def _effective_policies(*, purpose: str) -> QuerySet[PolicyDocument]:
    return PolicyDocument.objects.filter(purpose=purpose, effective_at__lte=timezone.now())


def policy_current(*, purpose: str, language: str | None = None) -> PolicyDocument:
    """The newest effective policy for a purpose, in the language asked for (else English)."""
    language = (language or translation.get_language() or "en").split("-")[0]
    effective = _effective_policies(purpose=purpose)
    newest = effective.order_by("-version").values_list("version", flat=True).first()
    if newest is None:
        raise PolicyDocument.DoesNotExist(f"No effective policy for {purpose!r}")
    in_version = effective.filter(version=newest)
    return in_version.filter(language=language).first() or in_version.get(language="en")


def policy_material_version(*, purpose: str) -> int | None:
    """The newest effective version that changed something material: consents given for an
    older version no longer count. A non-material version (a typo fix) is not counted."""
    return (
        _effective_policies(purpose=purpose)
        .filter(material=True)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
    )


def consent_latest(*, user: Account, purpose: str) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(user=user, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )


def _consent_is_current(record: ConsentRecord, *, purpose: str) -> bool:
    material = policy_material_version(purpose=purpose)
    return material is None or record.policy_version >= material


def consent_is_active(*, user: Account | AnonymousUser, purpose: str) -> bool:
    """Granted, and not outdated by a material policy change since (a non-material new
    version keeps the consent valid)."""
    if not user.is_authenticated:
        return False
    latest = consent_latest(user=user, purpose=purpose)
    if latest is None or not latest.granted:
        return False
    return _consent_is_current(latest, purpose=purpose)


def consent_needs_renewal(*, user: Account | AnonymousUser, purpose: str) -> bool:
    """Granted once, but the policy has changed materially since: ask again."""
    if not user.is_authenticated:
        return False
    latest = consent_latest(user=user, purpose=purpose)
    return (
        latest is not None and latest.granted and not _consent_is_current(latest, purpose=purpose)
    )


@dataclass(frozen=True)
class ConsentState:
    purpose: str
    label: str
    policy: PolicyDocument
    latest: ConsentRecord | None
    active: bool
    needs_renewal: bool


def consent_states(*, user: Account) -> list[ConsentState]:
    """Every purpose with an effective policy, and where this person stands on it."""
    states = []
    for purpose in Purpose:
        try:
            policy = policy_current(purpose=purpose)
        except PolicyDocument.DoesNotExist:
            continue
        latest = consent_latest(user=user, purpose=purpose)
        active = (
            latest is not None and latest.granted and _consent_is_current(latest, purpose=purpose)
        )
        states.append(
            ConsentState(
                purpose=purpose.value,
                label=str(purpose.label),
                policy=policy,
                latest=latest,
                active=active,
                needs_renewal=latest is not None and latest.granted and not active,
            )
        )
    return states


def data_exports_of(*, user: Account) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id")


def data_subject_requests_overdue() -> QuerySet[DataSubjectRequest]:
    open_statuses = [DataSubjectRequest.Status.OPEN, DataSubjectRequest.Status.IN_PROGRESS]
    return DataSubjectRequest.objects.filter(
        status__in=open_statuses, deadline__lt=timezone.localdate()
    )


# --- What the privacy centre shows: every kind of stored data with its deletion date ------


@dataclass(frozen=True)
class StoredData:
    """Every handler's stored items by kind ("photo", "design", ...: the centre's sections),
    each under the retention rule that deletes it, and the consent history."""

    by_kind: dict[str, list[StoredItem]]
    consents: list[ConsentRecord]


def stored_data_of(*, user: Account) -> StoredData:
    by_kind: dict[str, list[StoredItem]] = {}
    for handler in handlers():
        for item in handler.stored_items(user=user):
            by_kind.setdefault(item.kind, []).append(item)
    consents = list(ConsentRecord.objects.filter(user=user).order_by("-created_at", "-id"))
    return StoredData(by_kind, consents)
