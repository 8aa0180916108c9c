"""One rule for every single line a customer types (a figure's name, an address line, a city):
NFC-normalised, trimmed, and free of characters that are invisible or change how text around
them is shown or stored.

Refused anywhere in the value, not only at its ends:
- line breaks (CR, LF, VT, FF, NEL, U+2028, U+2029): a label or an address line is one line;
- other control characters (Cc: NUL, BEL, TAB, ESC ...);
- format characters (Cf: the bidi overrides U+202E/U+202D that reverse what follows, zero-width
  space U+200B, the byte order mark, soft hyphen ...). ZWJ (U+200D) and ZWNJ (U+200C) are
  format characters too: their legitimate uses (emoji sequences, Indic and Persian joining)
  are in text the print shop cannot set anyway (figures.printable), so they are refused with
  the rest rather than allowed for nothing;
- lone surrogates (Cs), private use (Co) and unassigned code points (Cn): no font prints
  them, and a database or an email header may choke on them.
"""

import unicodedata
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
MAX_SHOWN = 8  # characters named in one message


def code_points(characters: str) -> str:
    """Invisible characters named so a person can see which they are: 'U+202E, U+0007'."""
    unique = list(dict.fromkeys(characters))
    shown = ", ".join(f"U+{ord(ch):04X}" for ch in unique[:MAX_SHOWN])
    return shown + (", …" if len(unique) > MAX_SHOWN else "")


def refused_characters(value: str) -> str:
    """The characters of `value` that single_line_text refuses, in order, each once."""
    return "".join(
        dict.fromkeys(
            ch
            for ch in value
            if ch in LINE_BREAKS or unicodedata.category(ch) in REFUSED_CATEGORIES
        )
    )


def single_line_text(value: str) -> str:
    """`value` NFC-normalised and without surrounding whitespace; ValidationError (code
    "line_break" or "invisible_character") when it holds a character refused above."""
    refused = refused_characters(value)
    if any(ch in LINE_BREAKS for ch in refused):
        raise ValidationError(_("Please keep this on one line."), code="line_break")
    if refused:
        raise ValidationError(
            _(
                "Please use only letters, digits, spaces and punctuation "
                "(not allowed: %(characters)s)."
            ),
            code="invisible_character",
            params={"characters": code_points(refused)},
        )
    # NFC after the check: normalising never brings back a refused character, and the
    # composed form is what is compared, stored and printed (é as one code point).
    return unicodedata.normalize("NFC", value).strip()


def validate_single_line(value: str) -> None:
    """single_line_text's refusal as a validator, for fields with their own cleaning (email)."""
    single_line_text(value)


class SingleLineTextField(forms.CharField):
    """A CharField that cleans with single_line_text: every single-line field a customer types.

    Django's own strip would silently drop a leading or trailing line break or tab; this
    field refuses them like any other control character, then trims spaces."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["strip"] = False
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return self.empty_value
        return single_line_text(text)
