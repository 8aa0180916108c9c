"""Print-ready PDF building blocks shared by every product (printing.products builds them).

One page per document (more with `new_page`): the trim size plus the printer profile's bleed
(printing_settings.BLEED_MM) on each side, with TrimBox and BleedBox set, so the press trims
(or the die cuts) where the customer's product ends and backgrounds run past that line.
Everything is CMYK: colours are CMYKColor or spot colours, written exactly as given (the canvas
refuses RGB and grey rather than converting them), images go sRGB -> the output ICC profile
(perceptual) and are embedded as CMYK JPEGs, fonts are embedded TrueType subsets, and the cut
and crease lines are spot colours (named by the printer profile) that overprint, each on its
own optional-content layer (`PrintDocument.layer`), so a RIP routes them to the cutter and
they knock nothing out. `finish()` makes the file PDF/X-4 (printing.press.pdfx).

Drawing happens in millimetres with the origin at the trim's lower-left corner
(`PrintDocument.mm_space()`); the bleed lies at negative coordinates and beyond the trim size.
"""

from __future__ import annotations

import io
import math
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pikepdf
from PIL import Image
from reportlab import rl_config
from reportlab.lib.colors import CMYKColor, CMYKColorSep, toColor
from reportlab.pdfgen.canvas import Canvas

from printing.conf import printing_settings
from printing.press import colour
from printing.press.colour import cmyk_jpeg_bytes
from printing.press.fonts import font_covering, fonts, text_width_mm
from printing.press.pdfx import pdfx_convert, pdfx_save
from printing.press.units import MM, PT

# reportlab wraps every stream in ASCII85 by default, in pure Python unless the optional
# rl_accel package is installed: 80 % of a sticker sheet's build time, for a file a quarter
# larger. Print files are binary anyway; this is reportlab's documented switch (it only changes
# how streams are encoded, for every reportlab document of the process).
rl_config.useA85 = 0


def cut_colour() -> CMYKColorSep:
    """The cut line's spot colour, named by the printer profile ('CutContour' is the name
    cutting plotters and kiss-cut RIPs look for; the alternate CMYK only decides how a proof
    shows the line)."""
    name = printing_settings.PRINTER_PROFILE.cut_spot
    return CMYKColorSep(0, 1, 0, 0, spotName=name, density=1)


def crease_colour() -> CMYKColorSep:
    """The crease (fold) line's spot colour, named by the printer profile (e.g. 'Crease')."""
    name = printing_settings.PRINTER_PROFILE.crease_spot
    return CMYKColorSep(1, 0, 0.2, 0, spotName=name, density=1)


CUT_LINE_WIDTH_PT = 0.5
FOLD_DASH_MM = (3.0, 2.0)

# The shared process colours as the canvas takes them.
WHITE = colour.WHITE.reportlab()
BLACK = colour.BLACK.reportlab()


class ColourRefused(ValueError):
    """A colour that is not process CMYK or a spot colour was set on a print canvas."""


def _cmyk_only(colour: object) -> CMYKColor:
    """reportlab's colour hook on the print canvas: CMYK and spot colours pass unchanged (the
    k / K operands are the colour's own values); anything else is refused, never converted."""
    found = toColor(colour)
    if isinstance(found, CMYKColor):
        return found
    raise ColourRefused(f"print files take CMYK or spot colours only, not {colour!r}")


class PrintCanvas(Canvas):
    """A reportlab canvas that writes CMYK and spot colours only (see _cmyk_only); grey
    levels (reportlab's setFillGray / setStrokeGray, DeviceGray) are refused as well."""

    def setFillGray(self, gray: float, alpha: float | None = None) -> None:
        raise ColourRefused(f"print files take CMYK or spot colours only, not grey {gray}")

    def setStrokeGray(self, gray: float, alpha: float | None = None) -> None:
        raise ColourRefused(f"print files take CMYK or spot colours only, not grey {gray}")


# --- Paths ------------------------------------------------------------------------------------

Point = tuple[float, float]


def rounded_rect_points(
    x: float, y: float, w: float, h: float, r: float, *, steps: int = 6
) -> list[Point]:
    """A closed rounded rectangle as a polygon (mm), counter-clockwise from the bottom edge."""
    r = max(0.0, min(r, w / 2, h / 2))
    corners = [
        (x + w - r, y + r, -90.0),
        (x + w - r, y + h - r, 0.0),
        (x + r, y + h - r, 90.0),
        (x + r, y + r, 180.0),
    ]
    points: list[Point] = []
    for cx, cy, start in corners:
        for i in range(steps + 1):
            angle = math.radians(start + 90.0 * i / steps)
            points.append((cx + r * math.cos(angle), cy + r * math.sin(angle)))
    return points


