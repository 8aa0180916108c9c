import pytest
from django.urls import reverse
from django.utils import timezone

from privacy.models import ConsentRecord, PolicyDocument, Purpose
from privacy.selectors import consent_is_active
from tests import factories

pytestmark = pytest.mark.django_db


def test_consent_page_shows_versioned_policies_unticked_and_retention(client, settings):
    settings.MINIME_PHOTO_RETENTION_DAYS = 30
    client.force_login(factories.user_create(consent=False))

    response = client.get(reverse("privacy:consent"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "version 1" in html
    assert 'name="generation"' in html and 'name="training"' in html
    assert "checked" not in html
    assert "30 days" in html


def test_generation_consent_is_required(client):
    user = factories.user_create(consent=False)
    client.force_login(user)

    response = client.post(reverse("privacy:consent"), {"training": "on"})

    assert response.status_code == 400
    assert not ConsentRecord.objects.filter(user=user).exists()


def test_each_decision_is_an_append_only_record(client):
    user = factories.user_create(consent=False)
    client.force_login(user)

    response = client.post(
        reverse("privacy:consent"),
        {"generation": "on", "next": reverse("figures:design_new")},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("figures:design_new")
    records = {r.purpose: r for r in ConsentRecord.objects.filter(user=user)}
    assert records[Purpose.GENERATION].granted is True
    assert records[Purpose.TRAINING].granted is False  # declined, and recorded as such
    assert (
        records[Purpose.GENERATION].policy_version == 2
    )  # the seeded generation policy (v2: likeness check)
    assert records[Purpose.GENERATION].method == "consent_form"
    record = records[Purpose.GENERATION]
    record.granted = False
    with pytest.raises(ValueError):
        record.save()


def test_offsite_next_is_ignored(client):
    client.force_login(factories.user_create(consent=False))

    response = client.post(
        reverse("privacy:consent"), {"generation": "on", "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("figures:studio")


def test_a_new_policy_version_asks_again(db):
    user = factories.user_create()
    assert consent_is_active(user=user, purpose=Purpose.GENERATION)

    PolicyDocument.objects.create(
        purpose=Purpose.GENERATION,
        version=3,
        language="en",
        title="New terms",
        body="Changed.",
        effective_at=timezone.now(),
    )

    assert not consent_is_active(user=user, purpose=Purpose.GENERATION)


def test_policy_shown_in_the_visitors_language(client):
    client.force_login(factories.user_create(consent=False))

    response = client.get("/de" + reverse("privacy:consent"))

    assert "Ihre Figur aus Ihrem Foto erstellen" in response.content.decode()
