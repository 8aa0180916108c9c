from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from privacy.models import PolicyDocument, Purpose
from privacy.selectors import consent_is_active, consent_needs_renewal, policy_current
from tests import factories

pytestmark = pytest.mark.django_db


def _publish(purpose: str, version: int, *, material: bool) -> None:
    for language in ("en", "de"):
        PolicyDocument.objects.create(
            purpose=purpose,
            version=version,
            language=language,
            title=f"v{version}",
            body="Changed text.",
            effective_at=timezone.now() - timedelta(seconds=1),
            material=material,
        )


def test_marketing_policy_v1_is_seeded_in_english_and_german():
    assert policy_current(purpose=Purpose.MARKETING, language="en").version == 1
    assert policy_current(purpose=Purpose.MARKETING, language="de").language == "de"


def test_non_material_version_keeps_the_consent_valid():
    user = factories.user_create()
    _publish(Purpose.GENERATION, 3, material=False)

    assert policy_current(purpose=Purpose.GENERATION).version == 3
    assert consent_is_active(user=user, purpose=Purpose.GENERATION)
    assert not consent_needs_renewal(user=user, purpose=Purpose.GENERATION)


def test_material_version_asks_again():
    user = factories.user_create()
    _publish(Purpose.GENERATION, 3, material=True)

    assert not consent_is_active(user=user, purpose=Purpose.GENERATION)
    assert consent_needs_renewal(user=user, purpose=Purpose.GENERATION)


def test_non_material_after_material_still_needs_the_material_one():
    user = factories.user_create()  # agreed to v2 (the seeded one)
    _publish(Purpose.GENERATION, 3, material=True)
    _publish(Purpose.GENERATION, 4, material=False)

    assert not consent_is_active(user=user, purpose=Purpose.GENERATION)


def test_consent_to_a_non_material_version_after_the_material_one_counts():
    _publish(Purpose.GENERATION, 3, material=True)
    _publish(Purpose.GENERATION, 4, material=False)
    user = factories.user_create()  # agrees now, to v4

    assert consent_is_active(user=user, purpose=Purpose.GENERATION)


def test_future_material_version_does_not_count_yet():
    user = factories.user_create()
    PolicyDocument.objects.create(
        purpose=Purpose.GENERATION,
        version=3,
        language="en",
        title="v2",
        body="Later.",
        effective_at=timezone.now() + timedelta(days=7),
        material=True,
    )

    assert consent_is_active(user=user, purpose=Purpose.GENERATION)


def test_studio_asks_again_after_a_material_change_and_explains_why(client):
    user = factories.user_create()
    client.force_login(user)
    _publish(Purpose.GENERATION, 3, material=True)

    response = client.get(reverse("figures:design_new"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("privacy:consent"))
    page = client.get(response["Location"]).content.decode()
    assert "Our policy changed" in page
    assert "version 3" in page

    client.post(reverse("privacy:consent"), {"generation": "on"})
    assert consent_is_active(user=user, purpose=Purpose.GENERATION)
    assert client.get(reverse("figures:design_new")).status_code == 200


def test_first_consent_does_not_say_the_policy_changed(client):
    client.force_login(factories.user_create(consent=False))

    page = client.get(reverse("privacy:consent")).content.decode()

    assert "Our policy changed" not in page


def test_non_material_change_does_not_interrupt_the_studio(client):
    client.force_login(factories.user_create())
    _publish(Purpose.GENERATION, 3, material=False)

    assert client.get(reverse("figures:design_new")).status_code == 200
