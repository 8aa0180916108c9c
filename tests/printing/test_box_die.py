"""The box's die: cut and crease geometry (every crease ends on a cut or another crease, no
uncut bridge, closed cuts, board thickness), the two spot colours on their own optional-content
layers named from the printer profile, the bare glue flap, the front art clipped at its folds,
and the blister window."""

import io
import math
import subprocess
from functools import lru_cache
from pathlib import Path

import pikepdf
import pytest
from django.test import override_settings
from PIL import Image, ImageDraw

from printing.conf import printing_settings
from printing.products import ProductSpec, build
from printing.products.box import window_cut
from printing.products.box_net import WINDOW_INSET_MM, BoxNet, box_net_for

MM = 72 / 25.4
TOL = 0.01  # mm
CUSTOM = {"base": "generic", "cut_spot": "Thru-cut", "crease_spot": "Creasing", "bleed_mm": 4.0}
Point = tuple[float, float]


@lru_cache(maxsize=2)
def figure(size: int = 640) -> Image.Image:
    """A toy figure on a studio gradient, standing on the bottom edge."""
    image = Image.new("RGB", (size, size), (60, 100, 190))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        draw.line([(0, y), (size, y)], fill=(60, 100 - y * 60 // size, 190 - y * 110 // size))
    s = size
    draw.rounded_rectangle((0.05 * s, 0.62 * s, 0.95 * s, 1.1 * s), 0.1 * s, fill=(40, 160, 60))
    draw.ellipse((0.33 * s, 0.2 * s, 0.67 * s, 0.6 * s), fill=(240, 200, 170), outline=(20, 20, 26))
    return image


def box_spec(**fields: object) -> ProductSpec:
    values: dict = {
        "figure_name": "Jürgen",
        "tagline": "Chief Coffee Officer",
        "accessories": ("coffee mug", "laptop"),
        "box_theme": "hero_red",
        "order_code": "MM-000042-7",
    }
    values.update(fields)
    return ProductSpec(kind="box", label="Standard (18 cm)", width_mm=120, height_mm=180, **values)


@lru_cache(maxsize=2)
def box_pdf(profile: str) -> bytes:
    with override_settings(MINIME_PRINTER_PROFILE=CUSTOM if profile == "custom" else profile):
        return build(box_spec(), figure()).content


def render(tmp_path: Path, data: bytes, dpi: int, page: int = 1) -> Image.Image:
    source = tmp_path / "box.pdf"
    source.write_bytes(data)
    out = tmp_path / f"page-{page}"
    subprocess.run(["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png",
                    "-singlefile", str(source), str(out)], check=True)  # fmt: skip
    return Image.open(str(out) + ".png").convert("RGB")


# --- Geometry ---------------------------------------------------------------------------------


def on_segment(p: Point, a: Point, b: Point) -> bool:
    (px, py), (ax, ay), (bx, by) = p, a, b
    length2 = (bx - ax) ** 2 + (by - ay) ** 2
    along = (px - ax) * (bx - ax) + (py - ay) * (by - ay)
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, along / length2))
    return math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay))) <= TOL


def edges(polygon: list[Point]) -> list[tuple[Point, Point]]:
    return [(polygon[i], polygon[(i + 1) % len(polygon)]) for i in range(len(polygon))]


def crosses(a: Point, b: Point, c: Point, d: Point) -> bool:
    """Segments ab and cd intersect (touching included)."""

    def orient(p: Point, q: Point, r: Point) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    o1, o2, o3, o4 = orient(a, b, c), orient(a, b, d), orient(c, d, a), orient(c, d, b)
    if (o1 * o2 < 0) and (o3 * o4 < 0):
        return True
    return any(on_segment(p, s, e) for p, s, e in ((c, a, b), (d, a, b), (a, c, d), (b, c, d)))


def inside_polygon(p: Point, polygon: list[Point]) -> bool:
    x, y = p
    found = False
    for (x0, y0), (x1, y1) in edges(polygon):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            found = not found
    return found


def simple(polygon: list[Point]) -> bool:
    """No two non-adjacent edges of the closed polygon touch (repeated points dropped)."""
    points = [p for i, p in enumerate(polygon) if math.dist(p, polygon[i - 1]) > TOL]
    sides = edges(points)
    n = len(sides)
    for i in range(n):
        for j in range(i + 2, n):
            if i == 0 and j == n - 1:
                continue
            if crosses(*sides[i], *sides[j]):
                return False
    return True


NETS = [box_net_for(120, 180, board_mm=board) for board in (0.0, 0.4, 0.45)] + [
    box_net_for(180, 280, board_mm=0.45)
]


