from collections.abc import Iterable
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.files import private_file_response
from core.ratelimit import RateLimited, rate_limited_response
from core.typing import AuthenticatedRequest
from figures import selectors, services
from figures.conf import figures_settings
from figures.energy import design_energy, energy_receipt
from figures.exceptions import FigureError
from figures.forms import DesignFieldsForm, NewDesignForm, design_text_problems
from figures.intake import PhotoRejected
from figures.models import FigureDesign, GenerationJob, Render
from figures.uploads import memory_only_uploads, upload_too_large
from privacy.decorators import generation_consent_required
from privacy.exceptions import ConsentRequired


@login_required
@require_GET
def studio(request: AuthenticatedRequest) -> HttpResponse:
    designs = selectors.designs_of(owner=request.user).select_related("approved_render")
    return render(request, "figures/studio.html", {"designs": designs})


@memory_only_uploads  # the original upload never reaches the disk (figures.uploads)
@login_required
@generation_consent_required
@require_http_methods(["GET", "POST"])
def design_new(request: AuthenticatedRequest) -> HttpResponse:
    form = NewDesignForm(request.POST or None, request.FILES or None, owner=request.user)
    if request.method == "POST" and upload_too_large(request):
        # The memory-only upload handler dropped a file over the limit: say so at the field.
        form.is_valid()
        limit = figures_settings.MAX_UPLOAD_BYTES // (1024 * 1024)
        message = _("The file is too large. Please upload a photo of at most %(limit)s MB.")
        form.add_error("photo", message % {"limit": limit})
        return render(request, "figures/design_new.html", {"form": form}, status=400)
    if request.method == "POST":
        # Every field is validated (is_valid) before anything is stored; the one exception is
        # a photo that passes intake, kept so a mistyped name does not lose it.
        if not form.is_valid():
            form = _form_keeping_photo(request, form)
        if form.is_valid():
            fields, upload = form.design_fields(), form.cleaned_data["photo"]
            try:
                services.design_intake_check(owner=request.user)
                photo = (
                    services.photo_create(owner=request.user, upload=upload, reuse_same=True)
                    if upload
                    else form.cleaned_data["existing_photo"]
                )
            except RateLimited as exc:  # quota used up or too many uploads: nothing stored
                form.add_error(None, exc.message)
                context = {"form": form}
                return rate_limited_response(
                    request, error=exc, template_name="figures/design_new.html", context=context
                )
            except PhotoRejected as exc:
                form.add_error("photo", exc.message)
            except ConsentRequired:
                return HttpResponse(status=403)
            else:
                design = services.design_create(owner=request.user, photo=photo, **fields)
                _start_generation(request, design)
                return redirect("figures:design", design_id=design.pk)
        # 400 keeps the typed fields in the re-rendered form.
        return render(request, "figures/design_new.html", {"form": form}, status=400)
    return render(request, "figures/design_new.html", {"form": form})


def _form_keeping_photo(request: AuthenticatedRequest, form: NewDesignForm) -> NewDesignForm:
    """A refused form's uploaded photo, when it passes intake, stored as the customer's photo
    (photo_create: generation consent required, the same bytes reuse their row) and the form
    bound again with it selected; otherwise the form with the photo's refusal added."""
    upload = form.cleaned_data.get("photo")
    if not upload or "existing_photo" in form.errors:  # not a choice this form offered
        return form
    try:
        # No generation left today: the design could not be made, so keep no selfie for it.
        services.design_intake_check(owner=request.user)
        photo = services.photo_create(owner=request.user, upload=upload, reuse_same=True)
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return form
    except PhotoRejected as exc:
        form.add_error("photo", exc.message)
        return form
    except ConsentRequired:
        return form
    data = request.POST.copy()
    data["existing_photo"] = str(photo.pk)
    kept = NewDesignForm(data, owner=request.user)
    kept.is_valid()
    return kept


@login_required
@require_POST
def design_text_check(request: AuthenticatedRequest) -> JsonResponse:
    """The design form's printed texts checked as the customer types (figures/static/figures/
    design_form.js); the same checks run again on submit, which decides."""
    return JsonResponse(
        {"errors": design_text_problems(request.POST)}, headers={"Cache-Control": "no-store"}
    )


def _start_generation(request: AuthenticatedRequest, design: FigureDesign) -> GenerationJob | None:
    try:
        return services.generation_job_create(design=design, actor=request.user)
    except FigureError as exc:
        messages.error(request, exc.message)
        return None


