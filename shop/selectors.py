"""Owner-scoped reads: every customer-facing view gets its rows through these."""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import QuerySet

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


def cart_rows_for_page(*, owner: Account) -> list[CartRow]:
    """The owner's cart lines in the order they were added: one query for the lines and their
    designs' shown fields; variants and products from the catalog kept in this process
    (shop.catalog: current on every request, no query)."""
    values = sorted(  # by id in Python: cheaper than compiling an ORDER BY on every request
        cart_lines_of(owner=owner).order_by().values_list(
            "pk", "quantity", "design_id", "design__name", "design__version", "design__status",
            "design__approved_render_id", "variant_id",
        )
    )  # fmt: skip
    variants = catalog_variants({row[-1] for row in values})
    # A variant deleted this instant took its line with it (CASCADE): left out.
    return [CartRow(*row[:-1], variants[row[-1]]) for row in values if row[-1] in variants]
