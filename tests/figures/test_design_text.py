"""The design form's text: one line without invisible characters (core.text), and only what
the print shop can set (figures.printable, with printing's glyph checker registered)."""

from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.test import override_settings
from django.urls import reverse

from core.conf import core_settings
from figures import printable
from figures.forms import DesignFieldsForm
from figures.models import FigureDesign, Photo
from tests import factories

pytestmark = pytest.mark.django_db

FIELDS = {
    "name": "Jürgen",
    "tagline": "Chief Coffee Officer",
    "accessory_1": "coffee mug",
    "style": "action_figure",
    "box_theme": "hero_red",
}


def private_files() -> set[Path]:
    root = Path(storages[core_settings.PRIVATE_STORAGE].location)  # type: ignore[attr-defined]
    return {path for path in root.rglob("*") if path.is_file()}


def form_errors(**fields: str) -> dict[str, list[str]]:
    form = DesignFieldsForm({**FIELDS, **fields})
    form.is_valid()
    return {field: list(errors) for field, errors in form.errors.items()}


@pytest.mark.parametrize(
    "accessory", ["mug\u202eevil", "mu\u200bg", "mug\x07", "mug\u200d", "mug\r\nlaptop"]
)
def test_an_invisible_character_in_an_accessory_is_a_400_and_keeps_only_the_selfie(
    user_client, accessory
):
    files_before = private_files()

    response = user_client.post(
        reverse("figures:design_new"),
        {**FIELDS, "accessory_1": accessory, "photo": factories.portrait_upload()},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["accessory_1"]
    assert not FigureDesign.objects.exists()
    # The one thing a refused form keeps: the photo, so it need not be chosen again.
    photo = Photo.objects.get()
    assert private_files() - files_before == {Path(photo.image.path)}


def test_text_is_normalised_and_trimmed_before_it_is_stored(user_client):
    response = user_client.post(
        reverse("figures:design_new"),
        {
            **FIELDS,
            "name": "  Zoe\u0301  ",  # e + combining acute, as some keyboards send it
            "accessory_1": "cafe\u0301",
            "photo": factories.portrait_upload(),
        },
    )

    assert response.status_code == 302
    design = FigureDesign.objects.get()
    assert design.name == "Zoé" and len(design.name) == 3
    assert design.accessories == ["café"]


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("Bob 😀", "😀 (U+1F600)"),
        ("Bob 👍🏽", "👍 (U+1F44D), 🏽 (U+1F3FD)"),
        ("☕\ufe0f Bob", "\ufe0f (U+FE0F)"),
    ],
)
def test_emoji_are_refused_with_a_message_naming_them(name, shown):
    errors = form_errors(name=name)

    assert errors["name"] == [f"Emoji cannot be printed on the box: {shown}."]


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("name", "محمد"),  # Arabic: joined letter forms, right to left
        ("name", "דוד"),  # Hebrew: right to left
        ("tagline", "नमस्ते"),  # Devanagari: reordered vowel signs, conjuncts
        ("accessory_1", "กาแฟ"),  # Thai: stacked vowel and tone marks
        ("name", "Bob ܐ"),  # Syriac inside a Latin name
    ],
)
def test_scripts_the_pdf_writer_cannot_shape_are_refused(field, text):
    errors = form_errors(**{field: text})

    assert "This script cannot be printed on the box yet" in errors[field][0]
    assert f"{text.split()[-1][0]} (U+" in errors[field][0]


@pytest.mark.printing
def test_characters_no_print_font_has_are_refused_listing_them():
    linear_a = "\U00010600"

    errors = form_errors(name=f"Bob {linear_a}", accessory_1=f"x{linear_a}")

    message = f"Our print fonts have no letters for {linear_a} (U+10600): please leave them out."
    assert errors == {"name": [message], "accessory_1": [message]}


