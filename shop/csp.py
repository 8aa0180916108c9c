"""The pay page's Content-Security-Policy additions (django-csp): Stripe.js, its frames and its
API, or localstripe's stand-in when MINIME_STRIPE_API_BASE is set. Only the pay page loads
Stripe.js, so every other page keeps the site policy without them (config/settings.py)."""

from typing import TypeVar
from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from shop.conf import shop_settings

# Stripe's documented sources for Stripe.js with the card Element and 3-D Secure.
STRIPE_SCRIPTS = ["https://js.stripe.com", "https://*.js.stripe.com"]
STRIPE_FRAMES = ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"]
STRIPE_API = ["https://api.stripe.com"]

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def stripe_sources(*, js_url: str, api_base: str | None) -> dict[str, list[str]]:
    """The directives to add for Stripe.js served from js_url; with api_base (localstripe)
    the script and its API calls go to that server only, and it opens no frames."""
    if api_base:
        return {"script-src": [_origin(js_url)], "connect-src": [_origin(api_base)]}
    scripts = list(dict.fromkeys([*STRIPE_SCRIPTS, _origin(js_url)]))
    return {"script-src": scripts, "frame-src": STRIPE_FRAMES, "connect-src": STRIPE_API}


def allow_stripe(*, request: HttpRequest, response: ResponseT) -> ResponseT:
    """The response with Stripe's sources added to its policy; read per request, so a changed
    MINIME_STRIPE_JS_URL / MINIME_STRIPE_API_BASE (tests, localstripe) applies at once."""
    sources = stripe_sources(
        js_url=shop_settings.STRIPE_JS_URL, api_base=shop_settings.STRIPE_API_BASE
    )
    csp_update(sources)(lambda _request: response)(request)  # marks the response
    return response
