"""The customer's previews of an approved design (the packaging front, every product, the share
card), stored once and served from private storage.

A worker renders them when the design is approved (printing.receivers on
figures.signals.design_approved -> printing.tasks.render_design_previews); each one is signed
(IPTC XMP + a C2PA composite manifest) and stored as a DesignPreview row with the digest of its
inputs. A view reads the stored bytes while the digest still matches (a changed tagline or box
theme, another render, a new signing certificate make it stale) and renders synchronously only
when the file is missing or stale. They show the customer's face: deleted with the design and
with its render (printing.receivers), listed in the data export (printing.privacy)."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import translation
from PIL import Image

from core.conf import core_settings
from core.provenance import claim_generator, composite_sign
from printing.models import DesignPreview, PreviewKind
from printing.packaging.product_previews import BOX_DEFAULT_MM, RENDERERS, PreviewInputs
from shop.models import ProductVariant

if TYPE_CHECKING:
    from figures.models import FigureDesign

logger = logging.getLogger(__name__)

# The size a product's preview shows when the catalog has no sized variant of it (mm).
DEFAULT_SIZES_MM: dict[str, tuple[float, float]] = {
    PreviewKind.BOX: BOX_DEFAULT_MM,
    PreviewKind.ART_PRINT: (210.0, 297.0),
    PreviewKind.STICKER_SHEET: (148.0, 210.0),
    PreviewKind.DIGITAL: (210.0, 297.0),
    PreviewKind.SHARE_CARD: BOX_DEFAULT_MM,
}
# The product previews the worker renders on approval (the share card waits for its download).
PRODUCT_KINDS = (
    PreviewKind.BOX,
    PreviewKind.ART_PRINT,
    PreviewKind.STICKER_SHEET,
    PreviewKind.DIGITAL,
)
TITLES: dict[str, str] = {
    PreviewKind.BOX: "packaging-preview.png",
    PreviewKind.SHARE_CARD: "share-card.png",
}


def _size_mm(kind: str) -> tuple[float, float]:
    """The first sized variant of the product (the one the page lists first), else a default."""
    catalog_kind = PreviewKind.BOX if kind == PreviewKind.SHARE_CARD else kind
    variant = (
        ProductVariant.objects.filter(
            product__kind=catalog_kind,
            is_active=True,
            width_mm__isnull=False,
            height_mm__isnull=False,
        )
        .order_by("product__position", "position", "pk")
        .values_list("width_mm", "height_mm")
        .first()
    )
    if variant is None or kind == PreviewKind.DIGITAL:
        return DEFAULT_SIZES_MM[kind]
    return float(variant[0] or 0), float(variant[1] or 0)


def preview_inputs(design: FigureDesign, kind: str) -> PreviewInputs:
    width, height = _size_mm(kind)
    return PreviewInputs(
        name=design.name,
        tagline=design.tagline,
        accessories=tuple(str(a) for a in (design.accessories or [])),
        box_theme=design.box_theme,
        width_mm=width,
        height_mm=height,
    )


def _signer_identity() -> str:
    try:
        chain = core_settings.C2PA_CERT_CHAIN
        return f"{chain}:{chain.stat().st_mtime_ns}"
    except OSError:
        return "unsigned"


def preview_digest(design: FigureDesign, kind: str, inputs: PreviewInputs) -> str:
    """Everything a stored preview depends on: its kind, language and inputs (box fields,
    size), the render file, the product version and the signing certificate (a new one re-signs)."""
    render = design.approved_render
    parts = [
        kind,
        translation.get_language(),  # the AI label and the box's brand texts are translated
        inputs.__dict__,
        str(render.pk) if render else None,
        render.image.name if render else None,
        claim_generator(),
        _signer_identity(),
    ]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def preview_render(*, design: FigureDesign, kind: str, inputs: PreviewInputs) -> bytes:
    """Render one preview of an approved design and sign it (not stored)."""
    render = design.approved_render
    if render is None:
        raise ValueError("Only an approved design has previews.")
    with render.image.open("rb") as stored:
        decoded = Image.open(stored)
        decoded.load()
    art = decoded.convert("RGB") if decoded.mode != "RGB" else decoded
    png = RENDERERS[kind](inputs, art)
    return composite_sign(
        png,
        "image/png",
        software_agent=f"{claim_generator()} {kind.replace('_', ' ')} preview",
        description="AI-generated figure render placed on the product artwork",
        title=TITLES.get(kind, f"{kind.replace('_', '-')}-preview.png"),
    )


def _stored_bytes(row: DesignPreview | None, digest: str) -> bytes | None:
    if row is None or row.inputs_digest != digest or not row.file:
        return None
    try:
        with row.file.storage.open(str(row.file.name), "rb") as stored:
            return bytes(stored.read())
    except OSError:  # the file went missing: render it again
        return None


def _store(design: FigureDesign, kind: str, digest: str, png: bytes) -> None:
    """Keep the signed bytes as the design's preview of this kind; the file it replaces is
    deleted once this commits, the new one at once if the row does not commit (the design was
    deleted meanwhile)."""
    storage = DesignPreview._meta.get_field("file").storage
    new = ""
    try:
        with transaction.atomic():
            row, _created = DesignPreview.objects.select_for_update().get_or_create(
                design_id=design.pk, kind=kind
            )
            old = str(row.file.name or "")
            row.file.save(f"{kind}.png", ContentFile(png), save=False)
            new = str(row.file.name)
            row.inputs_digest = digest
            row.save(update_fields=["file", "inputs_digest", "updated_at"])
            if old and old != new:
                transaction.on_commit(lambda: storage.delete(old))
    except Exception:
        if new:
            storage.delete(new)
        raise


def preview_bytes(*, design: FigureDesign, kind: str) -> bytes:
    """The signed preview: the stored one while its inputs are unchanged, else rendered now
    and stored (the worker had not made it yet, or the design changed since)."""
    inputs = preview_inputs(design, kind)
    digest = preview_digest(design, kind, inputs)
    row = DesignPreview.objects.filter(design_id=design.pk, kind=kind).first()
    stored = _stored_bytes(row, digest)
    if stored is not None:
        return stored
    png = preview_render(design=design, kind=kind, inputs=inputs)
    _store(design, kind, digest, png)
    return png


def previews_refresh(*, design: FigureDesign, kinds: tuple[str, ...] = PRODUCT_KINDS) -> int:
    """Render and store every stale or missing preview of the design; returns how many."""
    made = 0
    for kind in kinds:
        inputs = preview_inputs(design, kind)
        digest = preview_digest(design, kind, inputs)
        row = DesignPreview.objects.filter(design_id=design.pk, kind=kind).first()
        fresh = row is not None and row.inputs_digest == digest and bool(row.file)
        if fresh and row is not None and row.file.storage.exists(str(row.file.name)):
            continue
        _store(design, kind, digest, preview_render(design=design, kind=kind, inputs=inputs))
        made += 1
    return made


def previews_delete(*, design_ids: list[Any]) -> int:
    """Delete the stored previews of these designs (rows now, files once this commits)."""
    rows = list(DesignPreview.objects.filter(design_id__in=design_ids))
    for row in rows:
        row.delete()  # the post_delete receiver deletes the file on commit
    return len(rows)


def packaging_preview_signed(*, design: FigureDesign) -> bytes:
    """The signed front of the blister card (stored; see preview_bytes)."""
    return preview_bytes(design=design, kind=PreviewKind.BOX)


def packaging_preview_forget(design: FigureDesign) -> None:
    """Drop the stored previews of the design (call when the design or its render goes)."""
    previews_delete(design_ids=[design.pk])
