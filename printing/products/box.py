"""The box: the flat net of a tuck-end box with a hang tab (front, back, two sides, top and
bottom tuck flaps, dust flaps, glue flap, euro slot); the front panel is the packaging art
(printing.packaging), the back carries name, tagline, accessories, the AI note and a QR code of
the order code; the die-line is spot colour 'Dieline' (cuts solid, folds dashed), overprinting."""

from __future__ import annotations

from PIL import Image
from reportlab.graphics.barcode.code128 import Code128

from printing.conf import printing_settings
from printing.packaging.elements import BoxLayout
from printing.packaging.layout import packaging_layout
from printing.packaging.render_pdf import draw_pdf
from printing.pdf import BLACK, DIELINE, FOLD_DASH_MM, WHITE, PrintDocument
from printing.preflight import Preflight
from printing.press.fonts import fit_font_size, text_width_mm, wrap_lines
from printing.press.qr import dark_runs, qr_modules
from printing.press.units import PT
from printing.products import PrintFile, ProductSpec
from printing.products.box_net import BoxNet, box_net_for
from printing.products.common import (
    AI_NOTE,
    Theme,
    figure_cutout,
    glyphs_check,
    spec_size,
    theme_for,
)


def _qr(doc: PrintDocument, value: str, *, x: float, y: float, size: float) -> None:
    """A QR code as vector squares in K only, on a white square with a 2-module quiet zone."""
    modules = qr_modules(value)
    quiet = 2
    step = size / (len(modules) + 2 * quiet)
    c = doc.canvas
    c.setFillColor(WHITE)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(BLACK)
    path = c.beginPath()
    for row, col, length in dark_runs(modules):
        top = y + size - (row + quiet) * step
        path.rect(x + (col + quiet) * step, top - step, length * step, step)
    c.drawPath(path, stroke=0, fill=1)


def _paragraph_lines(text: str, font: str, size_pt: float, width_mm: float) -> list[str]:
    # Each line measured in the font it is set in (a fallback for Japanese), and broken
    # inside a word where there are no spaces.
    return wrap_lines(text, font, size_pt, width_mm)


def _draw_back(doc: PrintDocument, net: BoxNet, spec: ProductSpec, theme: Theme) -> None:
    x, y, w, h = net.panel("back")
    safe = printing_settings.SAFE_MARGIN_MM + 2.0
    c = doc.canvas
    # A light card inset on the coloured back keeps long text readable.
    c.setFillColor(theme.light)
    c.roundRect(x + safe, y + safe, w - 2 * safe, h - 2 * safe, 4.0, stroke=0, fill=1)
    left, right = x + 2 * safe, x + w - 2 * safe
    text_w = right - left
    cursor = y + h - 2 * safe
    name_size = fit_font_size(
        spec.figure_name,
        doc.fonts.bold,
        max_width_mm=text_w,
        size_pt=min(30.0, w * 0.22 / PT * 0.9),
    )
    cursor -= name_size * PT
    doc.text(spec.figure_name, x=left, y=cursor, size_pt=name_size, colour=theme.dark, bold=True)
    body = 9.0 if w < 150 else 11.0
    lead = body * PT * 1.35
    if spec.tagline:
        for line in _paragraph_lines(spec.tagline, doc.fonts.regular, body + 2, text_w):
            cursor -= (body + 2) * PT * 1.35
            doc.text(line, x=left, y=cursor, size_pt=body + 2, colour=theme.dark)
    accessories = [a for a in spec.accessories if a.strip()]
    if accessories:
        cursor -= lead * 1.6
        doc.text("Accessories", x=left, y=cursor, size_pt=body, colour=theme.dark, bold=True)
        # The bullet is set on its own: a fallback font for the item may lack it.
        indent = text_width_mm("• ", doc.fonts.regular, body)
        for item in accessories:
            for i, line in enumerate(_paragraph_lines(item, doc.fonts.regular, body, text_w - 4.0)):
                cursor -= lead
                if i == 0:
                    doc.text("•", x=left, y=cursor, size_pt=body, colour=theme.dark)
                doc.text(line, x=left + indent, y=cursor, size_pt=body, colour=theme.dark)
    # Bottom block: QR code of the order code, the AI note and the brand.
    qr = min(28.0, w * 0.25)
    qr_x, qr_y = right - qr, y + 2 * safe
    _qr(doc, spec.order_code or spec.figure_name, x=qr_x, y=qr_y, size=qr)
    doc.text(
        spec.order_code,
        x=qr_x + qr / 2,
        y=qr_y - 2.5,
        size_pt=6.0,
        colour=theme.dark,
        align="centre",
    )
    note = (
        f"{AI_NOTE}: this figure was created with AI from a customer's photo. "
        "Not a toy: a printed collectible box."
    )
    note_lines = _paragraph_lines(note, doc.fonts.regular, 7.0, text_w - qr - 4.0)
    line_y = qr_y + qr - 7.0 * PT
    for line in note_lines:
        doc.text(line, x=left, y=line_y, size_pt=7.0, colour=theme.dark)
        line_y -= 7.0 * PT * 1.3
    doc.text(
        printing_settings.BRAND_NAME, x=left, y=qr_y, size_pt=8.0, colour=theme.dark, bold=True
    )


