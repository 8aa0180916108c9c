"""Request guards of the plugin. A database that is away for a moment (restarted, connections
terminated) answers 503 with Retry-After instead of a 500 traceback; the next request reconnects
(CONN_HEALTH_CHECKS). NUL bytes in a URL are refused; signed-in pages are never cached."""

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

RETRY_AFTER_SECONDS = 5


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        # Rendered without the request: context processors would query the database again.
        body = render_to_string("core/503.html")
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response


class NullCharacterInRequest(SuspiciousOperation):
    """A NUL byte in the path, the query string or a cookie (Django answers 400)."""


class NullCharacterMiddleware:
    """Refuses a request with a NUL byte in its URL, query string or cookies before any view
    runs: PostgreSQL cannot hold NUL in a text value, so an order number or token with %00 in
    it would reach the database as a 500. No legitimate client sends one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if (
            "\x00" in request.path
            or "%00" in query
            or "\x00" in query
            or any("\x00" in value for value in request.COOKIES.values())
        ):
            # Raised, not returned: Django logs it to django.security and answers 400.
            raise NullCharacterInRequest("NUL byte in the request URL, query or cookies")
        return self.get_response(request)


class PrivateCacheControlMiddleware:
    """Every response to a signed-in user gets `Cache-Control: private, no-store` unless its
    view set a Cache-Control of its own: such pages show the customer's data (figures, cart,
    addresses), which no shared proxy may keep and the browser should not store on a shared
    computer. Anonymous public pages stay cacheable. Goes after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        try:
            user = getattr(request, "user", None)
            signed_in = bool(user is not None and user.is_authenticated)
        except (OperationalError, InterfaceError):
            signed_in = True  # the session could not be read: assume the worst
        if signed_in:
            patch_cache_control(response, private=True, no_store=True)
        return response
