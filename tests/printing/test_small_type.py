"""Small type and hairlines: preflight holds text below the printer profile's minimum size,
and text under 10 pt or lines under 0.5 pt in more than one process ink (or in C, M or Y
alone); poppler (pdftotext -bbox) and the content walk agree on text sizes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from reportlab.lib.colors import CMYKColor

from printing.pdf import BLACK, WHITE, PrintDocument, cut_colour
from printing.preflight import Preflight
from printing.press.units import PT
from tests.printing.pdfcheck import assert_min_text_pt, words

RICH_BLACK = CMYKColor(0.6, 0.5, 0.4, 1)


def _draw_text(size: float, colour: CMYKColor = BLACK, **kw: float) -> Callable:
    return lambda doc: doc.text("Order 42", x=5, y=10, size_pt=size, colour=colour, **kw)


def _hairline(width_pt: float, colour: CMYKColor) -> Callable:
    def draw(doc: PrintDocument) -> None:
        doc.canvas.setStrokeColor(colour)
        doc.canvas.setLineWidth(width_pt * PT)
        doc.canvas.line(2, 2, 40, 2)

    return draw


def _scaled_text(doc: PrintDocument) -> None:
    doc.canvas.saveState()
    doc.canvas.scale(0.5, 0.5)
    doc.text("Order 42", x=5, y=10, size_pt=10)  # 10 pt drawn at half size: 5 pt
    doc.canvas.restoreState()


SMALL_TYPE = {
    "5.5 pt": (_draw_text(5.5), "at 5.5 pt, below the 6 pt minimum"),
    "5 pt turned 90 degrees": (_draw_text(5, angle=90), "at 5.0 pt, below the 6 pt minimum"),
    "10 pt scaled to 5": (_scaled_text, "at 5.0 pt, below the 6 pt minimum"),
    "8 pt rich black": (_draw_text(8, RICH_BLACK), "at 8.0 pt in C+M+Y+K (60/50/40/100)"),
    "8 pt yellow": (_draw_text(8, CMYKColor(0, 0.22, 0.9, 0)), "at 8.0 pt in M+Y"),
    "8 pt cyan only": (_draw_text(8, CMYKColor(1, 0, 0, 0)), "at 8.0 pt in C "),
    "hairline in 4 inks": (_hairline(0.25, RICH_BLACK), "line(s) 0.25 pt wide in C+M+Y+K"),
    "8 pt K": (_draw_text(8), None),
    "8 pt K tint": (_draw_text(8, CMYKColor(0, 0, 0, 0.6)), None),
    "8 pt white": (_draw_text(8, WHITE), None),
    "8 pt spot": (_draw_text(8, cut_colour()), None),
    "12 pt rich black": (_draw_text(12, RICH_BLACK), None),
    "hairline in K": (_hairline(0.25, BLACK), None),
    "0.5 pt line in 4 inks": (_hairline(0.5, RICH_BLACK), None),
}


def small_type_report(draw: Callable[[PrintDocument], None]) -> dict:
    doc = PrintDocument(width_mm=50, height_mm=30, title="small type")
    with doc.mm_space():
        draw(doc)
    check = Preflight(kind="box", label="test", trim_mm=(50, 30), bleed_mm=doc.bleed_mm)
    return check.finish(pdf=doc.finish())


@pytest.mark.parametrize("case", SMALL_TYPE)
def test_preflight_holds_small_type_below_the_minimum_or_in_too_many_inks(case):
    draw, expected = SMALL_TYPE[case]

    report = small_type_report(draw)

    if expected is None:
        assert report["status"] != "hold", report["hold_reason"]
    else:
        assert report["status"] == "hold"
        [hold] = report["holds"]
        assert hold.startswith("small type: ") and expected in hold, hold


def test_the_minimum_text_size_comes_from_the_printer_profile(settings):
    assert small_type_report(_draw_text(6.5))["status"] != "hold"

    settings.MINIME_PRINTER_PROFILE = "gelato"
    report = small_type_report(_draw_text(6.5))

    assert report["status"] == "hold"
    assert "at 6.5 pt, below the 7 pt minimum" in report["hold_reason"]
    [run] = report["text"]
    assert run["text"] == "Order 42" and run["size_pt"] == pytest.approx(6.5)
    assert run["fill"] == {"space": "DeviceCMYK", "values": [0, 0, 0, 1]}


def test_poppler_and_the_content_walk_agree_on_text_sizes():
    doc = PrintDocument(width_mm=50, height_mm=30, title="sizes")
    with doc.mm_space():
        doc.text("Order 42", x=5, y=10, size_pt=6.5)
        doc.text("Jürgen", x=5, y=20, size_pt=9, bold=True)
        doc.text("Turned", x=45, y=5, size_pt=6.5, angle=90)
    data = doc.finish()

    sizes = {w.text: round(w.size_pt, 2) for w in words(data) if w.horizontal}
    assert sizes == {"Order": 6.5, "42": 6.5, "Jürgen": 9.0}
    assert_min_text_pt(data, 6.5)
    with pytest.raises(AssertionError, match="below 7"):
        assert_min_text_pt(data, 7)
