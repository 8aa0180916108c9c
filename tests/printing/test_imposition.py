"""Print batches to press spec (printing.imposition): one stock and finishing per press sheet,
crop marks, registration marks and slug at least the profile's sheet margin inside the edge,
in K only, the slug at the profile's minimum text size, and the batch PDF/X-4. The batches are
made from real product PDFs (printing.products) and read back with pikepdf and poppler."""

import io
import re
import subprocess
from decimal import Decimal
from functools import lru_cache

import pikepdf
import pytest
from django.test import override_settings
from PIL import Image

from printing.imposition.batch import print_batch_create
from printing.imposition.layout import (
    REG_MARK_CLEAR,
    REG_MARK_SIZE,
    Piece,
    Rect,
    crop_marks,
    registration_marks,
    sheet_layout,
)
from printing.imposition.stock import ART_PAPER, STICKER_VINYL
from printing.models import PrintBatch
from printing.press.units import MM
from printing.products import build
from tests.factories.printing import paid_order, ready
from tests.printing.test_pdfs import figure_render, spec

pytestmark = pytest.mark.django_db

SRA3 = (320 * MM, 450 * MM)
MARGIN = 5 * MM  # the generic and gelato profiles' sheet_margin_mm


@lru_cache(maxsize=4)
def product_pdf(kind: str, label: str, w: int, h: int) -> bytes:
    return build(spec(kind, label, w, h), figure_render(512)).content


def batch_pdf(orders: list) -> tuple[bytes, PrintBatch]:
    items = [order.lines.get().print_item for order in orders]
    batch = print_batch_create(items=items, actor=None)
    with batch.file.open("rb") as handle:
        return handle.read(), batch


def mixed_a4_orders() -> tuple[list, list]:
    """Sticker sheets and art prints of the same size (A4): two orders of each."""
    stickers = [paid_order(sku="MM-STK-A4", quantity=2) for _ in range(2)]
    art = [paid_order(sku="MM-PRT-A4") for _ in range(2)]
    for order in stickers:
        ready(order, product_pdf("sticker_sheet", "A4", 210, 297))
    for order in art:
        ready(order, product_pdf("art_print", "A4", 210, 297))
    return stickers, art


