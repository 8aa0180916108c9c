"""Owner-scoped reads: every customer-facing view gets its rows through these."""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from core.db.compiled import CompiledRead
from core.typing import Account
from figures import selectors as figure_selectors
from figures.models import DesignStatus, FigureDesign
from shop.catalog import catalog_variants
from shop.models import CartLine, Order, ProductVariant


def orders_of(*, owner: Account) -> QuerySet[Order]:
    return Order.objects.filter(owner=owner)


def approved_designs_of(*, owner: Account) -> QuerySet[FigureDesign]:
    return (
        figure_selectors.designs_of(owner=owner)
        .filter(status=DesignStatus.APPROVED)
        .select_related("approved_render")
    )


def cart_lines_of(*, owner: Account) -> QuerySet[CartLine]:
    return CartLine.objects.filter(cart__owner=owner)


def _account(pk: Any) -> Account:
    """An account row by its id alone (for the owner scoping of a compiled read: the filter
    reads only its pk)."""
    return get_user_model()(pk=pk)


@dataclass(frozen=True)
class DesignCard:
    """An owner's design as the product page shows it: the fields it reads, nothing lazy (so
    shop.render_memo describes it completely)."""

    pk: UUID
    name: str
    tagline: str
    version: int
    status: str
    approved_render_id: UUID | None


# The product page's one query, compiled once per connection (core.db.compiled).
_design_cards = CompiledRead(
    lambda owner_id, design_id: (
        figure_selectors.designs_of(owner=_account(owner_id))
        .filter(pk=design_id)
        .values_list("pk", "name", "tagline", "version", "status", "approved_render_id")
    ),
    int,
    UUID,
)


def design_card_of(*, owner: Account, design_id: UUID) -> DesignCard | None:
    """The owner's design `design_id`, or None (none such, or another customer's)."""
    rows = _design_cards(owner.pk, design_id)
    return DesignCard(*rows[0]) if rows else None


@dataclass(frozen=True)
class CartRow:
    """One cart line as the cart page shows it: every value the page reads, nothing lazy (so
    shop.render_memo describes it completely)."""

    pk: int
    quantity: int
    design_id: UUID
    design_name: str
    design_version: int
    design_status: str
    approved_render_id: UUID | None
    variant: ProductVariant  # with its product, from the catalog: shared, read only


# The cart page's one query, compiled once per connection (core.db.compiled).
_cart_rows = CompiledRead(
    lambda owner_id: cart_lines_of(owner=_account(owner_id)).order_by("pk").values_list(
        "pk", "quantity", "design_id", "design__name", "design__version", "design__status",
        "design__approved_render_id", "variant_id",
    ),
    int,
)  # fmt: skip


def cart_rows_for_page(*, owner: Account) -> list[CartRow]:
    """The owner's cart lines in the order they were added: one query for the lines and their
    designs' shown fields; variants and products from the catalog kept in this process
    (shop.catalog: current on every request, no query)."""
    values = _cart_rows(owner.pk)
    variants = catalog_variants({row[-1] for row in values})
    # A variant deleted this instant took its line with it (CASCADE): left out.
    return [
        CartRow(pk, quantity, design_id, name, version, status, render_id, variants[variant_id])
        for pk, quantity, design_id, name, version, status, render_id, variant_id in values
        if variant_id in variants
    ]