@pytest.mark.parametrize("net", NETS, ids=lambda n: f"{n.width:g}x{n.height:g}-T{n.board:g}")
def test_every_crease_ends_on_the_cut_outline_or_another_crease(net: BoxNet):
    outline = net.outline()
    creases = net.creases()
    for i, (a, b) in enumerate(creases):
        for end in (a, b):
            on_cut = any(on_segment(end, s, e) for s, e in edges(outline))
            on_crease = any(on_segment(end, *other) for j, other in enumerate(creases) if j != i)
            assert on_cut or on_crease, (end, (a, b))
        # Each crease lies on the board (not across waste).
        middle = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
        assert inside_polygon(middle, outline), (a, b)
    # Every panel corner where creases meet the outline is cut exactly there: the vertical
    # creases and the lid / bottom flap hinges end on outline vertices, no 1 mm bridge.
    for a, b in creases:
        for end in (a, b):
            if any(on_segment(end, s, e) for s, e in edges(outline)):
                assert min(math.dist(end, v) for v in outline) <= TOL, end


@pytest.mark.parametrize("net", NETS[1:3], ids=["T0.4", "T0.45"])
def test_cuts_are_closed_simple_and_clear_of_the_creases(net: BoxNet):
    outline = net.outline()
    assert simple(outline)
    layout_window = (net.panel("front")[0] + 10, net.base + 30, 80.0, 100.0)
    window = net.window(*layout_window, radius=5.0)
    for hole in (net.euro_slot(), window):
        assert simple(hole)
        assert all(inside_polygon(p, outline) for p in hole)
        for s, e in edges(hole):
            assert not any(crosses(s, e, *crease) for crease in net.creases())
    # The euro slot in the hang tab, the window in the front panel.
    hx, hy, hw, hh = net.panel("hang_tab")
    assert all(hx < x < hx + hw and hy < y < hy + hh for x, y in net.euro_slot())
    fx, fy, fw, fh = net.panel("front")
    assert all(fx < x < fx + fw and fy < y < fy + fh for x, y in window)


def test_board_thickness_is_allowed_for():
    bare, board = box_net_for(120, 180, board_mm=0.0), box_net_for(120, 180, board_mm=0.4)
    assert board.panel("front")[2:] == bare.panel("front")[2:] == (120, 180)
    assert board.panel("side_left")[2] == pytest.approx(bare.panel("side_left")[2] + 0.4)
    assert board.panel("back")[2] == pytest.approx(bare.panel("back")[2] + 0.4)
    assert board.panel("top")[3] == pytest.approx(bare.panel("top")[3] + 0.8)
    assert board.dust_flap == pytest.approx(bare.dust_flap - 0.4)
    assert board.size[0] == pytest.approx(bare.size[0] + 3 * 0.4)
    # The profile's calliper is the default.
    with override_settings(MINIME_PRINTER_PROFILE="gelato"):
        assert box_net_for(120, 180).board == 0.45


# --- The PDF: separations and layers ----------------------------------------------------------