def arc_points(
    cx: float, cy: float, r: float, start_deg: float, end_deg: float, *, steps: int = 12
) -> list[Point]:
    return [
        (
            cx + r * math.cos(math.radians(start_deg + (end_deg - start_deg) * i / steps)),
            cy + r * math.sin(math.radians(start_deg + (end_deg - start_deg) * i / steps)),
        )
        for i in range(steps + 1)
    ]


# --- The document -----------------------------------------------------------------------------


class PrintDocument:
    """A print-ready page (more with new_page): trim + bleed, TrimBox/BleedBox, CMYK only.

    Draw in millimetres inside `with doc.mm_space():` (origin at the trim's lower-left
    corner); `doc.canvas` in its base state is reportlab's point space with the origin at the
    bleed's lower-left corner (what packaging.render_pdf.draw_pdf takes). `finish()` returns
    the bytes.
    """

    def __init__(
        self,
        *,
        width_mm: float,
        height_mm: float,
        title: str,
        subject: str = "",
        bleed_mm: float | None = None,
    ) -> None:
        self.width_mm = float(width_mm)
        self.height_mm = float(height_mm)
        self.bleed_mm = printing_settings.BLEED_MM if bleed_mm is None else float(bleed_mm)
        self.fonts = fonts()
        self._buffer = io.BytesIO()
        self.title = title
        self._tmp = tempfile.TemporaryDirectory(prefix="minime-print-")
        self._layers: dict[str, str] = {}  # layer name -> its resource name on the page
        # id(image) -> (image, its JPEG): an image placed twice is embedded once (reportlab
        # reuses the XObject of a file name it has seen). The entry holds the image: ids stay.
        self._jpegs: dict[int, tuple[Image.Image, Path]] = {}
        b = self.bleed_mm * MM
        page_w = (self.width_mm + 2 * self.bleed_mm) * MM
        page_h = (self.height_mm + 2 * self.bleed_mm) * MM
        self.canvas = PrintCanvas(
            self._buffer,
            pagesize=(page_w, page_h),
            trimBox=(b, b, page_w - b, page_h - b),
            bleedBox=(0, 0, page_w, page_h),
            # Not reportlab's "sep_cmyk": it turns every CMYK colour whose naive RGB is a grey
            # (a dark navy) into 0/0/0/100. This hook passes CMYK as is and refuses the rest.
            enforceColorSpace=_cmyk_only,
            initialFontName=self.fonts.regular,
            pageCompression=1,
        )
        self.canvas.setTitle(title)
        self.canvas.setSubject(subject)
        self.canvas.setAuthor(printing_settings.BRAND_NAME)
        self.canvas.setCreator(f"{printing_settings.BRAND_NAME} printing")

    # Geometry in points of the base state (for packaging.render_pdf.draw_pdf and friends).
    def x_pt(self, x_mm: float) -> float:
        return (self.bleed_mm + x_mm) * MM

    def y_pt(self, y_mm: float) -> float:
        return (self.bleed_mm + y_mm) * MM

    @contextmanager
    def mm_space(self) -> Iterator[Canvas]:
        """Units of millimetres, origin at the trim's lower-left corner."""
        c = self.canvas
        c.saveState()
        c.translate(self.bleed_mm * MM, self.bleed_mm * MM)
        c.scale(MM, MM)
        try:
            yield c
        finally:
            c.restoreState()

    # --- drawing helpers (call inside mm_space) ---

    def fill_bleed(self, colour: CMYKColor) -> None:
        """Background over the whole page, bleed included."""
        c = self.canvas
        c.setFillColor(colour)
        b = self.bleed_mm
        c.rect(-b, -b, self.width_mm + 2 * b, self.height_mm + 2 * b, stroke=0, fill=1)

    def image(self, image: Image.Image, *, x: float, y: float, w: float, h: float) -> None:
        """Place an image (already at its final pixel size) as a CMYK JPEG at x, y, w, h mm.

        Written to a file and passed by name: reportlab embeds a JPEG file as-is (DCT), which
        is far faster than handing it decoded pixels."""
        if id(image) not in self._jpegs:
            path = Path(self._tmp.name) / f"image-{len(self._jpegs) + 1}.jpg"
            path.write_bytes(cmyk_jpeg_bytes(image))
            self._jpegs[id(image)] = (image, path)
        _image, path = self._jpegs[id(image)]
        self.canvas.drawImage(str(path), x, y, width=w, height=h)

    def polygon_path(self, points: Sequence[Point], *, close: bool = True) -> object:
        path = self.canvas.beginPath()
        first, *rest = points
        path.moveTo(*first)
        for point in rest:
            path.lineTo(*point)
        if close:
            path.close()
        return path

    def spot_stroke(
        self,
        paths: Sequence[object],
        colour: CMYKColorSep,
        *,
        dash_mm: tuple[float, float] | None = None,
    ) -> None:
        """Stroke cut / fold paths in a spot colour that overprints (knocks nothing out)."""
        c = self.canvas
        c.saveState()
        c.setStrokeColor(colour)
        c.setStrokeOverprint(True)
        c.setOverprintMask(True)
        c.setLineWidth(CUT_LINE_WIDTH_PT * PT)
        c.setLineJoin(1)
        c.setLineCap(1)
        if dash_mm:
            c.setDash(list(dash_mm), 0)
        for path in paths:
            c.drawPath(path, stroke=1, fill=0)
        c.restoreState()

    def text(
        self,
        text: str,
        *,
        x: float,
        y: float,
        size_pt: float,
        colour: CMYKColor = BLACK,
        bold: bool = False,
        align: str = "left",
        angle: float = 0.0,
        outline: CMYKColor | None = None,
        outline_mm: float = 0.0,
    ) -> None:
        """One line of text, its baseline at (x, y) mm; align left / centre / right; with an
        outline of outline_mm around the glyphs (as the packaging front sets the name)."""
        c = self.canvas
        # The product font, or its fallback for a text it has no glyphs for (a Japanese name).
        font = font_covering(self.fonts.bold if bold else self.fonts.regular, text)
        size = size_pt * PT
        width = text_width_mm(text, font, size_pt)
        start = {"centre": -width / 2, "right": -width}.get(align, 0.0)
        c.saveState()
        c.translate(x, y)
        if angle:
            c.rotate(angle)
        c.setFillColor(colour)
        passes = [0]
        if outline is not None and outline_mm > 0:
            # Stroked centred on the glyph edge at twice the width, the fill set again on top.
            c.setStrokeColor(outline)
            c.setLineWidth(2 * outline_mm)
            c.setLineJoin(1)
            passes = [2, 0]
        for mode in passes:
            line = c.beginText(start, 0)
            line.setFont(font, size)
            line.setTextRenderMode(mode)
            line.textOut(text)
            c.drawText(line)
        c.restoreState()

    def new_page(self, width_mm: float, height_mm: float) -> None:
        """Close the page and go on with one of width_mm x height_mm trim (the same bleed,
        its own MediaBox, TrimBox and BleedBox), e.g. the box's insert card."""
        self.canvas.showPage()
        self.width_mm, self.height_mm = float(width_mm), float(height_mm)
        b = self.bleed_mm * MM
        page_w = (self.width_mm + 2 * self.bleed_mm) * MM
        page_h = (self.height_mm + 2 * self.bleed_mm) * MM
        self.canvas.setPageSize((page_w, page_h))
        self.canvas.setTrimBox((b, b, page_w - b, page_h - b))
        self.canvas.setBleedBox((0, 0, page_w, page_h))

    @contextmanager
    def layer(self, name: str) -> Iterator[Canvas]:
        """What is drawn inside goes on the optional-content layer `name` (e.g. the printer
        profile's cut or crease spot name): a marked-content sequence /OC ... BDC ... EMC,
        the layer's OCG added to the page resources by finish()."""
        key = self._layers.setdefault(name, f"OC{len(self._layers) + 1}")
        self.canvas.addLiteral(f"/OC /{key} BDC")
        try:
            yield self.canvas
        finally:
            self.canvas.addLiteral("EMC")

    def finish(self) -> bytes:
        """Close the page and return it as PDF/X-4 (printing.press.pdfx)."""
        try:
            self.canvas.showPage()
            self.canvas.save()
            with pikepdf.open(io.BytesIO(self._buffer.getvalue())) as pdf:
                self._layers_attach(pdf)
                pdfx_convert(pdf, title=self.title)
                out = io.BytesIO()
                pdfx_save(pdf, out)
            return out.getvalue()
        finally:
            self._tmp.cleanup()

    def _layers_attach(self, pdf: pikepdf.Pdf) -> None:
        """Each layer drawn into becomes an OCG in the pages' /Properties under the name the
        content stream's BDC uses (pdfx_convert then registers it in /OCProperties)."""
        if not self._layers:
            return
        properties = pikepdf.Dictionary()
        for name, key in self._layers.items():
            ocg = pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String(name))
            properties[f"/{key}"] = pdf.make_indirect(ocg)
        for page in pdf.pages:  # one set of names for the whole document: every page gets it
            if "/Resources" not in page.obj:
                page.obj.Resources = pikepdf.Dictionary()
            page.obj.Resources.Properties = properties
