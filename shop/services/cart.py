from django.db import transaction
from django.db.models import QuerySet

from core.typing import Account
from figures.models import DesignStatus, FigureDesign
from shop.conf import shop_settings
from shop.exceptions import CartInvalid, NotAvailable
from shop.models import Cart, CartLine, ProductVariant
from shop.services.pricing import Quote, quote


def cart_for(*, owner: Account) -> Cart:
    cart, _created = Cart.objects.get_or_create(owner=owner)
    return cart


def cart_lines(*, cart: Cart) -> QuerySet[CartLine]:
    return cart.lines.select_related("design", "variant__product", "design__approved_render")


def _check_orderable(*, owner: Account, design: FigureDesign, variant: ProductVariant) -> None:
    if design.owner_id != owner.pk:
        raise NotAvailable()  # views 404 first; this guards every other caller
    if design.status != DesignStatus.APPROVED:
        raise NotAvailable(str(CartInvalid.default_message))
    if not (variant.is_active and variant.product.is_active):
        raise NotAvailable()


def _check_quantity(quantity: int) -> None:
    if not 1 <= quantity <= shop_settings.MAX_LINE_QUANTITY:
        raise CartInvalid()


@transaction.atomic
def cart_add(
    *, owner: Account, design: FigureDesign, variant: ProductVariant, quantity: int = 1
) -> CartLine:
    """Add design x variant; adding the same pair again raises its quantity."""
    _check_orderable(owner=owner, design=design, variant=variant)
    _check_quantity(quantity)
    cart = Cart.objects.select_for_update().get(pk=cart_for(owner=owner).pk)
    line, created = CartLine.objects.get_or_create(
        cart=cart, design=design, variant=variant, defaults={"quantity": quantity}
    )
    if not created:
        _check_quantity(line.quantity + quantity)
        line.quantity += quantity
        line.save(update_fields=["quantity"])
    cart.save(update_fields=["updated_at"])
    return line


def cart_set_quantity(*, line: CartLine, quantity: int) -> CartLine | None:
    """Quantity 0 removes the line."""
    if quantity == 0:
        line.delete()
        return None
    _check_quantity(quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    return line


def cart_remove(*, line: CartLine) -> None:
    line.delete()


def cart_quote(*, cart: Cart, country: str, shipping_method: object = None) -> Quote:
    items = [(line.design_id, line.variant, line.quantity) for line in cart_lines(cart=cart)]
    return quote(items=items, country=country, shipping_method=shipping_method)  # type: ignore[arg-type]
