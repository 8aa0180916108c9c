"""Print-ready PDFs per product, checked with tools that did not write them: poppler
(pdfinfo -box, pdffonts, pdfimages -list, pdftoppm, pdftotext -bbox-layout) and pikepdf
(separations, layers, overprint, OutputIntent)."""

import io
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageCms, ImageDraw

from printing.conf import printing_settings
from printing.pdf_inspect import pdf_inspect
from printing.products import ProductSpec, build
from printing.products.box_net import box_net_for

MM = 72 / 25.4


def upscale_twice(image, factor):
    """A stand-in GPU upscaler (dotted path in MINIME_UPSCALER)."""
    return image.resize((round(image.width * factor), round(image.height * factor)))


def broken_upscaler(image, factor):
    raise RuntimeError("CUDA out of memory")


@lru_cache(maxsize=8)
def _figure_png(size: int, full_body: bool) -> bytes:
    """A toy-figure render like the generator's: a smooth studio gradient and a figure with
    ink outlines standing on the bottom edge; head and shoulders filling the width (as the
    default stylize backend frames it), or a narrow full-body figure."""
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    top, bottom = (70, 120, 200), (14, 28, 72)
    for y in range(size):
        t = y / (size - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (size, y)], fill=colour)
    s, ink, line = size, max(2, size // 120), (20, 20, 26)
    body = (0.24, 0.58, 0.76) if full_body else (0.02, 0.62, 0.98)
    draw.rounded_rectangle(
        (body[0] * s, body[1] * s, body[2] * s, 1.1 * s),
        0.12 * s,
        fill=(210, 40, 40),
        outline=line,
        width=ink,
    )
    draw.ellipse(
        (0.33 * s, 0.2 * s, 0.67 * s, 0.6 * s), fill=(240, 200, 170), outline=line, width=ink
    )
    draw.chord(
        (0.32 * s, 0.16 * s, 0.68 * s, 0.45 * s),
        180,
        360,
        fill=(90, 50, 20),
        outline=line,
        width=ink,
    )
    for ex in (0.43, 0.57):
        draw.ellipse(((ex - 0.02) * s, 0.38 * s, (ex + 0.02) * s, 0.42 * s), fill=line)
    draw.arc((0.42 * s, 0.44 * s, 0.58 * s, 0.53 * s), 20, 160, fill=(120, 20, 20), width=ink)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def figure_render(size: int = 1024, *, full_body: bool = False) -> Image.Image:
    return Image.open(io.BytesIO(_figure_png(size, full_body))).convert("RGB")


def spec(kind: str, label: str, width=None, height=None, **fields) -> ProductSpec:
    values = {
        "figure_name": "Jürgen",
        "tagline": "Chief Coffee Officer",
        "accessories": ("coffee mug", "laptop"),
        "box_theme": "ocean_blue",
        "order_code": "MM-000042-7",
    }
    values.update(fields)
    return ProductSpec(kind=kind, label=label, width_mm=width, height_mm=height, **values)


def write(tmp_path: Path, content: bytes, name: str = "file.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def boxes_mm(path: Path) -> dict[str, tuple[float, ...]]:
    """pdfinfo -box: every box of page 1 in mm (x0, y0, x1, y1)."""
    found: dict[str, tuple[float, ...]] = {}
    for line in run("pdfinfo", "-box", str(path)).splitlines():
        match = re.match(r"(\w+Box):\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", line)
        if match:
            found[match[1]] = tuple(float(v) / MM for v in match.groups()[1:])
    return found


def size_of(box: tuple[float, ...]) -> tuple[float, float]:
    return (box[2] - box[0], box[3] - box[1])


def assert_boxes(path: Path, trim_mm: tuple[float, float]) -> None:
    bleed = printing_settings.BLEED_MM
    boxes = boxes_mm(path)
    trim, bleed_box, media = boxes["TrimBox"], boxes["BleedBox"], boxes["MediaBox"]
    assert size_of(trim) == pytest.approx(trim_mm, abs=0.05)
    assert size_of(bleed_box) == pytest.approx(
        (trim_mm[0] + 2 * bleed, trim_mm[1] + 2 * bleed), abs=0.05
    )
    # The trim sits centred in the bleed: 3 mm on each side.
    assert trim[0] - bleed_box[0] == pytest.approx(bleed, abs=0.05)
    assert trim[1] - bleed_box[1] == pytest.approx(bleed, abs=0.05)
    assert size_of(media) == pytest.approx(size_of(bleed_box), abs=0.05)  # fmt: skip


def assert_fonts_embedded(path: Path) -> list[str]:
    lines = run("pdffonts", str(path)).splitlines()[2:]
    assert lines, "no fonts at all"
    for line in lines:
        # name type encoding emb sub uni object-id: 'emb' is the 4th field from the right end
        fields = line.split()
        assert fields[-5] == "yes", f"font not embedded: {line}"
    return [line.split()[0] for line in lines]


def images_listed(path: Path) -> list[dict[str, str]]:
    """pdfimages -list rows (image rows only, not their soft masks)."""
    rows = run("pdfimages", "-list", str(path)).splitlines()
    header = rows[0].split()
    images = [dict(zip(header, row.split(), strict=False)) for row in rows[2:]]
    return [img for img in images if img["type"] == "image"]


def words(path: Path) -> list[tuple[str, float, float, float, float]]:
    """pdftotext -bbox-layout: (word, xMin, yMin, xMax, yMax) in points, origin top-left."""
    html = run("pdftotext", "-bbox-layout", str(path), "-")
    pattern = (
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        (m[5], float(m[1]), float(m[2]), float(m[3]), float(m[4]))
        for m in re.finditer(pattern, html)
    ]


def trim_pt_top_left(path: Path) -> tuple[float, float, float, float]:
    """The TrimBox in pdftotext's coordinates (points, y from the top of the MediaBox)."""
    boxes = boxes_mm(path)
    media_h = boxes["MediaBox"][3] * MM
    x0, y0, x1, y1 = (v * MM for v in boxes["TrimBox"])
    return (x0, media_h - y1, x1, media_h - y0)


def inside(bbox, box, margin: float = 0.0) -> bool:
    return (
        bbox[0] >= box[0] + margin
        and bbox[1] >= box[1] + margin
        and bbox[2] <= box[2] - margin
        and bbox[3] <= box[3] - margin
    )


def separation_paths(path: Path, name: str) -> list[list[tuple[list, str]]]:
    """The paths stroked in spot colour `name`, each as its list of (operands, operator),
    read from page 1's content stream with pikepdf."""
    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        spaces = {str(key): cs for key, cs in page.Resources.get("/ColorSpace", {}).items()}
        wanted = {k for k, cs in spaces.items() if cs[0] == "/Separation" and cs[1] == "/" + name}
        paths, current, in_spot = [], [], False
        for instruction in pikepdf.parse_content_stream(page):
            op = str(instruction.operator)
            operands = list(instruction.operands)
            if op == "CS":
                in_spot = str(operands[0]) in wanted
            elif op == "Q":
                in_spot = False
            if op in ("m", "l", "c", "h", "re", "d"):
                current.append((operands, op))
            elif op in ("S", "s", "f", "f*", "B", "b", "n", "W"):
                if in_spot and op in ("S", "s"):
                    paths.append(current)
                current = []
        return paths


def assert_output_intent(path: Path) -> None:
    with pikepdf.open(path) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1
        assert intents[0].S == "/GTS_PDFX"
        profile = intents[0].DestOutputProfile
        assert int(profile.N) == 4
        assert profile.read_bytes()[36:40] == b"acsp"  # an ICC profile
        assert Path(printing_settings.ICC_PROFILE).read_bytes() == profile.read_bytes()


def raster(path: Path, tmp_path: Path, dpi: int = 50) -> Image.Image:
    out = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(path), str(out)], check=True
    )
    return Image.open(str(out) + ".png").convert("RGB")  # fmt: skip


