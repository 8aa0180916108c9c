"""Rate limits on the shared Django cache (the database cache on embedded defaults, Redis when
configured), so every web worker and thread counts the same hits: a sliding window per scope
and key. A refused hit counts nothing and raises RateLimited, which says when to retry; views
answer it with a 429 and a Retry-After header (rate_limited_response)."""

import hashlib
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.exceptions import CustomerFacingError

# The lock guards one read-modify-write of a counter (milliseconds). Its timeout frees it if
# the holder died; a waiter that cannot get it in time is refused rather than let through.
LOCK_TIMEOUT_SECONDS = 10
LOCK_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Rate:
    """At most `amount` hits in any `seconds` (a sliding window)."""

    amount: int
    seconds: int

    def __post_init__(self) -> None:
        if self.amount < 1 or self.seconds < 1:
            raise ValueError(f"A rate needs at least one hit in at least one second: {self}")


def retry_in_words(seconds: int) -> str:
    """The wait in words ("5 minutes", "1 hour, 5 minutes"), rounded up to the minute."""
    now = timezone.now()
    minutes = max(1, math.ceil(seconds / 60))
    return timeuntil(now + timedelta(minutes=minutes), now, depth=2)


class RateLimited(CustomerFacingError):
    """Too many requests; `retry_after` is the number of seconds until one is allowed again,
    and `message` ends with a sentence saying so."""

    default_message = _("You have sent too many requests.")

    def __init__(self, message: str | None = None, *, retry_after: float) -> None:
        self.retry_after = max(1, math.ceil(retry_after))
        self.reason = str(message or self.default_message)
        wait = gettext("Please try again in %(wait)s.") % {"wait": retry_in_words(self.retry_after)}
        super().__init__(f"{self.reason} {wait}")


def _cache_key(scope: str, key: str) -> str:
    # Hashed: keys may carry account ids or addresses, and must fit any backend's key rules.
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()
    return f"minime:rl:{digest}"


@contextmanager
def _locked(cache_key: str) -> Iterator[bool]:
    """A short lock built on cache.add, which is atomic on the database cache (the insert of
    an existing key fails) and on Redis; incr alone is not atomic on the database cache."""
    lock_key = f"{cache_key}:lock"
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    pause = 0.005
    while not cache.add(lock_key, 1, timeout=LOCK_TIMEOUT_SECONDS):
        if time.monotonic() >= deadline:
            yield False
            return
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    try:
        yield True
    finally:
        cache.delete(lock_key)


def limit_hit(*, scope: str, key: str, rate: Rate, message: str | None = None) -> None:
    """Count one hit of `key` (e.g. an account id) in `scope` (e.g. "figures.upload"), or
    raise RateLimited without counting it when `rate` is used up."""
    cache_key = _cache_key(scope, key)
    with _locked(cache_key) as locked:
        if not locked:
            raise RateLimited(message, retry_after=LOCK_TIMEOUT_SECONDS)
        now = time.time()
        hits: list[float] = sorted(
            hit for hit in cache.get(cache_key, []) if hit > now - rate.seconds
        )
        if len(hits) >= rate.amount:
            # The next hit is allowed once the oldest hit that still fills the window leaves it.
            raise RateLimited(message, retry_after=hits[-rate.amount] + rate.seconds - now)
        hits.append(now)
        cache.set(cache_key, hits, timeout=rate.seconds)


def limit_clear(*, scope: str, key: str) -> None:
    cache.delete(_cache_key(scope, key))


def rate_limited_response(
    request: HttpRequest,
    *,
    error: RateLimited,
    template_name: str = "429.html",
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """429 with Retry-After; the page (429.html unless given) shows error.message."""
    page = {"message": error.message, "retry_after": error.retry_after} | (context or {})
    response = render(request, template_name, page, status=429)
    response["Retry-After"] = str(error.retry_after)
    response["Cache-Control"] = "no-store"
    return response
