"""The design form as a customer meets it: a preselected style, a photo that survives a mistake
in another field (kept once, offered again with its thumbnail), errors announced and linked,
and the live text check answering with the submit's own checks."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from figures.models import FigureDesign, Photo
from privacy.models import ConsentMethod
from privacy.services import consent_withdraw_generation
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Jürgen Ölmüller",
    "tagline": "Chief Coffee Officer",
    "accessory_1": "coffee mug",
    "style": "retro_80s",
    "box_theme": "ocean_blue",
}
URL = reverse("figures:design_new")


def _without(field: str) -> dict[str, str]:
    return {key: value for key, value in FIELDS.items() if key != field}


def test_the_first_style_is_preselected_on_a_new_design(user_client):
    html = user_client.get(URL).content.decode()

    [checked] = re.findall(r'<input type="radio" name="style" value="(\w+)"[^>]* checked', html)
    assert checked == "action_figure"


def test_a_missing_name_keeps_the_photo_and_offers_it_preselected_with_a_thumbnail(user_client):
    # Given a customer who chose a good photo but forgot the name
    response = user_client.post(URL, {**_without("name"), "photo": factories.portrait_upload()})

    # Then the form is refused for the name only, and the photo is kept as theirs
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["name"]
    photo = Photo.objects.get(owner=user_client.user)
    assert photo.image.storage.exists(photo.image.name)
    assert not FigureDesign.objects.exists()
    # ...offered again, selected, with its thumbnail through the owner-only photo view
    html = response.content.decode()
    thumbnail = reverse("figures:photo_image", args=[photo.pk])
    assert f'src="{thumbnail}"' in html
    assert re.search(rf'name="existing_photo" value="{photo.pk}"[^>]* checked', html)
    assert user_client.get(thumbnail).status_code == 200
    stranger = Client()
    stranger.force_login(factories.user_create())
    assert stranger.get(thumbnail).status_code == 404


def test_resubmitting_with_the_kept_photo_stores_it_once(user_client):
    user_client.post(URL, {**_without("name"), "photo": factories.portrait_upload()})
    kept = Photo.objects.get(owner=user_client.user)

    # When the customer adds the name and sends the form with the kept photo selected
    response = user_client.post(URL, {**FIELDS, "existing_photo": str(kept.pk)})

    # Then the design uses the kept photo and no second photo is stored
    assert response.status_code == 302
    assert FigureDesign.objects.get().photo == kept
    assert Photo.objects.filter(owner=user_client.user).count() == 1


def test_choosing_the_same_file_again_reuses_the_kept_photo(user_client):
    user_client.post(URL, {**_without("name"), "photo": factories.portrait_upload()})
    kept = Photo.objects.get(owner=user_client.user)

    # When the customer, unsure, chooses the same file again (a second mistake, then right)
    again = user_client.post(URL, {**_without("style"), "photo": factories.portrait_upload()})
    assert again.status_code == 400 and list(again.context["form"].errors) == ["style"]
    response = user_client.post(URL, {**FIELDS, "photo": factories.portrait_upload("b.jpg")})

    # Then one photo row (and one file) serves all three
    assert response.status_code == 302
    assert Photo.objects.filter(owner=user_client.user).get() == kept
    assert FigureDesign.objects.get().photo == kept


def test_no_photo_is_kept_without_generation_consent(user_client):
    consent_withdraw_generation(user=user_client.user, method=ConsentMethod.PRIVACY_CENTRE)

    response = user_client.post(URL, {**_without("name"), "photo": factories.portrait_upload()})

    assert response.status_code == 403
    assert not Photo.objects.exists()


def test_a_refused_photo_is_reported_with_the_other_errors_and_nothing_is_stored(user_client):
    not_a_photo = SimpleUploadedFile("selfie.jpg", b"not a picture", content_type="image/jpeg")

    response = user_client.post(URL, {**_without("name"), "photo": not_a_photo})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "photo"}
    assert not Photo.objects.exists()


def test_errors_are_linked_from_a_summary_and_tied_to_their_fields(user_client):
    response = user_client.post(URL, {**FIELDS, "name": "Bob 😀", "tagline": "x" * 61})

    html = response.content.decode()
    assert response.status_code == 400
    # The summary at the top, focusable (the page's script moves focus to it), links each field
    summary = html[html.index('id="error-summary"') :]
    assert html.index('id="error-summary"') < html.index('class="design-form"')
    assert 'tabindex="-1"' in html[html.index('<div class="error-summary"') :][:120]
    assert 'href="#id_name"' in summary and 'href="#id_tagline"' in summary
    assert 'href="#id_photo"' in summary  # no photo yet
    # Each field names its error (and help) and says it is invalid
    name_input = re.search(r"<input[^>]*name=\"name\"[^>]*>", html)
    assert name_input is not None
    assert 'aria-invalid="true"' in name_input[0]
    assert 'aria-describedby="id_name_helptext id_name_error"' in name_input[0]
    assert 'id="id_name_error"' in html and "Emoji cannot be printed" in html
    tagline_input = re.search(r"<input[^>]*name=\"tagline\"[^>]*>", html)
    assert tagline_input is not None and 'aria-describedby="id_tagline_error"' in tagline_input[0]
    # ...and the page loads its checks from a file (no inline script under the CSP)
    assert "figures/design_form.js" in html and "<script>" not in html


def test_the_live_check_answers_with_the_submits_own_messages(user_client):
    url = reverse("figures:design_text_check")

    answer = user_client.post(url, {"name": "Bob 😀", "tagline": "x" * 61, "accessory_1": ""})

    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    errors = answer.json()["errors"]
    assert errors["name"] == ["Emoji cannot be printed on the box: 😀 (U+1F600)."]
    assert errors["tagline"] == ["Ensure this value has at most 60 characters (it has 61)."]
    assert "accessory_1" not in errors  # nothing typed there yet
    assert user_client.post(url, {"name": "Jürgen"}).json() == {"errors": {}}


def test_the_live_check_needs_a_login_and_a_post(user_client):
    url = reverse("figures:design_text_check")

    assert Client().post(url, {"name": "Bob"}).status_code == 302
    assert user_client.get(url).status_code == 405
