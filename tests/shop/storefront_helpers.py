"""Helpers for the storefront tests: carts, checkout data and orders of the seeded catalog,
made through the real services (designs and variants come from tests.factories.shop)."""

from typing import Any

from django.urls import reverse

from figures.models import FigureDesign
from shop.models import Order, OrderStatus, ShippingMethod
from shop.services.cart import cart_add, cart_for
from shop.services.orders import order_place, order_transition
from tests.factories.shop import approved_design_for, variant

# Seeded catalog (shop/migrations/0002_seed_catalog.py)
DIGITAL = "MM-DIG"
PRINT_A4 = "MM-PRT-A4"
BOX_S = "MM-BOX-S"

ADDRESS = {
    "email": "",
    "full_name": "Jürgen Beispiel",
    "address_line1": "Hauptstraße 1",
    "address_line2": "",
    "postcode": "10115",
    "city": "Berlin",
    "country": "DE",
}


def standard_shipping() -> ShippingMethod:
    return ShippingMethod.objects.get(code="standard")


def cart_with(user: Any, *items: tuple[str, int], design: FigureDesign | None = None) -> Any:
    """The user's cart holding (sku, quantity) items of one approved design."""
    design = design or approved_design_for(user)
    for sku, quantity in items:
        cart_add(owner=user, design=design, variant=variant(sku), quantity=quantity)
    return cart_for(owner=user)


def checkout_data(user: Any, **overrides: Any) -> dict[str, Any]:
    """A complete checkout POST for Germany with standard shipping."""
    data: dict[str, Any] = {**ADDRESS, "email": user.email}
    data["shipping_method"] = standard_shipping().pk
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def order_for(
    user: Any,
    *items: tuple[str, int],
    country: str = "DE",
    design: FigureDesign | None = None,
) -> Order:
    """A pending_payment order placed through the service (no HTTP)."""
    cart = cart_with(user, *(items or ((PRINT_A4, 1),)), design=design)
    needs_shipping = any(variant(sku).product.is_shippable for sku, _q in items or [(PRINT_A4, 1)])
    return order_place(
        owner=user,
        cart=cart,
        email=user.email,
        full_name=ADDRESS["full_name"],
        address_line1=ADDRESS["address_line1"],
        address_line2="",
        postcode=ADDRESS["postcode"],
        city=ADDRESS["city"],
        country=country,
        shipping_method=standard_shipping() if needs_shipping else None,
    )


def order_moved(order: Order, *steps: str) -> Order:
    """Through legal transitions only (the webhook's order_mark_paid is tested elsewhere)."""
    for step in steps:
        order = order_transition(order=order, to=step, reason="test setup")
    return order


def paid(order: Order) -> Order:
    return order_moved(order, OrderStatus.PAID)


def product_url(design: FigureDesign) -> str:
    return reverse("shop:product", kwargs={"design_id": design.pk})


def add_to_cart_data(sku: str, quantity: Any = 1, **extra: Any) -> dict[str, Any]:
    chosen = variant(sku)
    return {"product": chosen.product_id, "variant": chosen.pk, "quantity": quantity, **extra}
