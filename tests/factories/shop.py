"""Shop test data through the real services: an approved design, a cart, a placed order."""

from decimal import Decimal
from typing import Any
from unittest import mock

from django.test import override_settings

from figures import services as figure_services
from figures.models import FigureDesign
from shop.models import (
    Order,
    OrderStatus,
    Payment,
    Product,
    ProductKind,
    ProductVariant,
    ShippingMethod,
)
from shop.services.cart import cart_add, cart_for
from shop.services.orders import order_place, order_transition
from tests.factories.figures import design_for
from tests.factories.privacy import user_create

_counter = iter(range(1, 10**9))


def approved_design_for(user: Any, **fields: Any) -> FigureDesign:
    """A design with one approved render, generated inline at 128 px. The job's on-commit
    hand-off to the broker is skipped: the render is already made here, no worker needed."""
    design = design_for(user, **fields)
    with (
        override_settings(MINIME_RENDER_SIZE=128, MINIME_RENDERS_PER_JOB=1),
        mock.patch("figures.tasks.enqueue_generation"),
    ):
        job = figure_services.generation_job_create(design=design, actor=user)
        figure_services.job_run(job_id=job.pk)
    return figure_services.render_approve(render=job.renders.get(), actor=user)


def variant(sku: str = "MM-DIG") -> ProductVariant:
    """A variant of the seeded catalog; the digital one is recreated if a transactional test
    has flushed the catalog."""
    found = ProductVariant.objects.filter(sku=sku).select_related("product").first()
    if found is not None or sku != "MM-DIG":
        assert found is not None, f"catalog variant {sku} missing"
        return found
    product, _ = Product.objects.get_or_create(
        slug="digital-download",
        defaults={"kind": ProductKind.DIGITAL, "name": "Digital download"},
    )
    return ProductVariant.objects.create(
        product=product, name="Full resolution", sku=sku, price_net=Decimal("5.04")
    )


def order_for(
    user: Any,
    *,
    sku: str = "MM-DIG",
    quantity: int = 1,
    country: str = "DE",
    shipping: str = "standard",
    design: FigureDesign | None = None,
) -> Order:
    """A pending_payment order placed from the user's cart (digital download: 6.00 EUR in
    Germany by default)."""
    design = design or approved_design_for(user)
    chosen = variant(sku)
    cart_add(owner=user, design=design, variant=chosen, quantity=quantity)
    method = ShippingMethod.objects.get(code=shipping) if chosen.product.is_shippable else None
    return order_place(
        owner=user,
        cart=cart_for(owner=user),
        email=user.email,
        full_name="Jürgen Tester",
        address_line1="Hauptstraße 1",
        address_line2="",
        postcode="10115",
        city="Berlin",
        country=country,
        shipping_method=method,
    )


def payment_for(order: Order, *, intent_id: str | None = None, status: str = "") -> Payment:
    """Our record of a PaymentIntent (what payment_start stores), without calling Stripe."""
    return Payment.objects.create(
        order=order,
        stripe_payment_intent_id=intent_id or f"pi_test_{next(_counter)}",
        amount=order.total_minor_units,
        currency=order.currency,
        status=status or "requires_payment_method",
    )


def order_bare(*, status: str = OrderStatus.PENDING_PAYMENT, **fields: Any) -> Order:
    """An order row without lines, in any state (for lifecycle tests)."""
    values: dict[str, Any] = {
        "number": f"TEST-{next(_counter):06d}",
        "email": "buyer@example.com",
        "status": status,
        "currency": "EUR",
        "full_name": "Jürgen Tester",
        "address_line1": "Hauptstraße 1",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
        "subtotal_gross": Decimal("20.00"),
        "tax_total": Decimal("3.19"),
        "total_gross": Decimal("20.00"),
    }
    values.update(fields)
    return Order.objects.create(**values)


def order_placed(user: Any = None, *, sku: str = "MM-PRT-A4", quantity: int = 1) -> Order:
    """A pending_payment order for a new approved design (by default an A4 print, shipped
    Standard to Germany)."""
    return order_for(user or user_create(), sku=sku, quantity=quantity)


def order_in_state(status: str, user: Any = None) -> Order:
    """An order moved through legal transitions only (no Stripe: no Payment row)."""
    order = order_placed(user)
    path = {
        OrderStatus.PENDING_PAYMENT: [],
        OrderStatus.PAID: [OrderStatus.PAID],
        OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
        OrderStatus.SHIPPED: [OrderStatus.PAID, OrderStatus.SHIPPED],
        OrderStatus.REFUNDED: [OrderStatus.PAID, OrderStatus.REFUNDED],
    }[OrderStatus(status)]
    for step in path:
        order_transition(order=order, to=step, reason="test setup")
    return order
