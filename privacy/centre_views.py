"""The customer's privacy centre: what we store and until when, consents with one-click
toggles, export, and erasure. Views only: the work happens in privacy.services."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.files import private_file_response
from core.typing import AuthenticatedRequest
from privacy.conf import privacy_settings
from privacy.exceptions import ExportUnavailable
from privacy.forms import ConsentToggleForm, ErasureConfirmForm
from privacy.models import ConsentMethod, DataExport, ErasureReceipt, Purpose
from privacy.selectors import (
    consent_states,
    data_exports_of,
    policy_current,
    stored_data_of,
)
from privacy.services import (
    consent_record,
    consent_withdraw_generation,
    privacy_centre_erasure_request,
    privacy_centre_export_request,
)

RECEIPT_SESSION_KEY = "privacy_erasure_receipt"


@login_required
@require_GET
def centre(request: AuthenticatedRequest) -> HttpResponse:
    from privacy.exporting import data_export_token

    export = data_exports_of(user=request.user).first()
    download_token = (
        data_export_token(export) if export and export.status == DataExport.Status.READY else ""
    )
    context = {
        "data": stored_data_of(user=request.user),
        "consents": consent_states(user=request.user),
        "export": export,
        "download_token": download_token,
    }
    return render(request, "privacy/centre.html", context)


def _purpose_or_404(purpose: str) -> Purpose:
    try:
        return Purpose(purpose)
    except ValueError:
        raise Http404("No such purpose") from None


@login_required
@require_POST
def consent_toggle(request: AuthenticatedRequest, purpose: str) -> HttpResponse:
    chosen = _purpose_or_404(purpose)
    form = ConsentToggleForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    granted = form.cleaned_data["granted"]
    if chosen == Purpose.GENERATION and not granted:
        # Withdrawing this one erases photos: say so first, act on the confirmation.
        return redirect("privacy:generation_withdraw")
    consent_record(
        user=request.user, purpose=chosen, granted=granted, method=ConsentMethod.PRIVACY_CENTRE
    )
    if granted:
        messages.success(request, _("Thank you. Your consent is saved."))
    else:
        messages.success(request, _("Your consent is withdrawn."))
    return redirect("privacy:centre")


@login_required
@require_http_methods(["GET", "POST"])
def generation_withdraw(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        consent_withdraw_generation(user=request.user, method=ConsentMethod.PRIVACY_CENTRE)
        messages.success(
            request,
            _("Your consent is withdrawn: queued figures are cancelled and your photos erased."),
        )
        return redirect("privacy:centre")
    context = {"policy": policy_current(purpose=Purpose.GENERATION)}
    return render(request, "privacy/generation_withdraw.html", context)


@login_required
@require_POST
def export_request(request: AuthenticatedRequest) -> HttpResponse:
    _export, started = privacy_centre_export_request(user=request.user)
    if started:
        messages.success(
            request, _("We are preparing your data. This page shows when it is ready to download.")
        )
    else:
        messages.info(
            request,
            _("We are already preparing your data. This page shows when it is ready to download."),
        )
    return redirect("privacy:centre")


@login_required
@require_GET
def export_download(request: AuthenticatedRequest, token: str) -> HttpResponseBase:
    from privacy.exporting import data_export_claim

    try:
        export = data_export_claim(token=token, user=request.user)
    except ExportUnavailable:
        return render(request, "privacy/export_unavailable.html", status=404)
    return private_file_response(
        export.file,
        content_type="application/zip",
        filename=f"mini-me-merch-data-{export.created_at:%Y-%m-%d}.zip",
    )


@login_required
@require_http_methods(["GET", "POST"])
def erase(request: AuthenticatedRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = ErasureConfirmForm(request.POST, user=request.user)
        if form.is_valid():
            receipt = privacy_centre_erasure_request(user=request.user)
            logout(request)
            request.session[RECEIPT_SESSION_KEY] = receipt.pk
            return redirect("privacy:erasure_receipt")
        status = 400
    else:
        form = ErasureConfirmForm(user=request.user)
    return render(request, "privacy/erase.html", {"form": form}, status=status)


@require_GET
def erasure_receipt(request: HttpRequest) -> HttpResponse:
    """Shown once the person is logged out: only the receipt id lives in the new session."""
    receipt_id = request.session.get(RECEIPT_SESSION_KEY)
    if receipt_id is None:
        raise Http404("No erasure receipt in this session")
    receipt = get_object_or_404(ErasureReceipt, pk=receipt_id)
    context = {
        "receipt": receipt,
        "photo_retention_days": privacy_settings.PHOTO_RETENTION_DAYS,
        "invoice_retention_years": privacy_settings.INVOICE_RETENTION_YEARS,
    }
    return render(request, "privacy/erasure_receipt.html", context)
