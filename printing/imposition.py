"""Print batches: ready sticker sheets and art prints imposed onto press sheets.

Each page of an item's print PDF is placed as a PDF form XObject (vectors, images and spot
colours such as the CutContour die line stay untouched), clipped to its BleedBox and
positioned by its TrimBox, as many times as the order line's quantity. Pieces of one size
are laid out in a grid, rotated when that fits more on a sheet; when room allows, a gutter
is left between pieces so that every trim corner gets its crop marks, else the pieces share
the cuts and the marks stand in the sheet margins (a mark never runs into another piece's
bleed). Crop marks are in the registration colour (Separation /All); a slug line at the
bottom names the batch, the sheet and the items on it.

One page of a print file is one copy of the product; a line of quantity 3 is imposed three
times (the XObject itself is stored once in the batch PDF).
"""

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
from reportlab.lib.colors import CMYKColor, CMYKColorSep
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from core.typing import Account
from printing.conf import printing_settings
from printing.models import PrintBatch, PrintItem, PrintItemStatus
from shop.models import ProductKind

MM = 72 / 25.4
# Press sheets, width x height in mm (portrait).
SHEET_SIZES_MM: dict[str, tuple[float, float]] = {
    "SRA4": (225, 320),
    "A3": (297, 420),
    "SRA3": (320, 450),
    "SRA2": (450, 640),
}
BATCHABLE_KINDS = frozenset({ProductKind.STICKER_SHEET, ProductKind.ART_PRINT})
SHEET_EDGE = 1 * MM  # nothing is printed closer to the sheet's edge
SLUG_TOP = 5 * MM  # the slug line runs between SHEET_EDGE and this, at the bottom
MARK_OFFSET = 1 * MM  # gap between a piece's bleed edge and its crop marks
MARK_LENGTH = 5 * MM
MARK_MIN_LENGTH = 1.5 * MM  # shorter remains of a clipped mark are left out
MARK_WIDTH = 0.25  # pt, a hairline
# Between two pieces' bleed boxes: room for both their marks, or none (shared cuts).
MARKED_GAP = 2 * (MARK_OFFSET + MARK_LENGTH)
# Bleed boxes keep this much room for (short) marks from the edge and the slug line.
MARK_ROOM = MARK_OFFSET + MARK_MIN_LENGTH
REGISTRATION = CMYKColorSep(1, 1, 1, 1, spotName="All", density=1)
SLUG_FONT_SIZE = 6.0


class BatchRefused(Exception):
    """The batch was not made: `reasons` maps refused print item ids to why."""

    def __init__(self, message: str, reasons: dict[int, str] | None = None) -> None:
        self.message = message
        self.reasons = reasons or {}
        super().__init__(message)


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


# --- Layout -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def moved(self, dx: float, dy: float) -> "Rect":
        return Rect(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)


@dataclass(frozen=True)
class Piece:
    """One page of one item's PDF, in that page's own coordinates (points)."""

    item_id: int
    label: str  # for the slug: "#12 MM-000123"
    page_index: int
    trim: Rect
    bleed: Rect  # contains trim

    @property
    def size_key(self) -> tuple[int, ...]:
        # Pieces laid out together: same trim and bleed, to 0.1 pt.
        t, b = self.trim, self.bleed
        return tuple(
            round(v * 10)
            for v in (t.width, t.height, t.x0 - b.x0, t.y0 - b.y0, b.x1 - t.x1, b.y1 - t.y1)
        )


@dataclass(frozen=True)
class Placement:
    piece: Piece
    rotated: bool  # 90 degrees counter-clockwise
    trim: Rect  # where the trim box lands on the sheet
    bleed: Rect  # where the bleed box lands on the sheet

    def matrix(self) -> tuple[float, float, float, float, float, float]:
        """The `cm` that maps the piece's page coordinates onto the sheet."""
        src = self.piece.trim
        if not self.rotated:
            return (1, 0, 0, 1, self.trim.x0 - src.x0, self.trim.y0 - src.y0)
        # (x, y) -> (-y + e, x + f): the trim's top edge becomes the left edge.
        return (0, 1, -1, 0, self.trim.x0 + src.y1, self.trim.y0 - src.x0)