def _draw_sides_and_flaps(doc: PrintDocument, net: BoxNet, spec: ProductSpec, theme: Theme) -> None:
    brand = printing_settings.BRAND_NAME
    for panel in ("side_left", "side_right"):
        x, y, w, h = net.panel(panel)
        size = fit_font_size(
            spec.figure_name, doc.fonts.bold, max_width_mm=h * 0.6, size_pt=w * 0.45 / PT
        )
        # Reads bottom to top, as on a shelf.
        doc.text(
            spec.figure_name,
            x=x + w / 2 + size * PT * 0.35,
            y=y + h / 2,
            size_pt=size,
            colour=theme.title,
            bold=True,
            align="centre",
            angle=90,
            outline=theme.dark,
            outline_mm=size * PT * 0.04,
        )
        doc.text(
            brand,
            x=x + w / 2 + 2.5,
            y=y + printing_settings.SAFE_MARGIN_MM + 2,
            size_pt=7.0,
            colour=theme.on_background,
            angle=90,
        )
    x, y, w, h = net.panel("top")
    size = fit_font_size(
        spec.figure_name, doc.fonts.bold, max_width_mm=w * 0.8, size_pt=h * 0.35 / PT
    )
    doc.text(
        spec.figure_name,
        x=x + w / 2,
        y=y + h / 2 - size * PT * 0.35,
        size_pt=size,
        colour=theme.title,
        bold=True,
        align="centre",
        outline=theme.dark,
        outline_mm=size * PT * 0.04,
    )
    x, y, w, h = net.panel("hang_tab")
    doc.text(brand, x=x + w / 2, y=y + 4.0, size_pt=7.0, colour=theme.on_background, align="centre")
    # Bottom flap: the order code as a barcode for the packing bench.
    x, y, w, h = net.panel("bottom")
    if spec.order_code:
        c = doc.canvas
        bar = Code128(spec.order_code, barWidth=0.3, barHeight=9.0, quiet=False)
        bw = bar.width
        c.setFillColor(WHITE)
        c.rect(x + (w - bw) / 2 - 3, y + h / 2 - 7, bw + 6, 16, stroke=0, fill=1)
        c.setFillColor(BLACK)
        bar.drawOn(c, x + (w - bw) / 2, y + h / 2 - 3)
        doc.text(spec.order_code, x=x + w / 2, y=y + h / 2 - 6, size_pt=6.0, align="centre")


def _front_layout(spec: ProductSpec, art: Image.Image) -> BoxLayout:
    return packaging_layout(
        name=spec.figure_name,
        tagline=spec.tagline,
        accessories=list(spec.accessories),
        box_theme=spec.box_theme,
        art=art,
        width_mm=float(spec.width_mm or 0),
        height_mm=float(spec.height_mm or 0),
        order_code=spec.order_code or None,
    )


def build_box(spec: ProductSpec, render: Image.Image) -> PrintFile:
    width, height = spec_size(spec)
    net = box_net_for(width, height)
    net_w, net_h = net.size
    bleed = printing_settings.BLEED_MM
    theme = theme_for(spec.box_theme)
    check = Preflight(
        kind=spec.kind,
        label=spec.label,
        trim_mm=(net_w, net_h),
        bleed_mm=bleed,
        expect_separations=("Dieline",),
    )
    cut = figure_cutout(render)
    # Packaging places the figure (layout.figure, mm); bring it to print resolution for
    # exactly that size and lay the panel out again with it (same aspect: same place).
    layout = _front_layout(spec, cut)
    if layout.figure is not None:
        art = check.prepare(cut, name="figure art", w_mm=layout.figure.w, h_mm=layout.figure.h)
        if art is not cut:
            layout = _front_layout(spec, art)
    glyphs_check(check, [spec.figure_name, spec.tagline, *spec.accessories])
    doc = PrintDocument(
        width_mm=net_w, height_mm=net_h, title=f"{spec.figure_name} box {spec.label}"
    )
    outline = net.outline()
    with doc.mm_space() as c:
        # Background: the net filled and grown by the bleed (a stroke of twice the bleed).
        c.setFillColor(theme.background)
        c.setStrokeColor(theme.background)
        c.setLineWidth(2 * bleed)
        c.setLineJoin(1)
        c.drawPath(doc.polygon_path(outline), stroke=1, fill=1)
        _draw_back(doc, net, spec, theme)
        _draw_sides_and_flaps(doc, net, spec, theme)
    fx, fy, _fw, _fh = net.panel("front")
    doc.canvas.saveState()
    # The front's bottom edge is a cut: its background runs into the bleed there (and over
    # the folds by the same 3 mm, which is how a wrap-around background is printed anyway).
    draw_pdf(doc.canvas, layout, x_pt=doc.x_pt(fx), y_pt=doc.y_pt(fy), bleed_mm=bleed)
    doc.canvas.restoreState()
    with doc.mm_space():
        doc.spot_stroke([doc.polygon_path(outline), doc.polygon_path(net.euro_slot())], DIELINE)
        doc.spot_stroke(
            [doc.polygon_path([a, b], close=False) for a, b in net.folds()],
            DIELINE,
            dash_mm=FOLD_DASH_MM,
        )
    content = doc.finish()
    return PrintFile(content, "pdf", "application/pdf", check.finish(pdf=content))
