"""Fonts: each TrueType file registered once with reportlab (embedded as a subset where used),
measured with reportlab's metrics, and opened with Pillow for the PNG renderers.

Every product, the packaging art, the press sheets' slug lines and the packing slips use the
two fonts of the settings (printing_settings.FONT_REGULAR / FONT_BOLD). A text one of them has
no glyph for (a Japanese name) is set in the first font of the role's fallback stack
(FONT_FALLBACKS_REGULAR / _BOLD) that has all of its characters: one font per text run, never
per glyph, because reportlab sets a run in one font and neither shapes nor kerns it."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha1
from typing import Any, Literal

from PIL import ImageFont, features
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from printing.conf import printing_settings
from printing.press.units import PT

FontRole = Literal["regular", "bold"]

_RAQM = features.check_feature("raqm")
# reportlab name -> font file, for every font registered here (font_covering looks it up).
_FONT_FILES: dict[str, str] = {}
# reportlab neither kerns nor forms ligatures: a preview must not either.
TEXT_FEATURES = ["-kern", "-liga", "-clig"] if _RAQM else None


def font_register(path: str) -> str:
    """The reportlab name of the font file at `path`, registered once per process under a name
    derived from the path (settings can point at another file: override_settings)."""
    name = "MiniMe-" + sha1(path.encode(), usedforsecurity=False).hexdigest()[:10]
    if name not in pdfmetrics.getRegisteredFontNames():
        # A TrueType collection (.ttc) is read at its first font.
        pdfmetrics.registerFont(TTFont(name, path))
    _FONT_FILES[name] = path
    return name


@dataclass(frozen=True)
class Fonts:
    """The reportlab names of the product fonts."""

    regular: str
    bold: str


def fonts() -> Fonts:
    """The product fonts, registered with reportlab, bold as the regular one's bold face (for
    platypus paragraphs and tables)."""
    regular = font_register(printing_settings.FONT_REGULAR)
    bold = font_register(printing_settings.FONT_BOLD)
    pdfmetrics.registerFontFamily(
        regular, normal=regular, bold=bold, italic=regular, boldItalic=bold
    )
    return Fonts(regular=regular, bold=bold)


def _width_mm(text: str, font: str, size_pt: float) -> float:
    return float(pdfmetrics.stringWidth(text, font, size_pt)) * PT


def text_width_mm(text: str, font: str, size_pt: float) -> float:
    """The advance width of `text` (where the next text would start) in the font it is set
    in: the registered `font`, or its fallback for this text (font_covering)."""
    return _width_mm(text, font_covering(font, text), size_pt)


def fit_font_size(
    text: str, font: str, *, max_width_mm: float, size_pt: float, min_pt: float | None = None
) -> float:
    """The largest size up to size_pt at which text (in font_covering(font, text)) fits
    max_width_mm; never below min_pt when given (the text may then be wider: wrap or shorten
    it, see fit_lines; min_text_pt() is the printer's floor)."""
    width_pt = pdfmetrics.stringWidth(text, font_covering(font, text), size_pt)
    if width_pt * PT <= max_width_mm or width_pt <= 0:
        return size_pt
    fitted = size_pt * max_width_mm / (width_pt * PT)
    return fitted if min_pt is None else max(fitted, min(min_pt, size_pt))


@lru_cache(maxsize=64)
def pil_font(path: str, size_px: float) -> ImageFont.FreeTypeFont:
    """The font file opened with Pillow at size_px (set with TEXT_FEATURES to match a PDF)."""
    engine = ImageFont.Layout.RAQM if _RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size_px, layout_engine=engine)


