"""Can a figure's text be printed? Checked at design time, so a name the print shop cannot set
is refused in the form instead of being held after payment.

Two kinds of refusal:
- emoji, and scripts that need what the PDF writer (reportlab) does not do: joining letter
  forms (Arabic, Syriac, Mongolian), right-to-left ordering (Hebrew, Thaana, NKo), reordered
  and stacked vowel signs (the Indic scripts, Sinhala, Tibetan, Myanmar, Khmer). Thai and Lao
  are refused too: their vowel and tone marks are placed above or below the consonant by the
  font's positioning tables (GPOS), which reportlab ignores, so marks collide or float beside
  the letter. This does not depend on any font, so it is always checked.
- characters no print font has a glyph for. figures knows nothing about fonts (printing is a
  higher layer): the app that owns them registers a checker here (printing does it in its
  ready()); without one, nothing more is checked.

And a layout check: a text the box cannot set at the printer's minimum text size (too long a
name, tagline or accessory list) is refused at the form too. The app that lays the box out
registers a layout checker (`printable_layout_checker_register`); `layout_problems` merges
what every checker says.
"""

from collections.abc import Callable, Iterable, Sequence

from django.utils.translation import gettext as _

# A checker returns the characters of a text (one printed line) it cannot print.
PrintableTextChecker = Callable[[str], str]

_checkers: list[PrintableTextChecker] = []

# A layout checker takes (name, tagline, accessories) and returns {form field: message} for
# the texts it cannot lay out; fields are "name", "tagline" and "accessory_<n>" (n from 1).
PrintableLayoutChecker = Callable[[str, str, Sequence[str]], dict[str, str]]

_layout_checkers: list[PrintableLayoutChecker] = []

MAX_SHOWN = 8

# Emoji: the astral symbol and pictograph blocks (emoticons, transport, flags as regional
# indicator pairs, skin-tone modifiers ...) and the emoji presentation selector and keycap
# mark. ZWJ and tag characters are format characters, refused earlier (core.text).
# Text symbols of the BMP (♥ ★ ☕) are left to the glyph check: a font that has them prints
# them as plain black symbols, which is what was typed.
_EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0xFE0F, 0xFE0F), (0x20E3, 0x20E3))

_SHAPING_RANGES = (
    (0x0590, 0x08FF),  # Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic, Arabic ext.
    (0x0900, 0x0DFF),  # Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil ... Sinhala
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1100, 0x11FF),  # Hangul conjoining jamo (precomposed syllables print fine)
    (0x1700, 0x18AF),  # Philippine scripts, Khmer, Mongolian
    (0x1900, 0x1CFF),  # Limbu, Tai Le/Tham, Buginese, Balinese, Sundanese, Batak, Lepcha ...
    (0xA800, 0xAAFF),  # Syloti Nagri, Phags-pa, Saurashtra, Javanese, Cham, Tai Viet ...
    (0xABC0, 0xABFF),  # Meetei Mayek
    (0xD7B0, 0xD7FF),  # Hangul jamo extended-B
    (0xFB1D, 0xFDFF),  # Hebrew and Arabic presentation forms
    (0xFE70, 0xFEFF),  # Arabic presentation forms-B
    (0x10800, 0x10FFF),  # right-to-left historic scripts (Phoenician, Kharoshthi ...)
    (0x11000, 0x11FFF),  # Brahmi and the other historic Indic scripts
    (0x1E800, 0x1EFFF),  # Adlam, Mende Kikakui, Arabic mathematical letters
)


def printable_text_checker_register(checker: PrintableTextChecker) -> None:
    """Add a checker (once): every figure text is run through it in the design form."""
    if checker not in _checkers:
        _checkers.append(checker)


def printable_text_checkers() -> tuple[PrintableTextChecker, ...]:
    return tuple(_checkers)


def printable_layout_checker_register(checker: PrintableLayoutChecker) -> None:
    """Add a layout checker (once): the design form asks it about every design's texts."""
    if checker not in _layout_checkers:
        _layout_checkers.append(checker)


def printable_layout_checkers() -> tuple[PrintableLayoutChecker, ...]:
    return tuple(_layout_checkers)


def layout_problems(name: str, tagline: str, accessories: Sequence[str]) -> dict[str, str]:
    """{field: message} from every registered layout checker; for a field named by more than
    one, the first checker's message."""
    problems: dict[str, str] = {}
    for checker in _layout_checkers:
        for field, message in checker(name, tagline, accessories).items():
            problems.setdefault(field, message)
    return problems


def _in(ranges: tuple[tuple[int, int], ...], ch: str) -> bool:
    code = ord(ch)
    return any(start <= code <= end for start, end in ranges)


def _unique(characters: Iterable[str]) -> str:
    return "".join(dict.fromkeys(ch for ch in characters if not ch.isspace()))


def emoji_characters(text: str) -> str:
    return _unique(ch for ch in text if _in(_EMOJI_RANGES, ch))


def shaping_characters(text: str) -> str:
    """Letters of scripts the PDF writer cannot set (joining, right-to-left, stacked marks)."""
    return _unique(ch for ch in text if _in(_SHAPING_RANGES, ch))


def missing_glyphs(text: str) -> str:
    """The characters of `text` a registered checker (the print fonts) cannot print."""
    return _unique("".join(checker(text) for checker in _checkers))


def shown(characters: str) -> str:
    """'山 (U+5C71), 😀 (U+1F600)': visible and unambiguous, also where the browser lacks the
    glyph or the character is a combining mark."""
    unique = list(dict.fromkeys(characters))
    parts = [f"{ch} (U+{ord(ch):04X})" for ch in unique[:MAX_SHOWN]]
    return ", ".join(parts) + (", …" if len(unique) > MAX_SHOWN else "")


def unprintable_message(text: str) -> str | None:
    """Why `text` cannot be printed on the merchandise, or None when it can."""
    emoji = emoji_characters(text)
    if emoji:
        return _("Emoji cannot be printed on the box: %(characters)s.") % {
            "characters": shown(emoji)
        }
    shaping = shaping_characters(text)
    if shaping:
        return _(
            "This script cannot be printed on the box yet (our printing cannot join letters, "
            "set right-to-left text or stack vowel signs): %(characters)s."
        ) % {"characters": shown(shaping)}
    missing = missing_glyphs(text)
    if missing:
        return _("Our print fonts have no letters for %(characters)s: please leave them out.") % {
            "characters": shown(missing)
        }
    return None
