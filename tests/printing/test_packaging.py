"""Packaging art: the cut-out, the blister card layout, its PNG and PDF renderers, the
customer's preview."""

import dataclasses
import io
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from unittest import mock

import cv2
import numpy as np
import pikepdf
import pytest
from django.urls import reverse
from PIL import Image
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.pdfgen.canvas import Canvas

from figures import services as figure_services
from figures.backends.base import Prompt, RenderInput
from figures.backends.stylize import StylizeBackend
from figures.models import BoxTheme, DesignStatus
from printing.conf import printing_settings
from printing.packaging.cutout import art_cutout
from printing.packaging.elements import BoxLayout, Picture, QRMatrix, Rect, TextRun
from printing.packaging.layout import packaging_layout
from printing.packaging.render_pdf import draw_pdf
from printing.packaging.render_png import render_png
from printing.press.colour import BLACK, WHITE
from printing.press.fonts import face_for
from printing.press.palettes import PALETTES
from printing.press.units import MM
from tests import factories

POPPLER = all(shutil.which(tool) for tool in ("pdftoppm", "pdftotext", "pdffonts"))
needs_poppler = pytest.mark.skipif(not POPPLER, reason="poppler-utils not installed")

NAMES = [
    "Bo",
    "Jürgen",
    "Jürgen Ölmüller",
    "Zoë Ångström-Łukasz",
    "X Æ A-12",
    "W" * 24,
    "Ōkami Ngā Tāonga",
    "Д'Артаньян Петров",
    "Ελένη Παπαδοπούλου",
    "Ǻmélie-Çécile Ñúñez",
    "山田 Taro",  # set in the CJK fallback font
    "김민준",
    "Ԯаша",  # Noto Sans: DejaVu lacks the letter
]
STYLES = ["action_figure", "fashion_doll", "retro_80s", "anime_collectible"]
# Where scikit-image's astronaut has her face in the 1024 px portrait (Haar detector's box).
PORTRAIT_FACE = (351, 130, 197, 197)


@lru_cache(maxsize=8)
def stylize_render(style: str = "action_figure", size: int = 512, seed: int = 1) -> Image.Image:
    """A real render of the CPU backend: the figure on its gradient studio backdrop."""
    photo = Image.open(io.BytesIO(factories.portrait_jpeg())).convert("RGB")
    request = RenderInput(
        photo=photo,
        face_box=PORTRAIT_FACE,
        prompt=Prompt("", ""),
        style=style,
        seed=seed,
        size=size,
    )
    return StylizeBackend().render(request, on_progress=lambda step, total: None)


def layout_for(name: str = "Jürgen", **overrides: object) -> BoxLayout:
    fields: dict[str, object] = {
        "name": name,
        "tagline": "Chief Coffee Officer",
        "accessories": ["coffee mug", "laptop"],
        "box_theme": BoxTheme.HERO_RED,
        "art": stylize_render(),
        "width_mm": 120,
        "height_mm": 180,
        "order_code": "MM-000123",
    }
    fields.update(overrides)
    return packaging_layout(**fields)


def only(layout: BoxLayout, keep: type | tuple[type, ...], *, role: str | None = None) -> BoxLayout:
    """The layout with just some elements, all text inked black, on a white page."""
    kept = []
    for element in layout.elements:
        if not isinstance(element, keep):
            continue
        if isinstance(element, TextRun):
            if role is not None and element.role != role:
                continue
            element = dataclasses.replace(
                element,
                fill=BLACK,
                stroke=BLACK if element.stroke else None,
                shadow=BLACK if element.shadow else None,
            )
        kept.append(element)
    return dataclasses.replace(layout, elements=tuple(kept))


