"""Customer-facing printing views: previews of what will be printed, before ordering."""

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from core.typing import AuthenticatedRequest
from figures import selectors as figure_selectors
from figures.models import DesignStatus
from printing.packaging.preview import packaging_preview_signed


@login_required
@require_GET
def packaging_preview(request: AuthenticatedRequest, design_id: UUID) -> HttpResponse:
    """The front of the blister-pack box for one of the customer's approved designs."""
    design = get_object_or_404(
        figure_selectors.designs_of(owner=request.user)
        .filter(status=DesignStatus.APPROVED)
        .select_related("approved_render"),
        pk=design_id,
    )
    # Signed (C2PA + IPTC XMP) and cached per design: a second view costs one cache read.
    png = packaging_preview_signed(design=design)
    # An approved design is frozen, so its preview is too; it shows the customer's face.
    return HttpResponse(
        png,
        content_type="image/png",
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
