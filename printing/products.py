"""One builder per product: the approved render in, a print file plus its preflight report out.

- art print (A4 / A3 / 30 x 40 cm, the variant's size): the whole render (not cut out) covers
  the page including the bleed, centred; a small "AI-generated" mark sits in the safe area.
- sticker sheet (A5 / A4): the cut-out figure big, the figure name, small figures and one
  badge per accessory; every sticker has a closed 'CutContour' path (the figure's alpha
  contour grown by a white border; badges are rounded rectangles), overprinting.
- box: the flat net of a tuck-end box with a hang tab (front, back, two sides, top and bottom
  tuck flaps, dust flaps, glue flap, euro slot); the front panel is packaging.draw_pdf, the
  back carries name, tagline, accessories, the AI note and a QR code of the order code; the
  die-line is spot colour 'Dieline' (cuts solid, folds dashed), overprinting.
- digital download: the art print composition (A4) as an sRGB PNG at MIN_DPI.

Builders are pure functions of (ProductSpec, render image): no database, so the benchmark and
tests can call them directly. Geometry is in millimetres (see pdf.PrintDocument).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageCms, ImageDraw, ImageFont, ImageStat
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import CMYKColor

from printing import pdf
from printing.conf import printing_settings
from printing.pdf import BLACK, CUT_CONTOUR, DIELINE, FOLD_DASH_MM, WHITE, Point, PrintDocument
from printing.preflight import Preflight

AI_NOTE = "AI-generated image"
# The digital download has no size of its own: the A4 art print composition.
DIGITAL_SIZE_MM = (210.0, 297.0)
# Stickers: never blow the figure up more than this (Lanczos is invisible up to ~1.5x).
STICKER_MAX_UPSCALE = 1.5
STICKER_BORDER_MM = 2.5  # white border between the art and the cut
STICKER_SHEET_MARGIN_MM = 8.0  # kiss-cut stickers keep clear of the sheet's trim
STICKER_GAP_MM = 4.0
# Box construction (mm).
BOX_DEPTH_MM = {"standard": 40.0, "large": 55.0}
BOX_LARGE_FROM_HEIGHT_MM = 220.0
GLUE_FLAP_MM = 12.0
TUCK_MM = 15.0
HANG_TAB_MM = 32.0


@dataclass(frozen=True)
class Theme:
    """The box theme's colours, taken from packaging's palettes so that every product of a
    figure (and the box's other panels) matches its front panel."""

    background: CMYKColor  # the card colour
    on_background: CMYKColor  # text set on it
    title: CMYKColor  # the name on the card colour
    light: CMYKColor  # a light tint of the theme (sheet background, info card)
    dark: CMYKColor  # text on the light tint
    accent: CMYKColor  # badges
    on_accent: CMYKColor


def theme_for(box_theme: str) -> Theme:
    from printing.packaging import DEFAULT_THEME, PALETTES

    p = PALETTES.get(box_theme, PALETTES[DEFAULT_THEME])
    return Theme(
        background=p.background.reportlab(),
        on_background=p.on_background.reportlab(),
        title=p.title.reportlab(),
        light=p.window.reportlab(),
        dark=p.dark.reportlab(),
        accent=p.accent.reportlab(),
        on_accent=p.on_accent.reportlab(),
    )


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
    builders: dict[str, Callable[[ProductSpec, Image.Image], PrintFile]] = {
        "art_print": build_art_print,
        "sticker_sheet": build_sticker_sheet,
        "box": build_box,
        "digital": build_digital,
    }
    try:
        builder = builders[spec.kind]
    except KeyError as exc:
        raise ProductError(f"no print file for product kind {spec.kind!r}") from exc
    return builder(spec, render.convert("RGB") if render.mode != "RGB" else render)


def _size(spec: ProductSpec) -> tuple[float, float]:
    if not spec.width_mm or not spec.height_mm:
        raise ProductError(f"variant {spec.label!r} has no width/height in mm")
    return float(spec.width_mm), float(spec.height_mm)


def _check_glyphs(check: Preflight, texts: list[str]) -> None:
    """Hold when the font lacks a character of the customer's text (it would print as a box)."""
    from printing.packaging import face_for

    missing = "".join(
        dict.fromkeys(
            ch
            for path in (printing_settings.FONT_REGULAR, printing_settings.FONT_BOLD)
            for ch in face_for(path).missing("".join(texts))
        )
    )
    if missing:
        check.hold(f"the font has no glyphs for {missing!r}: choose another font or edit the text")


def _cover_crop(size: tuple[int, int], aspect: float) -> tuple[int, int, int, int]:
    """The centred part of an image of `size` with width/height = aspect."""
    w, h = size
    if w / h > aspect:
        crop_w = max(1, round(h * aspect))
        left = (w - crop_w) // 2
        return (left, 0, left + crop_w, h)
    crop_h = max(1, round(w / aspect))
    top = (h - crop_h) // 2
    return (0, top, w, top + crop_h)


def _is_dark(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    region = image.crop(box).convert("L")
    return float(ImageStat.Stat(region).mean[0]) < 140


# --- Art print and the digital download (one composition) -------------------------------------

AI_MARK_PT = 7.0


def _ai_mark_box(width_mm: float, height_mm: float) -> tuple[float, float]:
    """Baseline position (right-aligned x, y) of the AI mark: bottom right, in the safe area."""
    safe = printing_settings.SAFE_MARGIN_MM
    return width_mm - safe - 1.0, safe + 1.0


def _mark_region_px(
    crop: tuple[int, int, int, int], page_mm: tuple[float, float], origin_mm: tuple[float, float]
) -> tuple[int, int, int, int]:
    """Source pixels under the AI mark (to choose black or white text)."""
    left, top, right, bottom = crop
    sx = (right - left) / page_mm[0]
    sy = (bottom - top) / page_mm[1]
    x_right, y_base = origin_mm
    # ~40 x 6 mm above the baseline, measured from the page's lower left corner.
    x0, x1 = x_right - 40.0, x_right
    y0, y1 = y_base - 1.0, y_base + 5.0
    return (
        int(left + max(0.0, x0) * sx),
        int(bottom - y1 * sy),
        max(int(left + x1 * sx), int(left + max(0.0, x0) * sx) + 1),
        max(int(bottom - max(0.0, y0) * sy), int(bottom - y1 * sy) + 1),
    )


def build_art_print(spec: ProductSpec, render: Image.Image) -> PrintFile:
    width, height = _size(spec)
    bleed = printing_settings.BLEED_MM
    page = (width + 2 * bleed, height + 2 * bleed)
    check = Preflight(kind=spec.kind, label=spec.label, trim_mm=(width, height), bleed_mm=bleed)
    crop = _cover_crop(render.size, page[0] / page[1])
    pixels = check.prepare(render, name="render", w_mm=page[0], h_mm=page[1], crop=crop)
    doc = PrintDocument(
        width_mm=width, height_mm=height, title=f"{spec.figure_name} art print {spec.label}"
    )
    mark_x, mark_y = _ai_mark_box(width, height)
    # The mark's position on the bleed page (the crop spans the page incl. bleed).
    dark = _is_dark(render, _mark_region_px(crop, page, (mark_x + bleed, mark_y + bleed)))
    with doc.mm_space():
        doc.image(pixels, x=-bleed, y=-bleed, w=page[0], h=page[1])
        doc.text(
            AI_NOTE,
            x=mark_x,
            y=mark_y,
            size_pt=AI_MARK_PT,
            colour=WHITE if dark else BLACK,
            align="right",
        )
    content = doc.finish()
    return PrintFile(content, "pdf", "application/pdf", check.finish(pdf=content))


def build_digital(spec: ProductSpec, render: Image.Image) -> PrintFile:
    """The art print composition at MIN_DPI as an sRGB PNG (no bleed: nothing is trimmed)."""
    width, height = (
        (float(spec.width_mm), float(spec.height_mm))
        if spec.width_mm and spec.height_mm
        else DIGITAL_SIZE_MM
    )
    label = spec.label if spec.width_mm else f"{spec.label} (A4 composition)"
    check = Preflight(kind=spec.kind, label=label, trim_mm=(width, height), bleed_mm=0.0)
    dpi = printing_settings.MIN_DPI
    size_px = (round(width / 25.4 * dpi), round(height / 25.4 * dpi))
    crop = _cover_crop(render.size, width / height)
    image = check.prepare(
        render, name="render", w_mm=width, h_mm=height, crop=crop, size_px=size_px
    ).convert("RGB")
    mark_x, mark_y = _ai_mark_box(width, height)
    dark = _is_dark(render, _mark_region_px(crop, (width, height), (mark_x, mark_y)))
    font = ImageFont.truetype(printing_settings.FONT_REGULAR, round(AI_MARK_PT / 72 * dpi))
    draw = ImageDraw.Draw(image)
    px_per_mm = dpi / 25.4
    draw.text(
        (mark_x * px_per_mm, size_px[1] - mark_y * px_per_mm),
        AI_NOTE,
        font=font,
        fill=(255, 255, 255) if dark else (0, 0, 0),
        anchor="rs",  # right, baseline: as the PDF's drawRightString
    )
    buffer = io.BytesIO()
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    image.save(buffer, format="PNG", dpi=(dpi, dpi), icc_profile=srgb, compress_level=3)
    report = check.finish(png=image)
    return PrintFile(buffer.getvalue(), "png", "image/png", report)


# --- Sticker sheet ----------------------------------------------------------------------------


def _cutout(render: Image.Image) -> Image.Image:
    """The figure without its backdrop (packaging's cut-out), cropped to what is opaque."""
    from printing.packaging import art_cutout

    cut = art_cutout(render).convert("RGBA")
    # The same threshold as packaging's own trim, so it finds nothing more to crop.
    bbox = cut.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    return cut.crop(bbox) if bbox else cut


def alpha_contour_mm(
    alpha: Image.Image, *, w_mm: float, h_mm: float, offset_mm: float, px_per_mm: float = 5.0
) -> list[Point]:
    """A closed outline around the opaque part of `alpha` (placed at w_mm x h_mm), grown by
    offset_mm and smoothed: the kiss-cut path of a die-cut sticker. Points in mm relative to
    the art's lower-left corner. Disconnected parts are wrapped in their convex hull."""
    import cv2
    import numpy as np

    w_px = max(2, round(w_mm * px_per_mm))
    h_px = max(2, round(h_mm * px_per_mm))
    radius = max(1, round(offset_mm * px_per_mm))
    pad = radius + 3
    small = np.asarray(alpha.resize((w_px, h_px), Image.Resampling.BILINEAR))
    mask = np.zeros((h_px + 2 * pad, w_px + 2 * pad), np.uint8)
    mask[pad : pad + h_px, pad : pad + w_px] = np.where(small > 96, 255, 0).astype(np.uint8)
    if not mask.any():
        mask[pad : pad + h_px, pad : pad + w_px] = 255
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    grown = cv2.dilate(mask, kernel)
    # Blur + threshold rounds the inner corners a blade cannot follow.
    grown = cv2.GaussianBlur(grown, (0, 0), sigmaX=max(1.0, radius / 2))
    _, grown = cv2.threshold(grown, 127, 255, cv2.THRESH_BINARY)
    contours, _hierarchy = cv2.findContours(grown, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return pdf.rounded_rect_points(
            -offset_mm, -offset_mm, w_mm + 2 * offset_mm, h_mm + 2 * offset_mm, offset_mm
        )
    outline = contours[0] if len(contours) == 1 else cv2.convexHull(np.vstack(contours))
    outline = cv2.approxPolyDP(outline, 0.35, True)
    return [
        ((float(x) - pad) / px_per_mm, h_mm - (float(y) - pad) / px_per_mm)
        for x, y in outline.reshape(-1, 2)
    ]


@dataclass
class _Sticker:
    cut: list[Point]  # absolute mm on the page
    draw: Callable[[], None]


def _figure_sticker(
    doc: PrintDocument,
    check: Preflight,
    cut: Image.Image,
    *,
    name: str,
    cell: tuple[float, float, float, float],
) -> _Sticker:
    x, y, w, h = cell
    border = STICKER_BORDER_MM
    avail_w, avail_h = w - 2 * border, h - 2 * border
    scale = min(avail_w / cut.width, avail_h / cut.height)  # mm per source pixel
    # Not larger than the source supports at MIN_DPI / STICKER_MAX_UPSCALE.
    max_scale = 25.4 * STICKER_MAX_UPSCALE / printing_settings.MIN_DPI
    scale = min(scale, max_scale)
    art_w, art_h = cut.width * scale, cut.height * scale
    art_x, art_y = x + (w - art_w) / 2, y + (h - art_h) / 2
    outline = [
        (art_x + px, art_y + py)
        for px, py in alpha_contour_mm(
            cut.getchannel("A"), w_mm=art_w, h_mm=art_h, offset_mm=border
        )
    ]
    pixels = check.prepare(cut, name=name, w_mm=art_w, h_mm=art_h)

    def draw() -> None:
        c = doc.canvas
        c.saveState()
        c.setFillColor(WHITE)
        c.clipPath(doc.polygon_path(outline), stroke=0, fill=1)
        # Flattened onto white: the white sticker face; the clip removes the corners.
        doc.image(pixels, x=art_x, y=art_y, w=art_w, h=art_h)
        c.restoreState()

    return _Sticker(outline, draw)


def _badge_sticker(
    doc: PrintDocument,
    text: str,
    *,
    cell: tuple[float, float, float, float],
    fill: CMYKColor,
    ink: CMYKColor,
    max_height_mm: float,
    bold: bool = True,
) -> _Sticker:
    """A rounded label with one line of text: white border, coloured face."""
    x, y, w, h = cell
    border = 1.8
    badge_h = min(h, max_height_mm)
    font = doc.fonts.bold if bold else doc.fonts.regular
    size = pdf.fit_font_size(
        text, font, max_width_mm=w - 2 * border - 6.0, size_pt=badge_h * 0.42 / pdf.PT
    )
    badge_w = min(w, pdf.text_width_mm(text, font, size) + 2 * border + 6.0)
    bx, by = x + (w - badge_w) / 2, y + (h - badge_h) / 2
    outline = pdf.rounded_rect_points(bx, by, badge_w, badge_h, badge_h / 2)

    def draw() -> None:
        c = doc.canvas
        c.setFillColor(WHITE)
        c.drawPath(doc.polygon_path(outline), stroke=0, fill=1)
        inner = pdf.rounded_rect_points(
            bx + border,
            by + border,
            badge_w - 2 * border,
            badge_h - 2 * border,
            badge_h / 2 - border,
        )
        c.setFillColor(fill)
        c.drawPath(doc.polygon_path(inner), stroke=0, fill=1)
        doc.text(
            text,
            x=bx + badge_w / 2,
            y=by + badge_h / 2 - size * pdf.PT * 0.35,
            size_pt=size,
            colour=ink,
            bold=bold,
            align="centre",
        )

    return _Sticker(outline, draw)


def build_sticker_sheet(spec: ProductSpec, render: Image.Image) -> PrintFile:
    width, height = _size(spec)
    bleed = printing_settings.BLEED_MM
    theme = theme_for(spec.box_theme)
    check = Preflight(
        kind=spec.kind,
        label=spec.label,
        trim_mm=(width, height),
        bleed_mm=bleed,
        expect_separations=("CutContour",),
    )
    _check_glyphs(check, [spec.figure_name, spec.tagline, *spec.accessories])
    doc = PrintDocument(
        width_mm=width, height_mm=height, title=f"{spec.figure_name} sticker sheet {spec.label}"
    )
    cut = _cutout(render)
    # A grid of 3 x 4 cells: the big figure spans 2 x 2; the name, the tagline and three
    # small figures fill the next cells; the bottom row takes the accessories.
    margin, gap = STICKER_SHEET_MARGIN_MM, STICKER_GAP_MM
    note_h = 6.0
    x0, x1 = margin, width - margin
    y0, y1 = margin + note_h, height - margin
    cell_w = (x1 - x0 - 2 * gap) / 3
    cell_h = (y1 - y0 - 3 * gap) / 4

    def cell(col: int, row: int, cols: int = 1, rows: int = 1) -> tuple[float, float, float, float]:
        """Row 0 at the top."""
        w = cols * cell_w + (cols - 1) * gap
        h = rows * cell_h + (rows - 1) * gap
        top = y1 - row * (cell_h + gap)
        return (x0 + col * (cell_w + gap), top - h, w, h)

    badge_h = min(cell_h * 0.55, 18.0)
    name_badge = {"fill": theme.background, "ink": theme.title, "max_height_mm": badge_h}
    middle = spec.tagline or spec.figure_name
    stickers = [
        _figure_sticker(doc, check, cut, name="figure (big)", cell=cell(0, 0, 2, 2)),
        _badge_sticker(doc, spec.figure_name, cell=cell(2, 0), **name_badge),
        _figure_sticker(doc, check, cut, name="figure (small 1)", cell=cell(2, 1)),
        _figure_sticker(doc, check, cut, name="figure (small 2)", cell=cell(0, 2)),
        _badge_sticker(doc, middle, cell=cell(1, 2), bold=middle == spec.figure_name, **name_badge),
        _figure_sticker(doc, check, cut, name="figure (small 3)", cell=cell(2, 2)),
    ]
    bottom = [a for a in spec.accessories if a.strip()][:3]
    extras = [t for t in (spec.figure_name, printing_settings.BRAND_NAME) if t]
    while len(bottom) < 3 and extras:
        bottom.append(extras.pop(0))
    for col, text in enumerate(bottom):
        stickers.append(
            _badge_sticker(
                doc,
                text,
                cell=cell(col, 3),
                fill=theme.accent,
                ink=theme.on_accent,
                max_height_mm=badge_h * 0.8,
            )
        )
    with doc.mm_space():
        doc.fill_bleed(theme.light)
        for sticker in stickers:
            sticker.draw()
        doc.text(
            f"{AI_NOTE} · {printing_settings.BRAND_NAME}",
            x=width / 2,
            y=printing_settings.SAFE_MARGIN_MM + 1.5,
            size_pt=6.5,
            colour=theme.dark,
            align="centre",
        )
        doc.spot_stroke([doc.polygon_path(s.cut) for s in stickers], CUT_CONTOUR)
    content = doc.finish()
    return PrintFile(content, "pdf", "application/pdf", check.finish(pdf=content))


# --- Box --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxNet:
    """The flat net of a tuck-end box with a hang tab; mm, origin at the net's lower-left.

    Left to right: glue flap, side, front, side, back. The top tuck flap hangs on the front,
    the bottom tuck flap on the back (reverse tuck), dust flaps on the sides, and the back runs
    on upward into the hang tab with its euro slot."""

    width: float  # front panel (the product size)
    height: float
    depth: float
    glue: float = GLUE_FLAP_MM
    tuck: float = TUCK_MM
    hang_tab: float = HANG_TAB_MM

    @property
    def base(self) -> float:
        """y of the panels' bottom edge (the bottom flap and its tongue lie below it)."""
        return self.depth + self.tuck

    @property
    def size(self) -> tuple[float, float]:
        top = max(self.depth + self.tuck, self.hang_tab)
        return (self.glue + 2 * self.depth + 2 * self.width, self.base + self.height + top)

    def panel(self, name: str) -> tuple[float, float, float, float]:
        g, d, w, h, b = self.glue, self.depth, self.width, self.height, self.base
        return {
            "glue": (0.0, b, g, h),
            "side_left": (g, b, d, h),
            "front": (g + d, b, w, h),
            "side_right": (g + d + w, b, d, h),
            "back": (g + 2 * d + w, b, w, h),
            "top": (g + d, b + h, w, d),
            "top_tuck": (g + d, b + h + d, w, self.tuck),
            "bottom": (g + 2 * d + w, b - d, w, d),
            "bottom_tuck": (g + 2 * d + w, 0.0, w, self.tuck),
            "hang_tab": (g + 2 * d + w, b + h, w, self.hang_tab),
        }[name]

    @property
    def dust_flap(self) -> float:
        return min(self.width / 2 - 3.0, max(15.0, 0.6 * self.depth))

    def outline(self) -> list[Point]:
        """The outer cut line, clockwise from the glue flap's lower hinge corner."""
        g, d, w, h, b, t = self.glue, self.depth, self.width, self.height, self.base, self.tuck
        f = self.dust_flap
        top = b + h
        r = min(t * 0.6, 8.0)
        pts: list[Point] = [(g, b), (0.0, b + 6.0), (0.0, top - 6.0), (g, top)]
        # left dust flap (top)
        x0, x1 = g, g + d
        pts += [(x0 + 1.0, top + f), (x1 - 0.45 * f, top + f), (x1, top + 1.0)]
        # top flap + tongue (on the front)
        x0, x1 = g + d, g + d + w
        pts += [(x0, top + 1.0), (x0, top + d), (x0 + 1.0, top + d)]
        pts += pdf.arc_points(x0 + 1.0 + r, top + d + t - r, r, 180.0, 90.0, steps=8)
        pts += pdf.arc_points(x1 - 1.0 - r, top + d + t - r, r, 90.0, 0.0, steps=8)
        pts += [(x1 - 1.0, top + d), (x1, top + d), (x1, top + 1.0)]
        # right dust flap (top)
        x0, x1 = g + d + w, g + 2 * d + w
        pts += [(x0, top + 1.0), (x0 + 0.45 * f, top + f), (x1 - 1.0, top + f), (x1, top)]
        # hang tab (the back running on upward)
        x0, x1 = g + 2 * d + w, g + 2 * d + 2 * w
        rt = 8.0
        pts += pdf.arc_points(x0 + rt, top + self.hang_tab - rt, rt, 180.0, 90.0, steps=8)
        pts += pdf.arc_points(x1 - rt, top + self.hang_tab - rt, rt, 90.0, 0.0, steps=8)
        # right edge down, bottom flap + tongue (on the back)
        pts += [(x1, b), (x1, b - d), (x1 - 1.0, b - d)]
        pts += pdf.arc_points(x1 - 1.0 - r, b - d - t + r, r, 0.0, -90.0, steps=8)
        pts += pdf.arc_points(x0 + 1.0 + r, b - d - t + r, r, -90.0, -180.0, steps=8)
        pts += [(x0 + 1.0, b - d), (x0, b - d), (x0, b - 1.0)]
        # right dust flap (bottom)
        x0, x1 = g + d + w, g + 2 * d + w
        pts += [(x1, b - 1.0), (x1 - 1.0, b - f), (x0 + 0.45 * f, b - f), (x0, b)]
        # the front's bottom edge is a plain cut (the bottom flap tucks in behind it)
        x0, x1 = g, g + d
        pts += [(x1, b), (x1 - 0.45 * f, b - f), (x0 + 1.0, b - f)]
        return pts  # closes back to (g, b)

    def folds(self) -> list[tuple[Point, Point]]:
        g, d, w, h, b = self.glue, self.depth, self.width, self.height, self.base
        top = b + h
        lines: list[tuple[Point, Point]] = [
            ((x, b), (x, top)) for x in (g, g + d, g + d + w, g + 2 * d + w)
        ]
        lines += [
            ((g, top), (g + d, top)),  # dust flap hinges
            ((g + d + w, top), (g + 2 * d + w, top)),
            ((g, b), (g + d, b)),
            ((g + d + w, b), (g + 2 * d + w, b)),
            ((g + d, top), (g + d + w, top)),  # top flap
            ((g + d + 1.0, top + d), (g + d + w - 1.0, top + d)),  # its tongue
            ((g + 2 * d + w, b), (g + 2 * d + 2 * w, b)),  # bottom flap
            ((g + 2 * d + w + 1.0, b - d), (g + 2 * d + 2 * w - 1.0, b - d)),  # its tongue
        ]
        return lines

    def euro_slot(self) -> list[Point]:
        """A euro slot (a 27 x 8.5 mm slot with a round centre) centred in the hang tab."""
        x, y, w, _h = self.panel("hang_tab")
        cx, cy = x + w / 2, y + self.hang_tab / 2 - 1.0
        half, r_end, r_mid, lift = 11.0, 2.5, 4.0, 2.0
        meet = math.sqrt(r_mid**2 - (r_end - lift) ** 2)  # where the circle leaves the slot
        angle = math.degrees(math.atan2(r_end - lift, meet))
        pts: list[Point] = [(cx + meet, cy + r_end), (cx + half, cy + r_end)]
        pts += pdf.arc_points(cx + half, cy, r_end, 90.0, -90.0, steps=8)
        pts += [(cx - half, cy - r_end)]
        pts += pdf.arc_points(cx - half, cy, r_end, 270.0, 90.0, steps=8)
        pts += [(cx - meet, cy + r_end)]
        pts += pdf.arc_points(cx, cy + lift, r_mid, 180.0 - angle, angle, steps=12)
        return pts


def box_net_for(width_mm: float, height_mm: float) -> BoxNet:
    large = max(width_mm, height_mm) >= BOX_LARGE_FROM_HEIGHT_MM
    return BoxNet(
        width=width_mm,
        height=height_mm,
        depth=BOX_DEPTH_MM["large" if large else "standard"],
    )


def _qr(doc: PrintDocument, value: str, *, x: float, y: float, size: float) -> None:
    """A QR code as vector squares in K only, on a white square with a 2-module quiet zone."""
    encoder = QrCodeWidget(value, barLevel="M").qr
    encoder.make()
    modules = encoder.modules
    quiet = 2
    step = size / (len(modules) + 2 * quiet)
    c = doc.canvas
    c.setFillColor(WHITE)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(BLACK)
    path = c.beginPath()
    for row_index, row in enumerate(modules):
        top = y + size - (row_index + quiet) * step
        col = 0
        while col < len(row):
            if not row[col]:
                col += 1
                continue
            start = col
            while col < len(row) and row[col]:
                col += 1
            path.rect(x + (start + quiet) * step, top - step, (col - start) * step, step)
    c.drawPath(path, stroke=0, fill=1)


def _paragraph_lines(text: str, font: str, size_pt: float, width_mm: float) -> list[str]:
    from reportlab.lib.utils import simpleSplit

    return list(simpleSplit(text, font, size_pt, width_mm / pdf.PT))


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
    name_size = pdf.fit_font_size(
        spec.figure_name,
        doc.fonts.bold,
        max_width_mm=text_w,
        size_pt=min(30.0, w * 0.22 / pdf.PT * 0.9),
    )
    cursor -= name_size * pdf.PT
    doc.text(spec.figure_name, x=left, y=cursor, size_pt=name_size, colour=theme.dark, bold=True)
    body = 9.0 if w < 150 else 11.0
    lead = body * pdf.PT * 1.35
    if spec.tagline:
        for line in _paragraph_lines(spec.tagline, doc.fonts.regular, body + 2, text_w):
            cursor -= (body + 2) * pdf.PT * 1.35
            doc.text(line, x=left, y=cursor, size_pt=body + 2, colour=theme.dark)
    accessories = [a for a in spec.accessories if a.strip()]
    if accessories:
        cursor -= lead * 1.6
        doc.text("Accessories", x=left, y=cursor, size_pt=body, colour=theme.dark, bold=True)
        for item in accessories:
            for i, line in enumerate(_paragraph_lines(item, doc.fonts.regular, body, text_w - 4.0)):
                cursor -= lead
                doc.text(
                    ("• " if i == 0 else "  ") + line,
                    x=left,
                    y=cursor,
                    size_pt=body,
                    colour=theme.dark,
                )
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
    line_y = qr_y + qr - 7.0 * pdf.PT
    for line in note_lines:
        doc.text(line, x=left, y=line_y, size_pt=7.0, colour=theme.dark)
        line_y -= 7.0 * pdf.PT * 1.3
    doc.text(
        printing_settings.BRAND_NAME, x=left, y=qr_y, size_pt=8.0, colour=theme.dark, bold=True
    )


def _draw_sides_and_flaps(doc: PrintDocument, net: BoxNet, spec: ProductSpec, theme: Theme) -> None:
    brand = printing_settings.BRAND_NAME
    for panel in ("side_left", "side_right"):
        x, y, w, h = net.panel(panel)
        size = pdf.fit_font_size(
            spec.figure_name, doc.fonts.bold, max_width_mm=h * 0.6, size_pt=w * 0.45 / pdf.PT
        )
        # Reads bottom to top, as on a shelf.
        doc.text(
            spec.figure_name,
            x=x + w / 2 + size * pdf.PT * 0.35,
            y=y + h / 2,
            size_pt=size,
            colour=theme.title,
            bold=True,
            align="centre",
            angle=90,
            outline=theme.dark,
            outline_mm=size * pdf.PT * 0.04,
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
    size = pdf.fit_font_size(
        spec.figure_name, doc.fonts.bold, max_width_mm=w * 0.8, size_pt=h * 0.35 / pdf.PT
    )
    doc.text(
        spec.figure_name,
        x=x + w / 2,
        y=y + h / 2 - size * pdf.PT * 0.35,
        size_pt=size,
        colour=theme.title,
        bold=True,
        align="centre",
        outline=theme.dark,
        outline_mm=size * pdf.PT * 0.04,
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


def _front_layout(spec: ProductSpec, art: Image.Image) -> Any:
    from printing import packaging

    return packaging.packaging_layout(
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
    from printing import packaging

    width, height = _size(spec)
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
    cut = _cutout(render)
    # Packaging places the figure (layout.figure, mm); bring it to print resolution for
    # exactly that size and lay the panel out again with it (same aspect: same place).
    layout = _front_layout(spec, cut)
    if layout.figure is not None:
        art = check.prepare(cut, name="figure art", w_mm=layout.figure.w, h_mm=layout.figure.h)
        if art is not cut:
            layout = _front_layout(spec, art)
    _check_glyphs(check, [spec.figure_name, spec.tagline, *spec.accessories])
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
    packaging.draw_pdf(doc.canvas, layout, x_pt=doc.x_pt(fx), y_pt=doc.y_pt(fy), bleed_mm=bleed)
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