def ink_box(image: Image.Image, threshold: int = 128) -> tuple[int, int, int, int]:
    """Bounding box (left, top, right, bottom; exclusive) of the dark pixels."""
    gray = np.asarray(image.convert("L"))
    ys, xs = np.nonzero(gray < threshold)
    assert len(xs), "nothing drawn"
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def pdf_bytes(layout: BoxLayout) -> bytes:
    buffer = io.BytesIO()
    bold = face_for(printing_settings.FONT_BOLD)
    # The caller owns the page; its initial font is ours, so nothing but ours is referenced.
    canvas = Canvas(
        buffer,
        pagesize=(layout.width_mm * MM, layout.height_mm * MM),
        initialFontName=bold.pdf_name,
    )
    draw_pdf(canvas, layout, x_pt=0, y_pt=0)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def rasterise(pdf: bytes, tmp_path: Path, dpi: int = 72) -> Image.Image:
    source = tmp_path / "panel.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(source), str(tmp_path / "page")],
        check=True,
    )
    return Image.open(tmp_path / "page.png").convert("RGB")


Box = tuple[float, float, float, float]


def inside(box: Box, outer: Box) -> bool:
    return box[0] >= outer[0] and box[1] >= outer[1] and box[2] <= outer[2] and box[3] <= outer[3]


