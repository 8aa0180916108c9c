"""The plugin with a host's own user model (email login, no username, no date_joined):
sign-up through allauth, consent, a design from an upload, the privacy centre, the data export,
retention and erasure all work on it.

    pytest tests/plugin --ds=tests.plugin.settings_custom_user
"""

import json
import re
import zipfile
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from figures.models import FigureDesign
from privacy.erasure import erasure_run
from privacy.exporting import data_export_build
from privacy.models import ErasureReceipt
from privacy.retention import UnusedAccountsRule
from privacy.services import privacy_centre_erasure_request, privacy_centre_export_request
from tests import factories
from tests.figures.test_views import FIELDS

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-passphrase-9"


def test_the_host_user_model_is_in_use():
    assert get_user_model()._meta.label == "custom_user.Account"
    assert not hasattr(get_user_model(), "username")


def test_sign_up_confirm_consent_and_design_from_an_upload(client):
    # Given a visitor who signs up through allauth and confirms the emailed link
    data = {"email": "host.user@example.com", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post(reverse("account_signup"), data).status_code == 302
    link = re.search(r"https?://[^/\s]+(/\S*accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    assert client.get(link.group(1)).status_code == 302
    account = get_user_model()._default_manager.get(email="host.user@example.com")
    assert EmailAddress.objects.get(user=account).verified

    # When they consent and create a figure from a photo
    consent = client.post(reverse("privacy:consent"), {"generation": "on"})
    created = client.post(
        reverse("figures:design_new"), {**FIELDS, "photo": factories.portrait_upload()}
    )

    # Then the design is theirs and the pages name them by email
    design = FigureDesign.objects.get()
    assert consent.status_code == 302
    assert created.status_code == 302, created.content.decode()[:2000]
    assert design.owner == account
    centre = client.get(reverse("privacy:centre"))
    assert centre.status_code == 200
    assert "host.user@example.com" in centre.content.decode()


def test_export_and_erasure_of_a_host_account():
    user = factories.user_create(email="erase.me@example.com")
    factories.design_for(user)

    export, _created = privacy_centre_export_request(user=user)
    export = data_export_build(export_id=export.pk)
    with zipfile.ZipFile(export.file.open("rb")) as archive:
        data = json.loads(archive.read("data.json"))
    receipt = erasure_run(receipt_id=privacy_centre_erasure_request(user=user).pk)

    assert "erase.me@example.com" in json.dumps(data)
    assert receipt.status == ErasureReceipt.Status.COMPLETED
    assert not get_user_model()._default_manager.filter(pk=user.pk, is_active=True).exists()
    assert not FigureDesign.objects.filter(owner_id=user.pk).exists()


def test_retention_finds_unused_accounts_without_date_joined():
    old = factories.user_create(email="old@example.com")
    recent = factories.user_create(email="recent@example.com")
    staff = factories.user_create(email="staff@example.com")
    long_ago = timezone.now() - timedelta(days=3000)
    get_user_model()._default_manager.filter(pk__in=[old.pk, staff.pk]).update(last_login=long_ago)
    get_user_model()._default_manager.filter(pk=staff.pk).update(is_staff=True)
    get_user_model()._default_manager.filter(pk=recent.pk).update(last_login=timezone.now())

    result = UnusedAccountsRule().run(now=timezone.now(), dry_run=True)

    assert result.items == [f"Account {old.pk}"]
