"""Sticker sheets to press spec, read back from the PDF with tools that did not write it: the
kiss-cut paths from the content stream (pikepdf), the page rendered by poppler (pdftoppm), the
text by pdftotext -bbox and pdf_inspect. The white face runs past every cut, the cut keeps one
distance from the figure all round, badge text never goes below the printer's minimum, small
text is K only; the cut-out leaves no backdrop colour at the figure's edge."""

import io
import re
import subprocess
from functools import lru_cache
from html import unescape
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pikepdf
import pytest
from django.test import override_settings
from PIL import Image, ImageDraw

from printing.conf import printing_settings
from printing.packaging.cutout import art_cutout
from printing.pdf_inspect import pdf_inspect
from printing.press.fonts import ELLIPSIS, fit_font_size, fit_lines, fonts, text_width_mm
from printing.products import build
from printing.products.sticker_parts import STICKER_BORDER_MM, alpha_contour_mm
from tests.printing.test_pdfs import figure_render, spec

LONG_NAME = "Maximiliane Oberhuberova"  # 24 characters, the longest a design takes
LONG_ACCESSORIES = (
    "an extraordinarily long accessory name that no badge can hold on two lines",
    "Supercalifragilisticexpialidocious",
    "Jürgen Gygax-Pöpping's umbrella",
)


@lru_cache(maxsize=8)
def sheet(profile: str = "generic", **fields: object) -> bytes:
    """A5 sticker sheet PDF (built once per argument set)."""
    with override_settings(MINIME_PRINTER_PROFILE=profile):
        result = build(spec("sticker_sheet", "A5", 148, 210, **fields), figure_render(512))
    assert not result.held, result.report["hold_reason"]
    return result.content


def render(data: bytes, dpi: int, tmp_path: Path) -> np.ndarray:
    source = tmp_path / "sheet.pdf"
    source.write_bytes(data)
    out = tmp_path / "page"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", source, out], check=True)
    return np.asarray(Image.open(f"{out}.png").convert("RGB"))


def _mul(m, n):
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
        e * a2 + f * c2 + e2, e * b2 + f * d2 + f2,
    )  # fmt: skip


