"""Where the pieces go on the press sheets, and their crop marks (points, origin at the sheet's
lower-left corner)."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from printing.imposition import BatchRefused
from printing.press.units import MM

# Press sheets, width x height in mm (portrait).
SHEET_SIZES_MM: dict[str, tuple[float, float]] = {
    "SRA4": (225, 320),
    "A3": (297, 420),
    "SRA3": (320, 450),
    "SRA2": (450, 640),
}
SHEET_EDGE = 1 * MM  # nothing is printed closer to the sheet's edge
SLUG_TOP = 5 * MM  # the slug line runs between SHEET_EDGE and this, at the bottom
MARK_OFFSET = 1 * MM  # gap between a piece's bleed edge and its crop marks
MARK_LENGTH = 5 * MM
MARK_MIN_LENGTH = 1.5 * MM  # shorter remains of a clipped mark are left out
# Between two pieces' bleed boxes: room for both their marks, or none (shared cuts).
MARKED_GAP = 2 * (MARK_OFFSET + MARK_LENGTH)
# Bleed boxes keep this much room for (short) marks from the edge and the slug line.
MARK_ROOM = MARK_OFFSET + MARK_MIN_LENGTH


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


def box_rect(box: Any) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in box)
    return Rect(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
