from django.db import transaction

from privacy.models import ConsentRecord, Purpose
from privacy.selectors import consent_is_active, policy_current
from privacy.typing import Account


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
