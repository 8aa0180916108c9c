"""A print batch: the items' print PDFs imposed onto press sheets (one stock per sheet) with
crop marks and a slug line, stored as one PDF/X-4 file."""

import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO, cast

import pikepdf
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.typing import Account
from printing.conf import printing_settings
from printing.imposition import BatchRefused
from printing.imposition.layout import SHEET_SIZES_MM, Piece, Rect, Sheet, box_rect, sheet_layout
from printing.imposition.marks import SlugInfo, marks_layer
from printing.imposition.stock import stock_for
from printing.models import PrintBatch, PrintItem, PrintItemStatus
from printing.press.pdfx import pdfx_finish
from shop.models import ProductKind

BATCHABLE_KINDS = frozenset({ProductKind.STICKER_SHEET, ProductKind.ART_PRINT})


def print_item_refusal(item: PrintItem) -> str | None:
    """Why this item cannot go into a print batch (None: it can), without opening its file."""
    line = item.order_line
    if line.product_kind == ProductKind.BOX:
        return _("blister-pack boxes are die-cut on their own and never batched")
    if line.product_kind not in BATCHABLE_KINDS:
        return _("%(kind)s is not printed") % {"kind": line.get_product_kind_display()}
    if item.status != PrintItemStatus.READY:
        reason = item.get_status_display()
        if item.hold_reason:
            reason = f"{reason}: {item.hold_reason}"
        return _("print file not ready (%(reason)s)") % {"reason": reason}
    if not item.file or not (item.file.name or "").lower().endswith(".pdf"):
        return _("no print PDF")
    return None


