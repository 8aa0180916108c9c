"""The customer's preview of the packaging front."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image

from printing.packaging.layout import packaging_layout
from printing.packaging.render_png import render_png

if TYPE_CHECKING:
    from figures.models import FigureDesign


def packaging_preview_png(
    *, design: FigureDesign, width_mm: float = 120, height_mm: float = 180, dpi: int = 120
) -> bytes:
    """The front of the blister card for an approved design, as PNG bytes."""
    render = design.approved_render
    if render is None:
        raise ValueError("Only an approved design has packaging art.")
    with render.image.open("rb") as stored:
        art = Image.open(stored)
        art.load()
    layout = packaging_layout(
        name=design.name,
        tagline=design.tagline,
        accessories=[str(a) for a in (design.accessories or [])],
        box_theme=design.box_theme,
        art=art,
        width_mm=width_mm,
        height_mm=height_mm,
        order_code=None,
    )
    buffer = io.BytesIO()
    render_png(layout, dpi=dpi).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