# --- The cut-out ------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_cutout_clears_the_backdrop_and_keeps_the_figure(style):
    render = stylize_render(style)
    alpha = np.asarray(art_cutout(render).getchannel("A"))
    size = alpha.shape[0]
    band = size // 20
    # The backdrop along the top and the upper sides is gone...
    assert alpha[:band, :].max() == 0
    assert alpha[: size // 2, :band].max() == 0
    assert alpha[: size // 2, -band:].max() == 0
    # ...the figure (face, neck, chest) stays opaque...
    centre = alpha[int(size * 0.35) : int(size * 0.75), int(size * 0.4) : int(size * 0.6)]
    assert centre.min() == 255
    # ...and the figure is most of the middle bottom, where the bust stands on the edge.
    assert alpha[-band:, size // 3 : 2 * size // 3].mean() > 250


def test_cutout_follows_a_figure_on_a_gradient_exactly():
    # A head and body with a dark outline on a vertical gradient with a glow: known truth.
    size = 400
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    backdrop = np.dstack([60 + 120 * ys / size, 90 + 60 * ys / size, 200 - 100 * ys / size])
    backdrop += 30 * np.exp(-((xs - 200) ** 2 + (ys - 160) ** 2) / 8000)[..., None]
    image = np.clip(backdrop, 0, 255).astype(np.uint8)
    truth = np.zeros((size, size), np.uint8)
    cv2.circle(truth, (200, 150), 70, 1, -1)
    cv2.ellipse(truth, (200, 400), (150, 160), 0, 0, 360, 1, -1)
    image[truth == 1] = (230, 120, 40)
    contours, _ = cv2.findContours(truth, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(image, contours, -1, (20, 20, 30), 5)
    cv2.drawContours(truth, contours, -1, 1, 5)  # the outline belongs to the figure
    alpha = np.asarray(art_cutout(Image.fromarray(image)).getchannel("A")) > 127
    agreement = (alpha == truth.astype(bool)).mean()
    assert agreement > 0.99
    assert alpha[:40].sum() == 0
    assert alpha[150, 200] and alpha[330, 200]


def test_cutout_without_a_figure_keeps_the_image_opaque():
    gradient = np.linspace(40, 200, 256, dtype=np.float32)[:, None, None].repeat(256, axis=1)
    image = Image.fromarray(np.dstack([gradient] * 3)[..., 0].astype(np.uint8)).convert("RGB")
    assert np.asarray(art_cutout(image).getchannel("A")).min() == 255


# --- The layout -------------------------------------------------------------------------------


def test_every_box_theme_has_a_palette():
    assert set(PALETTES) == set(BoxTheme.values)
    backgrounds = {layout_for(box_theme=theme).elements[0] for theme in BoxTheme.values}
    assert len(backgrounds) == len(BoxTheme.values)


@pytest.mark.parametrize("name", NAMES)
def test_the_name_is_set_exactly_as_typed_inside_the_safe_area(name):
    layout = layout_for(name)
    lines = layout.name_lines
    assert [run.text for run in layout.texts("name")] == list(lines)
    if len(lines) == 1:
        assert lines[0] == name
    else:
        # Broken at a space (which the break takes) or after a hyphen, or anywhere.
        assert name in (f"{lines[0]} {lines[1]}", lines[0] + lines[1])
    assert layout.missing_characters == ""
    for run in layout.texts():
        assert inside(run.bbox(), layout.safe_box), (run.role, run.text, run.bbox())
    w = layout.window
    assert inside((w.x - 1.6, w.y - 1.6, w.x + w.w + 1.6, w.y + w.h + 1.6), layout.safe_box)


@pytest.mark.parametrize("name", NAMES)
def test_no_text_is_rendered_outside_the_safe_area(name):
    dpi = 150
    layout = layout_for(name, accessories=["a very long accessory label indeed", "x", "y", "z"])
    text_only = render_png(only(layout, TextRun), dpi=dpi)
    left, top, right, bottom = ink_box(text_only, threshold=250)
    px = dpi / 25.4
    safe = layout.safe_box
    assert left >= safe[0] * px - 1
    assert top >= safe[1] * px - 1
    assert right <= safe[2] * px + 1
    assert bottom <= safe[3] * px + 1
    # The name itself, rendered alone, is where the layout says it is.
    name_only = render_png(only(layout, TextRun, role="name"), dpi=dpi)
    got = ink_box(name_only, threshold=250)
    runs = layout.texts("name")
    expected = (
        min(r.bbox()[0] for r in runs) * px,
        min(r.bbox()[1] for r in runs) * px,
        max(r.bbox()[2] for r in runs) * px,
        max(r.bbox()[3] for r in runs) * px,
    )
    assert got[0] >= expected[0] - 1 and got[2] <= expected[2] + 1
    assert got[1] >= expected[1] - 1 and got[3] <= expected[3] + 1
    # ...and fills it across (the measurement both renderers share is right).
    assert (got[2] - got[0]) > 0.9 * (expected[2] - expected[0])


def test_font_size_shrinks_for_longer_names_then_wraps():
    sizes = {name: layout_for(name).name_size_pt for name in ("Bo", "Jürgen Ölmüller")}
    long = layout_for("Zoë Ångström-Łukasz")
    assert sizes["Bo"] > sizes["Jürgen Ölmüller"] > long.name_size_pt
    assert long.name_lines == ("Zoë Ångström-Łukasz",)
    widest = layout_for("W" * 24)
    assert widest.name_lines == ("W" * 12, "W" * 12)
    # Wrapping sets it larger than one line could.
    one_line = face_for(widest.texts("name")[0].font).width_mm("W" * 24, 1.0)
    assert widest.name_size_pt > (120 - 2 * 5.0) / one_line
    spaced = layout_for("Maximilian Fitzgerald-Ng")
    assert spaced.name_lines in (("Maximilian", "Fitzgerald-Ng"), ("Maximilian Fitzgerald-", "Ng"))


def test_accessories_get_up_to_four_slots_with_initials_and_fitting_labels():
    many = ["coffee mug", "laptop", "über-long accessory name here", "d", "e"]
    layout = layout_for(accessories=many)
    initials = [run.text for run in layout.texts("initial")]
    assert initials == ["C", "L", "Ü", "D"]
    w = layout.window
    slots = [
        e
        for e in layout.elements
        if isinstance(e, Rect) and e is not w and inside((e.x, e.y, e.x + e.w, e.y + e.h),
                                                         (w.x, w.y, w.x + w.w, w.y + w.h))
    ]  # fmt: skip
    assert len(slots) == 4
    labels = layout.texts("accessory")
    assert {run.text for run in labels} >= {"coffee mug", "laptop", "d"}
    for run in labels:
        assert any(inside(run.bbox(), (s.x, s.y, s.x + s.w, s.y + s.h)) for s in slots), run.text


def test_layout_scales_to_the_large_box():
    layout = layout_for("Zoë Ångström-Łukasz", width_mm=180, height_mm=280)
    standard = layout_for("Zoë Ångström-Łukasz")
    assert layout.name_size_pt > standard.name_size_pt
    for run in layout.texts():
        assert inside(run.bbox(), layout.safe_box)
    assert layout.figure is not None and standard.figure is not None
    assert layout.figure.h > standard.figure.h


def test_characters_no_print_font_has_are_reported():
    assert layout_for("Bob 李").missing_characters == ""  # the CJK fallback font sets it
    assert layout_for("Bob \U00010600").missing_characters == "\U00010600"  # Linear A


def test_the_ai_mark_is_on_the_card():
    (mark,) = layout_for().texts("ai_mark")
    assert mark.text == "AI-generated"
    assert inside(mark.bbox(), layout_for().safe_box)


def test_the_qr_code_has_the_encoders_modules():
    layout = layout_for(order_code="MM-000123")
    assert layout.qr is not None
    widget = QrCodeWidget("MM-000123", barLevel="M")
    widget.qr.make()
    assert layout.qr.module_count == widget.qr.getModuleCount() == 21
    assert [list(row) for row in layout.qr.modules] == [
        [bool(m) for m in row] for row in widget.qr.modules
    ]
    assert layout_for(order_code=None).qr is None


def test_the_png_shows_the_same_qr_modules_and_it_scans():
    layout = layout_for(order_code="MM-000123")
    qr = layout.qr
    assert isinstance(qr, QRMatrix)
    dpi = 300
    image = np.asarray(render_png(layout, dpi=dpi).convert("L"))
    px = dpi / 25.4
    step = qr.module_mm
    drawn = [
        [
            image[
                round((qr.y + (r + qr.quiet + 0.5) * step) * px),
                round((qr.x + (c + qr.quiet + 0.5) * step) * px),
            ]
            < 128
            for c in range(qr.module_count)
        ]
        for r in range(qr.module_count)
    ]
    assert drawn == [list(row) for row in qr.modules]
    value, _points, _straight = cv2.QRCodeDetector().detectAndDecode(np.dstack([image] * 3))
    assert value == "MM-000123"


# --- PNG and PDF agree ------------------------------------------------------------------------


@needs_poppler
@pytest.mark.parametrize("name", ["Jürgen", "Zoë Ångström-Łukasz", "W" * 24, "山田 Taro"])
def test_png_and_pdf_put_the_name_and_figure_in_the_same_place(name, tmp_path):
    layout = layout_for(name)
    for part in (only(layout, TextRun, role="name"), only(layout, Picture)):
        png = render_png(part, dpi=72)
        pdf = rasterise(pdf_bytes(part), tmp_path)
        # pdftoppm rounds the page size up, render_png to the nearest pixel.
        assert abs(png.width - pdf.width) <= 1 and abs(png.height - pdf.height) <= 1
        threshold = 250
        png_box, pdf_box = ink_box(png, threshold), ink_box(pdf, threshold)
        assert all(abs(a - b) <= 2 for a, b in zip(png_box, pdf_box, strict=True)), (
            png_box,
            pdf_box,
        )


@needs_poppler
def test_whole_panel_png_and_pdf_match(tmp_path):
    layout = layout_for("Zoë Ångström-Łukasz", box_theme=BoxTheme.MIDNIGHT)
    png = np.asarray(render_png(layout, dpi=72).convert("L"), np.float32)
    pdf = np.asarray(rasterise(pdf_bytes(layout), tmp_path).convert("L"), np.float32)
    height, width = min(png.shape[0], pdf.shape[0]), min(png.shape[1], pdf.shape[1])
    png, pdf = png[:height, :width], pdf[:height, :width]
    # Colours differ (poppler converts CMYK naively; the preview uses the press profile),
    # the composition does not: compare where the edges are.
    edges_png = cv2.Canny(png.astype(np.uint8), 40, 120) > 0
    edges_pdf = cv2.Canny(pdf.astype(np.uint8), 40, 120) > 0
    near = cv2.dilate(edges_pdf.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    assert (edges_png & near).sum() / edges_png.sum() > 0.85


@needs_poppler
def test_pdf_has_the_exact_name_as_text_in_an_embedded_font(tmp_path):
    name = "Zoë Ångström-Łukasz"
    source = tmp_path / "panel.pdf"
    source.write_bytes(pdf_bytes(layout_for(name)))
    text = subprocess.run(
        ["pdftotext", str(source), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert name in text
    assert text.count("Łukasz") == 1  # outline and shadow copies are not text
    assert "Chief Coffee Officer" in text and "AI-generated" in text and "MM-000123" in text
    fonts = subprocess.run(
        ["pdffonts", str(source)], check=True, capture_output=True, text=True
    ).stdout.splitlines()[2:]
    assert fonts
    assert all("DejaVuSans" in row for row in fonts)
    assert all(row.split()[-5] == "yes" for row in fonts)  # emb


@needs_poppler
def test_pdf_colours_are_cmyk_and_the_qr_scans(tmp_path):
    pdf = pdf_bytes(layout_for(order_code="MM-000123"))
    with pikepdf.open(io.BytesIO(pdf)) as document:
        operators = {
            str(instruction.operator)
            for instruction in pikepdf.parse_content_stream(document.pages[0])
        }
    assert {"k", "K"} <= operators  # CMYK fills and strokes
    assert not operators & {"rg", "RG", "g", "G", "sc", "scn"}  # nothing else
    page = np.asarray(rasterise(pdf, tmp_path, dpi=300))
    value, _points, _straight = cv2.QRCodeDetector().detectAndDecode(page)
    assert value == "MM-000123"


# --- The preview, before ordering --------------------------------------------------------------


@pytest.fixture
def approved(settings, user):
    settings.MINIME_RENDER_SIZE = 256
    settings.MINIME_RENDERS_PER_JOB = 1
    design = factories.design_for(user, name="Zoë Ångström-Łukasz")
    with mock.patch("figures.tasks.enqueue_generation"):
        job = figure_services.generation_job_create(design=design, actor=user)
        figure_services.job_run(job_id=job.pk)
    return figure_services.render_approve(render=job.renders.get(), actor=user)


@pytest.mark.django_db
def test_owner_sees_the_packaging_preview(user_client, approved):
    response = user_client.get(reverse("printing:packaging_preview", args=[approved.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "private" in response["Cache-Control"]
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (round(120 / 25.4 * 120), round(180 / 25.4 * 120))


@pytest.mark.django_db
def test_other_accounts_and_drafts_get_404(client, user_client, approved, user):
    other = factories.user_create()
    client.force_login(other)
    url = reverse("printing:packaging_preview", args=[approved.pk])
    assert client.get(url).status_code == 404
    draft = factories.design_for(user)
    assert draft.status == DesignStatus.DRAFT
    draft_url = reverse("printing:packaging_preview", args=[draft.pk])
    assert user_client.get(draft_url).status_code == 404


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_log_in(client, approved):
    response = client.get(reverse("printing:packaging_preview", args=[approved.pk]))
    assert response.status_code == 302


@pytest.mark.django_db
def test_the_merch_page_shows_the_box_preview(user_client, approved):
    response = user_client.get(reverse("shop:product", args=[approved.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    box = html[html.index('data-testid="product-blister-box"') :]
    box = box[: box.index("</section>")]
    assert reverse("printing:packaging_preview", args=[approved.pk]) in box
    assert "AI-generated" in box


@pytest.mark.parametrize("profile", ["generic", "gelato"])
def test_front_text_respects_the_minimum_size_and_small_text_is_k_only(settings, profile):
    settings.MINIME_PRINTER_PROFILE = profile
    floor = printing_settings.MIN_TEXT_PT
    long_label = "quantum yoga mat with glowing gyro grips"  # 40 characters
    for theme in BoxTheme.values:
        layout = layout_for(
            "Maximiliane Wolfensteins",
            tagline="Chief Coffee Officer, Keeper of Spreadsheets & Jelly Beans!!",
            accessories=[long_label, "laptop"],
            box_theme=theme,
        )
        assert layout.too_small == ()
        for run in layout.texts():
            assert run.size_pt >= floor, (run.role, run.text, run.size_pt)
            if run.size_pt < 10.0:
                assert run.fill in (BLACK, WHITE), (theme, run.role, run.fill)
    # Too long for its cavity at the floor: cut after a whole word, ending in an ellipsis.
    shown = " ".join(run.text for run in layout.texts("accessory") if run.text != "laptop")
    assert shown.endswith("\u2026") and (long_label + " ").startswith(shown[:-1] + " ")
