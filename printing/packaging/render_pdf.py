"""The PDF renderer of the packaging front (reportlab): the print file's panel.

Vector shapes and embedded TrueType text in CMYK, the figure as an RGB image with a soft mask
(the print document converts it to CMYK through the press profile)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reportlab.lib.utils import ImageReader

from printing.packaging.elements import (
    BoxLayout,
    Ellipse,
    Line,
    Picture,
    Polygon,
    QRMatrix,
    Rect,
    TextRun,
)
from printing.press.colour import Colour
from printing.press.fonts import face_for
from printing.press.units import MM

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas


def draw_pdf(
    canvas: Canvas, layout: BoxLayout, *, x_pt: float, y_pt: float, bleed_mm: float = 0.0
) -> None:
    """Draw the panel on a reportlab canvas, its bottom-left corner at (x_pt, y_pt).

    Vector shapes and embedded TrueType text in CMYK; the figure as an RGB image with a soft
    mask. No page setup: the caller owns the page, boxes, marks and colour conversion.
    The background runs `bleed_mm` (up to layout.bleed_mm) past the panel edge.
    """
    height = layout.height_mm

    def X(mm: float) -> float:
        return x_pt + mm * MM

    def Y(mm: float) -> float:
        return y_pt + (height - mm) * MM

    grow = max(0.0, min(bleed_mm, layout.bleed_mm))
    canvas.saveState()
    panel = canvas.beginPath()
    panel.rect(
        X(-grow),
        Y(height + grow),
        (layout.width_mm + 2 * grow) * MM,
        (height + 2 * grow) * MM,
    )
    canvas.clipPath(panel, stroke=0, fill=0)
    for element in layout.elements:
        if isinstance(element, Rect):
            _pdf_rect(canvas, element, X, Y)
        elif isinstance(element, Polygon):
            path = canvas.beginPath()
            first, *rest = element.points
            path.moveTo(X(first[0]), Y(first[1]))
            for px, py in rest:
                path.lineTo(X(px), Y(py))
            path.close()
            canvas.setFillColor(element.fill.reportlab())
            canvas.drawPath(path, stroke=0, fill=1)
        elif isinstance(element, Ellipse):
            _pdf_ellipse(canvas, element, X, Y)
        elif isinstance(element, Line):
            canvas.setStrokeColor(element.colour.reportlab())
            canvas.setLineWidth(element.width_mm * MM)
            canvas.setLineCap(1)
            canvas.line(X(element.x0), Y(element.y0), X(element.x1), Y(element.y1))
        elif isinstance(element, TextRun):
            _pdf_text(canvas, element, X, Y)
        elif isinstance(element, Picture):
            _pdf_picture(canvas, element, X, Y)
        elif isinstance(element, QRMatrix):
            canvas.setFillColor(element.dark.reportlab())
            for x, y, w, h in element.runs():
                canvas.rect(X(x), Y(y + h), w * MM, h * MM, stroke=0, fill=1)
    canvas.restoreState()


def _pdf_round_rect(
    canvas: Canvas, x: float, y: float, w: float, h: float, r: float, X: Any, Y: Any
) -> Any:
    path = canvas.beginPath()
    path.roundRect(X(x), Y(y + h), w * MM, h * MM, max(0.0, r) * MM)
    return path


def _pdf_rect(canvas: Canvas, rect: Rect, X: Any, Y: Any) -> None:
    if rect.stroke is not None and rect.stroke_mm > 0:
        canvas.setFillColor(rect.stroke.reportlab())
        path = _pdf_round_rect(canvas, rect.x, rect.y, rect.w, rect.h, rect.radius_mm, X, Y)
        canvas.drawPath(path, stroke=0, fill=1)
        s = rect.stroke_mm
        if rect.fill is not None:
            canvas.setFillColor(rect.fill.reportlab())
            path = _pdf_round_rect(
                canvas, rect.x + s, rect.y + s, rect.w - 2 * s, rect.h - 2 * s,
                rect.radius_mm - s, X, Y,
            )  # fmt: skip
            canvas.drawPath(path, stroke=0, fill=1)
    elif rect.fill is not None:
        canvas.setFillColor(rect.fill.reportlab())
        path = _pdf_round_rect(canvas, rect.x, rect.y, rect.w, rect.h, rect.radius_mm, X, Y)
        canvas.drawPath(path, stroke=0, fill=1)


def _pdf_ellipse(canvas: Canvas, e: Ellipse, X: Any, Y: Any) -> None:
    def oval(rx: float, ry: float, colour: Colour) -> None:
        canvas.setFillColor(colour.reportlab())
        canvas.ellipse(X(e.cx - rx), Y(e.cy + ry), X(e.cx + rx), Y(e.cy - ry), stroke=0, fill=1)

    if e.stroke is not None and e.stroke_mm > 0:
        oval(e.rx, e.ry, e.stroke)
        if e.fill is not None:
            oval(e.rx - e.stroke_mm, e.ry - e.stroke_mm, e.fill)
    elif e.fill is not None:
        oval(e.rx, e.ry, e.fill)


def _pdf_text(canvas: Canvas, run: TextRun, X: Any, Y: Any) -> None:
    face = face_for(run.font)

    def text(offset: float, fill: Colour, stroke: Colour | None, *, copy: bool) -> None:
        if copy:
            # Shadow and outline are extra copies of the words: an empty ActualText keeps
            # them out of text extraction (search, copy and paste, screen readers).
            canvas.addLiteral("/Span <</ActualText <FEFF>>> BDC")
        # The text render mode outlives the text object (reportlab assumes 0 in each new
        # one): the graphics state is saved around every run.
        canvas.saveState()
        obj = canvas.beginText()
        obj.setFont(face.pdf_name, run.size_pt)
        canvas.setFillColor(fill.reportlab())
        if stroke is not None:
            # Stroked centred on the glyph edge, so twice as wide; the fill is set again on
            # top and only the outer half shows, as Pillow draws an outline.
            canvas.setStrokeColor(stroke.reportlab())
            canvas.setLineWidth(2 * run.stroke_mm * MM)
            canvas.setLineJoin(1)
            obj.setTextRenderMode(2)
        obj.setTextOrigin(X(run.x + offset), Y(run.baseline + offset))
        obj.textOut(run.text)
        canvas.drawText(obj)
        canvas.restoreState()
        if copy:
            canvas.addLiteral("EMC")

    if run.shadow is not None and run.shadow_mm > 0:
        shadow_outline = run.shadow if run.stroke is not None and run.stroke_mm > 0 else None
        text(run.shadow_mm, run.shadow, shadow_outline, copy=True)
    if run.stroke is not None and run.stroke_mm > 0:
        text(0.0, run.fill, run.stroke, copy=True)
    text(0.0, run.fill, None, copy=False)


def _pdf_picture(canvas: Canvas, picture: Picture, X: Any, Y: Any) -> None:
    canvas.saveState()
    if picture.clip is not None:
        c = picture.clip
        canvas.clipPath(
            _pdf_round_rect(canvas, c.x, c.y, c.w, c.h, c.radius_mm, X, Y), stroke=0, fill=0
        )
    canvas.drawImage(
        ImageReader(picture.image.convert("RGBA")),
        X(picture.x),
        Y(picture.y + picture.h),
        picture.w * MM,
        picture.h * MM,
        mask="auto",
    )
    canvas.restoreState()