@pytest.mark.printing
@pytest.mark.parametrize(
    "name", ["山田", "山田 Taro", "김민준", "Ελένη", "Жанна", "Ԯаша", "ሰላም", "Zoë Ångström-Łukasz"]
)
def test_names_the_fallback_fonts_cover_are_accepted(name):
    assert form_errors(name=name) == {}


@pytest.mark.printing
def test_printing_registers_its_glyph_checker():
    from printing.press.fonts import printable_text_check

    assert printable_text_check in printable.printable_text_checkers()


def test_without_a_registered_checker_only_emoji_and_scripts_are_refused(monkeypatch):
    monkeypatch.setattr(printable, "_checkers", [])

    assert form_errors(name="Bob \U00010600") == {}
    assert "name" in form_errors(name="Bob 😀")
    assert "name" in form_errors(name="محمد")


def test_a_refused_tweak_is_a_400_next_to_the_field_and_changes_nothing(user_client):
    design = factories.design_for(user_client.user)

    response = user_client.post(
        reverse("figures:design_generate", args=[design.pk]),
        {**FIELDS, "tagline": "Chief\u202eOfficer"},
    )

    assert response.status_code == 400
    assert response.context["tweak_form"].errors["tagline"]
    assert "not allowed: U+202E" in response.content.decode()
    design.refresh_from_db()
    assert design.tagline == "Chief Coffee Officer"
    assert not design.jobs.exists()


def test_the_error_is_shown_next_to_the_field_on_the_new_design_page(user_client):
    response = user_client.post(
        reverse("figures:design_new"),
        {**FIELDS, "name": "Bob 😀", "photo": factories.portrait_upload()},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Emoji cannot be printed on the box: 😀 (U+1F600)." in page
    assert 'value="Bob 😀"' in page  # what was typed stays in the field


LONG_TEXTS = {
    "name": "Jürgen Gygax-Pöpping",
    "tagline": "Chief Coffee Officer and Keeper of the Office Plants",
}


@pytest.mark.printing
@override_settings(MINIME_PRINTER_PROFILE={"min_text_pt": 30})
def test_text_the_box_cannot_set_at_the_minimum_size_is_refused_with_a_message(user_client):
    files_before = private_files()

    response = user_client.post(
        reverse("figures:design_new"),
        {**FIELDS, **LONG_TEXTS, "photo": factories.portrait_upload()},
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["name"] == ["This name is too long to print on the box: please shorten it."]
    assert errors["tagline"] == ["This tagline is too long to print on the box: please shorten it."]
    assert not FigureDesign.objects.exists()
    assert private_files() - files_before == {Path(Photo.objects.get().image.path)}  # kept


@pytest.mark.printing
def test_long_but_printable_texts_are_accepted_at_the_default_minimum_size():
    accessories = {f"accessory_{i}": "extra-strong espresso machine" for i in range(1, 5)}

    assert form_errors(**LONG_TEXTS, **accessories) == {}


@pytest.mark.printing
@override_settings(MINIME_PRINTER_PROFILE={"min_text_pt": 24})
def test_accessories_that_do_not_fit_are_refused_at_the_last_one():
    accessories = {f"accessory_{i}": "extra-strong espresso machine with milk" for i in range(1, 5)}

    errors = form_errors(tagline="", **accessories)

    assert errors == {
        "accessory_4": ["The accessories are too long to print on the box: please shorten them."]
    }


def test_a_layout_checker_speaks_for_its_fields_first_come_first_served(monkeypatch):
    monkeypatch.setattr(printable, "_layout_checkers", [])
    printable.printable_layout_checker_register(lambda n, t, a: {"name": "first"})
    printable.printable_layout_checker_register(lambda n, t, a: {"name": "second", "tagline": "t"})

    assert form_errors() == {"name": ["first"], "tagline": ["t"]}
    # A text that is already refused on its own is not checked for room as well.
    emoji = "Emoji cannot be printed on the box: 😀 (U+1F600)."
    assert form_errors(name="Bob 😀") == {"name": [emoji]}
