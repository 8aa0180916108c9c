"""Press stock and finishing per product kind: what a press sheet is printed on and how its
pieces are cut. Pieces of different stocks never share a press sheet (the press is loaded
with one paper at a time and the sheets go to different finishing machines).

The stock comes from the order line's product kind (shop.models.ProductKind):

- sticker sheets: sticker vinyl, contour kiss-cut on a cutter that registers on the sheet's
  four corner marks (printing.imposition.layout.registration_marks), then trimmed;
- art prints: art paper, guillotine trim at the crop marks;
- boxes: box board, die-cut and creased. Boxes are never batched (each is die-cut on its own),
  the entry only names their stock.
"""

from dataclasses import dataclass

from shop.models import ProductKind


@dataclass(frozen=True)
class Stock:
    key: str
    name: str  # on the slug line, e.g. "sticker vinyl"
    finishing: str  # on the slug line, e.g. "contour kiss-cut + trim"
    contour_cut: bool  # a contour cutter cuts it: registration marks in the sheet corners


STICKER_VINYL = Stock("sticker_vinyl", "sticker vinyl", "contour kiss-cut + trim", True)
ART_PAPER = Stock("art_paper", "art paper", "guillotine trim", False)
BOX_BOARD = Stock("box_board", "box board", "die-cut + crease", False)

STOCK_BY_KIND: dict[str, Stock] = {
    ProductKind.STICKER_SHEET: STICKER_VINYL,
    ProductKind.ART_PRINT: ART_PAPER,
    ProductKind.BOX: BOX_BOARD,
}


def stock_for(kind: str) -> Stock | None:
    """The stock a product kind is printed on; None for what is not printed (downloads)."""
    return STOCK_BY_KIND.get(kind)
