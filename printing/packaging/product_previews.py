"""The customer's preview images of each product, made by the same builders that make the print
files (printing.products): the art print's PDF in a simple frame mock-up, the sticker sheet's PDF
with its kiss-cut lines, the box front (the packaging layout the box's front panel prints), the
digital download's composition, and the share card (the box front on a square for social
networks, with a visible AI label). Pure functions of the design's fields and render image: no
database, no signing (printing.packaging.preview stores and signs them).

The PDFs are rasterised with poppler's pdftoppm (Debian's poppler-utils)."""

from __future__ import annotations

import hashlib
import io
import subprocess
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFilter

from printing.conf import printing_settings
from printing.packaging.layout import packaging_layout
from printing.packaging.render_png import render_png
from printing.press.fonts import pil_font
from printing.press.palettes import palette_for
from printing.products import ProductSpec, build

# Preview widths in pixels (the product page shows them at about 240 px; 2x for sharp screens).
PREVIEW_WIDTH_PX = 480
SHARE_CARD_PX = 1080
RASTER_TIMEOUT_S = 60
BOX_DEFAULT_MM = (120.0, 180.0)
FRAME_WOOD = (58, 44, 34)
FRAME_MAT = (246, 244, 238)
BACKDROP = (236, 233, 228)


@dataclass(frozen=True)
class PreviewInputs:
    """What a preview is made of: the design's box fields and the product's size."""

    name: str
    tagline: str
    accessories: tuple[str, ...]
    box_theme: str
    width_mm: float
    height_mm: float


class PreviewError(RuntimeError):
    """The preview cannot be made here (e.g. pdftoppm is missing)."""


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()


def _spec(kind: str, inputs: PreviewInputs) -> ProductSpec:
    return ProductSpec(
        kind=kind,
        label=f"{inputs.width_mm:g} x {inputs.height_mm:g} mm",
        width_mm=inputs.width_mm,
        height_mm=inputs.height_mm,
        figure_name=inputs.name,
        tagline=inputs.tagline,
        accessories=inputs.accessories,
        box_theme=inputs.box_theme,
    )


