"""The flat net of the tuck-end box with a hang tab: panels, the cut lines (outline, euro slot,
blister window), the creases (mm).

Every cut meets its crease exactly: each crease ends on the outline or on another crease, with
no uncut bridge between them (a cutting table leaves such a bridge standing, and the flap tears
when it is folded).

Board thickness (the printer profile's `board_thickness_mm`, T) is allowed for where panels
fold around others:
- front: the product size, unchanged (the packaging art is made for it);
- sides: depth + T (they wrap round the front's and the back's edges);
- back: width + T (it laps over the glue flap, which lies inside it), and with it the hang tab
  and the bottom flap;
- lid (top flap) and bottom flap: depth + 2 T, so the tuck crease sits one calliper beyond the
  sides and the tongue turns down inside the back (or front) panel instead of on its edge;
- dust flaps: shortened by T and narrowed by T at each side of their free end: they fold in
  under the lid and must not bind against the walls.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from printing.conf import printing_settings
from printing.pdf import Point, arc_points, rounded_rect_points

BOX_DEPTH_MM = {"standard": 40.0, "large": 55.0}
BOX_LARGE_FROM_HEIGHT_MM = 220.0
GLUE_FLAP_MM = 12.0
TUCK_MM = 15.0
HANG_TAB_MM = 32.0
TONGUE_TAPER_MM = 1.0  # the tongue narrows by this (plus T) each side: it slides in freely
WINDOW_INSET_MM = 3.0  # the die-cut window lies this far inside the printed blister window

Segment = tuple[Point, Point]


@dataclass(frozen=True)
class BoxNet:
    """The flat net of a tuck-end box with a hang tab; mm, origin at the net's lower-left.

    Left to right: glue flap, side, front, side, back. The top tuck flap (lid) hangs on the
    front, the bottom tuck flap on the back (reverse tuck), dust flaps on the sides, and the
    back runs on upward into the hang tab with its euro slot. See the module docstring for
    the board thickness allowance (`board`)."""

    width: float  # front panel (the product size)
    height: float
    depth: float  # nominal depth; the sides are depth + board
    board: float = 0.0  # board thickness (calliper)
    glue: float = GLUE_FLAP_MM
    tuck: float = TUCK_MM
    hang_tab: float = HANG_TAB_MM

    @property
    def side(self) -> float:
        """The side panels' width."""
        return self.depth + self.board

    @property
    def back_width(self) -> float:
        return self.width + self.board

    @property
    def lid(self) -> float:
        """The lid's and the bottom flap's depth, hinge to tuck crease."""
        return self.depth + 2 * self.board

    @property
    def base(self) -> float:
        """y of the panels' bottom edge (the bottom flap and its tongue lie below it)."""
        return self.lid + self.tuck

    @property
    def top(self) -> float:
        """y of the panels' top edge."""
        return self.base + self.height

    @property
    def size(self) -> tuple[float, float]:
        above = max(self.lid + self.tuck, self.hang_tab)
        width = self.glue + 2 * self.side + self.width + self.back_width
        return (width, self.base + self.height + above)

    @property
    def dust_flap(self) -> float:
        """The dust flaps' length (hinge to free edge)."""
        return min(self.width / 2 - 3.0, max(15.0, 0.6 * self.depth)) - self.board

    def _x(self) -> tuple[float, float, float, float, float]:
        """x of the creases between the panels, left to right, and of the right edge."""
        g, s, w = self.glue, self.side, self.width
        return (g, g + s, g + s + w, g + 2 * s + w, g + 2 * s + w + self.back_width)

    def panel(self, name: str) -> tuple[float, float, float, float]:
        """A panel or flap as (x, y, w, h) mm: its box between its creases and cut edges."""
        x1, x2, x3, x4, _x5 = self._x()
        s, w, wb, h = self.side, self.width, self.back_width, self.height
        b, top, f = self.base, self.top, self.dust_flap
        return {
            "glue": (0.0, b, x1, h),
            "side_left": (x1, b, s, h),
            "front": (x2, b, w, h),
            "side_right": (x3, b, s, h),
            "back": (x4, b, wb, h),
            "top": (x2, top, w, self.lid),
            "top_tuck": (x2, top + self.lid, w, self.tuck),
            "bottom": (x4, b - self.lid, wb, self.lid),
            "bottom_tuck": (x4, 0.0, wb, self.tuck),
            "hang_tab": (x4, top, wb, self.hang_tab),
            "dust_top_left": (x1, top, s, f),
            "dust_top_right": (x3, top, s, f),
            "dust_bottom_left": (x1, b - f, s, f),
            "dust_bottom_right": (x3, b - f, s, f),
        }[name]

    def glue_flap(self) -> list[Point]:
        """The glue flap's outline: unprinted (glue needs bare board)."""
        b, top, g = self.base, self.top, self.glue
        return [(g, b), (0.0, b + 6.0), (0.0, top - 6.0), (g, top)]

    def outline(self) -> list[Point]:
        """The outer cut line, clockwise from the glue flap's lower hinge corner; every
        crease ends on one of its vertices."""
        x1, x2, x3, x4, x5 = self._x()
        b, top, f, lid = self.base, self.top, self.dust_flap, self.lid
        inset = self.board + 1.0  # the dust flaps' free end, narrower than the hinge
        slant = 0.45 * f  # the dust flap's edge beside the lid, cut back to clear it
        pts: list[Point] = self.glue_flap()
        pts += [(x1 + inset, top + f), (x2 - slant, top + f), (x2, top)]  # dust flap
        pts += [(x2, top + lid), *self._tongue(x2, x3, top + lid), (x3, top + lid), (x3, top)]
        pts += [(x3 + slant, top + f), (x4 - inset, top + f), (x4, top)]  # dust flap
        rt = 8.0  # the hang tab: the back running on upward
        pts += arc_points(x4 + rt, top + self.hang_tab - rt, rt, 180.0, 90.0, steps=8)
        pts += arc_points(x5 - rt, top + self.hang_tab - rt, rt, 90.0, 0.0, steps=8)
        pts += [(x5, b), (x5, b - lid), *self._tongue(x5, x4, b - lid), (x4, b - lid), (x4, b)]
        pts += [(x4 - inset, b - f), (x3 + slant, b - f), (x3, b)]  # dust flap
        # The front's bottom edge is a plain cut (the bottom flap tucks in behind it).
        pts += [(x2, b), (x2 - slant, b - f), (x1 + inset, b - f)]  # dust flap
        return pts  # closes back to (x1, b)

    def _tongue(self, x_from: float, x_to: float, crease_y: float) -> list[Point]:
        """The rounded tongue beyond a tuck crease from x_from to x_to (left to right: above
        the crease, right to left: below it); its sides start on the crease's ends and taper
        inward so it slides in freely."""
        up = x_to > x_from
        t = self.tuck
        r = min(t * 0.6, 8.0)
        taper = TONGUE_TAPER_MM + self.board
        if up:
            tip = crease_y + t - r
            return [
                *arc_points(x_from + taper + r, tip, r, 180.0, 90.0, steps=8),
                *arc_points(x_to - taper - r, tip, r, 90.0, 0.0, steps=8),
            ]
        tip = crease_y - t + r
        return [
            *arc_points(x_from - taper - r, tip, r, 0.0, -90.0, steps=8),
            *arc_points(x_to + taper + r, tip, r, -90.0, -180.0, steps=8),
        ]

    def creases(self) -> list[Segment]:
        """Every fold line, each from one cut (or crease) to another."""
        x1, x2, x3, x4, x5 = self._x()
        b, top, lid = self.base, self.top, self.lid
        lines: list[Segment] = [((x, b), (x, top)) for x in (x1, x2, x3, x4)]
        lines += [
            ((x1, top), (x2, top)),  # dust flap hinges
            ((x3, top), (x4, top)),
            ((x1, b), (x2, b)),
            ((x3, b), (x4, b)),
            ((x2, top), (x3, top)),  # lid
            ((x2, top + lid), (x3, top + lid)),  # its tuck crease
            ((x4, b), (x5, b)),  # bottom flap
            ((x4, b - lid), (x5, b - lid)),  # its tuck crease
        ]
        return lines

    def folds(self) -> list[Segment]:
        """The creases (the name earlier code used)."""
        return self.creases()

    def euro_slot(self) -> list[Point]:
        """A euro slot (a 27 x 8.5 mm slot with a round centre) centred in the hang tab."""
        x, y, w, _h = self.panel("hang_tab")
        cx, cy = x + w / 2, y + self.hang_tab / 2 - 1.0
        half, r_end, r_mid, lift = 11.0, 2.5, 4.0, 2.0
        meet = math.sqrt(r_mid**2 - (r_end - lift) ** 2)  # where the circle leaves the slot
        angle = math.degrees(math.atan2(r_end - lift, meet))
        pts: list[Point] = [(cx + meet, cy + r_end), (cx + half, cy + r_end)]
        pts += arc_points(cx + half, cy, r_end, 90.0, -90.0, steps=8)
        pts += [(cx - half, cy - r_end)]
        pts += arc_points(cx - half, cy, r_end, 270.0, 90.0, steps=8)
        pts += [(cx - meet, cy + r_end)]
        pts += arc_points(cx, cy + lift, r_mid, 180.0 - angle, angle, steps=12)
        return pts

    def window(self, x: float, y: float, w: float, h: float, radius: float) -> list[Point]:
        """The die-cut window for the blister: a rounded rectangle WINDOW_INSET_MM inside the
        printed window (x, y, w, h, radius in net mm), so the printed rim frames the cut edge
        and a card that sits a little off shows no edge; the insert card (box_insert) shows
        the figure through it."""
        i = WINDOW_INSET_MM
        return rounded_rect_points(x + i, y + i, w - 2 * i, h - 2 * i, max(1.0, radius - i))


def box_net_for(width_mm: float, height_mm: float, *, board_mm: float | None = None) -> BoxNet:
    """The net of a box of this front size, for the printer profile's board thickness."""
    if board_mm is None:
        board_mm = printing_settings.PRINTER_PROFILE.board_thickness_mm
    large = max(width_mm, height_mm) >= BOX_LARGE_FROM_HEIGHT_MM
    return BoxNet(
        width=width_mm,
        height=height_mm,
        depth=BOX_DEPTH_MM["large" if large else "standard"],
        board=board_mm,
    )