def cut_polygons_px(data: bytes, spot: str, dpi: int) -> list[np.ndarray]:
    """Every path stroked in the spot colour `spot`, as page pixels at `dpi` (y down), read
    from the content stream with its transformation matrices."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        spaces: Any = page.Resources.get("/ColorSpace", {})
        wanted = {str(k) for k, cs in spaces.items() if list(cs)[:2] == ["/Separation", f"/{spot}"]}
        ctm, stack, in_spot, points, polygons = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), [], False, [], []
        for instruction in pikepdf.parse_content_stream(page):
            op, args = str(instruction.operator), list(instruction.operands)
            if op == "q":
                stack.append((ctm, in_spot))
            elif op == "Q":
                ctm, in_spot = stack.pop()
            elif op == "cm":
                ctm = _mul(tuple(float(v) for v in args), ctm)
            elif op == "CS":
                in_spot = str(args[0]) in wanted
            elif op in ("m", "l"):
                x, y = float(args[0]), float(args[1])
                a, b, c, d, e, f = ctm
                points.append((a * x + c * y + e, b * x + d * y + f))
            elif op in ("S", "s") and in_spot:
                polygons.append(np.array(points))
                points = []
            elif op in ("S", "s", "f", "f*", "B", "B*", "b", "b*", "n"):
                points = []
        media_h = float(page.mediabox[3])
    return [np.stack([p[:, 0], media_h - p[:, 1]], axis=1) * dpi / 72 for p in polygons]


def filled(polygon: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    mask = np.zeros(shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 1, shift=4)
    return mask


def along(polygon: np.ndarray, step: float) -> np.ndarray:
    """Points every `step` along the closed polygon."""
    points: list[np.ndarray] = []
    for p, q in zip(polygon, np.roll(polygon, -1, axis=0), strict=True):
        n = max(1, int(np.ceil(np.linalg.norm(q - p) / step)))
        points.extend(p + (q - p) * t for t in np.arange(n) / n)
    return np.array(points)


# --- The cut and the white face ---------------------------------------------------------------


def test_the_white_face_runs_at_least_2_mm_past_every_cut(tmp_path):
    data = sheet()
    dpi = 100
    mm = 25.4 / dpi
    page = render(data, dpi, tmp_path)
    tint = page[3, 3].astype(int)  # the sheet's tint, in the bleed
    assert np.abs(tint - 255).max() > 10  # a tinted sheet: the check below can fail

    cuts = cut_polygons_px(data, "CutContour", dpi)
    assert len(cuts) == 9
    for cut in cuts:
        inside = filled(cut, page.shape)
        out = cv2.distanceTransform(1 - inside, cv2.DIST_L2, 5) * mm
        depth = cv2.distanceTransform(inside, cv2.DIST_L2, 5) * mm
        # Clear of the cut line itself (0.18 mm) and of pixel rounding, up to 2 mm out.
        band = ((out >= 0.5) & (out <= 2.0)) | ((depth >= 0.5) & (depth <= 1.5))
        tinted = np.abs(page.astype(int) - tint).max(axis=2) <= 12
        assert not (band & tinted).any(), f"sheet tint within 2 mm of the cut at {cut[0] * mm}"


def test_the_cut_keeps_one_distance_from_the_figure_all_round(tmp_path):
    """Measured on the print: from the big figure's cut to the nearest figure pixel. Convex
    parts (the round head: no flat top) sit at the border; only inner corners, rounded for
    the blade, sit further out."""
    data = sheet()
    dpi = 200
    mm = 25.4 / dpi
    page = render(data, dpi, tmp_path)
    big = max(cut_polygons_px(data, "CutContour", dpi), key=lambda p: cv2.contourArea(
        p.astype(np.float32)))  # fmt: skip
    inside = filled(big, page.shape)
    depth = cv2.distanceTransform(inside, cv2.DIST_L2, 5) * mm
    figure = (depth > 0.6) & (page.min(axis=2) < 200)  # not the white face
    to_figure = cv2.distanceTransform((~figure).astype(np.uint8), cv2.DIST_L2, 5) * mm
    points = np.round(along(big, 0.2 / mm)).astype(int)
    distance = to_figure[points[:, 1], points[:, 0]]

    border = STICKER_BORDER_MM
    assert distance.min() >= border - 0.35
    assert distance.max() <= border + 0.8  # at the neck's inner corners
    assert np.mean(np.abs(distance - border) <= 0.3) >= 0.97
    # The top of the cut is the head's top plus the border.
    top_cut = big[:, 1].min() * mm
    top_figure = np.nonzero(figure.any(axis=1))[0][0] * mm
    assert top_figure - top_cut == pytest.approx(border, abs=0.3)


def test_a_figure_touching_its_frame_gets_a_round_cut():
    """The cause of the flat top: the cut-out is cropped to the figure, so its alpha touches
    the image edge; the distance field must not be clipped there."""
    disc = Image.new("L", (200, 200), 0)
    ImageDraw.Draw(disc).ellipse((0, 0, 199, 199), fill=255)

    outline = np.array(alpha_contour_mm(disc, w_mm=40.0, h_mm=40.0, offset_mm=2.5))

    radii = np.hypot(outline[:, 0] - 20.0, outline[:, 1] - 20.0)
    assert radii.min() >= 22.5 - 0.15 and radii.max() <= 22.5 + 0.15


@pytest.mark.parametrize(
    ("profile", "name"), [("gelato", "CutContour"), ({"cut_spot": "KissCut"}, "KissCut")]
)
def test_cut_lines_are_the_profile_spot_on_a_layer_of_its_name(profile, name):
    with override_settings(MINIME_PRINTER_PROFILE=profile):
        data = build(spec("sticker_sheet", "A5", 148, 210), figure_render(256)).content

    info = pdf_inspect(data)

    assert info["separations"] == [name] and info["layers"] == [name]
    [cuts] = [s for s in info["strokes"] if s["colour"]["space"] == f"Separation({name})"]
    assert cuts["count"] == 9 and info["overprint"]


# --- Text -------------------------------------------------------------------------------------


def words(data: bytes, tmp_path: Path) -> list[tuple[str, float, float, float, float]]:
    """pdftotext -bbox: (word, xMin, yMin, xMax, yMax) in points."""
    source = tmp_path / "words.pdf"
    source.write_bytes(data)
    html = subprocess.run(
        ["pdftotext", "-bbox", source, "-"], check=True, capture_output=True, text=True
    ).stdout
    pattern = (
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        (unescape(m[5]), *(float(m[i]) for i in range(1, 5))) for m in re.finditer(pattern, html)
    ]


@pytest.mark.parametrize("profile", ["generic", "gelato"])
@pytest.mark.parametrize("name", ["Jürgen Gygax-Pöpping", LONG_NAME])
def test_long_names_wrap_or_shorten_never_shrink_below_the_minimum(tmp_path, profile, name):
    data = sheet(profile, figure_name=name, tagline=name, accessories=LONG_ACCESSORIES)
    with override_settings(MINIME_PRINTER_PROFILE=profile):
        floor = printing_settings.MIN_TEXT_PT

    runs = pdf_inspect(data)["text"]
    assert min(run["size_pt"] for run in runs) >= floor - 0.01
    for run in runs:
        if run["size_pt"] < 10:  # small type: K only
            assert run["fill"] == {"space": "DeviceCMYK", "values": [0.0, 0.0, 0.0, 1.0]}, run
    found = words(data, tmp_path)
    assert all(y1 - y0 >= floor - 0.01 for _w, _x0, y0, _x1, y1 in found)
    for i, (word, *a) in enumerate(found):
        for other, *b in found[i + 1 :]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]), min(a[3], b[3]) - max(a[1], b[1])
            assert min(overlap) <= 0.0, f"{word!r} overlaps {other!r}"
    text = " ".join(w for w, *_box in found)
    assert "Gygax-Pöpping" in text or "Oberhuberova" in text  # the name is whole
    assert ELLIPSIS in text  # the accessory no badge holds is shortened, by rule


def test_the_sheet_note_is_k_only_at_the_minimum_or_more():
    for profile in ("generic", "gelato"):
        runs = pdf_inspect(sheet(profile))["text"]
        [note] = [run for run in runs if run["text"].startswith("AI-generated")]
        with override_settings(MINIME_PRINTER_PROFILE=profile):
            assert note["size_pt"] >= max(7.0, printing_settings.MIN_TEXT_PT) - 0.01
        assert note["fill"]["values"] == [0.0, 0.0, 0.0, 1.0]


def test_fit_lines_wraps_then_shortens_and_never_goes_below_the_floor():
    bold = fonts().bold
    name = fit_lines("Jürgen Gygax-Pöpping", bold, max_width_mm=30, size_pt=20, min_pt=6)
    assert name.lines == ("Jürgen", "Gygax-Pöpping") and not name.shortened
    assert all(text_width_mm(line, bold, name.size_pt) <= 30 for line in name.lines)

    long = fit_lines(LONG_ACCESSORIES[0], bold, max_width_mm=30, size_pt=20, min_pt=7)
    assert long.size_pt == 7 and long.shortened and len(long.lines) == 2
    assert long.lines[-1].endswith(ELLIPSIS)
    assert long.lines[-1][:-1] in LONG_ACCESSORIES[0]  # cut at a word boundary
    assert " ".join([*long.lines[:-1], long.lines[-1][:-1]]) + " " in LONG_ACCESSORIES[0] + " "
    assert all(text_width_mm(line, bold, 7) <= 30 for line in long.lines)
    # The old helper shrinks without a floor unless it is given one.
    assert fit_font_size(LONG_NAME, bold, max_width_mm=10, size_pt=20) < 6
    assert fit_font_size(LONG_NAME, bold, max_width_mm=10, size_pt=20, min_pt=6) == 6


# --- The cut-out ------------------------------------------------------------------------------

BACKDROP = np.array((20, 60, 235), float)  # a saturated blue studio backdrop
FIGURE = [np.array(c, float) for c in ((235, 140, 60), (250, 215, 185), (30, 25, 20))]


def blue_backdrop_render(size: int = 512, *, outline: bool) -> Image.Image:
    """A figure (orange body, skin head, optionally a dark ink outline) on saturated blue,
    drawn 4x and downsampled: antialiased edges that mix figure and backdrop."""
    big = size * 4
    image = Image.new("RGB", (big, big), tuple(int(v) for v in BACKDROP))
    draw = ImageDraw.Draw(image)
    ink = {"outline": (30, 25, 20), "width": big // 120} if outline else {}
    draw.rounded_rectangle((0.15 * big, 0.55 * big, 0.85 * big, 1.1 * big), 0.1 * big,
                           fill=(235, 140, 60), **ink)  # fmt: skip
    draw.ellipse((0.3 * big, 0.12 * big, 0.7 * big, 0.6 * big), fill=(250, 215, 185), **ink)
    return image.resize((size, size), Image.Resampling.LANCZOS)


@pytest.mark.parametrize("outline", [True, False], ids=["outlined", "plain"])
def test_the_cutout_leaves_no_backdrop_colour_at_the_edge(outline):
    cut = np.asarray(art_cutout(blue_backdrop_render(outline=outline)))
    alpha, rgb = cut[..., 3], cut[..., :3].astype(float)

    visible = alpha > 0
    to_backdrop = np.linalg.norm(rgb - BACKDROP, axis=-1)
    to_figure = np.min([np.linalg.norm(rgb - c, axis=-1) for c in FIGURE], axis=0)
    assert visible.any() and not (visible & (to_backdrop < to_figure)).any()
    # The backdrop is gone and the figure is whole.
    assert alpha[: len(alpha) // 10].max() == 0
    assert alpha[int(0.3 * len(alpha)), len(alpha) // 2] == 255
