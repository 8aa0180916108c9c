"""Printing settings, read on access so override_settings works (see README.md)."""

from pathlib import Path

from core.conf import AppSettings
from printing.press.profiles import PrinterProfile, printer_profile

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_NOTO = Path("/usr/share/fonts/truetype/noto")  # Debian fonts-noto-core
_WQY_ZENHEI = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")  # Debian fonts-wqy-zenhei


def _installed(*paths: Path) -> list[str]:
    return [str(path) for path in paths if path.exists()]


def _default_fallbacks(weight: str) -> list[str]:
    """Noto Sans for the Latin, Greek and Cyrillic letters DejaVu lacks, Noto's Ethiopic and
    Cherokee, then WenQuanYi Zen Hei: Chinese, Japanese kana, Korean syllables and Latin in
    one font (a mixed name like "山田 Taro" is one run). All TrueType outlines (glyf), which
    reportlab embeds; the files that are not installed are left out."""
    return _installed(
        _NOTO / f"NotoSans-{weight}.ttf",
        _NOTO / f"NotoSansEthiopic-{weight}.ttf",
        _NOTO / f"NotoSansCherokee-{weight}.ttf",
        _WQY_ZENHEI,  # one weight only
    )


def _default_font(name: str, vera: str) -> str:
    # Debian's DejaVu covers far more scripts than reportlab's bundled Vera (its fallback).
    dejavu = _DEJAVU / name
    if dejavu.exists():
        return str(dejavu)
    import reportlab

    return str(Path(reportlab.__file__).parent / "fonts" / vera)


class PrintingSettings(AppSettings):
    @property
    def RENDER_MAX_ATTEMPTS(self) -> int:
        """Render attempts of one print item (a worker that crashes on it counts) before it
        is failed with the reason shown in the production queue."""
        return int(self._get("PRINT_RENDER_MAX_ATTEMPTS", 5))

    @property
    def RENDER_TIMEOUT(self) -> int:
        """Seconds a worker may hold a print item; after that its worker counts as lost and
        the sweeper sends the item again."""
        return int(self._get("PRINT_RENDER_TIMEOUT", 300))

    @property
    def PRINTER_PROFILE(self) -> PrinterProfile:
        """What the print provider asks of a file (printing.press.profiles): a built-in name
        ("generic", "gelato") or a dict of fields for a custom printer."""
        return printer_profile(self._get("PRINTER_PROFILE", None))

    @property
    def ICC_PROFILE(self) -> str:
        """CMYK output profile for images and the PDF OutputIntent (the printer profile's)."""
        return self.PRINTER_PROFILE.icc_profile

    @property
    def FONT_REGULAR(self) -> str:
        return str(self._get("FONT_REGULAR", _default_font("DejaVuSans.ttf", "Vera.ttf")))

    @property
    def FONT_BOLD(self) -> str:
        return str(self._get("FONT_BOLD", _default_font("DejaVuSans-Bold.ttf", "VeraBd.ttf")))

    @property
    def FONT_FALLBACKS_REGULAR(self) -> list[str]:
        """Font files tried in order for a text the regular font has no glyph for."""
        return list(self._get("FONT_FALLBACKS_REGULAR", _default_fallbacks("Regular")))

    @property
    def FONT_FALLBACKS_BOLD(self) -> list[str]:
        """Font files tried in order for a text the bold font has no glyph for."""
        return list(self._get("FONT_FALLBACKS_BOLD", _default_fallbacks("Bold")))

    @property
    def BRAND_NAME(self) -> str:
        return str(self._get("BRAND_NAME", "Mini-Me Merch"))

    @property
    def BLEED_MM(self) -> float:
        return self.PRINTER_PROFILE.bleed_mm

    @property
    def SAFE_MARGIN_MM(self) -> float:
        """Text and important art stay at least this far inside the trim."""
        return self.PRINTER_PROFILE.safe_margin_mm

    @property
    def MIN_TEXT_PT(self) -> float:
        """No text is printed smaller (wrapped, shortened or refused at the form instead)."""
        return self.PRINTER_PROFILE.min_text_pt

    @property
    def MIN_DPI(self) -> int:
        return int(self._get("MIN_DPI", 300))

    @property
    def HOLD_BELOW_DPI(self) -> int:
        """Below this much real detail a line is held for staff instead of upscaled."""
        return int(self._get("HOLD_BELOW_DPI", 150))

    @property
    def UPSCALER(self) -> str | None:
        """Dotted path of a GPU upscaler callable (image, factor) -> image; None = resampling."""
        return self._get("UPSCALER", None)

    @property
    def PRESS_SHEET(self) -> str:
        return str(self._get("PRESS_SHEET", "SRA3"))


printing_settings = PrintingSettings()