def page_texts(data: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return out.stdout.decode().split("\f")[:-1]


def uses_cut_spot(resources: pikepdf.Object, seen: set | None = None) -> bool:
    """Whether the resources (and those of the forms they draw) name the CutContour spot."""
    seen = set() if seen is None else seen
    for cs in resources.get("/ColorSpace", {}).values():
        if isinstance(cs, pikepdf.Array) and cs[0] == "/Separation" and cs[1] == "/CutContour":
            return True
    for xobject in resources.get("/XObject", {}).values():
        if xobject.objgen in seen or xobject.get("/Subtype") != "/Form":
            continue
        seen.add(xobject.objgen)
        if "/Resources" in xobject and uses_cut_spot(xobject.Resources, seen):
            return True
    return False


def sheet_ops(page: pikepdf.Page) -> list[tuple[str, list[float]]]:
    """The sheet's own drawing operators (marks and slug), not the pieces' (in XObjects)."""
    ops = []
    for operands, operator in pikepdf.parse_content_stream(page):
        values = [float(v) for v in operands if isinstance(v, int | float | Decimal)]
        ops.append((str(operator), values))
    return ops


def test_sticker_sheets_and_art_prints_of_one_size_never_share_a_press_sheet():
    stickers, art = mixed_a4_orders()

    data, batch = batch_pdf(stickers + art)

    texts = page_texts(data)
    assert len(texts) == batch.sheet_count == 3  # 4 sticker sheets 2-up, 2 prints 2-up
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page, text in zip(pdf.pages, texts, strict=True):
            sticker = "STICKER VINYL: contour kiss-cut" in text
            assert sticker != ("ART PAPER: guillotine trim" in text), text
            mine, theirs = (stickers, art) if sticker else (art, stickers)
            assert any(o.number in text for o in mine), text
            assert not any(o.number in text for o in theirs), text
            # The pieces themselves: the stickers' kiss-cut spot on sticker sheets only.
            assert uses_cut_spot(page.Resources) == sticker
    assert texts[0].count("STICKER VINYL") == 1


def test_layout_keeps_stocks_apart_and_fits_every_product_on_sra3():
    def piece(w_mm, h_mm, stock, item=1):
        b = 3 * MM
        trim = Rect(b, b, b + w_mm * MM, b + h_mm * MM)
        return Piece(item, "", 0, trim, Rect(0, 0, trim.x1 + b, trim.y1 + b), stock)

    mixed = [piece(210, 297, STICKER_VINYL, 1), piece(210, 297, ART_PAPER, 2)] * 2
    sheets = sheet_layout(mixed, "SRA3")
    assert [s.stock for s in sheets] == [STICKER_VINYL, ART_PAPER]
    assert all({p.piece.stock for p in s.placements} == {s.stock} for s in sheets)
    # Pieces per SRA3 sheet inside the 5 mm margin, with marks (and, for stickers, room for
    # the cutter's corner marks): what the shop's products get.
    per_sheet = {
        (148, 210, STICKER_VINYL): 2,
        (210, 297, STICKER_VINYL): 2,
        (210, 297, ART_PAPER): 2,
        (297, 420, ART_PAPER): 1,
        (300, 400, ART_PAPER): 1,
    }
    for (w, h, stock), count in per_sheet.items():
        sheets = sheet_layout([piece(w, h, stock)] * count, "SRA3")
        assert len(sheets) == 1, (w, h, stock)


def test_marks_and_slug_are_k_only_and_clear_of_the_sheet_margin():
    stickers, art = mixed_a4_orders()

    data, _batch = batch_pdf(stickers + art)

    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            box = [float(v) for v in page.mediabox]
            assert box == pytest.approx([0, 0, *SRA3], abs=0.01)
            assert [float(v) for v in page.trimbox] == pytest.approx(box)
            assert [float(v) for v in page.bleedbox] == pytest.approx(box)
            for operator, values in sheet_ops(page):
                if operator in ("m", "l"):
                    x, y = values
                    assert MARGIN - 0.01 <= x <= SRA3[0] - MARGIN + 0.01, (operator, values)
                    assert MARGIN - 0.01 <= y <= SRA3[1] - MARGIN + 0.01, (operator, values)
                elif operator == "re":
                    x, y, w, h = values
                    assert x >= MARGIN - 0.01 and x + w <= SRA3[0] - MARGIN + 0.01
                    assert y >= MARGIN - 0.01 and y + h <= SRA3[1] - MARGIN + 0.01
                elif operator in ("k", "K"):
                    assert values[:3] == [0, 0, 0], (operator, values)  # K only
                elif operator in ("rg", "RG", "g", "G", "sc", "scn", "SC", "SCN", "cs", "CS"):
                    raise AssertionError(f"non-K colour on the sheet: {operator} {values}")
                elif operator == "Tf":
                    assert values[-1] >= 6.0
    # No ink at all in the outer margin band (a low-resolution render; 1 px of anti-aliasing).
    dpi = 36
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", "-"],
        input=data, capture_output=True, check=True,
    ).stdout  # fmt: skip
    image = Image.open(io.BytesIO(png)).convert("L")
    band = int(MARGIN / 72 * dpi) - 1
    w, h = image.size
    for region in ((0, 0, w, band), (0, h - band, w, h), (0, 0, band, h), (w - band, 0, w, h)):
        assert image.crop(region).getextrema()[0] == 255, region
    # The slug's words lie inside the margin too (poppler's own text boxes).
    words = subprocess.run(
        ["pdftotext", "-bbox", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode()
    boxes = re.findall(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', words)
    assert boxes
    for x0, y0, x1, y1 in (map(float, b) for b in boxes):
        assert x0 >= MARGIN - 0.01 and x1 <= SRA3[0] - MARGIN + 0.01
        assert y0 >= MARGIN - 0.01 and y1 <= SRA3[1] - MARGIN + 0.01


def test_gelato_sets_the_slug_at_7_pt():
    order = paid_order(sku="MM-PRT-A4")
    ready(order, product_pdf("art_print", "A4", 210, 297))

    with override_settings(MINIME_PRINTER_PROFILE="gelato"):
        data, _batch = batch_pdf([order])

    with pikepdf.open(io.BytesIO(data)) as pdf:
        sizes = [v[-1] for op, v in sheet_ops(pdf.pages[0]) if op == "Tf"]
    assert sizes and min(sizes) >= 7.0
    assert order.number in page_texts(data)[0]


def test_registration_marks_at_fixed_corners_on_sticker_sheets_only():
    stickers, art = mixed_a4_orders()

    data, _batch = batch_pdf(stickers + art)

    s = REG_MARK_SIZE
    expected = [
        [x, y, s, s] for y in (MARGIN, SRA3[1] - MARGIN - s) for x in (MARGIN, SRA3[0] - MARGIN - s)
    ]
    texts = page_texts(data)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page, text in zip(pdf.pages, texts, strict=True):
            filled = [v for op, v in sheet_ops(page) if op == "re"]
            if "STICKER VINYL" in text:
                assert len(filled) == len(expected)
                for got, want in zip(sorted(filled), sorted(expected), strict=True):
                    assert got == pytest.approx(want, abs=0.01)
            else:
                assert filled == []
    # Solid black where the marks are (page 1 is a sticker sheet, the last an art print).
    dpi = 72
    for number, inked in ((1, True), (len(texts), False)):
        png = subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-f", str(number), "-l", str(number), "-gray",
             "-png", "-"],
            input=data, capture_output=True, check=True,
        ).stdout  # fmt: skip
        image = Image.open(io.BytesIO(png)).convert("L")
        for x, y, w, h in expected:
            cx, cy = (x + w / 2) / 72 * dpi, image.height - (y + h / 2) / 72 * dpi
            assert (image.getpixel((int(cx), int(cy))) < 40) == inked, (number, x, y)


def test_registration_marks_are_clear_of_every_bleed_and_crop_mark():
    b = 3 * MM
    for w_mm, h_mm in ((148, 210), (210, 297)):
        trim = Rect(b, b, b + w_mm * MM, b + h_mm * MM)
        pieces = [Piece(1, "", 0, trim, Rect(0, 0, trim.x1 + b, trim.y1 + b), STICKER_VINYL)]
        for sheet in sheet_layout(pieces * 5, "SRA3"):
            squares = registration_marks(sheet)
            assert len(squares) == 4
            for sq in squares:
                clear = Rect(
                    sq.x0 - REG_MARK_CLEAR + 0.01,
                    sq.y0 - REG_MARK_CLEAR + 0.01,
                    sq.x1 + REG_MARK_CLEAR - 0.01,
                    sq.y1 + REG_MARK_CLEAR - 0.01,
                )
                for p in sheet.placements:
                    assert (
                        p.bleed.x1 <= clear.x0
                        or p.bleed.x0 >= clear.x1
                        or (p.bleed.y1 <= clear.y0 or p.bleed.y0 >= clear.y1)
                    )
                for x0, y0, x1, y1 in crop_marks(sheet):
                    assert (
                        max(x0, x1) <= clear.x0
                        or min(x0, x1) >= clear.x1
                        or (max(y0, y1) <= clear.y0 or min(y0, y1) >= clear.y1)
                    )


def test_batch_is_pdfx4():
    pdfx = pytest.importorskip("printing.press.pdfx")
    stickers, art = mixed_a4_orders()

    data, _batch = batch_pdf(stickers[:1] + art[:1])

    assert pdfx.pdfx_problems(data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.pdf_version >= "1.6"
        assert "/OutputIntents" in pdf.Root