def _fmt(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


@dataclass
class _Opened:
    pieces: list[Piece] = field(default_factory=list)  # one per copy to print
    pages: dict[tuple[int, int], Any] = field(default_factory=dict)  # (item id, index) -> page
    refused: dict[int, str] = field(default_factory=dict)


def _source(item: PrintItem, stack: ExitStack) -> str | BinaryIO:
    """A local path where the storage has one (qpdf then reads pages lazily from the file),
    else an open file object (remote storages)."""
    try:
        return item.file.path
    except NotImplementedError:
        return cast(BinaryIO, stack.enter_context(item.file.open("rb")))


def _open_pieces(items: Sequence[PrintItem], stack: ExitStack) -> _Opened:
    """Open each item's PDF (kept open until the batch is written: pikepdf copies stream
    data lazily) and describe its pages."""
    opened = _Opened()
    pieces, pages, refused = opened.pieces, opened.pages, opened.refused
    for item in items:
        line = item.order_line
        try:
            pdf = stack.enter_context(pikepdf.open(_source(item, stack)))
        except (OSError, pikepdf.PdfError) as exc:
            refused[item.pk] = _("the print file cannot be read (%(error)s)") % {"error": exc}
            continue
        label = f"#{item.pk} {line.order.number}"
        stock = stock_for(line.product_kind)
        assert stock is not None  # print_item_refusal let only printed kinds through
        item_pieces = []
        for index, page in enumerate(pdf.pages):
            if int(page.obj.get("/Rotate", 0)) % 360:
                refused[item.pk] = _("page %(page)d is rotated (/Rotate); not supported") % {
                    "page": index + 1
                }
                break
            media = box_rect(page.mediabox)
            trim = box_rect(page.trimbox)
            bleed = box_rect(page.bleedbox)
            # The bleed box holds the trim box and lies on the page.
            bleed = Rect(
                max(media.x0, min(bleed.x0, trim.x0)),
                max(media.y0, min(bleed.y0, trim.y0)),
                min(media.x1, max(bleed.x1, trim.x1)),
                min(media.y1, max(bleed.y1, trim.y1)),
            )
            pages[(item.pk, index)] = page
            item_pieces.append(Piece(item.pk, label, index, trim, bleed, stock))
        else:
            if not item_pieces:
                refused[item.pk] = _("the print file has no pages")
            pieces.extend(item_pieces * max(1, line.quantity))
    return opened


def _write_batch(
    batch: PrintBatch,
    sheet_name: str,
    sheets: list[Sheet],
    opened: _Opened,
    target: Path,
) -> None:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    out = pikepdf.open(BytesIO(marks_layer(SlugInfo(batch.pk, sheet_name, stamp), sheets)))
    xobjects: dict[tuple[int, int], Any] = {}
    for sheet, page in zip(sheets, out.pages, strict=True):
        commands = []
        for placement in sheet.placements:
            key = (placement.piece.item_id, placement.piece.page_index)
            if key not in xobjects:
                source = opened.pages[key]
                form = out.copy_foreign(source.as_form_xobject(handle_transformations=False))
                b = placement.piece.bleed
                form.BBox = pikepdf.Array([Decimal(_fmt(v)) for v in (b.x0, b.y0, b.x1, b.y1)])
                xobjects[key] = form
            name = page.add_resource(xobjects[key], pikepdf.Name.XObject, prefix="Piece")
            matrix = " ".join(_fmt(v) for v in placement.matrix())
            commands.append(f"q {matrix} cm {name} Do Q")
        # Pieces first, marks and slug (the reportlab content) on top.
        page.contents_add(pikepdf.Stream(out, "\n".join(commands).encode() + b"\n"), prepend=True)
        # A press sheet is printed whole: nothing is trimmed off the sheet itself (its pieces
        # are cut at their crop marks), so the finished size PDF/X asks for is the sheet, as
        # imposition software writes for a press flat: TrimBox = BleedBox = MediaBox.
        box = pikepdf.Array([0, 0, Decimal(_fmt(sheet.width)), Decimal(_fmt(sheet.height))])
        page.obj.MediaBox = box
        page.obj.TrimBox = box
        page.obj.BleedBox = box
    buffer = BytesIO()
    out.save(buffer, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    # PDF/X-4: version, XMP, the profile's output intent, the pieces' cut layers made one.
    title = f"{printing_settings.BRAND_NAME} print batch {batch.pk}"
    target.write_bytes(pdfx_finish(buffer.getvalue(), title=title))


def print_batch_create(
    *, items: list[PrintItem], actor: Account | None, sheet: str = ""
) -> PrintBatch:
    """Impose the items' print PDFs onto press sheets (default: MINIME_PRESS_SHEET), one
    stock per sheet (runs of sheets per stock, see printing.imposition), and store the batch
    PDF (PDF/X-4). Every item must be a ready sticker sheet or art print with a PDF;
    otherwise BatchRefused lists why, and nothing is saved."""
    sheet = (sheet or printing_settings.PRESS_SHEET).upper()
    if sheet not in SHEET_SIZES_MM:
        raise BatchRefused(
            _("Unknown press sheet %(sheet)s (known: %(known)s).")
            % {"sheet": sheet, "known": ", ".join(SHEET_SIZES_MM)}
        )
    items = list(
        PrintItem.objects.filter(pk__in=[i.pk for i in items])
        .select_related("order_line__order")
        .order_by("order_line__order__paid_at", "order_line__order_id", "order_line_id")
    )
    if not items:
        raise BatchRefused(_("No print items selected."))
    refused = {i.pk: reason for i in items if (reason := print_item_refusal(i))}
    if refused:
        raise BatchRefused(_("Some items cannot be batched."), refused)

    with ExitStack() as stack:
        opened = _open_pieces(items, stack)
        pieces, refused = opened.pieces, opened.refused
        if refused:
            raise BatchRefused(_("Some items cannot be batched."), refused)
        sheets = sheet_layout(pieces, sheet)
        with transaction.atomic():
            batch = PrintBatch.objects.create(created_by=actor, sheet_size=sheet)
            batch.items.set(items)
            with tempfile.TemporaryDirectory(prefix="minime-batch-") as folder:
                target = Path(folder) / "batch.pdf"
                _write_batch(batch, sheet, sheets, opened, target)
                with target.open("rb") as written:
                    batch.file.save(f"batch-{batch.pk}.pdf", File(written), save=False)
            batch.sheet_count = len(sheets)
            batch.save(update_fields=["file", "sheet_count"])
    return batch
