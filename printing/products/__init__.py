"""One builder per product: the approved render in, a print file plus its preflight report out.

- art print (A4 / A3 / 30 x 40 cm, the variant's size): the whole render (not cut out) covers
  the page including the bleed, centred; a small "AI-generated" mark sits in the safe area.
- sticker sheet (A5 / A4): the cut-out figure big, the figure name, small figures and one
  badge per accessory; every sticker has a closed kiss-cut path in the printer profile's cut
  spot colour (the figure's alpha contour grown by a uniform white border; badges are rounded
  rectangles), overprinting, and a white face running 2.5 mm past it.
- box: the flat net of a tuck-end box with a hang tab (front, back, two sides, top and bottom
  tuck flaps, dust flaps, glue flap, euro slot, blister window); the front panel is the
  packaging art, the back carries name, tagline, accessories, the AI note and a QR code of the
  order code; cuts and creases are the printer profile's two spot colours, overprinting.

Spot names, bleed and the minimum text size come from the printer profile
(printing_settings.PRINTER_PROFILE); no text is set below its minimum.
- digital download: the art print composition (A4) as an sRGB PNG at MIN_DPI.

Builders are pure functions of (ProductSpec, render image): no database, so the benchmark and
tests can call them directly. Geometry is in millimetres (see pdf.PrintDocument). One module per
product (`art_print`, `stickers`, `box` on the die-cut `box_net`); `common` holds what they share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image


@dataclass(frozen=True)
class ProductSpec:
    """What an order line asks for (the shop's snapshot fields)."""

    kind: str  # shop.models.ProductKind value
    label: str  # the variant name, e.g. "A4"
    width_mm: float | None
    height_mm: float | None
    figure_name: str
    tagline: str = ""
    accessories: tuple[str, ...] = ()
    box_theme: str = "hero_red"
    order_code: str = ""


@dataclass(frozen=True)
class PrintFile:
    content: bytes
    extension: str  # "pdf" or "png"
    content_type: str
    report: dict[str, Any]

    @property
    def held(self) -> bool:
        return self.report["status"] == "hold"


class ProductError(ValueError):
    """The spec cannot be built (e.g. a variant without a size)."""


def build(spec: ProductSpec, render: Image.Image) -> PrintFile:
    """The print file of one order line's product from the approved render."""
    # Here, not at the top: the product modules import ProductSpec and PrintFile from here.
    from printing.products import art_print, box, stickers

    builders: dict[str, Callable[[ProductSpec, Image.Image], PrintFile]] = {
        "art_print": art_print.build_art_print,
        "sticker_sheet": stickers.build_sticker_sheet,
        "box": box.build_box,
        "digital": art_print.build_digital,
    }
    try:
        builder = builders[spec.kind]
    except KeyError as exc:
        raise ProductError(f"no print file for product kind {spec.kind!r}") from exc
    return builder(spec, render.convert("RGB") if render.mode != "RGB" else render)