def renders_by_likeness(renders: Iterable[Render]) -> list[Render]:
    """Best likeness first (smallest distance); renders without a measured face after them,
    in their order."""
    return sorted(
        renders,
        key=lambda r: (r.likeness_distance is None, r.likeness_distance or 0.0, r.index),
    )


def _design_context(design: FigureDesign) -> dict[str, object]:
    jobs = list(design.jobs.prefetch_related("renders").order_by("-created_at"))
    for job in jobs:
        job.renders_by_likeness = renders_by_likeness(job.renders.all())  # type: ignore[attr-defined]
    return {
        "design": design,
        "jobs": jobs,
        "latest_job": jobs[0] if jobs else None,
        "tweak_form": DesignFieldsForm(
            initial=DesignFieldsForm.initial_from(
                {f: getattr(design, f) for f in services.DESIGN_FIELDS}
            )
        ),
        "next_versions": design.next_versions.all(),
        "energy": energy_receipt(design_energy(design)),
    }


@login_required
@require_GET
def design_detail(request: AuthenticatedRequest, design_id: UUID) -> HttpResponse:
    design = get_object_or_404(selectors.designs_of(owner=request.user), pk=design_id)
    context = _design_context(design)
    context["quota_remaining"] = selectors.generation_quota_remaining(owner=request.user)
    return render(request, "figures/design_detail.html", context)


@login_required
@require_GET
def design_status(request: AuthenticatedRequest, design_id: UUID) -> JsonResponse:
    """Polled by the design page for live progress."""
    design = get_object_or_404(selectors.designs_of(owner=request.user), pk=design_id)
    job = selectors.design_latest_job(design=design)
    if job is None:
        return JsonResponse({"status": None})
    return JsonResponse(
        {
            "job": str(job.pk),
            "status": job.status,
            "status_label": job.get_status_display(),
            "step": job.progress_step,
            "total": job.progress_total,
            "percent": job.progress_percent,
            "error": _(job.error_message) if job.error_message else "",
            "renders": [
                reverse("figures:render_image", args=[r.pk]) for r in job.renders.order_by("index")
            ],
        },
        headers={"Cache-Control": "no-store"},
    )


@login_required
@generation_consent_required
@require_POST
def design_generate(request: AuthenticatedRequest, design_id: UUID) -> HttpResponse:
    """Regenerate: new seeds, optionally with tweaks. Approved designs get a new version."""
    design = get_object_or_404(selectors.designs_of(owner=request.user), pk=design_id)
    form = DesignFieldsForm(request.POST)
    if not form.is_valid():
        context = _design_context(design) | {"tweak_form": form}
        return render(request, "figures/design_detail.html", context, status=400)
    target = services.design_revise(design=design, actor=request.user, changes=form.design_fields())
    try:
        services.generation_job_create(design=target, actor=request.user)
    except FigureError as exc:
        messages.error(request, exc.message)
        if target.pk == design.pk:
            context = _design_context(target) | {"tweak_form": form}
            return render(request, "figures/design_detail.html", context, status=409)
    return redirect("figures:design", design_id=target.pk)


@login_required
@require_POST
def render_approve(request: AuthenticatedRequest, render_id: UUID) -> HttpResponse:
    render_obj = get_object_or_404(
        selectors.renders_of(owner=request.user).select_related("job"), pk=render_id
    )
    try:
        design = services.render_approve(render=render_obj, actor=request.user)
    except FigureError as exc:
        messages.error(request, exc.message)
        design = render_obj.job.design
        return render(request, "figures/design_detail.html", _design_context(design), status=409)
    messages.success(request, _("Approved! Your figure design is ready."))
    return redirect("figures:design", design_id=design.pk)


@login_required
@require_GET
def photo_image(request: AuthenticatedRequest, photo_id: UUID) -> FileResponse:
    photo = get_object_or_404(selectors.photos_of(owner=request.user), pk=photo_id)
    return private_file_response(photo.image, content_type="image/jpeg")


@login_required
@require_GET
def render_image(request: AuthenticatedRequest, render_id: UUID) -> FileResponse:
    render_obj = get_object_or_404(selectors.renders_of(owner=request.user), pk=render_id)
    return private_file_response(render_obj.image, content_type="image/png")