# --- Art prints -------------------------------------------------------------------------------


def test_a4_art_print_is_print_ready_and_warns_about_upscaling(tmp_path):
    result = build(spec("art_print", "A4", 210, 297), figure_render(1024))
    path = write(tmp_path, result.content)

    assert_boxes(path, (210, 297))
    assert_fonts_embedded(path)
    [image] = images_listed(path)
    assert image["color"] == "cmyk" and image["enc"] == "jpeg"
    assert int(image["x-ppi"]) >= 300 and int(image["y-ppi"]) >= 300
    assert_output_intent(path)
    # The art covers the page, bleed included: no paper-white corner anywhere.
    page = raster(path, tmp_path)
    for corner in (
        (0, 0),
        (page.width - 1, 0),
        (0, page.height - 1),
        (page.width - 1, page.height - 1),
    ):
        assert page.getpixel(corner) != (255, 255, 255)  # fmt: skip
    # The AI mark is inside the safe area (4 mm inside the trim).
    trim = trim_pt_top_left(path)
    marks = [w for w in words(path) if w[0] == "AI-generated"]
    assert marks and all(
        inside(w[1:], trim, margin=printing_settings.SAFE_MARGIN_MM * MM) for w in marks
    )
    report = result.report
    assert report["status"] == "warning" and report["hold_reason"] == ""  # fmt: skip
    [render] = report["images"]
    assert render["source_px"] == [1024, 1024]
    assert render["effective_dpi_before"] == pytest.approx(1024 / (303 / 25.4), abs=0.2)
    assert render["effective_dpi_after"] >= 300
    assert any("upscaled" in action for action in render["actions"])
    assert report["rule"]["hold_floor_dpi"] == 75


