"""The art print (A4 / A3 / 30 x 40 cm) and the digital download (its A4 composition as a PNG):
the whole render (not cut out) covers the page including the printer profile's bleed, centred;
a small "AI-generated" mark sits in the safe area, at the profile's minimum text size or more,
in K only (black) or no ink (white), whichever reads on the art under it."""

from __future__ import annotations

import io

from PIL import Image, ImageCms, ImageDraw

from core.provenance import claim_generator, composite_sign
from printing.conf import printing_settings
from printing.pdf import BLACK, WHITE, PrintDocument
from printing.preflight import Preflight
from printing.press.fonts import pil_font
from printing.products import PrintFile, ProductSpec
from printing.products.common import AI_NOTE, cover_crop, is_dark, spec_size

# The digital download has no size of its own: the A4 art print composition.
DIGITAL_SIZE_MM = (210.0, 297.0)
AI_MARK_PT = 7.0


def ai_mark_pt() -> float:
    """The AI mark's size: AI_MARK_PT, never below the printer's minimum."""
    return max(AI_MARK_PT, printing_settings.MIN_TEXT_PT)


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
    width, height = spec_size(spec)
    bleed = printing_settings.BLEED_MM
    page = (width + 2 * bleed, height + 2 * bleed)
    check = Preflight(kind=spec.kind, label=spec.label, trim_mm=(width, height), bleed_mm=bleed)
    crop = cover_crop(render.size, page[0] / page[1])
    pixels = check.prepare(render, name="render", w_mm=page[0], h_mm=page[1], crop=crop)
    doc = PrintDocument(
        width_mm=width, height_mm=height, title=f"{spec.figure_name} art print {spec.label}"
    )
    mark_x, mark_y = _ai_mark_box(width, height)
    # The mark's position on the bleed page (the crop spans the page incl. bleed).
    dark = is_dark(render, _mark_region_px(crop, page, (mark_x + bleed, mark_y + bleed)))
    with doc.mm_space():
        doc.image(pixels, x=-bleed, y=-bleed, w=page[0], h=page[1])
        doc.text(
            AI_NOTE,
            x=mark_x,
            y=mark_y,
            size_pt=ai_mark_pt(),
            # Small type in one ink (or none): nothing to misregister.
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
    crop = cover_crop(render.size, width / height)
    image = check.prepare(
        render, name="render", w_mm=width, h_mm=height, crop=crop, size_px=size_px
    ).convert("RGB")
    mark_x, mark_y = _ai_mark_box(width, height)
    dark = is_dark(render, _mark_region_px(crop, (width, height), (mark_x, mark_y)))
    font = pil_font(printing_settings.FONT_REGULAR, round(ai_mark_pt() / 72 * dpi))
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
    # The customer's file: IPTC XMP and a signed C2PA manifest (a composite with the render).
    png = composite_sign(
        buffer.getvalue(),
        "image/png",
        software_agent=f"{claim_generator()} digital download",
        description="AI-generated figure render placed on the art print with its AI mark",
        title="digital-download.png",
    )
    return PrintFile(png, "png", "image/png", report)
