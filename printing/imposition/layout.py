"""Where the pieces go on the press sheets, their crop marks, the contour cutter's registration
marks and the slug line's place (points, origin at the sheet's lower-left corner)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from printing.conf import printing_settings
from printing.imposition import BatchRefused
from printing.imposition.stock import Stock
from printing.press.units import MM

# Press sheets, width x height in mm (portrait).
SHEET_SIZES_MM: dict[str, tuple[float, float]] = {
    "SRA4": (225, 320),
    "A3": (297, 420),
    "SRA3": (320, 450),
    "SRA2": (450, 640),
}
# Nothing is printed closer to the sheet's edge than the printer profile's sheet_margin_mm
# (the press's gripper and non-printing edge): see sheet_margin().
MARK_OFFSET = 0.5 * MM  # gap between a piece's bleed edge and its crop marks
MARK_LENGTH = 5 * MM
MARK_MIN_LENGTH = 1.5 * MM  # shorter remains of a clipped mark are left out
# Between two pieces' bleed boxes: room for both their marks, or none (shared cuts).
MARKED_GAP = 2 * (MARK_OFFSET + MARK_LENGTH)
# Bleed boxes keep this much room for (short) marks inside the sheet margin.
MARK_ROOM = MARK_OFFSET + MARK_MIN_LENGTH
# Contour-cutter registration marks (OPOS-style): solid K squares in the four corners, just
# inside the sheet margin, with this much clear room to any bleed or crop mark.
REG_MARK_SIZE = 3 * MM
REG_MARK_CLEAR = 0.5 * MM
# The slug line: between the bottom margin and the pieces, clear of the crop marks.
SLUG_MIN_PT = 6.0  # never smaller, whatever the profile allows
SLUG_LEADING = 1.2  # line pitch / font size
SLUG_GAP = 0.5 * MM  # clear room between the slug and any bleed or mark


def sheet_margin() -> float:
    """The printer profile's non-printing sheet edge, in points."""
    return printing_settings.PRINTER_PROFILE.sheet_margin_mm * MM


def slug_font_size() -> float:
    """The slug's text size: the profile's minimum text size (6 pt generic, 7 pt gelato)."""
    return max(SLUG_MIN_PT, printing_settings.MIN_TEXT_PT)


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
    stock: Stock  # pieces of different stocks never share a sheet

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
    stock: Stock  # every piece on the sheet is printed on this
    margin: float  # nothing is printed closer to the edge (points)
    placements: list[Placement] = field(default_factory=list)


def _footprint(piece: Piece, rotated: bool) -> tuple[float, float]:
    b = piece.bleed
    return (b.height, b.width) if rotated else (b.width, b.height)


def _usable(sheet_w: float, sheet_h: float, stock: Stock, margin: float) -> Rect:
    """Where bleed boxes may go: inside the margin with room for at least short marks all
    round, for one slug line at the bottom, and (contour-cut stock) clear of the corner
    registration marks (keeping the sides clear keeps every corner clear)."""
    side = margin + MARK_ROOM
    if stock.contour_cut:
        side = max(side, margin + REG_MARK_SIZE + REG_MARK_CLEAR)
    bottom = margin + max(MARK_ROOM, slug_font_size() * SLUG_LEADING + SLUG_GAP)
    return Rect(side, bottom, sheet_w - side, sheet_h - margin - MARK_ROOM)


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
    """Place pieces on as few sheets as this simple grid packer manages, one stock per
    sheet (stocks in the order they first appear): pieces of one size together in rows,
    each size in the orientation and spacing that fits the most; a new row for a new size,
    a new sheet when the rows are full. Raises BatchRefused for a piece larger than the
    sheet."""
    sheet_w, sheet_h = (v * MM for v in SHEET_SIZES_MM[sheet])
    margin = sheet_margin()
    by_stock: dict[Stock, dict[tuple[int, ...], list[Piece]]] = {}
    for piece in pieces:
        by_stock.setdefault(piece.stock, {}).setdefault(piece.size_key, []).append(piece)
    too_big = {
        group[0].item_id: _("too large for a %(sheet)s sheet") % {"sheet": sheet}
        for stock, groups in by_stock.items()
        for group in groups.values()
        if not _grid_choice(group[0], _usable(sheet_w, sheet_h, stock, margin))[0]
    }
    if too_big:
        raise BatchRefused(_("Some print files do not fit on the press sheet."), too_big)
    sheets: list[Sheet] = []
    for stock, groups in by_stock.items():
        template = Sheet(sheet_w, sheet_h, stock, margin)
        sheets += _stock_sheets(template, list(groups.values()))
    return sheets


_Box = tuple[Piece, bool, Rect]  # piece, rotated, bleed box


