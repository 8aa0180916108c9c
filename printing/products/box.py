"""The box: the flat net of a tuck-end box with a hang tab (front, back, two sides, lid and
bottom tuck flaps, dust flaps, glue flap, euro slot, blister window; box_net); the front panel is
the packaging art (printing.packaging, the same layout as the customer's preview), clipped at
its creases; the back (box_back) carries name, tagline, accessories, the AI note and a QR code
of the order code. The die: cuts in the printer profile's cut spot colour, creases in its
crease spot colour, each on an optional-content layer named after it, overprinting. The glue
flap stays unprinted. Small text is K only (or white) and never below the profile's minimum.
Page 2 is the insert card (box_insert) that shows the figure through the die-cut window."""

from __future__ import annotations

from typing import Any

from PIL import Image
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.colors import CMYKColor
from reportlab.pdfgen.canvas import FILL_EVEN_ODD

from printing.conf import printing_settings
from printing.packaging.elements import BoxLayout
from printing.packaging.layout import SMALL_TEXT_PT, packaging_layout
from printing.packaging.render_pdf import draw_pdf
from printing.pdf import BLACK, WHITE, Point, PrintDocument, crease_colour, cut_colour
from printing.press.fonts import fit_font_size
from printing.press.units import MM, PT
from printing.products import PrintFile, ProductSpec
from printing.products.box_back import back_layout, draw_back
from printing.products.box_insert import (
    BoxPreflight,
    InsertCard,
    draw_insert,
    insert_card_for,
    insert_notes,
)
from printing.products.box_net import BoxNet, box_net_for
from printing.products.common import Theme, figure_cutout, glyphs_check, spec_size, theme_for


def _small(colour: CMYKColor) -> CMYKColor:
    """Small text's ink: white stays white (no ink), anything else is 100 % K."""
    return WHITE if tuple(colour.cmyk()) == (0, 0, 0, 0) else BLACK


def _shelf_name(
    doc: PrintDocument, spec: ProductSpec, theme: Theme, *, x: float, y: float, size: float,
    angle: float = 0.0,
) -> None:  # fmt: skip
    """The name on a side or the lid: theme colours with an outline from SMALL_TEXT_PT up,
    below that plain K (an outline in four inks would misregister)."""
    big = size >= SMALL_TEXT_PT
    doc.text(
        spec.figure_name,
        x=x,
        y=y,
        size_pt=max(size, printing_settings.MIN_TEXT_PT),
        colour=theme.title if big else BLACK,
        bold=True,
        align="centre",
        angle=angle,
        outline=theme.dark if big else None,
        outline_mm=size * PT * 0.04,
    )


