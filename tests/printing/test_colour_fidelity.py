"""Colour fidelity: every theme's print files write each palette colour exactly as its CMYK
(the k / K operands of the content streams, forms included, read back with pikepdf), nothing
is converted on the way, and the customer's preview of the box front shows the same palette
entries (through the press profile, Colour.rgb). An unknown theme falls back to DEFAULT_THEME
in print and preview alike."""

from __future__ import annotations

import dataclasses
import subprocess
from collections import Counter
from functools import cache

import pytest
from PIL import Image

from printing.packaging.elements import BoxLayout
from printing.packaging.layout import packaging_layout
from printing.packaging.render_png import render_png
from printing.press import colour
from printing.press.colour import Colour
from printing.press.palettes import DEFAULT_THEME, PALETTES, Palette, palette_for
from printing.products import build
from tests.printing.pdfcheck import colour_operators, process_colours
from tests.printing.test_pdfs import figure_render, spec

SHARED = (colour.WHITE, colour.BLACK, colour.RICH_BLACK)
PRODUCTS = {"box": ("Standard (18 cm)", 120, 180), "sticker_sheet": ("A5", 148, 210)}
UNKNOWN_THEME = "retired_theme"


def cmyk(c: Colour) -> tuple[float, ...]:
    return tuple(round(v, 4) for v in c.cmyk)


def entries(palette: Palette) -> dict[str, Colour]:
    return {f.name: getattr(palette, f.name) for f in dataclasses.fields(palette)}


@cache
def print_file(kind: str, theme: str) -> bytes:
    label, width, height = PRODUCTS[kind]
    return build(spec(kind, label, width, height, box_theme=theme), figure_render(256)).content


@cache
def preview(theme: str) -> tuple[Image.Image, BoxLayout]:
    layout = packaging_layout(
        name="Jürgen",
        tagline="Chief Coffee Officer",
        accessories=["coffee mug", "laptop"],
        box_theme=theme,
        art=figure_render(256),
        width_mm=120,
        height_mm=180,
        order_code=None,
    )
    return render_png(layout, dpi=30), layout


@pytest.mark.parametrize("theme", PALETTES)
@pytest.mark.parametrize("kind", PRODUCTS)
def test_print_files_write_the_palette_colours_exactly(kind, theme):
    palette = entries(PALETTES[theme])
    data = print_file(kind, theme)

    written = process_colours(data)
    allowed = {cmyk(c) for c in palette.values()} | {cmyk(c) for c in SHARED}
    # Nothing converted: every process colour in the file is one of the theme's or a shared one.
    assert written <= allowed, f"not from the palette: {written - allowed}"
    assert not {op for op, _ in colour_operators(data)} & {"rg", "RG", "g", "G"}
    used = {name for name, c in palette.items() if cmyk(c) in written}
    if kind == "box":
        assert used == set(palette), f"palette entries missing: {set(palette) - used}"
    else:
        assert "background" in used and len(used) >= 4, used


def test_midnight_prints_navy_not_black(tmp_path):
    """The issue's defect 1: reportlab's "sep_cmyk" turned this navy into 0/0/0/100."""
    navy = PALETTES["midnight"].background
    assert (navy.c, navy.m, navy.y, navy.k) == (85, 75, 45, 65)

    for kind in PRODUCTS:
        data = print_file(kind, "midnight")
        fills = [operands for op, operands in colour_operators(data) if op == "k"]
        assert (0.85, 0.75, 0.45, 0.65) in {tuple(round(v, 4) for v in o) for o in fills}
    # poppler's rendering of the box: its commonest inked colour (the card) is blue, not grey.
    path = tmp_path / "box.pdf"
    path.write_bytes(print_file("box", "midnight"))
    subprocess.run(
        ["pdftoppm", "-r", "10", "-png", "-singlefile", str(path), str(tmp_path / "page")],
        check=True,
    )
    pixels = Image.open(tmp_path / "page.png").convert("RGB").get_flattened_data()
    inked = Counter(p for p in pixels if min(p) < 200)
    (r, g, b), _count = inked.most_common(1)[0]
    assert b > r + 15 and b > g, (r, g, b)


def _share(image: Image.Image, rgb: tuple[int, int, int]) -> float:
    counts = Counter(image.get_flattened_data())
    return counts[rgb] / (image.width * image.height)


@pytest.mark.parametrize("theme", PALETTES)
def test_the_preview_shows_the_same_palette_entries_as_the_print_file(theme):
    palette = PALETTES[theme]
    image, layout = preview(theme)

    # The card and its sunburst fill most of the front: in the preview as Colour.rgb ...
    assert _share(image, palette.background.rgb) > 0.05
    assert _share(image, palette.rays.rgb) > 0.05
    assert layout.theme == theme
    # ... and in the print file as the very same entry's CMYK.
    written = process_colours(print_file("box", theme))
    assert cmyk(palette.background) in written and cmyk(palette.rays) in written


def test_an_unknown_theme_falls_back_to_the_default_in_print_and_preview():
    fallback = PALETTES[DEFAULT_THEME]
    assert palette_for(UNKNOWN_THEME) is fallback

    image, layout = preview(UNKNOWN_THEME)
    written = process_colours(print_file("box", UNKNOWN_THEME))

    assert layout.theme == DEFAULT_THEME
    assert _share(image, fallback.background.rgb) > 0.05
    assert written == process_colours(print_file("box", DEFAULT_THEME))
