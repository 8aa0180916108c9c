"""PDF/X-4: every product kind under both built-in printer profiles, a batch-like PDF through
pdfx_finish, the checker catching broken files, the print canvas refusing RGB, and layers.
Read back with pikepdf and poppler (small type: test_small_type.py)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from functools import cache, lru_cache

import pikepdf
import pytest
from django.test import override_settings
from PIL import Image
from reportlab.lib import colors
from reportlab.lib.colors import CMYKColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from printing.conf import printing_settings
from printing.pdf import BLACK, WHITE, ColourRefused, PrintDocument, cut_colour
from printing.preflight import Preflight
from printing.press.fonts import fonts
from printing.press.palettes import PALETTES
from printing.press.pdfx import pdfx_finish, pdfx_problems
from printing.products import PrintFile, build
from tests.printing.pdfcheck import (
    assert_min_text_pt,
    assert_pdfx,
    layers,
    process_colours,
    separations,
)
from tests.printing.test_pdfs import figure_render, spec

MM = 72 / 25.4
PROFILES = {"generic": (3.0, "CGATS TR 001"), "gelato": (4.0, "FOGRA39")}
PRODUCTS = {
    "art_print": ("A4", 210, 297),
    "sticker_sheet": ("A5", 148, 210),
    "box": ("Standard (18 cm)", 120, 180),
}
RICH_BLACK = CMYKColor(0.6, 0.5, 0.4, 1)


@cache
def built(profile: str, kind: str) -> PrintFile:
    label, width, height = PRODUCTS[kind]
    with override_settings(MINIME_PRINTER_PROFILE=profile):
        return build(spec(kind, label, width, height), figure_render(512))


def _boxes(page: pikepdf.Page) -> dict[str, list[float]]:
    return {
        key: [float(v) / MM for v in page.obj[f"/{key}"]]
        for key in ("MediaBox", "BleedBox", "TrimBox")
    }


# --- Every product conforms under both profiles -----------------------------------------------


@pytest.mark.parametrize("kind", PRODUCTS)
@pytest.mark.parametrize("profile", PROFILES)
def test_every_product_is_pdfx4_under_each_printer_profile(profile, kind):
    result = built(profile, kind)
    bleed, identifier = PROFILES[profile]

    assert_pdfx(result.content)
    assert_min_text_pt(result.content, 7.0 if profile == "gelato" else 6.0)
    assert result.report["pdfx_problems"] == []
    assert not any(h.startswith("not PDF/X-4") for h in result.report["holds"])
    with pikepdf.open(io.BytesIO(result.content)) as pdf:
        assert pdf.pdf_version == "1.6"
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX"
        assert str(intent.OutputConditionIdentifier) == identifier
        with override_settings(MINIME_PRINTER_PROFILE=profile):
            icc = open(printing_settings.ICC_PROFILE, "rb").read()  # noqa: SIM115
        assert intent.DestOutputProfile.read_bytes() == icc
        assert int(intent.DestOutputProfile.N) == 4
        meta = pdf.open_metadata()
        assert meta["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
        assert meta["pdf:Trapped"] == "False" and pdf.docinfo.Trapped == "/False"
        assert str(pdf.docinfo.GTS_PDFXVersion) == "PDF/X-4"
        assert meta["dc:title"] == str(pdf.docinfo.Title) != ""
        # The trailer /ID's first half is the XMP document ID.
        document_id = uuid.UUID(meta["xmpMM:DocumentID"].removeprefix("uuid:"))
        assert bytes(pdf.trailer.ID[0]) == document_id.bytes
        # The profile's bleed on every side: 3 mm generic, 4 mm gelato.
        boxes = _boxes(pdf.pages[0])
        trim, bleed_box = boxes["TrimBox"], boxes["BleedBox"]
        assert trim[0] - bleed_box[0] == pytest.approx(bleed, abs=0.01)
        assert bleed_box[2] - trim[2] == pytest.approx(bleed, abs=0.01)
        assert bleed_box == pytest.approx(boxes["MediaBox"], abs=0.01)


def test_each_build_gets_its_own_document_id():
    ids = set()
    for profile in PROFILES:
        with pikepdf.open(io.BytesIO(built(profile, "art_print").content)) as pdf:
            ids.add(pdf.open_metadata()["xmpMM:DocumentID"])
    assert len(ids) == 2


# --- A batch-like PDF (several pages, forms, one layer per page) ------------------------------


def _two_pages() -> bytes:
    """Two pages as an imposition would leave them: each brings its own OCG named
    'CutContour'; page 2 has no TrimBox, draws through a form XObject and holds an RGB
    image."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(200, 150), initialFontName=fonts().regular)
    for number in (1, 2):
        canvas.setFillColor(CMYKColor(0.85, 0.75, 0.45, 0.65))
        canvas.rect(0, 0, 200, 150, stroke=0, fill=1)
        canvas.setFillColor(CMYKColor(0, 0, 0, 0))
        canvas.setFont(fonts().regular, 12)
        canvas.drawString(20, 100, f"Sheet {number}")
        canvas.addLiteral("/OC /Cut BDC")
        canvas.setStrokeColor(cut_colour())
        canvas.rect(10, 10, 180, 130, stroke=1, fill=0)
        canvas.addLiteral("EMC")
        if number == 2:
            red = Image.new("RGB", (8, 8), (200, 30, 30))
            canvas.drawImage(ImageReader(red), 20, 20, 40, 40)
        canvas.showPage()
    canvas.save()
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as pdf:
        for page in pdf.pages:
            ocg = pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String("CutContour"))
            page.obj.Resources.Properties = pikepdf.Dictionary(Cut=pdf.make_indirect(ocg))
        pdf.pages[0].obj.TrimBox = pikepdf.Array([10, 10, 190, 140])
        pdf.pages[0].obj.BleedBox = pikepdf.Array([0, 0, 200, 150])
        second = pdf.pages[1]
        form = second.as_form_xobject()
        second.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Piece=form))
        second.obj.Contents = pdf.make_stream(b"q 1 0 0 1 0 0 cm /Piece Do Q")
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def batch_like() -> bytes:
    return pdfx_finish(_two_pages(), title="Print batch 7")


