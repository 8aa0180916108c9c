from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.typing import AuthenticatedRequest
from privacy.conf import privacy_settings
from privacy.forms import ConsentForm
from privacy.models import ConsentMethod, Purpose
from privacy.selectors import consent_is_active, consent_needs_renewal, policy_current
from privacy.services import consent_form_submit


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: AuthenticatedRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            consent_form_submit(
                user=request.user,
                generation=form.cleaned_data["generation"],
                training=form.cleaned_data["training"],
                method=ConsentMethod.CONSENT_FORM,
            )
            messages.success(request, _("Thank you. Your choices are saved."))
            return redirect(_safe_next(request) or "figures:studio")
        status = 400
    else:
        # Unticked by default, always: consent is given by an action, never pre-filled.
        form = ConsentForm()
    context = {
        "form": form,
        "next": _safe_next(request),
        "generation_policy": policy_current(purpose=Purpose.GENERATION),
        "training_policy": policy_current(purpose=Purpose.TRAINING),
        "has_generation_consent": consent_is_active(user=request.user, purpose=Purpose.GENERATION),
        # Agreed to an older version, and the policy changed materially since: say why we ask.
        "policy_changed": consent_needs_renewal(user=request.user, purpose=Purpose.GENERATION),
        "photo_retention_days": privacy_settings.PHOTO_RETENTION_DAYS,
        "render_retention_days": privacy_settings.UNAPPROVED_RENDER_RETENTION_DAYS,
    }
    return render(request, "privacy/consent.html", context, status=status)
