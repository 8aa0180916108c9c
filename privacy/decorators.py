from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from privacy.models import Purpose
from privacy.selectors import consent_is_active


def generation_consent_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Send people without active generation consent to the consent page first (UI only:
    the services refuse the processing by themselves too)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if consent_is_active(user=request.user, purpose=Purpose.GENERATION):
            return view(request, *args, **kwargs)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=403)
        url = reverse("privacy:consent") + "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)

    return wrapper