@dataclass(frozen=True)
class Face:
    """One font file, registered with reportlab (embedded as a subset) and measured by it."""

    path: str
    pdf_name: str
    ascent: float  # em fractions, the file's line metrics (accented capitals stay inside)
    descent: float
    cap_height: float

    def width_mm(self, text: str, size_pt: float) -> float:
        """The advance width (where the next text would start), reportlab's measure."""
        return _width_mm(text, self.pdf_name, size_pt)

    def extent_mm(self, text: str, size_pt: float) -> tuple[float, float, float, float]:
        """Left, top, right, bottom (mm, y down) of everything a line of `text` set from
        (0, 0) on its baseline covers: its advance box (ascent to descent) and the glyphs'
        ink, which can poke out of it (the hook of a 'J', an accent above 'Å')."""
        left, top, right, bottom = _ink_em(self.path, text)
        size_mm = size_pt * PT
        advance = self.width_mm(text, size_pt)
        return (
            min(0.0, left * size_mm),
            min(-self.ascent, top) * size_mm,
            max(advance, right * size_mm),
            max(self.descent, bottom) * size_mm,
        )

    def span_mm(self, text: str, size_pt: float) -> float:
        left, _top, right, _bottom = self.extent_mm(text, size_pt)
        return right - left

    def missing(self, text: str) -> str:
        """The characters of `text` the font has no glyph for (they would print as boxes)."""
        font: Any = pdfmetrics.getFont(self.pdf_name)
        glyphs = font.face.charToGlyph
        return "".join(
            dict.fromkeys(ch for ch in text if ord(ch) not in glyphs and not ch.isspace())
        )

    def covering(self, text: str) -> Face:
        """The face `text` is set in when this one is asked for (face_covering)."""
        return face_covering(self, text)


@lru_cache(maxsize=32)
def face_for(path: str) -> Face:
    """The font file registered (font_register) and measured."""
    pdf_name = font_register(path)
    ascent, descent = ImageFont.truetype(path, 1000).getmetrics()
    font: Any = pdfmetrics.getFont(pdf_name)
    return Face(
        path=path,
        pdf_name=pdf_name,
        ascent=ascent / 1000.0 + 0.02,
        descent=descent / 1000.0,
        cap_height=float(font.face.capHeight) / 1000.0,
    )


def face(role: FontRole) -> Face:
    """The regular or bold product font."""
    path = printing_settings.FONT_BOLD if role == "bold" else printing_settings.FONT_REGULAR
    return face_for(path)


@lru_cache(maxsize=2048)
def _ink_em(path: str, text: str) -> tuple[float, float, float, float]:
    """The ink box of a line (left, top, right, bottom; em, y down, origin on the baseline)."""
    if not text:
        return (0.0, 0.0, 0.0, 0.0)
    font = pil_font(path, 1000.0)
    left, top, right, bottom = font.getbbox(text, anchor="ls", features=TEXT_FEATURES)
    return (left / 1000.0, top / 1000.0, right / 1000.0, bottom / 1000.0)


# --- Fallback fonts ---------------------------------------------------------------------------


def _stack(path: str) -> tuple[str, ...]:
    """The font file and, for a product font, its fallbacks in the order they are tried. A
    fallback file that is not there is skipped: its characters then count as unprintable
    (the design form refuses them) instead of failing every check."""
    if path == printing_settings.FONT_BOLD:
        fallbacks = printing_settings.FONT_FALLBACKS_BOLD
    elif path == printing_settings.FONT_REGULAR:
        fallbacks = printing_settings.FONT_FALLBACKS_REGULAR
    else:
        fallbacks = []
    return (path, *(file for file in fallbacks if os.path.isfile(file)))


def face_covering(primary: Face, text: str) -> Face:
    """The face one run of `text` is set in: `primary` when it has every character, else the
    first fallback that has them all, else the one that lacks the fewest (primary on a tie).
    Fallback files are opened only when the primary font lacks something."""
    lacking = len(primary.missing(text))
    if not lacking:
        return primary
    best = primary
    for path in _stack(primary.path)[1:]:
        candidate = face_for(path)
        candidate_lacking = len(candidate.missing(text))
        if not candidate_lacking:
            return candidate
        if candidate_lacking < lacking:
            best, lacking = candidate, candidate_lacking
    return best


def font_covering(font: str, text: str) -> str:
    """The reportlab name of the font a run of `text` is set in when the registered `font` is
    asked for (face_covering); a font not registered here is returned as it is."""
    path = _FONT_FILES.get(font)
    if path is None:
        return font
    return face_covering(face_for(path), text).pdf_name


def unprintable(texts: Iterable[str], *, roles: Iterable[FontRole] = ("regular", "bold")) -> str:
    """The characters of `texts` that would print as empty boxes: each text is one run, set
    in the font face_covering chooses for it in each of `roles`."""
    faces = [face(role) for role in roles]
    return "".join(
        dict.fromkeys(ch for text in texts for f in faces for ch in f.covering(text).missing(text))
    )


def printable_text_check(text: str) -> str:
    """The characters of a figure's text that no print font can set (registered with
    figures.printable, so the design form refuses them)."""
    return unprintable([text])


