"""Fonts: each TrueType file registered once with reportlab (embedded as a subset where used),
measured with reportlab's metrics, and opened with Pillow for the PNG renderers.

Every product, the packaging art, the press sheets' slug lines and the packing slips use the
two fonts of the settings (printing_settings.FONT_REGULAR / FONT_BOLD)."""

from __future__ import annotations

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
# reportlab neither kerns nor forms ligatures: a preview must not either.
TEXT_FEATURES = ["-kern", "-liga", "-clig"] if _RAQM else None


def font_register(path: str) -> str:
    """The reportlab name of the font file at `path`, registered once per process under a name
    derived from the path (settings can point at another file: override_settings)."""
    name = "MiniMe-" + sha1(path.encode(), usedforsecurity=False).hexdigest()[:10]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path))
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


def text_width_mm(text: str, font: str, size_pt: float) -> float:
    """The advance width of `text` in the registered `font` (where the next text would start)."""
    return float(pdfmetrics.stringWidth(text, font, size_pt)) * PT


def fit_font_size(text: str, font: str, *, max_width_mm: float, size_pt: float) -> float:
    """The largest size up to size_pt at which text fits max_width_mm."""
    width_pt = pdfmetrics.stringWidth(text, font, size_pt)
    if width_pt * PT <= max_width_mm or width_pt <= 0:
        return size_pt
    return size_pt * max_width_mm / (width_pt * PT)


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
        return text_width_mm(text, self.pdf_name, size_pt)

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


@lru_cache(maxsize=8)
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
