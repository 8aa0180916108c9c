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
    User = get_user_model()
    login = {} if User.USERNAME_FIELD == "email" else {User.USERNAME_FIELD: email.split("@")[0]}
    # Any AUTH_USER_MODEL (tests/plugin/settings_custom_user.py logs in by email only).
    user = User._default_manager.create_user(email=email, password=PASSWORD, **login)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if consent:
        consent_form_submit(
            user=user, generation=True, training=training, method=ConsentMethod.CONSENT_FORM
        )
    return user
