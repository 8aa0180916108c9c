"""AI provenance in print PDFs (EU AI Act Art. 50(2)): every print file and print batch says in
its XMP, as IPTC Iptc4xmpExt:DigitalSourceType, that it composes an AI render
(compositeWithTrainedAlgorithmicMedia), and stays PDF/X-4. Real product PDFs and a real batch,
read back with pikepdf (the raw XMP packet and pikepdf's XMP reader)."""

import io
import re
from functools import cache

import pikepdf
import pytest

from printing.imposition.batch import print_batch_create
from printing.press.pdfx import pdfx_finish, pdfx_problems
from printing.products import build
from tests.factories.printing import paid_order, ready
from tests.printing.test_pdfs import figure_render, spec

IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
PRODUCTS = {
    "box": ("Standard (18 cm)", 120, 180),
    "sticker_sheet": ("A4", 210, 297),
    "art_print": ("A4", 210, 297),
}


@cache
def product_pdf(kind: str) -> bytes:
    label, width, height = PRODUCTS[kind]
    return build(spec(kind, label, width, height), figure_render(512)).content


def digital_source_types(data: bytes) -> list[str]:
    """Every Iptc4xmpExt:DigitalSourceType in the XMP packet, read as XML (namespace URI, not
    the prefix), plus what pikepdf's XMP reader sees; both must agree."""
    from lxml import etree

    with pikepdf.open(io.BytesIO(data)) as pdf:
        packet = pdf.Root.Metadata.read_bytes()
        seen = pdf.open_metadata().get("Iptc4xmpExt:DigitalSourceType")
    root = etree.fromstring(packet)
    found = [
        (element.text or "").strip() for element in root.iter(f"{{{IPTC_EXT}}}DigitalSourceType")
    ]
    assert seen == (found[0] if found else None)
    return found


@pytest.mark.printing
@pytest.mark.parametrize("kind", PRODUCTS)
def test_each_print_file_declares_an_ai_composite_and_stays_pdfx4(kind):
    data = product_pdf(kind)

    assert digital_source_types(data) == [COMPOSITE]
    assert pdfx_problems(data) == []


@pytest.mark.printing
@pytest.mark.django_db
def test_a_print_batch_declares_an_ai_composite_and_stays_pdfx4():
    orders = [paid_order(sku="MM-STK-A4"), paid_order(sku="MM-PRT-A4")]
    ready(orders[0], product_pdf("sticker_sheet"))
    ready(orders[1], product_pdf("art_print"))

    batch = print_batch_create(items=[o.lines.get().print_item for o in orders], actor=None)
    with batch.file.open("rb") as handle:
        data = handle.read()

    assert batch.sheet_count == 2
    assert digital_source_types(data) == [COMPOSITE]
    assert pdfx_problems(data) == []


@pytest.mark.printing
def test_finishing_a_file_again_keeps_one_source_type_and_another_term_replaces_it():
    once = product_pdf("art_print")
    again = pdfx_finish(once, title="again")
    other = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
    replaced = pdfx_finish(once, title="other", digital_source_type=other)

    assert digital_source_types(again) == [COMPOSITE]
    assert digital_source_types(replaced) == [other]
    # Written under the IPTC prefix (what XMP readers that match prefixes expect), not ns0.
    with pikepdf.open(io.BytesIO(again)) as pdf:
        packet = pdf.Root.Metadata.read_bytes().decode()
    assert re.search(r'xmlns:Iptc4xmpExt="' + re.escape(IPTC_EXT) + '"', packet)
    assert pdfx_problems(again) == [] and pdfx_problems(replaced) == []
