"""core.auth: Django's and allauth's backends whose per-request read of the signed-in account is
a compiled query; the account, its checks and the sign-in stay theirs."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connections
from django.urls import reverse

from core import auth
from tests import factories
from tests.factories.privacy import PASSWORD

pytestmark = pytest.mark.django_db


def _fields(user):
    return {k: v for k, v in vars(user).items() if k != "_state"}


def test_the_settings_use_them(settings):
    assert settings.AUTHENTICATION_BACKENDS == [
        "core.auth.ModelBackend",
        "core.auth.AuthenticationBackend",
    ]


@pytest.mark.parametrize("backend", [auth.ModelBackend, auth.AuthenticationBackend])
def test_get_user_is_the_orms_row_read_by_a_compiled_query(backend, user):
    other = factories.user_create()

    for account in (user, other):
        loaded = backend().get_user(account.pk)
        expected = get_user_model().objects.get(pk=account.pk)
        assert _fields(loaded) == _fields(expected)
        assert loaded._state.adding is False and loaded._state.db == "default"

    read, _names = auth._read_for(get_user_model())
    assert read._compiled[connections["default"]] is not None  # compiled, and reused for both


@pytest.mark.parametrize("backend", [auth.ModelBackend, auth.AuthenticationBackend])
def test_an_unknown_or_inactive_account_is_nobody(backend, user):
    assert backend().get_user(user.pk + 10_000) is None

    user.is_active = False
    user.save(update_fields=["is_active"])
    assert backend().get_user(user.pk) is None


def test_a_signed_in_customer_is_that_customer_until_the_password_changes(user_client):
    user = user_client.user
    response = user_client.get(reverse("shop:cart"))
    assert response.status_code == 200 and user.email in response.content.decode()

    user.set_password("An0ther-long-passphrase")
    user.save()

    # the session's hash no longer matches the account: signed out
    assert user_client.get(reverse("shop:cart")).status_code == 302


def test_a_customer_signs_in_with_email_and_password(client):
    user = factories.user_create()
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_backend"] == "core.auth.AuthenticationBackend"
    assert client.get(reverse("shop:cart")).status_code == 200

    client.logout()
    wrong = client.post(reverse("account_login"), {"login": user.email, "password": "nope-nope"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
