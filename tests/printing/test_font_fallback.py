"""Names in scripts the product font (DejaVu Sans) lacks print in the first fallback font that
has all of their characters (Debian's Noto Sans and WenQuanYi Zen Hei, installed by
scripts/system-deps.sh), embedded as a TrueType subset; checked with poppler (pdffonts,
pdftotext), which did not write the files."""

import subprocess
from pathlib import Path

import pytest
from django.test import override_settings

from printing.conf import printing_settings
from printing.packing_slip import packing_slip_pdf
from printing.press.fonts import face, fonts, text_width_mm, unprintable, wrap_lines
from printing.products import build
from shop.models import Order
from tests.factories.printing import paid_order
from tests.printing.test_pdfs import figure_render, spec

pytestmark = pytest.mark.printing


def poppler(tool: str, data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "file.pdf"
    path.write_bytes(data)
    args = [tool, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def embedded_fonts(data: bytes, tmp_path: Path) -> dict[str, bool]:
    """pdffonts: base name (without the subset tag and reportlab's subset number) -> embedded."""
    rows = poppler("pdffonts", data, tmp_path).splitlines()[2:]
    return {
        row.split()[0].split("+")[-1].removesuffix("-0"): row.split()[-5] == "yes" for row in rows
    }


def test_a_japanese_name_prints_on_the_box_in_the_embedded_cjk_fallback(tmp_path):
    box = spec(
        "box", "Standard (18 cm)", 120, 180,
        figure_name="山田 Taro", tagline="最高コーヒー責任者", accessories=("コーヒー", "laptop"),
    )  # fmt: skip

    result = build(box, figure_render(1024))

    assert not result.held, result.report.get("hold_reason")
    used = embedded_fonts(result.content, tmp_path)
    assert used.get("WenQuanYiZenHei") is True, used
    assert all(used.values()), used
    text = poppler("pdftotext", result.content, tmp_path)
    for expected in ("山田 Taro", "最高コーヒー責任者", "• コーヒー", "• laptop"):
        assert expected in text


def test_greek_and_cyrillic_names_print_and_a_letter_dejavu_lacks_uses_noto(tmp_path):
    # Ԯ (U+052E, Komi and Khanty) is in Noto Sans, not in DejaVu Sans.
    box = spec(
        "box", "Standard (18 cm)", 120, 180, figure_name="Ԯаша", tagline="Ελένη Παπαδοπούλου"
    )

    result = build(box, figure_render(1024))

    assert not result.held, result.report.get("hold_reason")
    used = embedded_fonts(result.content, tmp_path)
    assert used.get("NotoSans-Bold") is True and used.get("DejaVuSans") is True, used
    text = poppler("pdftotext", result.content, tmp_path)
    assert "Ԯаша" in text and "Ελένη Παπαδοπούλου" in text


def test_a_korean_name_prints_on_the_sticker_sheet(tmp_path):
    result = build(spec("sticker_sheet", "A5", 148, 210, figure_name="김민준"), figure_render(512))

    assert "no glyphs" not in (result.report.get("hold_reason") or "")
    assert embedded_fonts(result.content, tmp_path).get("WenQuanYiZenHei") is True
    assert "김민준" in poppler("pdftotext", result.content, tmp_path)


@pytest.mark.django_db
def test_a_japanese_address_prints_on_the_packing_slip(tmp_path):
    order = paid_order()
    Order.objects.filter(pk=order.pk).update(full_name="山田 太郎", city="東京")
    order.refresh_from_db()

    data = packing_slip_pdf(order=order)

    assert embedded_fonts(data, tmp_path).get("WenQuanYiZenHei") is True
    text = poppler("pdftotext", data, tmp_path)
    assert "山田 太郎" in text and "東京" in text


def test_a_mixed_name_is_one_run_in_one_font():
    bold = face("bold")

    assert bold.covering("Taro") is bold
    mixed = bold.covering("山田 Taro")
    assert Path(mixed.path).name == "wqy-zenhei.ttc"
    assert mixed.missing("山田 Taro") == ""


def test_only_characters_no_font_of_the_stack_has_are_unprintable():
    assert unprintable(["山田", "Ελένη", "Ԯаша", "ሰላም", "김민준"]) == ""
    assert unprintable(["Bob \U00010600"]) == "\U00010600"  # Linear A: no font has it


def test_without_fallback_fonts_the_product_font_alone_decides():
    with override_settings(MINIME_FONT_FALLBACKS_REGULAR=[], MINIME_FONT_FALLBACKS_BOLD=[]):
        assert unprintable(["山田 Taro"]) == "山田"
    missing = ["/nonexistent/font.ttf"]
    with override_settings(MINIME_FONT_FALLBACKS_REGULAR=missing, MINIME_FONT_FALLBACKS_BOLD=[]):
        assert unprintable(["山田"]) == "山田"  # a wrong path is skipped, not a crash


def test_fallback_fonts_are_truetype_outlines_reportlab_embeds():
    for path in {*printing_settings.FONT_FALLBACKS_REGULAR, *printing_settings.FONT_FALLBACKS_BOLD}:
        data = Path(path).read_bytes()
        # A .ttc holds a table directory per font; each TrueType one has 'glyf' (CFF has not).
        assert b"glyf" in data[:4096] and b"CFF " not in data[:4096], path


def test_a_japanese_tagline_without_spaces_wraps_inside_the_width():
    regular = fonts().regular
    tagline = "最高コーヒー責任者" * 6  # 54 characters, no space to break at

    lines = wrap_lines(tagline, regular, 11.0, 60.0)

    assert len(lines) > 1 and "".join(lines) == tagline
    assert all(text_width_mm(line, regular, 11.0) <= 60.0 for line in lines)
    words = wrap_lines("coffee mug and laptop", regular, 11.0, 30.0)
    assert len(words) == 2 and " ".join(words) == "coffee mug and laptop"  # at spaces
