"""The customer's preview of the packaging front."""

from __future__ import annotations

import hashlib
import io
import json
from typing import TYPE_CHECKING

from django.core.cache import cache
from PIL import Image

from core.conf import core_settings
from core.provenance import claim_generator, composite_sign
from printing.packaging.layout import packaging_layout
from printing.packaging.render_png import render_png

if TYPE_CHECKING:
    from figures.models import FigureDesign

# The signed preview, per design. It shows the customer's face: kept no longer than the
# browser may keep it (Cache-Control max-age in printing.views), and forgotten with the design
# (packaging_preview_forget).
PREVIEW_CACHE_SECONDS = 3600


def packaging_preview_png(
    *, design: FigureDesign, width_mm: float = 120, height_mm: float = 180, dpi: int = 120
) -> bytes:
    """The front of the blister card for an approved design, as PNG bytes (unsigned)."""
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


def _cache_key(design: FigureDesign) -> str:
    return f"minime:packaging-preview:{design.pk}"


def _inputs_digest(design: FigureDesign) -> str:
    """Everything the signed preview depends on: the design's box fields, the render file,
    the product version and the signing certificate (a new one re-signs)."""
    try:
        chain = core_settings.C2PA_CERT_CHAIN
        identity = f"{chain}:{chain.stat().st_mtime_ns}"
    except OSError:
        identity = "unsigned"
    render = design.approved_render
    inputs = [
        design.name,
        design.tagline,
        [str(a) for a in (design.accessories or [])],
        design.box_theme,
        str(render.pk) if render else None,
        render.image.name if render else None,
        claim_generator(),
        identity,
    ]
    return hashlib.sha256(json.dumps(inputs, default=str).encode()).hexdigest()


def packaging_preview_signed(*, design: FigureDesign) -> bytes:
    """packaging_preview_png with IPTC XMP and a signed C2PA composite manifest, cached per
    design: a second view costs one cache read."""
    key, digest = _cache_key(design), _inputs_digest(design)
    cached = cache.get(key)
    if isinstance(cached, tuple) and len(cached) == 2 and cached[0] == digest:
        return bytes(cached[1])
    png = composite_sign(
        packaging_preview_png(design=design),
        "image/png",
        software_agent=f"{claim_generator()} packaging preview",
        description="AI-generated figure render placed on the packaging artwork",
        title="packaging-preview.png",
    )
    cache.set(key, (digest, png), PREVIEW_CACHE_SECONDS)
    return png


def packaging_preview_forget(design: FigureDesign) -> None:
    """Drop the cached preview (call when the design or its render is deleted)."""
    cache.delete(_cache_key(design))
