"""Layout regressions: each product's print file rendered by poppler at low resolution and
compared with a stored reference picture (tests/printing/references/*.png).

A change that moves, resizes, recolours or drops an element changes many pixels and fails here.
When a layout changes on purpose, regenerate the references and look at them before committing:

    MINIME_UPDATE_REFERENCES=1 .venv/bin/pytest tests/printing/test_references.py
"""

import os
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageStat

from printing.products import build
from tests.printing.test_pdfs import figure_render, spec

REFERENCES = Path(__file__).parent / "references"
DPI = 24
# Mean absolute difference per channel (0-255) and the share of pixels that may differ by more
# than PIXEL_DELTA: anti-aliasing noise from another poppler build stays under both; a moved
# text line or a changed colour does not.
MAX_MEAN_DIFF = 1.5
PIXEL_DELTA = 48
MAX_CHANGED_SHARE = 0.01

PRODUCTS = {
    "box_midnight": spec("box", "Standard (18 cm)", 120, 180, box_theme="midnight"),
    "box_hero_red": spec("box", "Standard (18 cm)", 120, 180, box_theme="hero_red"),
    "sticker_sheet_a5": spec("sticker_sheet", "A5", 148, 210, box_theme="jungle_green"),
    "art_print_a4": spec("art_print", "A4", 210, 297),
}


def rendered(pdf: bytes, tmp_path: Path) -> Image.Image:
    source = tmp_path / "file.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(DPI), "-png", "-singlefile", "-cropbox", source, tmp_path / "page"],
        check=True,
    )
    with Image.open(tmp_path / "page.png") as page:
        return page.convert("RGB")


@pytest.mark.parametrize("name", sorted(PRODUCTS))
def test_print_file_matches_its_reference_picture(name, tmp_path):
    picture = rendered(build(PRODUCTS[name], figure_render()).content, tmp_path)
    reference_path = REFERENCES / f"{name}.png"
    if os.environ.get("MINIME_UPDATE_REFERENCES"):
        REFERENCES.mkdir(exist_ok=True)
        picture.save(reference_path, optimize=True)
    with Image.open(reference_path) as stored:
        reference = stored.convert("RGB")
    assert picture.size == reference.size, f"{name}: page size changed"
    diff = ImageChops.difference(picture, reference)
    mean = sum(ImageStat.Stat(diff).mean) / 3
    changed = diff.convert("L").point(lambda v: 255 if v > PIXEL_DELTA else 0)
    share = ImageStat.Stat(changed).mean[0] / 255
    if mean > MAX_MEAN_DIFF or share > MAX_CHANGED_SHARE:
        diff_path = tmp_path / f"{name}-diff.png"
        diff.point(lambda v: min(255, v * 4)).save(diff_path)
        pytest.fail(
            f"{name} differs from its reference: mean {mean:.2f}, {share:.1%} of pixels "
            f"changed (see {diff_path}; regenerate on purpose with MINIME_UPDATE_REFERENCES=1)"
        )
