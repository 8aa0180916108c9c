"""The catalog (every product and variant; on sale: the active ones with VAT-inclusive price
labels), kept in each web process and reused until it changes.

The product page needs it on every request, the cart its lines' variants; reading it costs two
queries and a few dozen model instances. Each process keeps its last copy under a *catalog
version* stored in Django's cache (shared by all web processes: the database cache or Redis);
a change of a product or variant (post_save / post_delete, connected below) stores a new
random version once its transaction commits, so every process reloads on its next request.
A change made with QuerySet.update() or raw SQL sends no signal: call `catalog_changed()`
after it.

Price labels are kept per (country, VAT rate, currency, language): they are computed here,
from the variants' net prices, exactly as shop.services.pricing does.
"""

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import translation

from core.sessions import NOT_FETCHED, fetch_with_session, take_fetched
from shop.forms import money_label
from shop.models import Product, ProductVariant
from shop.services.pricing import variant_price, vat_rate

VERSION_KEY = "minime:shop:catalog-version"
# Every storefront page reads the version after the session: in one cache round trip.
fetch_with_session(VERSION_KEY)


@dataclass(frozen=True)
class CatalogEntry:
    """One product on sale with its variants (in display order) and their price labels."""

    product: Product
    options: list[tuple[ProductVariant, str]]
    # (catalog version, country, VAT rate, currency, language, product): what it was made from;
    # shop.render_memo describes the entry by it instead of walking the rows.
    render_memo_key: tuple[str, ...]


_lock = threading.Lock()
_state: dict[str, Any] = {"version": None, "products": [], "variants": {}, "labels": {}}


def catalog_version() -> str:
    """The current version (one cache read, or none: read with the session, core.sessions); a
    new one is stored when the cache has none."""
    version = take_fetched(VERSION_KEY)
    if version is NOT_FETCHED:
        version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY) or "unstored"  # "unstored": a cache that keeps nothing
    return str(version)


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def catalog_changed() -> None:
    """Every process reloads the catalog on its next request: now, and again once the current
    transaction commits (a process that reloaded in between read, and kept, the old rows)."""
    _new_version()
    transaction.on_commit(_new_version)


def _load(version: str) -> tuple[list[tuple[Product, list[ProductVariant]]], dict[int, Any]]:
    """(products on sale with their active variants, every variant by id with its product)."""
    on_sale: list[tuple[Product, list[ProductVariant]]] = []
    variants: dict[int, ProductVariant] = {}
    for product in Product.objects.prefetch_related("variants"):
        rows = list(product.variants.all())
        for variant in rows:
            variant.product = product  # the loaded row (no query when the cart reads it)
            variants[variant.pk] = variant
        active = [v for v in rows if v.is_active]
        if product.is_active and active:
            on_sale.append((product, active))
        # The rows never change under this version: shop.render_memo describes them by it.
        for row in (product, *rows):
            row.render_memo_key = (version, row._meta.label, row.pk)  # type: ignore[attr-defined]
    return on_sale, variants


def _current() -> dict[str, Any]:
    """This process's catalog at the current version (reloaded when the version moved)."""
    version = catalog_version()
    with _lock:
        if _state["version"] != version or version == "unstored":
            on_sale, variants = _load(version)
            _state.update(version=version, products=on_sale, variants=variants, labels={})
        return dict(_state)


def catalog_on_sale(*, country: str, currency: str) -> list[CatalogEntry]:
    """Active products that have active variants, each variant with its gross price label for
    `country` in the active language. The rows are shared between requests: read only."""
    state = _current()
    rate: Decimal = vat_rate(country)
    label_key = (country, str(rate), currency, translation.get_language())
    entries: list[CatalogEntry] | None = state["labels"].get(label_key)
    if entries is None:
        entries = [
            CatalogEntry(
                product,
                [
                    (v, money_label(variant_price(variant=v, country=country).gross, currency))
                    for v in variants
                ],
                (state["version"], *map(str, label_key), str(product.pk)),
            )
            for product, variants in state["products"]
        ]
        with _lock:
            if _state["version"] == state["version"]:
                _state["labels"][label_key] = entries
    return entries


def catalog_variants(ids: Iterable[int]) -> dict[int, ProductVariant]:
    """The variants with these ids, each with its product (active or not), as the catalog holds
    them: shared between requests, read only. One created after this process's copy was made
    (a change committing at this moment) is read from the database."""
    known: dict[int, ProductVariant] = _current()["variants"]
    found = {pk: known[pk] for pk in ids if pk in known}
    missing = set(ids) - found.keys()
    if missing:
        found.update(ProductVariant.objects.select_related("product").in_bulk(missing))
    return found


def on_catalog_row_changed(sender: type, **kwargs: Any) -> None:
    """post_save / post_delete receiver for Product and ProductVariant."""
    catalog_changed()


def connect_receivers() -> None:
    """Connected when this module is imported (shop.views imports it with the URLconf, so
    every web process has them before its first request); idempotent (dispatch_uid)."""
    for model in (Product, ProductVariant):
        for signal in (post_save, post_delete):
            signal.connect(
                on_catalog_row_changed,
                sender=model,
                dispatch_uid=f"shop.catalog:{model.__name__}:{id(signal)}",
            )


connect_receivers()