def test_pdfx_finish_makes_a_batch_like_pdf_conform():
    assert pdfx_problems(_two_pages())  # not yet
    data = batch_like()

    assert_pdfx(data)
    assert layers(data) == ["CutContour"]
    assert separations(data) == {"CutContour"}
    with pikepdf.open(io.BytesIO(data)) as pdf:
        [ocg] = pdf.Root.OCProperties.OCGs
        default = pdf.Root.OCProperties.D
        assert str(default.Name) and [o.objgen for o in default.Order] == [ocg.objgen]
        first, second = pdf.pages
        form = second.Resources.XObject.Piece
        # Both pages' layers are now the one OCG.
        assert first.Resources.Properties.Cut.objgen == ocg.objgen
        assert form.Resources.Properties.Cut.objgen == ocg.objgen
        # Page 2 had no TrimBox: it is trimmed at its MediaBox.
        assert [float(v) for v in second.TrimBox] == [float(v) for v in second.MediaBox]
        # The RGB image was converted to CMYK.
        [image] = form.Resources.XObject.values()
        assert image.ColorSpace == "/DeviceCMYK" and image.Filter == "/DCTDecode"
        assert str(pdf.docinfo.Title) == "Print batch 7"
    # The navy went through untouched.
    assert (0.85, 0.75, 0.45, 0.65) in process_colours(data)
    # Finishing again changes nothing that matters: still conforming, the same document.
    again = pdfx_finish(data, title="Print batch 7")
    assert_pdfx(again)
    assert layers(again) == ["CutContour"]
    ids = []
    for version in (data, again):
        with pikepdf.open(io.BytesIO(version)) as pdf:
            ids.append(pdf.open_metadata()["xmpMM:DocumentID"])
    assert ids[0] == ids[1]


# --- The checker catches broken files ---------------------------------------------------------


def _reportlab(draw: Callable[[Canvas], None]) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(200, 150), initialFontName=fonts().regular)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return pdfx_finish(buffer.getvalue(), title="Broken")


def _edited(edit: Callable[[pikepdf.Pdf], None], version: str = "1.6", **save: object) -> bytes:
    """The conforming batch-like PDF, edited. (AES-256 encryption needs PDF 1.7: version="")"""
    with pikepdf.open(io.BytesIO(batch_like())) as pdf:
        edit(pdf)
        out = io.BytesIO()
        pdf.save(out, force_version=version or None, **save)
    return out.getvalue()