@pytest.mark.parametrize(
    ("label", "size", "render_px", "held"),
    [
        pytest.param("A3", (297, 420), 1024, True, id="A3-1024-held"),
        pytest.param("30 x 40 cm", (300, 400), 1024, True, id="30x40-1024-held"),
        pytest.param("30 x 40 cm", (300, 400), 2048, False, id="30x40-2048-passes"),
    ],
)
def test_large_art_prints_need_a_larger_render(tmp_path, label, size, render_px, held):
    result = build(spec("art_print", label, *size), figure_render(render_px))
    path = write(tmp_path, result.content)

    assert_boxes(path, size)
    [image] = images_listed(path)
    assert int(image["x-ppi"]) >= 300 and image["color"] == "cmyk"
    assert result.held is held
    if held:
        reason = result.report["hold_reason"]
        assert f"too small for {label}" in reason and "75 dpi floor" in reason
    else:
        assert result.report["status"] == "warning"


def test_a_tiny_render_on_a3_is_held_with_a_clear_reason():
    result = build(spec("art_print", "A3", 297, 420), figure_render(200))

    assert result.held
    reason = result.report["hold_reason"]
    assert reason.startswith(
        "render too small for A3: 200 x 200 px (142 x 200 px printed) give 12 dpi"
    )
    assert "needs ~" in reason and len(reason) <= 300


@pytest.mark.parametrize(
    ("upscaler", "method", "warning"),
    [
        (f"{__name__}.upscale_twice", f"upscaler {__name__}.upscale_twice", None),
        (f"{__name__}.broken_upscaler", "lanczos+unsharp", "CUDA out of memory"),
    ],
)
def test_a_configured_gpu_upscaler_is_used_and_a_broken_one_falls_back(
    settings, upscaler, method, warning
):
    settings.MINIME_UPSCALER = upscaler

    result = build(spec("art_print", "A4", 210, 297), figure_render(1024))

    [render] = result.report["images"]
    assert any(method in action for action in render["actions"])
    assert render["effective_dpi_after"] >= 300
    if warning:
        assert any(warning in w for w in result.report["warnings"])  # fmt: skip


