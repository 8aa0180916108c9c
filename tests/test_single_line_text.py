"""core.text: the one rule for a single line a customer types."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from core.text import SingleLineTextField, single_line_text


@pytest.mark.parametrize(
    "value",
    [
        "Bob\u202eevil",  # right-to-left override
        "Bo\u200bb",  # zero-width space
        "Bo\u200db",  # zero-width joiner
        "\ufeffBob",  # byte order mark
        "Bob\x07",  # BEL
        "Bob\x00",
        "Bob\tSmith",
        "Bob\ud800",  # a lone surrogate
        "Bob\ue000",  # private use
        "Bob\U000e0001",  # a tag character
    ],
)
def test_invisible_and_control_characters_are_refused_by_code_point(value):
    with pytest.raises(ValidationError) as raised:
        single_line_text(value)

    assert raised.value.code == "invisible_character"
    bad = next(ch for ch in value if not (ch.isalnum() or ch == " "))
    assert f"U+{ord(bad):04X}" in str(raised.value.messages)


@pytest.mark.parametrize("value", ["Bob\nSmith", "Bob\r\n", "\rBob", "Bob\u2028x", "Bob\x85"])
def test_line_breaks_are_refused_anywhere_even_at_the_ends(value):
    with pytest.raises(ValidationError) as raised:
        single_line_text(value)

    assert raised.value.messages == ["Please keep this on one line."]


def test_text_is_nfc_normalised_and_trimmed():
    assert single_line_text("  Zoe\u0301 Ångstro\u0308m\u00a0") == "Zoé Ångström"


@pytest.mark.parametrize(
    "value", ["山田 太郎", "Ελένη", "O'Brien-Smith", "<b>x</b>", "' OR 1=1 --"]
)
def test_ordinary_and_odd_but_visible_text_is_kept_verbatim(value):
    assert single_line_text(value) == value


class _Form(forms.Form):
    city = SingleLineTextField(max_length=5)
    note = SingleLineTextField(required=False)


def test_the_field_counts_length_after_normalising_and_requires_more_than_spaces():
    form = _Form({"city": " Zu\u0308ri ", "note": "   "})

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"city": "Züri", "note": ""}
    assert _Form({"city": "   "}).errors["city"] == ["This field is required."]
