"""Print batches: ready sticker sheets and art prints imposed onto press sheets.

Each page of an item's print PDF is placed as a PDF form XObject (vectors, images and spot
colours such as the CutContour die line stay untouched), clipped to its BleedBox and
positioned by its TrimBox, as many times as the order line's quantity.

One stock per press sheet: the order line's product kind gives the stock and finishing
(`stock`: sticker vinyl, contour kiss-cut; art paper, guillotine trim; box board, never
batched). A batch that mixes stocks stays one batch file (staff select orders, and one order
may hold both), but its sheets are imposed per stock, in runs: every sheet carries one stock
only, its slug line names the stock and finishing in capitals, and the PDF outline marks
where each stock's run starts, so the operator prints the runs on their own paper.

Pieces of one size are laid out in a grid, rotated when that fits more on a sheet; when room
allows, a gutter is left between pieces so that every trim corner gets its crop marks, else
the pieces share the cuts and the marks stand in the sheet margins (a mark never runs into
another piece's bleed). Nothing is printed in the printer profile's sheet margin
(sheet_margin_mm). Crop marks, slug and the contour cutter's corner registration marks
(sticker stock only) are 100 % K; the slug is set at the profile's minimum text size. The
batch PDF is made PDF/X-4 (printing.press.pdfx.pdfx_finish).

One page of a print file is one copy of the product; a line of quantity 3 is imposed three
times (the XObject itself is stored once in the batch PDF).

`layout` places the pieces and computes the marks (geometry only); `marks` draws them and the
slug line; `batch` opens the items' PDFs and writes the batch (`print_batch_create`).
"""


class BatchRefused(Exception):
    """The batch was not made: `reasons` maps refused print item ids to why."""

    def __init__(self, message: str, reasons: dict[int, str] | None = None) -> None:
        self.message = message
        self.reasons = reasons or {}
        super().__init__(message)