def strokes(
    data: bytes, page_number: int = 1
) -> tuple[list[tuple[str | None, str | None, list[Point], bool, bool]], dict[str, str]]:
    """Every stroked path of a page: (its separation name or None, its layer name or None,
    its points (mm, as drawn in mm space), closed, dashed), and the OCG names by key."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[page_number - 1]
        spaces = {str(k): str(cs[1])[1:] for k, cs in page.Resources.ColorSpace.items()
                  if isinstance(cs, pikepdf.Array) and cs[0] == "/Separation"}  # fmt: skip
        props = {str(k): str(v.Name) for k, v in page.Resources.get("/Properties", {}).items()}
        found, points, closed = [], [], False
        layers: list[str | None] = []
        stroke_cs: list[str | None] = [None]
        dashed = [False]
        for instruction in pikepdf.parse_content_stream(page):
            op, operands = str(instruction.operator), list(instruction.operands)
            if op == "q":
                stroke_cs.append(stroke_cs[-1])
                dashed.append(dashed[-1])
            elif op == "Q":
                stroke_cs.pop()
                dashed.pop()
            elif op == "CS":
                stroke_cs[-1] = spaces.get(str(operands[0]))
            elif op in ("K", "RG", "G"):
                stroke_cs[-1] = None
            elif op == "d":
                dashed[-1] = len(operands[0]) > 0
            elif op == "BDC":
                layers.append(props.get(str(operands[1])) if str(operands[0]) == "/OC" else None)
            elif op == "BMC":
                layers.append(None)
            elif op == "EMC":
                layers.pop()
            elif op in ("m", "l"):
                points.append((float(operands[0]), float(operands[1])))
            elif op == "h":
                closed = True
            elif op in ("S", "s", "B", "b", "f", "f*", "n", "W", "re"):
                if op in ("S", "s"):
                    layer = next((name for name in reversed(layers) if name), None)
                    found.append((stroke_cs[-1], layer, points, closed or op == "s", dashed[-1]))
                if op != "re":
                    points, closed = [], False
        return found, props


@pytest.mark.parametrize("profile", ["generic", "custom"])
def test_cut_and_crease_are_separate_spots_on_their_own_layers(profile):
    data = box_pdf(profile)
    cut, crease = ("Thru-cut", "Creasing") if profile == "custom" else ("CutContour", "Crease")
    found, props = strokes(data)
    assert sorted(props.values()) == sorted([cut, crease])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        ocgs = {str(ocg.Name) for ocg in pdf.Root.OCProperties.OCGs}
    assert ocgs == {cut, crease}
    cuts = [s for s in found if s[0] == cut]
    creases = [s for s in found if s[0] == crease]
    assert {s[0] for s in found if s[0]} == {cut, crease}
    # Every cut is closed (no cut ends in mid-air) and on the cut layer: the outline, the euro
    # slot and the blister window; every crease is solid and on the crease layer.
    assert len(cuts) == 3 and all(layer == cut and closed for _s, layer, _p, closed, _d in cuts)
    net = box_net_for(120, 180, board_mm=0.4)
    assert len(creases) == len(net.creases())
    assert all(layer == crease and not dashed for _s, layer, _p, _c, dashed in creases)
    outline = cuts[0][2]
    assert len(outline) == len(net.outline())
    assert all(math.dist(a, b) <= TOL for a, b in zip(outline, net.outline(), strict=True))


# --- The PDF: ink -----------------------------------------------------------------------------


def crop_mm(page: Image.Image, net: BoxNet, bleed: float, dpi: int, box: tuple) -> Image.Image:
    """Pixels of the net box (x0, y0, x1, y1 mm, y up) on the rendered page."""
    px = dpi / 25.4
    x0, y0, x1, y1 = box
    height = net.size[1] + bleed
    return page.crop((round((x0 + bleed) * px), round((height - y1) * px),
                      round((x1 + bleed) * px), round((height - y0) * px)))  # fmt: skip


def pixels(image: Image.Image) -> list[tuple[int, int, int]]:
    return list(image.get_flattened_data())


def test_the_glue_flap_is_bare_board(tmp_path):
    net, dpi = box_net_for(120, 180, board_mm=0.4), 40
    page = render(tmp_path, box_pdf("generic"), dpi)
    bleed = printing_settings.BLEED_MM
    g, b, top = net.glue, net.base, net.top
    flap = crop_mm(page, net, bleed, dpi, (1.5, b + 8.0, g - 1.5, top - 8.0))
    assert min(min(p) for p in pixels(flap)) >= 245
    # The side panel beside it is printed (the check could fail).
    side = crop_mm(page, net, bleed, dpi, (g + 1.5, b + 8.0, g + 5.0, top - 8.0))
    assert max(min(p) for p in pixels(side)) < 200


def close(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 12) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_front_art_stops_at_the_folds_and_bleeds_past_the_cut(tmp_path):
    net, dpi = box_net_for(120, 180, board_mm=0.4), 50
    page = render(tmp_path, box_pdf("generic"), dpi)
    bleed = printing_settings.BLEED_MM
    fx, fy, fw, fh = net.panel("front")
    top = fy + fh
    # The background as printed, where nothing else is: the top right dust flap's middle.
    dx, dy, dw, dh = net.panel("dust_top_right")
    background = crop_mm(page, net, bleed, dpi, (dx + dw / 2, dy + dh / 2, dx + dw / 2 + 1,
                                                 dy + dh / 2 + 1)).getpixel((0, 0))  # fmt: skip
    strips = {
        "lid": (fx + 10, top + 1.2, fx + fw - 10, top + 3.0),
        "left side": (fx - 3.0, fy + 10, fx - 1.2, top - 10),
        "right side": (fx + fw + 1.2, fy + 10, fx + fw + 3.0, top - 10),
    }
    for where, box in strips.items():
        odd = [p for p in pixels(crop_mm(page, net, bleed, dpi, box)) if not close(p, background)]
        assert not odd, (where, odd[:5], background)
    # Inside the front, beside those folds, the sunburst's rays show: the check can fail.
    front_edge = crop_mm(page, net, bleed, dpi, (fx + 10, top - 3.0, fx + fw - 10, top - 1.2))
    assert any(not close(p, background) for p in pixels(front_edge))
    # Below the front's bottom edge (an outer cut) the art runs on into the bleed.
    below = crop_mm(page, net, bleed, dpi, (fx + 20, fy - 2.5, fx + fw - 20, fy - 1.0))
    assert all(min(p) < 245 for p in pixels(below))


def test_the_blister_window_is_cut_inside_the_printed_window():
    from printing.packaging.layout import packaging_layout

    net = box_net_for(120, 180, board_mm=0.4)
    layout = packaging_layout(
        name="Jürgen", tagline="", accessories=[], box_theme="hero_red", art=figure(),
        width_mm=120, height_mm=180, order_code=None,
    )  # fmt: skip
    cut = window_cut(net, layout)
    fx, fy, _fw, fh = net.panel("front")
    w = layout.window
    left, right = fx + w.x, fx + w.x + w.w
    bottom, top = fy + fh - (w.y + w.h), fy + fh - w.y
    xs, ys = [p[0] for p in cut], [p[1] for p in cut]
    assert min(xs) == pytest.approx(left + WINDOW_INSET_MM)
    assert max(xs) == pytest.approx(right - WINDOW_INSET_MM)
    assert min(ys) == pytest.approx(bottom + WINDOW_INSET_MM)
    assert max(ys) == pytest.approx(top - WINDOW_INSET_MM)
