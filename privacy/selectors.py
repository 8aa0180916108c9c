from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation

from privacy.models import ConsentRecord, PolicyDocument
from privacy.typing import Account


def policy_current(*, purpose: str, language: str | None = None) -> PolicyDocument:
    """The newest effective policy for a purpose, in the language asked for (else English)."""
    language = (language or translation.get_language() or "en").split("-")[0]
    effective = PolicyDocument.objects.filter(purpose=purpose, effective_at__lte=timezone.now())
    newest = effective.order_by("-version").values_list("version", flat=True).first()
    if newest is None:
        raise PolicyDocument.DoesNotExist(f"No effective policy for {purpose!r}")
    in_version = effective.filter(version=newest)
    return in_version.filter(language=language).first() or in_version.get(language="en")


def consent_latest(*, user: Account, purpose: str) -> ConsentRecord | None:
    return (
        ConsentRecord.objects.filter(user=user, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )


def consent_is_active(*, user: Account | AnonymousUser, purpose: str) -> bool:
    """Granted, and for the policy version in force now: a new version asks again."""
    if not user.is_authenticated:
        return False
    latest = consent_latest(user=user, purpose=purpose)
    if latest is None or not latest.granted:
        return False
    return latest.policy_version == policy_current(purpose=purpose).version
