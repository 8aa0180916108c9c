"""Owner-scoped reads: every customer-facing view gets its rows through these."""

from django.db.models import QuerySet

from core.typing import Account
from figures import selectors as figure_selectors
from figures.models import DesignStatus, FigureDesign
from shop.models import CartLine, Order


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


def cart_lines_for_page(*, owner: Account) -> QuerySet[CartLine]:
    """The owner's cart lines with what the cart page shows of them, in one query."""
    return cart_lines_of(owner=owner).select_related("design", "variant__product").order_by("id")