def _draw_sides_and_flaps(doc: PrintDocument, net: BoxNet, spec: ProductSpec, theme: Theme) -> None:
    brand = printing_settings.BRAND_NAME
    small = max(7.0, printing_settings.MIN_TEXT_PT)
    for panel in ("side_left", "side_right"):
        x, y, w, h = net.panel(panel)
        size = fit_font_size(
            spec.figure_name, doc.fonts.bold, max_width_mm=h * 0.6, size_pt=w * 0.45 / PT
        )
        # Reads bottom to top, as on a shelf.
        _shelf_name(doc, spec, theme, x=x + w / 2 + size * PT * 0.35, y=y + h / 2, size=size,
                    angle=90)  # fmt: skip
        doc.text(
            brand,
            x=x + w / 2 + 2.5,
            y=y + printing_settings.SAFE_MARGIN_MM + 2,
            size_pt=small,
            colour=_small(theme.on_background),
            angle=90,
        )
    x, y, w, h = net.panel("top")
    size = fit_font_size(
        spec.figure_name, doc.fonts.bold, max_width_mm=w * 0.8, size_pt=h * 0.35 / PT
    )
    _shelf_name(doc, spec, theme, x=x + w / 2, y=y + h / 2 - size * PT * 0.35, size=size)
    x, y, w, h = net.panel("hang_tab")
    doc.text(
        brand, x=x + w / 2, y=y + 4.0, size_pt=small, colour=_small(theme.on_background),
        align="centre",
    )  # fmt: skip
    # Bottom flap: the order code as a barcode for the packing bench.
    x, y, w, h = net.panel("bottom")
    if spec.order_code:
        c = doc.canvas
        bar = Code128(spec.order_code, barWidth=0.3, barHeight=9.0, quiet=False)
        bw = bar.width
        c.setFillColor(WHITE)
        c.rect(x + (w - bw) / 2 - 3, y + h / 2 - 8, bw + 6, 17, stroke=0, fill=1)
        c.setFillColor(BLACK)
        bar.drawOn(c, x + (w - bw) / 2, y + h / 2 - 3)
        code_pt = max(6.0, printing_settings.MIN_TEXT_PT)
        doc.text(spec.order_code, x=x + w / 2, y=y + h / 2 - 3 - code_pt * PT, size_pt=code_pt,
                 align="centre")  # fmt: skip


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
    profile = printing_settings.PRINTER_PROFILE
    theme = theme_for(spec.box_theme)
    card = insert_card_for(net)
    check = BoxPreflight(
        kind=spec.kind,
        label=spec.label,
        trim_mm=(net_w, net_h),
        insert_mm=card.size,
        bleed_mm=profile.bleed_mm,
        expect_separations=(profile.cut_spot, profile.crease_spot),
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
    back = back_layout(
        spec.figure_name, spec.tagline, spec.accessories, net.panel("back"), spec.order_code
    )
    too_small = sorted(set(layout.too_small) | set(back.too_small))
    if too_small:
        check.hold(
            f"text does not fit at the printer's minimum size of {profile.min_text_pt:g} pt: "
            f"{', '.join(too_small)} (shorten it)"
        )
    doc = PrintDocument(
        width_mm=net_w, height_mm=net_h, title=f"{spec.figure_name} box {spec.label}"
    )
    with doc.mm_space():
        _draw_background(doc, net, theme)
        draw_back(doc, back, theme, spec.order_code or spec.figure_name)
        _draw_sides_and_flaps(doc, net, spec, theme)
    _draw_front(doc, net, layout)
    with doc.mm_space():
        _draw_die(doc, net, layout)
    draw_insert(doc, card, layout)
    content = doc.finish()
    return PrintFile(content, "pdf", "application/pdf", _report(check, content, card, net))


def _report(check: BoxPreflight, content: bytes, card: InsertCard, net: BoxNet) -> dict[str, Any]:
    """The preflight report with the insert card and the production notes."""
    report = check.finish(pdf=content)
    planned = report["images"][:1]
    for entry in report["images"][1:]:
        # The insert card places the figure art's image again (the same object).
        if planned and entry["output_px"] == planned[0]["output_px"]:
            entry["name"] = f"{planned[0]['name']} (insert card, the same image)"
    report["insert_card"] = {"page": 2, "trim_mm": [round(v, 2) for v in card.size]}
    report["notes"] = insert_notes(card, net)
    return report


def _draw_background(doc: PrintDocument, net: BoxNet, theme: Theme) -> None:
    """The theme colour over the net, grown by the bleed at its outer cut edges (a stroke of
    twice the bleed), except on the glue flap: glue needs bare board. Over a crease the
    colour only meets the same colour (or the front, drawn on top and clipped there)."""
    c = doc.canvas
    bleed = doc.bleed_mm
    c.saveState()
    # Everything but the glue flap's band left of its crease (its bleed included).
    keep = c.beginPath()
    keep.rect(-bleed, -bleed, net.size[0] + 2 * bleed, net.size[1] + 2 * bleed)
    keep.rect(-bleed, net.base, net.glue + bleed, net.height)
    c.clipPath(keep, stroke=0, fill=0, fillMode=FILL_EVEN_ODD)
    c.setFillColor(theme.background)
    c.setStrokeColor(theme.background)
    c.setLineWidth(2 * bleed)
    c.setLineJoin(1)
    c.drawPath(doc.polygon_path(net.outline()), stroke=1, fill=1)
    c.restoreState()


def _draw_front(doc: PrintDocument, net: BoxNet, layout: BoxLayout) -> None:
    """The packaging art on the front panel, clipped at its three creases (sides and lid);
    its bottom edge is an outer cut, where the art runs on into the bleed."""
    fx, fy, fw, fh = net.panel("front")
    bleed = doc.bleed_mm
    c = doc.canvas
    c.saveState()
    clip = c.beginPath()
    clip.rect(doc.x_pt(fx), doc.y_pt(fy - bleed), fw * MM, (fh + bleed) * MM)
    c.clipPath(clip, stroke=0, fill=0)
    draw_pdf(c, layout, x_pt=doc.x_pt(fx), y_pt=doc.y_pt(fy), bleed_mm=bleed)
    c.restoreState()


def window_cut(net: BoxNet, layout: BoxLayout) -> list[Point]:
    """The die-cut blister window: the layout's window (panel mm, y down) on the net."""
    fx, fy, _fw, fh = net.panel("front")
    w = layout.window
    return net.window(fx + w.x, fy + fh - (w.y + w.h), w.w, w.h, w.radius_mm)


def _draw_die(doc: PrintDocument, net: BoxNet, layout: BoxLayout) -> None:
    """Cuts and creases, each in its spot colour (named by the printer profile) on its own
    optional-content layer of the same name, overprinting: a cutting table takes the lines
    by layer or by separation."""
    profile = printing_settings.PRINTER_PROFILE
    cuts = [net.outline(), net.euro_slot(), window_cut(net, layout)]
    with doc.layer(profile.cut_spot):
        doc.spot_stroke([doc.polygon_path(points) for points in cuts], cut_colour())
    with doc.layer(profile.crease_spot):
        doc.spot_stroke(
            [doc.polygon_path([a, b], close=False) for a, b in net.creases()], crease_colour()
        )