# --- Sticker sheets ---------------------------------------------------------------------------


@pytest.mark.parametrize(("label", "size"), [("A5", (148, 210)), ("A4", (210, 297))])
def test_sticker_sheet_has_closed_overprinting_cut_contours(tmp_path, label, size):
    result = build(spec("sticker_sheet", label, *size), figure_render(1024))
    path = write(tmp_path, result.content)

    assert_boxes(path, size)
    assert_fonts_embedded(path)
    assert_output_intent(path)
    for image in images_listed(path):
        assert image["color"] == "cmyk" and int(image["x-ppi"]) >= 300
    info = pdf_inspect(result.content)
    assert info["separations"] == ["CutContour"]
    assert info["overprint"]
    cuts = separation_paths(path, "CutContour")
    # 1 big + 3 small figures, the name, the tagline and one badge per row-4 cell.
    assert len(cuts) == 9
    for cut in cuts:
        ops = [op for _operands, op in cut]
        assert ops[0] == "m" and ops[-1] == "h" and ops.count("m") == 1  # closed, one piece
    # Every cut line and the name lie inside the trim.
    trim = trim_pt_top_left(path)
    names = [w for w in words(path) if w[0] == "Jürgen"]
    assert names and all(inside(w[1:], trim) for w in names)
    assert "AI-generated" in run("pdftotext", str(path), "-")
    # With the default 1024 px render the sheet goes to print.
    assert not result.held, result.report["hold_reason"]


def test_cut_contour_is_drawn_with_overprint_in_the_content_stream(tmp_path):
    result = build(spec("sticker_sheet", "A5", 148, 210), figure_render(512))
    path = write(tmp_path, result.content)

    with pikepdf.open(path) as pdf:
        page = pdf.pages[0]
        states = page.Resources.ExtGState
        active_op = False
        saw_stroke_in_spot = False
        spot = None
        for instruction in pikepdf.parse_content_stream(page):
            op, operands = str(instruction.operator), list(instruction.operands)
            if op == "gs" and bool(states[str(operands[0])].get("/OP", False)):
                active_op = True
            if op == "CS":
                spot = page.Resources.ColorSpace[str(operands[0])]
            if op == "S" and spot is not None and spot[1] == "/CutContour":
                assert active_op
                saw_stroke_in_spot = True
        assert saw_stroke_in_spot


# --- Box --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "size", "depth"),
    [("Standard (18 cm)", (120, 180), 40), ("Large (28 cm)", (180, 280), 55)],
)
def test_box_net_with_die_art_and_back_panel(tmp_path, label, size, depth):
    net = box_net_for(*size)
    result = build(spec("box", label, *size), figure_render(1024))
    path = write(tmp_path, result.content)

    assert net.depth == depth
    # The net grows by the profile's board thickness where panels wrap (box_net).
    assert net.size[0] > 12 + 2 * depth + 2 * size[0] and net.size[1] > size[1] + 2 * depth
    assert_boxes(path, net.size)
    assert_fonts_embedded(path)
    assert_output_intent(path)
    # Page 1 is the net (page 2 is the insert card for the blister).
    [art] = [image for image in images_listed(path) if image["page"] == "1"]
    assert art["color"] == "cmyk" and int(art["x-ppi"]) >= 300 and int(art["y-ppi"]) >= 300
    info = pdf_inspect(result.content)
    # Cut and crease: two spot colours named by the printer profile, each on its own layer.
    assert info["separations"] == ["Crease", "CutContour"] and info["overprint"]
    assert {"CutContour", "Crease"} <= set(info["layers"])
    cuts = separation_paths(path, "CutContour")
    assert len(cuts) == 3  # the outline, the euro slot and the blister window
    assert all([op for _o, op in cut][-1] == "h" for cut in cuts)
    creases = separation_paths(path, "Crease")
    assert len(creases) == len(net.creases())
    assert all([op for _o, op in crease][-1] != "h" for crease in creases)
    # The art sits on the front panel, inside the trim.
    [placed] = info["pages"][0]["images"]
    _x, _y, front_w, front_h = net.panel("front")
    assert placed["placed_mm"][0] <= front_w and placed["placed_mm"][1] <= front_h
    # Back panel: name, tagline, accessories, AI note, the order code (QR + text).
    text = run("pdftotext", str(path), "-")
    for expected in (
        "Jürgen",
        "Chief Coffee Officer",
        "coffee mug",
        "laptop",
        "AI-generated",
        "MM-000042-7",
    ):
        assert expected in text, expected  # fmt: skip
    trim = trim_pt_top_left(path)
    names = [w for w in words(path) if w[0] == "Jürgen"]
    assert len(names) >= 4 and all(inside(w[1:], trim) for w in names)
    # With the default 1024 px render the box goes to print.
    assert not result.held, result.report["hold_reason"]
    assert result.report["images"][0]["effective_dpi_before"] >= 150


