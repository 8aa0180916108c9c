"""German pages address the customer in one form, "Sie": allauth's own German catalog says
"du", and privacy's catalog overrides those strings (privacy precedes allauth in
INSTALLED_APPS). Dates read right in both languages (no "p.m.." double period)."""

import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags

from tests import factories

pytestmark = pytest.mark.django_db

# Informal German: "du", "dein(e/en/em/er/es)", "dich", "dir", in any capitalisation at a word
# start ("Dir" as well as "dir").
INFORMAL = re.compile(r"\b(du|dein\w*|dich|dir)\b", re.IGNORECASE)


def _german(client, name: str) -> str:
    with translation.override("de"):
        url = reverse(name)
    assert url.startswith("/de/")
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    text = strip_tags(response.content.decode())
    assert "Sie" in text or "Ihr" in text, url  # really German, really formal
    return text


@pytest.mark.parametrize(
    "name", ["account_signup", "account_login", "account_reset_password", "account_logout"]
)
def test_german_account_pages_say_sie(client, name):
    if name == "account_logout":
        client.force_login(factories.user_create())
    text = _german(client, name)
    assert not INFORMAL.findall(text), (name, INFORMAL.findall(text))


def test_german_email_and_password_pages_say_sie(client):
    client.force_login(factories.user_create())
    for name in ("account_email", "account_change_password"):
        text = _german(client, name)
        assert not INFORMAL.findall(text), (name, INFORMAL.findall(text))


def test_allauth_strings_are_overridden_not_merely_absent():
    """The override really wins over allauth's catalog (a string allauth says with "du")."""
    with translation.override("de"):
        said = translation.gettext("Are you sure you want to sign out?")
    assert said == "Sind Sie sicher, dass Sie sich abmelden möchten?"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Status: Pending (requested Nov. 29, 2026, 9:55 p.m.)"),
        ("de", "Status: Pending (angefordert am 29. November 2026 21:55)"),
    ],
)
def test_erasure_receipt_date_reads_right(language, expected):
    when = timezone.make_aware(datetime(2026, 11, 29, 21, 55))
    receipt = SimpleNamespace(pk=7, requested_at=when, get_status_display=lambda: "Pending")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with translation.override(language):
        html = render_to_string(
            "privacy/erasure_receipt.html",
            {"receipt": receipt, "invoice_retention_years": 10, "photo_retention_days": 30},
            request=request,
        )
    text = " ".join(strip_tags(html).split())
    assert expected in text
    assert ".." not in text
