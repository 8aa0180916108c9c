"""The PNG renderer of the packaging front (Pillow): the customer's preview.

Colours show through the press profile (Colour.rgb); text is set from the same font files as
the PDF with kerning and ligatures off (reportlab applies neither), so lines have the same
length as in print."""

import numpy as np
from PIL import Image, ImageDraw

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
from printing.press.fonts import TEXT_FEATURES, pil_font


def render_png(layout: BoxLayout, *, dpi: int = 150) -> Image.Image:
    """The panel as an RGB image at `dpi` (shapes supersampled below 300 dpi)."""
    ss = 2 if dpi < 300 else 1  # Pillow does not anti-alias shapes: draw large, reduce
    px = dpi / 25.4 * ss  # pixels per mm on the working canvas
    out_w = round(layout.width_mm / 25.4 * dpi)
    out_h = round(layout.height_mm / 25.4 * dpi)
    canvas = Image.new("RGBA", (out_w * ss, out_h * ss), (255, 255, 255, 255))
    draw = ImageDraw.Draw(canvas)

    def box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        return (x * px, y * px, (x + w) * px - 1, (y + h) * px - 1)

    for element in layout.elements:
        if isinstance(element, Rect):
            _png_rect(draw, element, px)
        elif isinstance(element, Polygon):
            draw.polygon([(x * px, y * px) for x, y in element.points], fill=element.fill.rgb)
        elif isinstance(element, Ellipse):
            e = element
            if e.stroke is not None and e.stroke_mm > 0:
                draw.ellipse(box(e.cx - e.rx, e.cy - e.ry, 2 * e.rx, 2 * e.ry), fill=e.stroke.rgb)
                r_x, r_y = e.rx - e.stroke_mm, e.ry - e.stroke_mm
                if e.fill is not None:
                    draw.ellipse(box(e.cx - r_x, e.cy - r_y, 2 * r_x, 2 * r_y), fill=e.fill.rgb)
            elif e.fill is not None:
                draw.ellipse(box(e.cx - e.rx, e.cy - e.ry, 2 * e.rx, 2 * e.ry), fill=e.fill.rgb)
        elif isinstance(element, Line):
            width = element.width_mm * px
            ends = [(element.x0 * px, element.y0 * px), (element.x1 * px, element.y1 * px)]
            draw.line(ends, fill=element.colour.rgb, width=max(1, round(width)))
            for ex, ey in ends:
                r = width / 2.0
                draw.ellipse((ex - r, ey - r, ex + r, ey + r), fill=element.colour.rgb)
        elif isinstance(element, TextRun):
            _png_text(draw, element, px, dpi * ss)
        elif isinstance(element, Picture):
            _png_picture(canvas, element, px)
        elif isinstance(element, QRMatrix):
            for x, y, w, h in element.runs():
                x0, y0 = round(x * px), round(y * px)
                x1, y1 = round((x + w) * px), round((y + h) * px)
                draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=element.dark.rgb)
    image = canvas.convert("RGB")
    return image.reduce(ss) if ss > 1 else image


def _png_rect(draw: ImageDraw.ImageDraw, rect: Rect, px: float) -> None:
    xy = (rect.x * px, rect.y * px, (rect.x + rect.w) * px - 1, (rect.y + rect.h) * px - 1)
    radius = rect.radius_mm * px
    if rect.stroke is not None and rect.stroke_mm > 0:
        draw.rounded_rectangle(xy, radius, fill=rect.stroke.rgb)
        s = rect.stroke_mm
        inner = (
            (rect.x + s) * px,
            (rect.y + s) * px,
            (rect.x + rect.w - s) * px - 1,
            (rect.y + rect.h - s) * px - 1,
        )
        if rect.fill is not None:
            draw.rounded_rectangle(inner, max(0.0, radius - s * px), fill=rect.fill.rgb)
    elif rect.fill is not None:
        draw.rounded_rectangle(xy, radius, fill=rect.fill.rgb)


def _png_text(draw: ImageDraw.ImageDraw, run: TextRun, px: float, dpi: float) -> None:
    font = pil_font(run.font, round(run.size_pt * dpi / 72.0, 2))
    x, y = run.x * px, run.baseline * px
    stroke_px = run.stroke_mm * px

    def text(at: tuple[float, float], fill: Colour, stroke: Colour | None) -> None:
        draw.text(
            at,
            run.text,
            font=font,
            fill=fill.rgb,
            anchor="ls",
            stroke_width=stroke_px if stroke is not None else 0,
            stroke_fill=stroke.rgb if stroke is not None else None,
            features=TEXT_FEATURES,
        )

    if run.shadow is not None and run.shadow_mm > 0:
        offset = run.shadow_mm * px
        text((x + offset, y + offset), run.shadow, run.shadow if run.stroke else None)
    text((x, y), run.fill, run.stroke if run.stroke_mm > 0 else None)


def _png_picture(canvas: Image.Image, picture: Picture, px: float) -> None:
    x0, y0 = round(picture.x * px), round(picture.y * px)
    w = max(1, round((picture.x + picture.w) * px) - x0)
    h = max(1, round((picture.y + picture.h) * px) - y0)
    art = picture.image.convert("RGBA").resize((w, h), Image.Resampling.BILINEAR, reducing_gap=2)
    if picture.clip is not None:
        c = picture.clip
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).rounded_rectangle(
            (c.x * px - x0, c.y * px - y0, (c.x + c.w) * px - x0 - 1, (c.y + c.h) * px - y0 - 1),
            c.radius_mm * px,
            fill=255,
        )
        alpha = np.minimum(np.asarray(art.getchannel("A")), np.asarray(mask))
        art.putalpha(Image.fromarray(alpha))
    # Paste only what lands on the canvas.
    left, top = max(0, -x0), max(0, -y0)
    right, bottom = min(w, canvas.width - x0), min(h, canvas.height - y0)
    if right > left and bottom > top:
        canvas.alpha_composite(art.crop((left, top, right, bottom)), dest=(x0 + left, y0 + top))
