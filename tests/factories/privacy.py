"""Accounts with verified email and recorded consent, through the real privacy services."""

from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model

from privacy.models import ConsentMethod
from privacy.services import consent_form_submit

PASSWORD = "correct-horse-battery-staple"
_counter = iter(range(1, 10**9))


def user_create(*, email: str | None = None, consent: bool = True, training: bool = False) -> Any:
    email = email or f"user{next(_counter)}@example.com"
    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password=PASSWORD
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if consent:
        consent_form_submit(
            user=user, generation=True, training=training, method=ConsentMethod.CONSENT_FORM
        )
    return user