def test_box_art_lands_on_the_front_panel_when_rendered(tmp_path):
    net = box_net_for(120, 180)
    result = build(spec("box", "Standard (18 cm)", 120, 180), figure_render(512))
    path = write(tmp_path, result.content)

    page = raster(path, tmp_path, dpi=30)
    px = 30 / 25.4
    bleed = printing_settings.BLEED_MM
    x, y, w, h = net.panel("front")
    top = net.size[1] + bleed - (y + h)
    # The figure's red shirt shows in the front panel's window, nowhere else on the net.
    front = page.crop(
        (
            round((x + bleed) * px),
            round(top * px),
            round((x + w + bleed) * px),
            round((top + h) * px),
        )
    )
    back_x, _y, back_w, _h = net.panel("back")
    back = page.crop(
        (
            round((back_x + bleed) * px),
            round(top * px),
            round((back_x + back_w + bleed) * px),
            round((top + h) * px),
        )
    )

    def shirt_pixels(image):
        return sum(1 for r, g, b in image.get_flattened_data() if r > 150 and g < 90 and b < 90)

    assert shirt_pixels(front) > 50
    assert shirt_pixels(back) == 0  # fmt: skip


# --- Digital download -------------------------------------------------------------------------


def test_digital_download_is_the_a4_composition_as_a_300_dpi_srgb_png():
    result = build(spec("digital", "Full resolution"), figure_render(1024))

    image = Image.open(io.BytesIO(result.content))
    assert result.extension == "png" and result.content_type == "image/png"
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.size == (2480, 3508)
    assert round(image.info["dpi"][0]) == 300
    profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    assert result.report["format"] == "png"
    assert result.report["images"][0]["output_px"] == [2480, 3508]
    assert not result.held


def test_a_full_body_figure_from_a_1024_render_is_held_on_the_large_box():
    """The rule, not a wish: the large box shows a narrow figure ~15 cm tall, where 860 px of
    figure give ~143 dpi, below the 150 dpi floor for things held in the hand. The standard
    box and a 2048 px render pass."""
    tall = figure_render(1024, full_body=True)
    large = build(spec("box", "Large (28 cm)", 180, 280), tall)
    standard = build(spec("box", "Standard (18 cm)", 120, 180), tall)
    large_2048 = build(spec("box", "Large (28 cm)", 180, 280), figure_render(2048, full_body=True))

    assert large.held
    assert large.report["hold_reason"].startswith("figure art too small for Large (28 cm)")
    assert not standard.held and not large_2048.held


def test_a_name_the_font_cannot_set_holds_the_sticker_sheet():
    # Linear A: no print font has it, fallbacks included (the design form refuses it; a
    # design stored before that check still must not print as empty boxes).
    name = "Bob \U00010600"
    result = build(spec("sticker_sheet", "A5", 148, 210, figure_name=name), figure_render(256))

    assert result.held
    assert "the font has no glyphs for '\U00010600'" in result.report["hold_reason"]
