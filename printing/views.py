"""Customer-facing printing views: previews of what will be printed, before ordering, and the
share card of an approved figure. Owner only (anyone else gets a 404), approved designs only."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from core.typing import AuthenticatedRequest
from figures import selectors as figure_selectors
from figures.models import DesignStatus, FigureDesign
from printing.models import PreviewKind
from printing.packaging.preview import preview_bytes

# Stored previews show the customer's face: the browser keeps them privately, for an hour.
PREVIEW_HEADERS = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}


def _approved_design(request: AuthenticatedRequest, design_id: UUID) -> FigureDesign:
    return get_object_or_404(
        figure_selectors.designs_of(owner=request.user)
        .filter(status=DesignStatus.APPROVED)
        .select_related("approved_render"),
        pk=design_id,
    )


def _png(design: FigureDesign, kind: str) -> HttpResponse:
    # Stored on approval by a worker; made (and stored) here when missing or stale.
    return HttpResponse(
        preview_bytes(design=design, kind=kind), content_type="image/png", headers=PREVIEW_HEADERS
    )


@login_required
@require_GET
def packaging_preview(request: AuthenticatedRequest, design_id: UUID) -> HttpResponse:
    """The front of the blister-pack box for one of the customer's approved designs."""
    return _png(_approved_design(request, design_id), PreviewKind.BOX)


@login_required
@require_GET
def product_preview(request: AuthenticatedRequest, design_id: UUID, kind: str) -> HttpResponse:
    """A product's preview (the URL converter admits the kinds printing previews)."""
    return _png(_approved_design(request, design_id), kind)


@login_required
@require_GET
def share_card(request: AuthenticatedRequest, design_id: UUID) -> HttpResponse:
    """The 1080 x 1080 share card (the figure in its box, labelled AI-generated), as a
    download."""
    design = _approved_design(request, design_id)
    response = _png(design, PreviewKind.SHARE_CARD)
    name = slugify(design.name) or "figure"
    response["Content-Disposition"] = f'attachment; filename="{name}-share-card.png"'
    return response
