"""Uploads held in memory only: a selfie never reaches a temporary file on disk.

Django spools an upload above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; for a photo
that would leave the original (background, bystanders, documents) on disk before intake
minimises it. `memory_only_uploads` puts figures' MemoryOnlyUploadHandler (at most
MINIME_MAX_UPLOAD_BYTES per request; a bigger file is dropped and `upload_too_large(request)`
says so) in place before anything reads the body, and keeps the CSRF check.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from figures.conf import figures_settings
from figures.provenance_views import MemoryOnlyUploadHandler

View = Callable[..., HttpResponse]


def memory_only_uploads(view: View) -> View:
    """Outermost decorator of a view that takes a photo upload (above login_required)."""
    protected = csrf_protect(view)

    @csrf_exempt  # the handler must be in place before the CSRF check reads the body
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        handler = MemoryOnlyUploadHandler(request, limit=figures_settings.MAX_UPLOAD_BYTES)
        if request.method == "POST":
            request.upload_handlers = [handler]
        return protected(request, *args, **kwargs)

    return wrapper


def upload_too_large(request: HttpRequest) -> bool:
    """After the body was read: a file went past the limit and was dropped."""
    return any(getattr(handler, "too_large", False) for handler in request.upload_handlers)
