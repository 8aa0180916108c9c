"""Print batches from the production queue (printing.admin.actions.create_print_batch) and
their read-only admin (printing.admin.batches): imposition on SRA3 with crop marks and spot
colours, one stock per sheet, what is left out and why, and the real renderer's files in the
ZIP and a batch. The imposition's geometry, marks and PDF/X: tests/printing/test_imposition.py."""

import io
import re
import subprocess
import zipfile
from datetime import timedelta
from pathlib import Path

import pikepdf
import pytest
from django.urls import reverse
from PIL import Image

from printing.imposition.layout import Piece, box_rect, crop_marks, sheet_layout
from printing.imposition.stock import ART_PAPER, STICKER_VINYL
from printing.models import PrintBatch, PrintItem, PrintItemStatus
from tests import factories
from tests.factories.printing import paid_order, print_pdf, ready
from tests.factories.shop import approved_design_for
from tests.printing.admin_helpers import (
    body,
    grey,
    messages_of,
    run,
    run_action,
    separations,
)

pytestmark = pytest.mark.django_db

SRA3_PT = (907.09, 1275.59)


def test_print_batch_imposes_ready_sheets_on_sra3_with_crop_marks_and_spot_colours(
    production_client,
):
    user = factories.user_create()
    design = approved_design_for(user)
    stickers = paid_order(user, quantity=3, design=design, ago=timedelta(days=1))
    art = paid_order(user, sku="MM-PRT-A4", design=design)
    ready(stickers)
    ready(art)

    response = run_action(production_client, "create_print_batch", [stickers, art])

    batch = PrintBatch.objects.get()
    [(level, text)] = messages_of(response)
    assert level == "success"
    assert text.startswith(f"Print batch {batch.pk} created: 2 print files on ")
    link = reverse("admin:printing_printbatch_file", args=[batch.pk])
    assert f'href="{link}"' in text
    assert batch.sheet_size == "SRA3"
    assert set(batch.items.all()) == set(PrintItem.objects.all())
    download = production_client.get(link)
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    data = body(download)
    (Path("/tmp") / "fulfilment-batch.pdf").write_bytes(data)  # to look at by hand

    info = run("pdfinfo", "-", data=data)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info).groups())
    # 3 A5 sticker sheets (2 fit an SRA3 inside its 5 mm margin) and one A4 print, on
    # art paper, never on a sticker sheet: 3 sheets.
    assert pages == batch.sheet_count == 3
    assert (width, height) == pytest.approx(SRA3_PT, abs=0.01)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert "CutContour" in separations(pdf)  # die line kept
    slug = run("pdftotext", "-", "-", data=data)
    assert f"batch {batch.pk}" in slug and stickers.number in slug and art.number in slug
    sheets_text = slug.split("\f")
    assert "STICKER VINYL" in sheets_text[0] and art.number not in sheets_text[0]
    assert "ART PAPER" in sheets_text[2] and stickers.number not in sheets_text[2]

    # Crop marks are drawn where the layout says: dark pixels at each mark's middle.
    pieces = []
    for order, stock in ((stickers, STICKER_VINYL), (art, ART_PAPER)):
        item = order.lines.get().print_item
        with pikepdf.open(item.file.open("rb")) as src:
            page = src.pages[0]
            trim, bleed = box_rect(page.trimbox), box_rect(page.bleedbox)
        pieces += [Piece(item.pk, "", 0, trim, bleed, stock)] * order.lines.get().quantity
    sheets = sheet_layout(pieces, "SRA3")
    assert [(len(s.placements), s.stock) for s in sheets] == [
        (2, STICKER_VINYL), (1, STICKER_VINYL), (1, ART_PAPER),
    ]  # fmt: skip
    dpi = 150
    png = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", "1", "-l", "1", "-gray", "-png", "-"],
        input=data, capture_output=True, check=True,
    ).stdout  # fmt: skip
    image = Image.open(io.BytesIO(png)).convert("L")
    marks = crop_marks(sheets[0])
    for x0, y0, x1, y1 in marks:
        mx, my = (x0 + x1) / 2 * dpi / 72, image.height - (y0 + y1) / 2 * dpi / 72
        window = [grey(image, int(mx) + dx, int(my) + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        assert min(window) < 128, (x0, y0, x1, y1)
    # Every cut line (each trim edge of each piece) has marks, none of them on a piece.
    for placement in sheets[0].placements:
        t = placement.trim
        for x in (t.x0, t.x1):
            assert any(abs(m[0] - x) < 0.01 and abs(m[2] - x) < 0.01 for m in marks), x
        for y in (t.y0, t.y1):
            assert any(abs(m[1] - y) < 0.01 and abs(m[3] - y) < 0.01 for m in marks), y
        for x0, y0, x1, y1 in marks:
            assert not (t.x0 < (x0 + x1) / 2 < t.x1 and t.y0 < (y0 + y1) / 2 < t.y1)
        # The art lies where the layout put it: cyan (dark grey) at the trim box's centre.
        cx, cy = (t.x0 + t.x1) / 2 * dpi / 72, image.height - (t.y0 + t.y1) / 2 * dpi / 72
        assert grey(image, int(cx), int(cy)) < 230
    assert grey(image, 5, 5) == 255  # the sheet's edge stays blank


def test_print_batch_leaves_out_boxes_and_unready_items_with_a_reason(production_client):
    user = factories.user_create()
    design = approved_design_for(user)
    box = paid_order(user, sku="MM-BOX-S", design=design)
    ready(box, print_pdf(300, 250))
    held = paid_order(user, design=design)
    ready(held)
    PrintItem.objects.filter(order_line__order=held).update(
        status=PrintItemStatus.HELD, hold_reason="face too small"
    )
    good = paid_order(user, design=design)
    ready(good)

    only_bad = run_action(production_client, "create_print_batch", [box, held])
    assert not PrintBatch.objects.exists()
    mixed = run_action(production_client, "create_print_batch", [box, good])

    assert (
        "warning",
        f"Left out of the batch: {box.number} L1 (Blister-pack box Standard (18 cm)): "
        "blister-pack boxes are die-cut on their own and never batched",
    ) in messages_of(only_bad)
    assert (
        "warning",
        f"Left out of the batch: {held.number} L1 (Sticker sheet A5): "
        "print file not ready (Held for staff: face too small)",
    ) in messages_of(only_bad)
    assert (
        "error",
        "Nothing to batch: no ready sticker sheet or art print in the selection.",
    ) in messages_of(only_bad)
    batch = PrintBatch.objects.get()
    assert list(batch.items.all()) == [good.lines.get().print_item]
    assert any(level == "success" for level, _ in messages_of(mixed))


def test_print_batch_admin_lists_batches_read_only(production_client):
    order = paid_order()
    ready(order)
    run_action(production_client, "create_print_batch", [order])
    batch = PrintBatch.objects.get()

    listing = production_client.get(reverse("admin:printing_printbatch_changelist"))
    detail = production_client.get(reverse("admin:printing_printbatch_change", args=[batch.pk]))

    assert listing.status_code == 200 and detail.status_code == 200
    assert reverse("admin:printing_printbatch_file", args=[batch.pk]) in listing.text
    assert order.number in detail.text
    assert "sticker vinyl" in listing.text and "sticker vinyl" in detail.text  # the stock
    assert 'name="_save"' not in detail.text
    assert production_client.get(reverse("admin:printing_printbatch_add")).status_code == 403


def test_rendered_print_files_go_into_the_zip_and_a_print_batch(admin_client, settings):
    from printing.services import print_item_render

    # The test render is 128 px: let it pass the resolution floor instead of being held.
    settings.MINIME_HOLD_BELOW_DPI = 1
    order = paid_order(sku="MM-STK-A5")
    item = PrintItem.objects.get(order_line=order.lines.get())  # made when paid

    item = print_item_render(item_id=item.pk)
    assert item.status == PrintItemStatus.READY, item.hold_reason
    zipped = run_action(admin_client, "download_print_files", [order])
    run_action(admin_client, "create_print_batch", [order])

    archive = zipfile.ZipFile(io.BytesIO(body(zipped)))
    assert archive.read(archive.namelist()[0]) == item.file.open("rb").read()
    batch = PrintBatch.objects.get()
    assert batch.sheet_count == 1
    with pikepdf.open(batch.file.open("rb")) as pdf:
        assert "CutContour" in separations(pdf)
        assert len(pdf.pages) == 1
        assert "/OutputIntents" in pdf.Root  # the items' print condition is kept