def _rgb(canvas: Canvas) -> None:
    canvas.setFillColorRGB(0.1, 0.2, 0.5)
    canvas.rect(10, 10, 50, 50, stroke=0, fill=1)


def _helvetica(canvas: Canvas) -> None:
    canvas.setFillColor(CMYKColor(0, 0, 0, 1))
    canvas.setFont("Helvetica", 12)
    canvas.drawString(10, 10, "Not embedded")


def _extra_layer(pdf: pikepdf.Pdf) -> None:
    ocg = pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String("Crease"))
    pdf.Root.OCProperties.OCGs.append(pdf.make_indirect(ocg))


def _transfer(pdf: pikepdf.Pdf) -> None:
    gs = pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, TR=pikepdf.Name.Identity)
    pdf.pages[0].Resources.ExtGState = pikepdf.Dictionary(GS9=gs)
    pdf.pages[0].contents_add(pdf.make_stream(b"/GS9 gs 0.5 g 0 0 5 5 re f"))


def _no_trimbox(pdf: pikepdf.Pdf) -> None:
    del pdf.pages[0].obj.TrimBox


def _no_output_intent(pdf: pikepdf.Pdf) -> None:
    del pdf.Root.OutputIntents


def _trim_outside_bleed(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.TrimBox = pikepdf.Array([-5, 0, 100, 100])


def _no_xmp(pdf: pikepdf.Pdf) -> None:
    del pdf.Root.Metadata


def _trapped_unknown(pdf: pikepdf.Pdf) -> None:
    pdf.docinfo.Trapped = pikepdf.Name.Unknown


def _javascript(pdf: pikepdf.Pdf) -> None:
    pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(Names=pikepdf.Array()))