def wrap_lines(text: str, font: str, size_pt: float, width_mm: float) -> list[str]:
    """`text` in lines no wider than width_mm, each measured in the font it is set in
    (font_covering): broken at spaces, and inside a word only where the word alone is wider
    than a line (Chinese and Japanese have no spaces), never before a combining mark."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if text_width_mm(candidate, font, size_pt) <= width_mm:
            line = candidate
            continue
        if line:
            lines.append(line)
        while len(word) > 1 and text_width_mm(word, font, size_pt) > width_mm:
            cut = _fitting_prefix(word, font, size_pt, width_mm)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    return lines


def _fitting_prefix(word: str, font: str, size_pt: float, width_mm: float) -> int:
    """The length of the longest start of `word` that fits (at least one character)."""
    cut = 1
    for end in range(2, len(word)):
        if unicodedata.combining(word[end]):
            continue
        if text_width_mm(word[:end], font, size_pt) > width_mm:
            break
        cut = end
    return cut


# --- Fitting text to a box, never below the printer's minimum size -----------------------------

ELLIPSIS = "\u2026"


def min_text_pt() -> float:
    """The printer profile's minimum text size: nothing is set smaller."""
    return printing_settings.MIN_TEXT_PT


@dataclass(frozen=True)
class FittedText:
    """Lines of a text at one size (fit_lines)."""

    lines: tuple[str, ...]
    size_pt: float
    shortened: bool  # it did not fit at the floor: the last line ends in an ellipsis

    def height_mm(self, leading: float) -> float:
        """From the first line's top to the last line's bottom, lines leading x size apart."""
        return len(self.lines) * self.size_pt * leading * PT


def fit_lines(
    text: str,
    font: str,
    *,
    max_width_mm: float,
    size_pt: float,
    max_lines: int = 2,
    max_height_mm: float | None = None,
    leading: float = 1.25,
    min_pt: float | None = None,
) -> FittedText:
    """`text` at the largest size from size_pt down to the floor (min_pt, default the
    printer's min_text_pt()) in 0.25 pt steps at which it fits max_width_mm in at most
    max_lines lines (and max_height_mm): broken at spaces where that is enough, else inside
    words (Chinese and Japanese have no spaces). What does not fit at the floor is shortened
    by one rule: the lines that fit, the last one cut at a word boundary (inside the word when
    it is the only one) and ended with an ellipsis."""
    floor = min_text_pt() if min_pt is None else min_pt
    size_pt = max(size_pt, floor)
    if max_height_mm is not None:
        max_lines = max(1, min(max_lines, int(max_height_mm / (floor * leading * PT) + 1e-9)))
    sizes = [size_pt - 0.25 * i for i in range(int((size_pt - floor) / 0.25) + 1)]
    for at_spaces in (True, False):
        for size in sizes:
            lines = wrap_lines(text, font, size, max_width_mm)
            broke_words = " ".join(lines) != " ".join(text.split())
            height_ok = max_height_mm is None or len(lines) * size * leading * PT <= max_height_mm
            if len(lines) <= max_lines and height_ok and not (at_spaces and broke_words):
                return FittedText(tuple(lines), size, shortened=False)
    kept = wrap_lines(text, font, floor, max_width_mm)[: max_lines - 1]
    rest = " ".join(text.split())
    for line in kept:  # each line is the start of what is left (wrap_lines keeps the order)
        rest = rest[len(line) :].lstrip()
    last = shorten(rest, font, floor, max_width_mm)
    return FittedText((*kept, last), floor, shortened=True)


def shorten(text: str, font: str, size_pt: float, width_mm: float) -> str:
    """`text` when it fits width_mm, else its longest start of whole words that fits with an
    ellipsis after it (or of characters, when not even the first word does)."""
    if text_width_mm(text, font, size_pt) <= width_mm:
        return text
    words = text.split()
    for count in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[:count]).rstrip(",;:-") + ELLIPSIS
        if text_width_mm(candidate, font, size_pt) <= width_mm:
            return candidate
    word = words[0] if words else text
    for end in range(len(word) - 1, 0, -1):
        if unicodedata.combining(word[end]):
            continue
        if text_width_mm(word[:end] + ELLIPSIS, font, size_pt) <= width_mm:
            return word[:end] + ELLIPSIS
    return ELLIPSIS
