"""The flat net of the tuck-end box with a hang tab: panels, the cut outline, the folds and the
euro slot (mm)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from printing.pdf import Point, arc_points

BOX_DEPTH_MM = {"standard": 40.0, "large": 55.0}
BOX_LARGE_FROM_HEIGHT_MM = 220.0
GLUE_FLAP_MM = 12.0
TUCK_MM = 15.0
HANG_TAB_MM = 32.0


@dataclass(frozen=True)
class BoxNet:
    """The flat net of a tuck-end box with a hang tab; mm, origin at the net's lower-left.

    Left to right: glue flap, side, front, side, back. The top tuck flap hangs on the front,
    the bottom tuck flap on the back (reverse tuck), dust flaps on the sides, and the back runs
    on upward into the hang tab with its euro slot."""

    width: float  # front panel (the product size)
    height: float
    depth: float
    glue: float = GLUE_FLAP_MM
    tuck: float = TUCK_MM
    hang_tab: float = HANG_TAB_MM

    @property
    def base(self) -> float:
        """y of the panels' bottom edge (the bottom flap and its tongue lie below it)."""
        return self.depth + self.tuck

    @property
    def size(self) -> tuple[float, float]:
        top = max(self.depth + self.tuck, self.hang_tab)
        return (self.glue + 2 * self.depth + 2 * self.width, self.base + self.height + top)

    def panel(self, name: str) -> tuple[float, float, float, float]:
        g, d, w, h, b = self.glue, self.depth, self.width, self.height, self.base
        return {
            "glue": (0.0, b, g, h),
            "side_left": (g, b, d, h),
            "front": (g + d, b, w, h),
            "side_right": (g + d + w, b, d, h),
            "back": (g + 2 * d + w, b, w, h),
            "top": (g + d, b + h, w, d),
            "top_tuck": (g + d, b + h + d, w, self.tuck),
            "bottom": (g + 2 * d + w, b - d, w, d),
            "bottom_tuck": (g + 2 * d + w, 0.0, w, self.tuck),
            "hang_tab": (g + 2 * d + w, b + h, w, self.hang_tab),
        }[name]

    @property
    def dust_flap(self) -> float:
        return min(self.width / 2 - 3.0, max(15.0, 0.6 * self.depth))

    def outline(self) -> list[Point]:
        """The outer cut line, clockwise from the glue flap's lower hinge corner."""
        g, d, w, h, b, t = self.glue, self.depth, self.width, self.height, self.base, self.tuck
        f = self.dust_flap
        top = b + h
        r = min(t * 0.6, 8.0)
        pts: list[Point] = [(g, b), (0.0, b + 6.0), (0.0, top - 6.0), (g, top)]
        # left dust flap (top)
        x0, x1 = g, g + d
        pts += [(x0 + 1.0, top + f), (x1 - 0.45 * f, top + f), (x1, top + 1.0)]
        # top flap + tongue (on the front)
        x0, x1 = g + d, g + d + w
        pts += [(x0, top + 1.0), (x0, top + d), (x0 + 1.0, top + d)]
        pts += arc_points(x0 + 1.0 + r, top + d + t - r, r, 180.0, 90.0, steps=8)
        pts += arc_points(x1 - 1.0 - r, top + d + t - r, r, 90.0, 0.0, steps=8)
        pts += [(x1 - 1.0, top + d), (x1, top + d), (x1, top + 1.0)]
        # right dust flap (top)
        x0, x1 = g + d + w, g + 2 * d + w
        pts += [(x0, top + 1.0), (x0 + 0.45 * f, top + f), (x1 - 1.0, top + f), (x1, top)]
        # hang tab (the back running on upward)
        x0, x1 = g + 2 * d + w, g + 2 * d + 2 * w
        rt = 8.0
        pts += arc_points(x0 + rt, top + self.hang_tab - rt, rt, 180.0, 90.0, steps=8)
        pts += arc_points(x1 - rt, top + self.hang_tab - rt, rt, 90.0, 0.0, steps=8)
        # right edge down, bottom flap + tongue (on the back)
        pts += [(x1, b), (x1, b - d), (x1 - 1.0, b - d)]
        pts += arc_points(x1 - 1.0 - r, b - d - t + r, r, 0.0, -90.0, steps=8)
        pts += arc_points(x0 + 1.0 + r, b - d - t + r, r, -90.0, -180.0, steps=8)
        pts += [(x0 + 1.0, b - d), (x0, b - d), (x0, b - 1.0)]
        # right dust flap (bottom)
        x0, x1 = g + d + w, g + 2 * d + w
        pts += [(x1, b - 1.0), (x1 - 1.0, b - f), (x0 + 0.45 * f, b - f), (x0, b)]
        # the front's bottom edge is a plain cut (the bottom flap tucks in behind it)
        x0, x1 = g, g + d
        pts += [(x1, b), (x1 - 0.45 * f, b - f), (x0 + 1.0, b - f)]
        return pts  # closes back to (g, b)

    def folds(self) -> list[tuple[Point, Point]]:
        g, d, w, h, b = self.glue, self.depth, self.width, self.height, self.base
        top = b + h
        lines: list[tuple[Point, Point]] = [
            ((x, b), (x, top)) for x in (g, g + d, g + d + w, g + 2 * d + w)
        ]
        lines += [
            ((g, top), (g + d, top)),  # dust flap hinges
            ((g + d + w, top), (g + 2 * d + w, top)),
            ((g, b), (g + d, b)),
            ((g + d + w, b), (g + 2 * d + w, b)),
            ((g + d, top), (g + d + w, top)),  # top flap
            ((g + d + 1.0, top + d), (g + d + w - 1.0, top + d)),  # its tongue
            ((g + 2 * d + w, b), (g + 2 * d + 2 * w, b)),  # bottom flap
            ((g + 2 * d + w + 1.0, b - d), (g + 2 * d + 2 * w - 1.0, b - d)),  # its tongue
        ]
        return lines

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


def box_net_for(width_mm: float, height_mm: float) -> BoxNet:
    large = max(width_mm, height_mm) >= BOX_LARGE_FROM_HEIGHT_MM
    return BoxNet(
        width=width_mm,
        height=height_mm,
        depth=BOX_DEPTH_MM["large" if large else "standard"],
    )