BROKEN: dict[str, tuple[Callable[[], bytes], list[str]]] = {
    "rgb colour": (
        lambda: _reportlab(_rgb),
        ["colour space DeviceRGB", "device colour operator rg"],
    ),
    "unembedded font": (lambda: _reportlab(_helvetica), ["font Helvetica is not embedded"]),
    "no TrimBox": (lambda: _edited(_no_trimbox), ["page 1: no TrimBox"]),
    "no OutputIntent": (
        lambda: _edited(_no_output_intent),
        ["0 GTS_PDFX OutputIntents"],
    ),
    "TrimBox outside the bleed": (
        lambda: _edited(_trim_outside_bleed),
        ["page 1: TrimBox outside the BleedBox"],
    ),
    "no XMP": (
        lambda: _edited(_no_xmp),
        ["no XMP metadata", "pdfxid:GTS_PDFXVersion is not 'PDF/X-4'"],
    ),
    "PDF 1.4": (lambda: _edited(lambda p: None, version="1.4"), ["PDF version 1.4"]),
    "Trapped unknown": (
        lambda: _edited(_trapped_unknown),
        ["Info Trapped is not /True or /False"],
    ),
    "layer missing from /Order": (
        lambda: _edited(_extra_layer),
        ["layer 'Crease' is not in the default configuration's /Order"],
    ),
    "JavaScript": (
        lambda: _edited(_javascript),
        ["JavaScript"],
    ),
    "grey and a transfer function": (
        lambda: _edited(_transfer),
        ["device colour operator g", "colour space DeviceGray", "ExtGState with TR"],
    ),
    "encrypted": (
        lambda: _edited(lambda p: None, "", encryption=pikepdf.Encryption(owner="x", user="")),
        ["encrypted"],
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_the_checker_reports_each_broken_file(case):
    make, expected = BROKEN[case]

    problems = pdfx_problems(make())

    for message in expected:
        assert any(message in p for p in problems), (message, problems)


def test_preflight_holds_a_file_that_is_not_pdfx():
    check = Preflight(kind="art_print", label="A4", trim_mm=(200 / MM, 150 / MM), bleed_mm=0)

    report = check.finish(pdf=_reportlab(_rgb))

    assert report["status"] == "hold"
    assert report["hold_reason"].startswith("not PDF/X-4: ")
    assert "colour space DeviceRGB" in report["hold_reason"]


# --- The print canvas: CMYK as given, RGB refused, layers -------------------------------------


@pytest.mark.parametrize(
    "set_colour",
    [
        lambda c: c.setFillColorRGB(0.2, 0.2, 0.2),
        lambda c: c.setStrokeColor(colors.navy),
        lambda c: c.setFillColor("#202040"),
        lambda c: c.setFillGray(0.5),
        lambda c: c.setStrokeGray(0),
    ],
    ids=["rgb", "named", "hex", "fill-grey", "stroke-grey"],
)
def test_the_print_canvas_refuses_rgb_and_grey(set_colour):
    doc = PrintDocument(width_mm=20, height_mm=20, title="refused")

    with pytest.raises(ColourRefused, match="CMYK or spot colours only"):
        set_colour(doc.canvas)


def test_a_cmyk_colour_is_written_exactly_as_given():
    """The regression of reportlab's enforceColorSpace="sep_cmyk": midnight's navy looks grey
    in naive RGB and came out as 0/0/0/100."""
    navy = PALETTES["midnight"].background
    doc = PrintDocument(width_mm=20, height_mm=20, title="navy")
    with doc.mm_space():
        doc.fill_bleed(navy.reportlab())
        doc.canvas.setStrokeColor(PALETTES["midnight"].rays.reportlab())
        doc.canvas.line(0, 0, 20, 20)

    written = process_colours(doc.finish())

    assert (0.85, 0.75, 0.45, 0.65) in written
    assert (0.78, 0.66, 0.4, 0.48) in written
    assert (0.0, 0.0, 0.0, 1.0) not in written


def test_layers_put_cut_and_crease_lines_on_named_optional_content():
    doc = PrintDocument(width_mm=40, height_mm=30, title="layers")
    with doc.mm_space():
        doc.fill_bleed(WHITE)
        for _ in range(2):  # twice into one layer: still one OCG
            with doc.layer("CutContour"):
                doc.spot_stroke([doc.polygon_path([(0, 0), (40, 0), (40, 30)])], cut_colour())
        with doc.layer("Crease"):
            doc.canvas.setStrokeColor(BLACK)
            doc.canvas.line(20, 0, 20, 30)

    data = doc.finish()

    assert_pdfx(data)
    assert layers(data) == ["CutContour", "Crease"]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        properties = page.Resources.Properties
        names = {str(k): str(v.Name) for k, v in properties.items()}
        assert sorted(names.values()) == ["Crease", "CutContour"]
        marked: list[tuple[str, list[str]]] = []  # (layer, operators in BDC ... EMC)
        for instruction in pikepdf.parse_content_stream(page):
            op = str(instruction.operator)
            if op == "BDC" and instruction.operands[0] == "/OC":
                marked.append((names[str(instruction.operands[1])], []))
            elif op == "EMC":
                marked[-1][1].append("EMC")
            elif marked and (not marked[-1][1] or marked[-1][1][-1] != "EMC"):
                marked[-1][1].append(op)
    assert [name for name, _ops in marked] == ["CutContour", "CutContour", "Crease"]
    for _name, ops in marked:
        assert ops[-1] == "EMC" and "S" in ops  # the stroke lies inside its layer


def test_a_second_page_has_its_own_boxes_and_the_same_layers():
    doc = PrintDocument(width_mm=40, height_mm=30, title="two pages")
    with doc.mm_space():
        doc.fill_bleed(WHITE)
    doc.new_page(20, 25)
    with doc.mm_space(), doc.layer("CutContour"):
        doc.spot_stroke([doc.polygon_path([(0, 0), (20, 0), (20, 25)])], cut_colour())

    data = doc.finish()

    assert_pdfx(data)
    assert layers(data) == ["CutContour"]
    with pikepdf.open(io.BytesIO(data)) as pdf:
        first, second = (_boxes(page) for page in pdf.pages)
        bleed = printing_settings.BLEED_MM
        assert first["TrimBox"][2] - first["TrimBox"][0] == pytest.approx(40, abs=0.01)
        assert second["TrimBox"][2] - second["TrimBox"][0] == pytest.approx(20, abs=0.01)
        assert second["TrimBox"][3] - second["TrimBox"][1] == pytest.approx(25, abs=0.01)
        assert second["TrimBox"][0] - second["BleedBox"][0] == pytest.approx(bleed, abs=0.01)
        [ocg] = pdf.Root.OCProperties.OCGs
        assert pdf.pages[1].Resources.Properties.OC1.objgen == ocg.objgen