@dataclass
class Sheet:
    width: float
    height: float
    placements: list[Placement] = field(default_factory=list)


def _footprint(piece: Piece, rotated: bool) -> tuple[float, float]:
    b = piece.bleed
    return (b.height, b.width) if rotated else (b.width, b.height)


def _usable(sheet_w: float, sheet_h: float) -> Rect:
    """Where bleed boxes may go: room for at least short marks all round."""
    side = SHEET_EDGE + MARK_ROOM
    return Rect(side, SLUG_TOP + MARK_ROOM, sheet_w - side, sheet_h - side)


def _fits(length: float, piece: float, gap: float) -> int:
    return max(0, int((length + gap + 0.01) // (piece + gap)))


def _grid_choice(piece: Piece, area: Rect) -> tuple[int, bool, float]:
    """(pieces per sheet, rotated, gap between bleed boxes) that fits the most; on a tie
    a gap with whole marks at every corner beats shared cuts, and upright beats rotated."""
    best = (0, False, 0.0)
    best_rank: tuple[int, int, int] = (0, 0, 0)
    for gap in (MARKED_GAP, 0.0):
        for rotated in (False, True):
            w, h = _footprint(piece, rotated)
            count = _fits(area.width, w, gap) * _fits(area.height, h, gap)
            rank = (count, int(gap > 0), int(not rotated))
            if count and rank > best_rank:
                best, best_rank = (count, rotated, gap), rank
    return best


def _trim_in(bleed: Rect, piece: Piece, rotated: bool) -> Rect:
    """The trim box inside a placed bleed box (the insets turn with the piece: rotated 90
    degrees counter-clockwise, the top inset becomes the left one, the left the bottom ...)."""
    t, b = piece.trim, piece.bleed
    if rotated:
        return Rect(
            bleed.x0 + (b.y1 - t.y1),
            bleed.y0 + (t.x0 - b.x0),
            bleed.x1 - (t.y0 - b.y0),
            bleed.y1 - (b.x1 - t.x1),
        )
    return Rect(
        bleed.x0 + (t.x0 - b.x0),
        bleed.y0 + (t.y0 - b.y0),
        bleed.x1 - (b.x1 - t.x1),
        bleed.y1 - (b.y1 - t.y1),
    )


def sheet_layout(pieces: Sequence[Piece], sheet: str) -> list[Sheet]:
    """Place pieces on as few sheets as this simple grid packer manages: pieces of one size
    together in rows, each size in the orientation and spacing that fits the most; a new
    row for a new size, a new sheet when the rows are full; each sheet's block centred.
    Raises BatchRefused for a piece larger than the sheet."""
    sheet_w, sheet_h = (v * MM for v in SHEET_SIZES_MM[sheet])
    area = _usable(sheet_w, sheet_h)
    groups: dict[tuple[int, ...], list[Piece]] = {}
    for piece in pieces:
        groups.setdefault(piece.size_key, []).append(piece)
    too_big = {
        group[0].item_id: _("too large for a %(sheet)s sheet") % {"sheet": sheet}
        for group in groups.values()
        if not _grid_choice(group[0], area)[0]
    }
    if too_big:
        raise BatchRefused(_("Some print files do not fit on the press sheet."), too_big)

    eps = 0.01
    sheets: list[Sheet] = []
    boxes: list[list[tuple[Piece, bool, Rect]]] = []  # per sheet: piece, rotated, bleed box
    row_bottom, row_gap = area.y0 - 1, 0.0  # the current row; none before the first sheet
    ordered = sorted(groups.values(), key=lambda g: -g[0].bleed.width * g[0].bleed.height)
    for group in ordered:
        _count, rotated, gap = _grid_choice(group[0], area)
        w, h = _footprint(group[0], rotated)
        x: float | None = None  # each size starts on a fresh row
        for piece in group:
            if x is None or x + w > area.x1 + eps:
                top = row_bottom - max(gap, row_gap)
                if not boxes or top - h < area.y0 - eps:
                    sheets.append(Sheet(sheet_w, sheet_h))
                    boxes.append([])
                    top = area.y1
                x, row_bottom, row_gap = area.x0, top - h, gap
            boxes[-1].append((piece, rotated, Rect(x, row_bottom, x + w, row_bottom + h)))
            x += w + gap

    for sheet_obj, sheet_boxes in zip(sheets, boxes, strict=True):
        # Centre the block: across the sheet, and between the slug line and the top edge.
        x0 = min(b.x0 for _p, _r, b in sheet_boxes)
        x1 = max(b.x1 for _p, _r, b in sheet_boxes)
        y0 = min(b.y0 for _p, _r, b in sheet_boxes)
        y1 = max(b.y1 for _p, _r, b in sheet_boxes)
        dx = (sheet_w - (x1 - x0)) / 2 - x0
        dy = SLUG_TOP + (sheet_h - SHEET_EDGE - SLUG_TOP - (y1 - y0)) / 2 - y0
        for piece, rotated, box in sheet_boxes:
            bleed = box.moved(dx, dy)
            sheet_obj.placements.append(
                Placement(piece, rotated, _trim_in(bleed, piece, rotated), bleed)
            )
    return sheets


# --- Crop marks ---------------------------------------------------------------------------------


def _clip_segment(
    start: tuple[float, float], direction: tuple[int, int], length: float, obstacles: list[Rect]
) -> float:
    """How much of an axis-parallel mark from `start` along `direction` stays clear of the
    obstacles (0 when it starts inside one)."""
    sx, sy = start
    dx, dy = direction
    free = length
    for r in obstacles:
        if dx:  # horizontal mark at y = sy
            if not r.y0 <= sy <= r.y1:
                continue
            if r.x0 <= sx <= r.x1:
                return 0.0
            edge = r.x0 - sx if dx > 0 else sx - r.x1
        else:
            if not r.x0 <= sx <= r.x1:
                continue
            if r.y0 <= sy <= r.y1:
                return 0.0
            edge = r.y0 - sy if dy > 0 else sy - r.y1
        if edge >= 0:
            free = min(free, edge)
    return free


def crop_marks(sheet: Sheet) -> list[tuple[float, float, float, float]]:
    """Line segments (x0, y0, x1, y1): two per trim corner, pointing away from the piece,
    starting MARK_OFFSET beyond its bleed; shortened where they would run into another
    piece's bleed, the slug strip or the sheet margin, and left out when too short."""
    gap = 0.5 * MM
    margin_rects = [
        Rect(-1e6, -1e6, 1e6, SLUG_TOP),  # the slug line and the bottom edge
        Rect(-1e6, sheet.height - SHEET_EDGE, 1e6, 1e6),
        Rect(-1e6, -1e6, SHEET_EDGE, 1e6),
        Rect(sheet.width - SHEET_EDGE, -1e6, 1e6, 1e6),
    ]
    segments = []
    for placement in sheet.placements:
        t, b = placement.trim, placement.bleed
        others = [
            Rect(p.bleed.x0 - gap, p.bleed.y0 - gap, p.bleed.x1 + gap, p.bleed.y1 + gap)
            for p in sheet.placements
            if p is not placement
        ] + margin_rects
        for cx, sx in ((t.x0, -1), (t.x1, 1)):
            for cy, sy in ((t.y0, -1), (t.y1, 1)):
                bleed_x = (t.x0 - b.x0) if sx < 0 else (b.x1 - t.x1)
                bleed_y = (t.y0 - b.y0) if sy < 0 else (b.y1 - t.y1)
                # Horizontal mark on the line y = cy, outward in x.
                start = (cx + sx * (bleed_x + MARK_OFFSET), cy)
                length = _clip_segment(start, (sx, 0), MARK_LENGTH, others)
                if length >= MARK_MIN_LENGTH:
                    segments.append((start[0], cy, start[0] + sx * length, cy))
                # Vertical mark on the line x = cx, outward in y.
                start = (cx, cy + sy * (bleed_y + MARK_OFFSET))
                length = _clip_segment(start, (0, sy), MARK_LENGTH, others)
                if length >= MARK_MIN_LENGTH:
                    segments.append((cx, start[1], cx, start[1] + sy * length))
    return segments


# --- PDF ----------------------------------------------------------------------------------------


def _marks_layer(batch: PrintBatch, sheet_name: str, sheets: list[Sheet]) -> bytes:
    """One page per sheet: crop marks and the slug line (reportlab: the font is embedded)."""
    from printing.packing_slip import FONT_REGULAR, fonts_register

    fonts_register()
    buffer = BytesIO()
    first = sheets[0]
    canvas = Canvas(
        buffer,
        pagesize=(first.width, first.height),
        pageCompression=1,
        initialFontName=FONT_REGULAR,
        initialFontSize=SLUG_FONT_SIZE,
    )
    canvas.setTitle(f"{printing_settings.BRAND_NAME} print batch {batch.pk}")
    canvas.setCreator(printing_settings.BRAND_NAME)
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    for number, sheet in enumerate(sheets, start=1):
        canvas.setPageSize((sheet.width, sheet.height))
        canvas.setLineWidth(MARK_WIDTH)
        canvas.setStrokeColor(REGISTRATION)
        for x0, y0, x1, y1 in crop_marks(sheet):
            canvas.line(x0, y0, x1, y1)
        labels = ", ".join(p.piece.label for p in sheet.placements)
        text = (
            f"{printing_settings.BRAND_NAME} · batch {batch.pk} · {sheet_name} "
            f"sheet {number}/{len(sheets)} · {len(sheet.placements)} pieces · {stamp} · "
            f"items: {labels}"
        )
        left = SHEET_EDGE + 5 * MM  # clear of the marks at the bottom-left corner
        width = sheet.width - 2 * left
        height = SLUG_TOP - SHEET_EDGE - 0.5 * MM
        size = SLUG_FONT_SIZE
        lines = simpleSplit(text, FONT_REGULAR, size, width)
        while len(lines) * size * 1.1 > height and size > 3:
            size -= 0.25
            lines = simpleSplit(text, FONT_REGULAR, size, width)
        canvas.setFillColor(CMYKColor(0, 0, 0, 1))
        canvas.setFont(FONT_REGULAR, size)
        y = SLUG_TOP - 0.5 * MM - size * 0.8
        for line in lines:
            canvas.drawString(left, y, line)
            y -= size * 1.1
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _fmt(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def box_rect(box: Any) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in box)
    return Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


@dataclass
class _Opened:
    pieces: list[Piece] = field(default_factory=list)  # one per copy to print
    pages: dict[tuple[int, int], Any] = field(default_factory=dict)  # (item id, index) -> page
    refused: dict[int, str] = field(default_factory=dict)
    output_intents: Any = None  # of the first item that has one (PDF/X print condition)


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
        if opened.output_intents is None and "/OutputIntents" in pdf.Root:
            # Indirect, so that copy_foreign takes it with everything it refers to.
            opened.output_intents = pdf.make_indirect(pdf.Root.OutputIntents)
        label = f"#{item.pk} {line.order.number}"
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
            item_pieces.append(Piece(item.pk, label, index, trim, bleed))
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
    out = pikepdf.open(BytesIO(_marks_layer(batch, sheet_name, sheets)))
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
        box = pikepdf.Array([0, 0, Decimal(_fmt(sheet.width)), Decimal(_fmt(sheet.height))])
        page.obj.TrimBox = box
        page.obj.BleedBox = box
    if opened.output_intents is not None:
        # The items' print condition (PDF/X output intent) applies to the press sheet too.
        out.Root.OutputIntents = out.copy_foreign(opened.output_intents)
    # To a path, not a Python stream: qpdf then writes straight to the file.
    out.save(target, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)


def print_batch_create(
    *, items: list[PrintItem], actor: Account | None, sheet: str = ""
) -> PrintBatch:
    """Impose the items' print PDFs onto press sheets (default: MINIME_PRESS_SHEET) and
    store the batch PDF. Every item must be a ready sticker sheet or art print with a PDF;
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
