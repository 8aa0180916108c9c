"""The insert card: the box's second page. The front has a die-cut window (box_net), so the
figure art printed there leaves with the waste; as on real blister packaging, a printed backing
card stands inside the box against its back and shows through the window what the customer
approved: the front's own art for the window region (the tray, glow, figure and accessory
cavities, from the same BoxLayout, so from the same palette entries), in the same place.

The card is the box's inner size less a clearance (it slides in after gluing, before the lid is
tucked), stands on the floor and is centred across; its own cut outline is on the cut layer,
bleed from the printer profile. Around the window region the card carries the window's colour,
so a card that sits a little off still shows no edge through the 3 mm-inset aperture.

PrintDocument (printing.pdf) draws one page; BoxDocument adds the second (`new_page`) and puts
the optional-content layers on every page, and BoxPreflight checks both pages' boxes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from printing.conf import printing_settings
from printing.packaging.elements import (
    BoxLayout,
    Element,
    Ellipse,
    Line,
    Picture,
    QRMatrix,
    Rect,
    TextRun,
)
from printing.packaging.render_pdf import draw_pdf
from printing.pdf import Point, PrintDocument, cut_colour, rounded_rect_points
from printing.preflight import BOX_TOLERANCE_MM, Preflight
from printing.press.units import MM
from printing.products.box_net import BoxNet

INSERT_CLEARANCE_MM = 1.0  # each side across and at the top, beyond the board's calliper
INSERT_CORNER_MM = 2.0  # rounded corners: they do not catch on the way in


@dataclass(frozen=True)
class InsertCard:
    """The card's trim (mm) and where its lower-left corner lies on the front panel (mm from
    the panel's lower-left): the card's art is the front's, shifted by that."""

    width: float
    height: float
    x: float
    y: float

    @property
    def size(self) -> tuple[float, float]:
        return (self.width, self.height)

    def outline(self) -> list[Point]:
        """The card's cut line (card mm)."""
        return rounded_rect_points(0.0, 0.0, self.width, self.height, INSERT_CORNER_MM)


def insert_card_for(net: BoxNet) -> InsertCard:
    """The insert card of a box: inside the walls (a calliper each side) less the clearance
    across and at the top; it stands on the bottom flap, a calliper above the bottom crease."""
    side = net.board + INSERT_CLEARANCE_MM
    return InsertCard(
        width=net.width - 2 * side,
        height=net.height - 2 * net.board - INSERT_CLEARANCE_MM,
        x=side,
        y=net.board,
    )


# --- The art --------------------------------------------------------------------------------


def _bounds(element: Element) -> tuple[float, float, float, float]:
    """An element's extent (left, top, right, bottom; panel mm, y down)."""
    if isinstance(element, Rect | Picture):
        return (element.x, element.y, element.x + element.w, element.y + element.h)
    if isinstance(element, Ellipse):
        e = element
        return (e.cx - e.rx, e.cy - e.ry, e.cx + e.rx, e.cy + e.ry)
    if isinstance(element, Line):
        grow = element.width_mm / 2
        x0, x1 = sorted((element.x0, element.x1))
        y0, y1 = sorted((element.y0, element.y1))
        return (x0 - grow, y0 - grow, x1 + grow, y1 + grow)
    if isinstance(element, TextRun):
        return element.bbox()
    if isinstance(element, QRMatrix):
        return (element.x, element.y, element.x + element.size, element.y + element.size)
    xs, ys = [p[0] for p in element.points], [p[1] for p in element.points]
    return (min(xs), min(ys), max(xs), max(ys))


def window_art(layout: BoxLayout) -> BoxLayout:
    """The front layout cut down to what shows in its window: the window's fill and what is
    drawn on it (everything drawn before it is covered there), where it reaches the window."""
    start = next(i for i, e in enumerate(layout.elements) if e is layout.window)
    w = layout.window
    left, top, right, bottom = w.x, w.y, w.x + w.w, w.y + w.h

    def shows(element: Element) -> bool:
        x0, y0, x1, y1 = _bounds(element)
        return x0 < right and x1 > left and y0 < bottom and y1 > top

    kept = tuple(e for e in layout.elements[start:] if shows(e))
    return dataclasses.replace(layout, elements=kept, qr=None)


def draw_insert(doc: PrintDocument, card: InsertCard, layout: BoxLayout) -> None:
    """The insert card on a new page of `doc`: the window's colour over the card and its
    bleed, the window's art where the front has it, the cut outline on the cut layer."""
    doc.new_page(card.width, card.height)
    c = doc.canvas
    w = layout.window
    if w.fill is not None:
        with doc.mm_space():
            doc.fill_bleed(w.fill.reportlab())
    # The front panel's origin in the card's base point space; draw_pdf takes its lower left.
    x_pt, y_pt = doc.x_pt(-card.x), doc.y_pt(-card.y)
    c.saveState()
    clip = c.beginPath()
    window_bottom = y_pt + (layout.height_mm - w.y - w.h) * MM
    clip.roundRect(x_pt + w.x * MM, window_bottom, w.w * MM, w.h * MM, w.radius_mm * MM)
    c.clipPath(clip, stroke=0, fill=0)
    draw_pdf(c, window_art(layout), x_pt=x_pt, y_pt=y_pt)
    c.restoreState()
    profile = printing_settings.PRINTER_PROFILE
    with doc.mm_space(), doc.layer(profile.cut_spot):
        doc.spot_stroke([doc.polygon_path(card.outline())], cut_colour())


# --- The second page --------------------------------------------------------------------------


class BoxPreflight(Preflight):
    """Preflight of the two-page box file: page 1 the net (trim_mm), page 2 the insert card
    (insert_mm), each with its TrimBox and BleedBox (the base checks one page)."""

    def __init__(self, *, insert_mm: tuple[float, float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.insert_mm = insert_mm

    def _check_file(self, info: dict[str, Any]) -> None:
        pages = info["pages"]
        if len(pages) != 2:
            self.errors.append(f"expected 2 pages (net, insert card), found {len(pages)}")
        else:
            self._check_insert_boxes(pages[1]["boxes"])
        super()._check_file({**info, "pages": pages[:1]})

    def _check_insert_boxes(self, boxes: dict[str, list[float]]) -> None:
        trim, bleed = boxes.get("trim"), boxes.get("bleed")
        if trim is None or bleed is None:
            self.errors.append("insert card: TrimBox or BleedBox missing")
            return
        size = (trim[2] - trim[0], trim[3] - trim[1])
        grown = (bleed[2] - bleed[0] - size[0], bleed[3] - bleed[1] - size[1])
        if max(abs(a - b) for a, b in zip(size, self.insert_mm, strict=True)) > BOX_TOLERANCE_MM:
            self.errors.append(f"insert card: TrimBox is {size[0]:.1f} x {size[1]:.1f} mm")
        if max(abs(g - 2 * self.bleed_mm) for g in grown) > BOX_TOLERANCE_MM:
            self.errors.append("insert card: BleedBox is not trim + bleed")


def insert_notes(card: InsertCard, net: BoxNet) -> list[str]:
    """Production notes for the preflight report."""
    return [
        f"Page 2 is the insert card ({card.width:.1f} x {card.height:.1f} mm): print it on "
        "the same board, die-cut it on its cut line and stand it inside the box against the "
        "back, art facing the window, before the lid is tucked in.",
        f"The front's window is die-cut ({net.width:.0f} x {net.height:.0f} mm front): the art "
        "inside it is waste; the insert card shows the figure through it.",
    ]
