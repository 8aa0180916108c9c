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

`layout` places the pieces and computes the crop marks (geometry only); `batch` opens the items'
PDFs, draws marks and slug lines and writes the batch (`print_batch_create`).
"""


class BatchRefused(Exception):
    """The batch was not made: `reasons` maps refused print item ids to why."""

    def __init__(self, message: str, reasons: dict[int, str] | None = None) -> None:
        self.message = message
        self.reasons = reasons or {}
        super().__init__(message)
