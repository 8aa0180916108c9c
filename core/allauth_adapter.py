"""django-allauth wired to the shop's rate limits (settings: ACCOUNT_ADAPTER, and handler429
in the root URLconf).

Failed logins count per client IP and per IP + account, never per account alone: a stranger's
guesses lock the stranger's address out of that account, while the owner still signs in from
theirs. Every refusal answers 429 with a page and a Retry-After header saying when to retry,
read from allauth's own counters in the shared cache."""

import math
import time
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit as allauth_ratelimit
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from core.ratelimit import RateLimited, rate_limited_response
from core.text import validate_single_line

APP = "allauth.account"
# allauth's rate-limited actions behind each of its views (url names from allauth.urls).
ACTIONS_BY_URL_NAME = {
    "account_login": ("login",),
    "account_signup": ("signup",),
    "account_reset_password": ("reset_password",),
    "account_reset_password_from_key": ("reset_password_from_key",),
    "account_change_password": ("change_password",),
    "account_set_password": ("change_password",),
    "account_email": ("manage_email", "confirm_email"),
    "account_reauthenticate": ("reauthenticate",),
    "account_request_login_code": ("request_login_code",),
}
FALLBACK_RETRY_SECONDS = 60


def _wait_for(request: HttpRequest, *, action: str, key: str | None, now: float) -> float | None:
    """Seconds until `action` is allowed again for this request, or None if no rate of it
    is used up (allauth keeps each rate's hit times, newest first, under its cache key)."""
    waits = []
    for rate in allauth_ratelimit.get_rates(app=APP, action=action):
        try:
            cache_key = allauth_ratelimit.get_cache_key(
                request, app=APP, action=action, rate=rate, key=key
            )
        except (ImproperlyConfigured, PermissionDenied):
            continue  # a per-key or per-user rate without its key: not this request's limit
        hits = sorted(
            (hit for hit in cache.get(cache_key, []) if hit > now - rate.duration), reverse=True
        )
        if len(hits) >= rate.amount:
            waits.append(hits[rate.amount - 1] + rate.duration - now)
    return max(waits) if waits else None


def retry_after(request: HttpRequest, *, actions: tuple[str, ...], key: str | None = None) -> int:
    now = time.time()
    waits = [_wait_for(request, action=action, key=key, now=now) for action in actions]
    found = [wait for wait in waits if wait is not None]
    # Nothing used up that we can see (the cache lock was busy): say a minute.
    return math.ceil(max(found)) if found else FALLBACK_RETRY_SECONDS


def handler429(request: HttpRequest) -> HttpResponse:
    """allauth answers a rate-limited request with ROOT_URLCONF.handler429: this page."""
    match = request.resolver_match
    actions = ACTIONS_BY_URL_NAME.get(match.url_name or "", ()) if match else ()
    email = request.POST.get("email", "").strip().lower() if request.method == "POST" else ""
    wait = retry_after(request, actions=actions, key=email or None)
    return rate_limited_response(request, error=RateLimited(retry_after=wait))


class AccountAdapter(DefaultAccountAdapter):
    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # allauth's key is site + login; ours adds the client address (IPv6 cut to its
        # /64, as allauth does for its per-IP limits), so the "key" rates of login_failed
        # count per IP + account. A successful password reset clears the resetting IP's count.
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}|{allauth_ratelimit.get_ip(request)}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError as exc:
            if exc.code != "too_many_login_attempts":
                raise
            key = self._get_login_attempts_cache_key(request, **credentials)
            error = RateLimited(
                _("Too many failed sign-in attempts for this account from your network."),
                retry_after=retry_after(request, actions=("login_failed",), key=key),
            )
            page = rate_limited_response(request, error=error, context={"login_locked": True})
            raise ImmediateHttpResponse(page) from exc

    def clean_email(self, email: str) -> str:
        # Django's email check lets a zero-width space through in the domain (IDNA maps it
        # away for the check, the stored address keeps it): one line, visible characters.
        validate_single_line(email)
        return super().clean_email(email)
