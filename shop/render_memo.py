"""Rendered storefront pages kept in each web process, keyed by everything they are made of.

A GET of the product page or the cart renders the same HTML as long as its inputs are the
same: the view's context, what the context processors give (the user, the language, the
path...), and the CSRF token. `render_memo` builds a fingerprint of those inputs (values, not
versions: model instances by their loaded field values, related rows included) and reuses the
HTML rendered for the same fingerprint; the CSRF token is rendered as a placeholder and
replaced by a fresh token of the request on every response. So no invalidation is needed:
when a price, a design, the cart or the language changes, the fingerprint changes.

Anything the fingerprint cannot describe (a form, a queryset, an unknown object, pending
messages) makes the page uncacheable: it is rendered as usual. Caveat: a template that
follows a relation the view did not load (a query from the template) is not described; the
storefront templates read only what their views load (select_related / the catalog).
"""

import contextvars
import dataclasses
import datetime
import hashlib
import secrets
import threading
import uuid
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from django.contrib.auth.context_processors import PermWrapper
from django.contrib.messages.storage.base import BaseStorage
from django.db.models import Model
from django.db.models.query import QuerySet
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import LazyObject, Promise, SimpleLazyObject, empty
from django.utils.safestring import SafeData

MAX_ENTRIES = 512
MAX_DEPTH = 16
# Unguessable, per process: it can only come from our own rendering.
CSRF_PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"

_PLAIN = (str, int, float, bool, Decimal, uuid.UUID, datetime.date, datetime.time)
_EXACT_PLAIN = frozenset({*_PLAIN, datetime.datetime, type(None)})
_lock = threading.Lock()
_pages: OrderedDict[str, str] = OrderedDict()
# Model instances already described in the current key (by id: they live until it is made).
_done: contextvars.ContextVar[dict[int, Any]] = contextvars.ContextVar("render_memo_done")


class Uncacheable(Exception):
    """An input the fingerprint cannot describe: render the page as usual."""


def _model(value: Model, depth: int, path: frozenset[int]) -> tuple[Any, ...]:
    if id(value) in path:  # a row met again below itself (a prefetch's back-reference)
        return ("ref", value._meta.label, value.pk)
    done = _done.get()
    if id(value) in done:  # the same instance met again (a cart line's variant in its quote)
        return done[id(value)]
    path = path | {id(value)}
    state = value._state
    attrs = tuple(
        (name, _fingerprint(item, depth, path))
        for name, item in sorted(value.__dict__.items())
        if name not in {"_state", "_prefetched_objects_cache"}
    )
    related = tuple(
        (name, _fingerprint(item, depth, path)) for name, item in sorted(state.fields_cache.items())
    )
    prefetched = tuple(
        (name, _fingerprint(list(qs), depth, path))
        for name, qs in sorted(getattr(value, "_prefetched_objects_cache", {}).items())
    )
    described = (value._meta.label, state.db, attrs, related, prefetched)
    done[id(value)] = described
    return described


def _fingerprint(value: Any, depth: int = 0, path: frozenset[int] = frozenset()) -> Any:
    """A hashable, repr-stable description of a template input's content."""
    depth += 1
    if type(value) in _EXACT_PLAIN:  # most values: plain, never lazy (type() is not fooled)
        return value
    if depth > MAX_DEPTH:
        raise Uncacheable("too deep")
    # First: a lazy object (request.user) passes isinstance checks of what it wraps.
    if type(value) is SimpleLazyObject or isinstance(value, LazyObject):
        if value._wrapped is empty:
            value._setup()
        return _fingerprint(value._wrapped, depth, path)
    memo_key = getattr(value, "render_memo_key", None)
    if memo_key is not None:  # an immutable value that describes itself (shop.catalog)
        return ("memo", type(value).__qualname__, memo_key)
    if value is None or isinstance(value, _PLAIN):
        # SafeString and str render differently (escaping): keep the type.
        return (type(value).__name__, value) if isinstance(value, SafeData) else value
    if isinstance(value, Promise):
        return str(value)  # a lazy translation, in the active language (part of the key)
    if isinstance(value, list | tuple):
        return tuple(_fingerprint(item, depth, path) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _fingerprint(v, depth, path)) for k, v in value.items()))
    if isinstance(value, Model):
        return _model(value, depth, path)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        done = _done.get()
        if id(value) not in done:  # a quote's lines are also the cart rows' prices
            done[id(value)] = (
                type(value).__qualname__,
                *(
                    _fingerprint(getattr(value, f.name), depth, path)
                    for f in dataclasses.fields(value)
                ),
            )
        return done[id(value)]
    if isinstance(value, PermWrapper):
        return ("perms", _fingerprint(value.user, depth, path))
    if isinstance(value, BaseStorage):  # messages: shown once, so never from a cached page
        if len(value):
            raise Uncacheable("messages pending")
        return "no messages"
    if isinstance(value, HttpRequest):
        return (value.method, value.get_full_path(), value.get_host())
    if isinstance(value, QuerySet):
        raise Uncacheable("a queryset (evaluated while rendering)")
    raise Uncacheable(type(value).__qualname__)


def _key(request: HttpRequest, template_name: str, context: dict[str, Any]) -> str:
    engine = engines["django"].engine  # type: ignore[attr-defined]
    processed: dict[str, Any] = {}
    for processor in engine.template_context_processors:
        processed.update(processor(request))
    processed.pop("csrf_token", None)  # rendered as the placeholder
    token = _done.set({})
    try:
        description = (
            template_name,
            translation.get_language(),
            _fingerprint(processed),
            _fingerprint(context),
        )
    finally:
        _done.reset(token)
    return hashlib.blake2b(repr(description).encode(), digest_size=20).hexdigest()


def render_memo(
    request: HttpRequest, template_name: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """`render(request, template_name, context)`, reusing the HTML of an identical earlier
    rendering in this process (see the module docstring)."""
    try:
        key = _key(request, template_name, context)
    except Uncacheable:
        return HttpResponse(render_to_string(template_name, context, request), status=status)
    with _lock:
        html = _pages.get(key)
        if html is not None:
            _pages.move_to_end(key)
    if html is None:
        html = render_to_string(template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}, request)
        with _lock:
            _pages[key] = html
            while len(_pages) > MAX_ENTRIES:
                _pages.popitem(last=False)
    return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)), status=status)


def clear() -> None:
    """Forget every kept page of this process (tests)."""
    with _lock:
        _pages.clear()
