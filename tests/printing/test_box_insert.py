"""The box's insert card (page 2 of the box file): its boxes and cut outline on the cut layer,
the figure art in the window region where the front's window shows it, the PDF/X-4 check of
the two-page file and the preflight report's notes."""

import io
import math

import pikepdf
import pytest
from django.test import override_settings
from PIL import Image

from printing.packaging.layout import packaging_layout
from printing.press.pdfx import pdfx_problems
from printing.press.profiles import printer_profile
from printing.products import build
from printing.products.box import window_cut
from printing.products.box_insert import INSERT_CLEARANCE_MM, insert_card_for
from printing.products.box_net import box_net_for
from tests.printing.test_box_die import CUSTOM, TOL, box_pdf, box_spec, figure, render, strokes

MM = 72 / 25.4
PROFILES = {"generic": "generic", "custom": CUSTOM}


def boxes_mm(data: bytes, page: int) -> dict[str, list[float]]:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        obj = pdf.pages[page - 1].obj
        return {key: [float(v) / MM for v in obj[f"/{key}"]] for key in ("TrimBox", "BleedBox")}


def size(box: list[float]) -> tuple[float, float]:
    return (box[2] - box[0], box[3] - box[1])


def test_the_insert_card_fits_inside_the_box_behind_the_whole_window():
    for net in (box_net_for(120, 180, board_mm=0.4), box_net_for(180, 280, board_mm=0.45)):
        card = insert_card_for(net)
        # Inside the walls (a calliper each side) with clearance across and at the top.
        assert card.width == pytest.approx(net.width - 2 * (net.board + INSERT_CLEARANCE_MM))
        assert card.height == pytest.approx(net.height - 2 * net.board - INSERT_CLEARANCE_MM)
        layout = packaging_layout(
            name="Jürgen", tagline="", accessories=["mug"], box_theme="hero_red", art=figure(),
            width_mm=net.width, height_mm=net.height, order_code=None,
        )  # fmt: skip
        # The die-cut window, in card mm: well inside the card (it shows no card edge).
        fx, fy, _w, _h = net.panel("front")
        hole = [(x - fx - card.x, y - fy - card.y) for x, y in window_cut(net, layout)]
        assert min(x for x, _y in hole) > 5 and max(x for x, _y in hole) < card.width - 5
        assert min(y for _x, y in hole) > 5 and max(y for _x, y in hole) < card.height - 5


@pytest.mark.parametrize("profile", ["generic", "custom"])
def test_page_two_is_the_insert_card_with_its_boxes_and_cut_outline(profile):
    data = box_pdf(profile)
    p = printer_profile(PROFILES[profile])
    card = insert_card_for(box_net_for(120, 180, board_mm=p.board_thickness_mm))
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 2
    boxes = boxes_mm(data, 2)
    assert size(boxes["TrimBox"]) == pytest.approx(card.size, abs=0.01)
    assert size(boxes["BleedBox"]) == pytest.approx(
        (card.width + 2 * p.bleed_mm, card.height + 2 * p.bleed_mm), abs=0.01
    )
    assert boxes["TrimBox"][0] - boxes["BleedBox"][0] == pytest.approx(p.bleed_mm, abs=0.01)
    # One cut, closed, on the cut layer in the cut spot: the card's outline; no crease.
    found, props = strokes(data, page_number=2)
    spots = [s for s in found if s[0]]
    assert len(spots) == 1
    spot, layer, points, closed, _dashed = spots[0]
    assert spot == layer == p.cut_spot and closed
    assert p.cut_spot in props.values()
    assert len(points) == len(card.outline())
    assert all(math.dist(a, b) <= TOL for a, b in zip(points, card.outline(), strict=True))
    # Still one OCG per layer name in the file (page 2 shares page 1's).
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert sorted(str(o.Name) for o in pdf.Root.OCProperties.OCGs) == sorted(
            [p.cut_spot, p.crease_spot]
        )


def test_the_two_page_box_file_is_pdfx_and_embeds_the_figure_once():
    data = box_pdf("custom")
    assert pdfx_problems(data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        images = [
            obj for obj in pdf.objects
            if isinstance(obj, pikepdf.Stream) and obj.get("/Subtype") == "/Image"
            and obj.get("/ColorSpace") == "/DeviceCMYK"
        ]  # fmt: skip
    assert len(images) == 1


def skin_and_shirt(image: Image.Image) -> tuple[int, int]:
    """Pixels of the test figure's face (240, 200, 170) and shirt (40, 160, 60)."""
    skin = shirt = 0
    for r, g, b in image.get_flattened_data():
        skin += r > 200 and 160 < g < 225 and 130 < b < 200 and r - b > 40
        shirt += g > 120 and r < 110 and b < 110
    return skin, shirt


def test_the_figure_shows_on_the_insert_card_where_the_front_window_shows_it(tmp_path):
    dpi, px = 40, 40 / 25.4
    net = box_net_for(120, 180, board_mm=0.4)
    card, bleed = insert_card_for(net), 3.0
    layout = packaging_layout(
        name="Jürgen", tagline="Chief Coffee Officer", accessories=["coffee mug", "laptop"],
        box_theme="hero_red", art=figure(), width_mm=120, height_mm=180, order_code=None,
    )  # fmt: skip
    w = layout.window
    # The window (panel mm, y down) on each page, as pixel boxes.
    fx, fy, _fw, _fh = net.panel("front")
    front_top = net.size[1] + bleed - (fy + 180)
    front = (fx + bleed + w.x, front_top + w.y)
    inside = (bleed - card.x + w.x, card.height + bleed - (180 - card.y) + w.y)

    def crop(page: Image.Image, origin: tuple[float, float]) -> Image.Image:
        x, y = origin
        return page.crop((round(x * px), round(y * px), round((x + w.w) * px),
                          round((y + w.h) * px)))  # fmt: skip

    data = box_pdf("generic")
    on_card = skin_and_shirt(crop(render(tmp_path, data, dpi, page=2), inside))
    on_front = skin_and_shirt(crop(render(tmp_path, data, dpi, page=1), front))
    assert min(on_card) > 30 and min(on_front) > 30
    for a, b in zip(on_card, on_front, strict=True):
        assert a == pytest.approx(b, rel=0.15)
    # Above the window the card shows the window's colour alone, no figure.
    page = render(tmp_path, data, dpi, page=2)
    left, top, right, bottom = bleed + 2, bleed + 2, bleed + card.width - 2, inside[1] - 2
    strip = page.crop(tuple(round(v * px) for v in (left, top, right, bottom)))
    assert len(set(strip.get_flattened_data())) <= 2


def test_the_preflight_report_describes_the_insert_card():
    with override_settings(MINIME_PRINTER_PROFILE="gelato"):
        result = build(box_spec(), figure())
        card = insert_card_for(box_net_for(120, 180))
    report = result.report
    assert report["errors"] == [] and report["pdfx_problems"] == []
    assert report["pages"] == 2
    assert report["insert_card"] == {"page": 2, "trim_mm": [round(v, 2) for v in card.size]}
    assert any("insert card" in note and "Page 2" in note for note in report["notes"])
    # The insert card's figure is the front's image placed again, named so in the report.
    assert [image["name"] for image in report["images"]] == [
        "figure art", "figure art (insert card, the same image)",
    ]  # fmt: skip
