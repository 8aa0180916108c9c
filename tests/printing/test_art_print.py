"""Art prints to the printer profile: the bleed is the profile's, the "AI-generated" mark is
never below its minimum text size and is K only (black) or no ink (white); read back with
pdfinfo, pdftoppm and pdf_inspect."""

import io
import subprocess

import numpy as np
import pytest
from django.test import override_settings
from PIL import Image

from printing.pdf_inspect import pdf_inspect
from printing.products import build
from printing.products.art_print import ai_mark_pt
from tests.printing.test_pdfs import boxes_mm, figure_render, spec, write

BLACK_K = {"space": "DeviceCMYK", "values": [0.0, 0.0, 0.0, 1.0]}
NO_INK = {"space": "DeviceCMYK", "values": [0.0, 0.0, 0.0, 0.0]}


def plain_render(rgb: tuple[int, int, int]) -> Image.Image:
    return Image.new("RGB", (1024, 1024), rgb)


@pytest.mark.parametrize(("profile", "bleed"), [("generic", 3.0), ("gelato", 4.0)])
def test_the_art_runs_into_the_profile_bleed(tmp_path, profile, bleed):
    with override_settings(MINIME_PRINTER_PROFILE=profile):
        result = build(spec("art_print", "A4", 210, 297), figure_render(1024))
    path = write(tmp_path, result.content)

    boxes = boxes_mm(path)
    trim, bleed_box = boxes["TrimBox"], boxes["BleedBox"]
    assert trim[0] - bleed_box[0] == pytest.approx(bleed, abs=0.05)
    assert bleed_box[2] - trim[2] == pytest.approx(bleed, abs=0.05)
    # Art, not paper, up to the bleed's edge.
    out = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-singlefile", path, out], check=True)
    page = np.asarray(Image.open(f"{out}.png").convert("RGB"))
    for corner in (page[0, 0], page[0, -1], page[-1, 0], page[-1, -1]):
        assert tuple(corner) != (255, 255, 255)


@pytest.mark.parametrize(
    ("background", "ink"), [((235, 230, 220), BLACK_K), ((20, 20, 40), NO_INK)]
)
@pytest.mark.parametrize("profile", ["gelato", {"min_text_pt": 9.0}])
def test_the_ai_mark_is_one_ink_at_the_profile_minimum_or_more(profile, background, ink):
    with override_settings(MINIME_PRINTER_PROFILE=profile):
        result = build(spec("art_print", "A4", 210, 297), plain_render(background))
        floor = 7.0 if profile == "gelato" else 9.0
        assert ai_mark_pt() == floor

    [mark] = [run for run in pdf_inspect(result.content)["text"] if "AI-generated" in run["text"]]
    assert mark["size_pt"] >= floor - 0.01
    assert mark["fill"] == ink  # black on light art, white (no ink) on dark


def test_the_digital_download_sets_the_mark_at_the_minimum_too():
    with override_settings(MINIME_PRINTER_PROFILE={"min_text_pt": 12.0}):
        big = build(spec("digital", "Full resolution"), plain_render((240, 240, 240)))
    small = build(spec("digital", "Full resolution"), plain_render((240, 240, 240)))

    def ink_height(content: bytes) -> int:
        gray = np.asarray(Image.open(io.BytesIO(content)).convert("L"))
        rows = np.nonzero((gray < 128).any(axis=1))[0]
        return int(rows.max() - rows.min())

    assert ink_height(big.content) > ink_height(small.content) * 1.5