def pdf_first_page_trim(pdf: bytes, *, trim_mm: tuple[float, float], width_px: int) -> Image.Image:
    """The first page of a print PDF as RGB pixels, cut to its trim (the bleed dropped)."""
    bleed = printing_settings.BLEED_MM
    page_w_mm = trim_mm[0] + 2 * bleed
    dpi = width_px / (trim_mm[0] / 25.4)
    # Hairlines (the kiss-cut path) at least one solid pixel wide.
    command = ["pdftoppm", "-png", "-r", f"{dpi:.2f}", "-f", "1", "-l", "1", "-singlefile"]
    command += ["-thinlinemode", "solid", "-"]
    try:
        done = subprocess.run(
            command,
            input=pdf,
            capture_output=True,
            timeout=RASTER_TIMEOUT_S,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise PreviewError(f"pdftoppm could not rasterise the print file: {exc}") from exc
    page = Image.open(io.BytesIO(done.stdout)).convert("RGB")
    px_per_mm = page.width / page_w_mm
    b = round(bleed * px_per_mm)
    return page.crop((b, b, page.width - b, page.height - b))


# The last art print page rasterised (key: inputs, render digest, width): the art print and the
# digital download previews share it, so a design's previews build the art print once.
_art_pages: dict[tuple[object, ...], Image.Image] = {}


def art_print_page(inputs: PreviewInputs, render: Image.Image, *, width_px: int) -> Image.Image:
    """The art print's own PDF (printing.products.art_print), rasterised to its trim."""
    key = (inputs, hashlib.sha256(render.tobytes()).hexdigest(), render.size, width_px)
    page = _art_pages.get(key)
    if page is None:
        page = pdf_first_page_trim(
            build(_spec("art_print", inputs), render).content,
            trim_mm=(inputs.width_mm, inputs.height_mm),
            width_px=width_px,
        )
        _art_pages.clear()
        _art_pages[key] = page
    return page.copy()


def art_print_preview(inputs: PreviewInputs, render: Image.Image) -> bytes:
    """The art print's own PDF, in a dark wooden frame with a white mat, on a wall."""
    art = art_print_page(inputs, render, width_px=PREVIEW_WIDTH_PX).resize(
        (PREVIEW_WIDTH_PX * 3 // 4, round(art_h_ratio(inputs) * PREVIEW_WIDTH_PX * 3 / 4)),
        Image.Resampling.LANCZOS,
    )
    art_w = art.width
    mat = round(art_w * 0.08)
    wood = round(art_w * 0.045)
    margin = (PREVIEW_WIDTH_PX - art_w) // 2 - mat - wood
    frame_w, frame_h = art.width + 2 * (mat + wood), art.height + 2 * (mat + wood)
    canvas = Image.new("RGB", (PREVIEW_WIDTH_PX, frame_h + 2 * margin), BACKDROP)
    shadow = Image.new("L", canvas.size, 0)
    ImageDraw.Draw(shadow).rectangle(
        (margin + 6, margin + 10, margin + frame_w + 6, margin + frame_h + 10), fill=110
    )
    canvas.paste((90, 84, 78), mask=shadow.filter(ImageFilter.GaussianBlur(8)))
    draw = ImageDraw.Draw(canvas)
    draw.rectangle((margin, margin, margin + frame_w - 1, margin + frame_h - 1), fill=FRAME_WOOD)
    inner = margin + wood
    mat_box = (inner, inner, inner + art.width + 2 * mat - 1, inner + art.height + 2 * mat - 1)
    draw.rectangle(mat_box, fill=FRAME_MAT)
    canvas.paste(art, (inner + mat, inner + mat))
    return _png(canvas)


def sticker_sheet_preview(inputs: PreviewInputs, render: Image.Image) -> bytes:
    """The sticker sheet's own PDF, its kiss-cut lines drawn in the cut spot colour."""
    sheet = pdf_first_page_trim(
        build(_spec("sticker_sheet", inputs), render).content,
        trim_mm=(inputs.width_mm, inputs.height_mm),
        width_px=PREVIEW_WIDTH_PX,
    )
    return _png(sheet)


def digital_preview(inputs: PreviewInputs, render: Image.Image) -> bytes:
    """The digital download's composition (the art print's page, unframed)."""
    return _png(art_print_page(inputs, render, width_px=PREVIEW_WIDTH_PX))


def art_h_ratio(inputs: PreviewInputs) -> float:
    return inputs.height_mm / inputs.width_mm


def box_front_image(inputs: PreviewInputs, render: Image.Image, *, dpi: float) -> Image.Image:
    """The front of the blister card: the packaging layout the box's front panel prints."""
    layout = packaging_layout(
        name=inputs.name,
        tagline=inputs.tagline,
        accessories=list(inputs.accessories),
        box_theme=inputs.box_theme,
        art=render,
        width_mm=inputs.width_mm,
        height_mm=inputs.height_mm,
        order_code=None,
    )
    return render_png(layout, dpi=round(dpi))


def box_preview(inputs: PreviewInputs, render: Image.Image) -> bytes:
    return _png(box_front_image(inputs, render, dpi=120))


def share_card(inputs: PreviewInputs, render: Image.Image) -> bytes:
    """A 1080 x 1080 square: the box front centred on its theme's colour, with a visible
    "AI-generated" label in the corner (the box's own mark is small at this size)."""
    size = SHARE_CARD_PX
    palette = palette_for(inputs.box_theme)
    card = Image.new("RGB", (size, size), palette.dark.rgb)
    box_h = size * 0.82  # clear of the corner label
    box = box_front_image(inputs, render, dpi=box_h / (inputs.height_mm / 25.4)).convert("RGB")
    if box.height > box_h or box.width > size * 0.9:
        box.thumbnail((round(size * 0.9), round(box_h)), Image.Resampling.LANCZOS)
    card.paste(box, ((size - box.width) // 2, (size - box.height) // 2))
    draw = ImageDraw.Draw(card)
    font = pil_font(printing_settings.FONT_BOLD, 30)
    label = _("AI-generated")
    left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
    pad_x, pad_y, x, y = 18, 10, 28, 28
    pill = (x, y, x + right - left + 2 * pad_x, y + bottom - top + 2 * pad_y)
    draw.rounded_rectangle(pill, radius=(pill[3] - pill[1]) // 2, fill=(255, 255, 255))
    draw.text((x + pad_x - left, y + pad_y - top), label, font=font, fill=(17, 17, 17))
    return _png(card)


RENDERERS = {
    "box": box_preview,
    "art_print": art_print_preview,
    "sticker_sheet": sticker_sheet_preview,
    "digital": digital_preview,
    "share_card": share_card,
}