def _stock_sheets(template: Sheet, groups: list[list[Piece]]) -> list[Sheet]:
    """The sheets of one stock: rows from the top of the usable area down."""
    area = _usable(template.width, template.height, template.stock, template.margin)
    eps = 0.01
    boxes: list[list[_Box]] = []  # per sheet
    row_bottom, row_gap = area.y0 - 1, 0.0  # the current row; none before the first sheet
    ordered = sorted(groups, key=lambda g: -g[0].bleed.width * g[0].bleed.height)
    for group in ordered:
        _count, rotated, gap = _grid_choice(group[0], area)
        w, h = _footprint(group[0], rotated)
        x: float | None = None  # each size starts on a fresh row
        for piece in group:
            if x is None or x + w > area.x1 + eps:
                top = row_bottom - max(gap, row_gap)
                if not boxes or top - h < area.y0 - eps:
                    boxes.append([])
                    top = area.y1
                x, row_bottom, row_gap = area.x0, top - h, gap
            boxes[-1].append((piece, rotated, Rect(x, row_bottom, x + w, row_bottom + h)))
            x += w + gap
    return [_placed(template, sheet_boxes, area) for sheet_boxes in boxes]


def _placed(template: Sheet, boxes: list[_Box], area: Rect) -> Sheet:
    """One sheet with its block of boxes centred across the sheet; vertically, the block
    leaves room for whole marks at the top where it can and the rest to the slug below."""
    sheet = Sheet(template.width, template.height, template.stock, template.margin)
    x0 = min(b.x0 for _p, _r, b in boxes)
    x1 = max(b.x1 for _p, _r, b in boxes)
    y0 = min(b.y0 for _p, _r, b in boxes)
    y1 = max(b.y1 for _p, _r, b in boxes)
    dx = (sheet.width - (x1 - x0)) / 2 - x0
    whole_marks_top = sheet.height - sheet.margin - MARK_OFFSET - MARK_LENGTH
    top = min(y1, max(whole_marks_top, area.y0 + (y1 - y0)))
    dy = top - y1
    for piece, rotated, box in boxes:
        bleed = box.moved(dx, dy)
        sheet.placements.append(Placement(piece, rotated, _trim_in(bleed, piece, rotated), bleed))
    return sheet


# --- Marks --------------------------------------------------------------------------------------


def registration_marks(sheet: Sheet) -> list[Rect]:
    """The contour cutter's registration marks (contour-cut stock only): REG_MARK_SIZE
    squares whose outer corners sit on the sheet margin's corners, so at fixed positions
    for every sheet of a size; the layout keeps bleeds and crop marks clear of them."""
    if not sheet.stock.contour_cut:
        return []
    m, s = sheet.margin, REG_MARK_SIZE
    left, right = m, sheet.width - m - s
    bottom, top = m, sheet.height - m - s
    return [Rect(x, y, x + s, y + s) for y in (bottom, top) for x in (left, right)]


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


def _grown(r: Rect, by: float) -> Rect:
    return Rect(r.x0 - by, r.y0 - by, r.x1 + by, r.y1 + by)


def crop_marks(sheet: Sheet) -> list[tuple[float, float, float, float]]:
    """Line segments (x0, y0, x1, y1): two per trim corner, pointing away from the piece,
    starting MARK_OFFSET beyond its bleed; shortened where they would run into another
    piece's bleed, a registration mark or the sheet margin, and left out when too short."""
    m, big = sheet.margin, 1e6
    fixed = [
        Rect(-big, -big, big, m),
        Rect(-big, sheet.height - m, big, big),
        Rect(-big, -big, m, big),
        Rect(sheet.width - m, -big, big, big),
    ] + [_grown(r, REG_MARK_CLEAR) for r in registration_marks(sheet)]
    segments = []
    for placement in sheet.placements:
        t, b = placement.trim, placement.bleed
        others = [_grown(p.bleed, 0.5 * MM) for p in sheet.placements if p is not placement] + fixed
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


def slug_area(sheet: Sheet, marks: Sequence[tuple[float, float, float, float]]) -> Rect:
    """Where the slug line goes: the widest stretch of the band between the bottom margin
    and the lowest bleed that no crop or registration mark crosses (with SLUG_GAP round)."""
    m = sheet.margin
    top = min(p.bleed.y0 for p in sheet.placements) - SLUG_GAP
    blocked = [(min(x0, x1), max(x0, x1)) for x0, y0, x1, y1 in marks if min(y0, y1) < top]
    blocked += [(r.x0, r.x1) for r in registration_marks(sheet) if r.y0 < top]
    best = Rect(m, m, m, top)
    x = m
    stops = sorted((a - SLUG_GAP, b + SLUG_GAP) for a, b in blocked)
    for x0, x1 in [*stops, (sheet.width - m, sheet.width - m)]:
        if x0 - x > best.width:
            best = Rect(x, m, x0, top)
        x = max(x, x1)
    return best


def box_rect(box: Any) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in box)
    return Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
