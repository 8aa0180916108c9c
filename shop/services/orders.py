"""Orders: placing them from a cart, and the one transition function of their lifecycle."""

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.states import transition_locked
from core.typing import Account
from figures.models import DesignStatus
from shop.conf import shop_settings
from shop.exceptions import CartInvalid, IllegalOrderTransition
from shop.models import (
    ORDER_TRANSITIONS,
    Cart,
    Order,
    OrderLine,
    OrderNumberSequence,
    OrderStatus,
    OrderStatusChange,
    ShippingMethod,
)
from shop.services.cart import cart_lines
from shop.services.pricing import quote
from shop.signals import order_paid, order_status_changed


def order_number_next() -> str:
    """The next number of a gap-free sequence (call inside a transaction)."""
    OrderNumberSequence.objects.get_or_create(name="orders")
    sequence = OrderNumberSequence.objects.select_for_update().get(name="orders")
    sequence.last_value += 1
    sequence.save(update_fields=["last_value"])
    return f"{shop_settings.ORDER_NUMBER_PREFIX}{sequence.last_value:06d}"


@transaction.atomic
def order_place(
    *,
    owner: Account,
    cart: Cart,
    email: str,
    full_name: str,
    address_line1: str,
    address_line2: str,
    postcode: str,
    city: str,
    country: str,
    shipping_method: ShippingMethod | None,
    language: str | None = None,
) -> Order:
    """Create a pending_payment order from the cart, priced on the server, with snapshots
    of every line; the cart is emptied."""
    cart = Cart.objects.select_for_update().get(pk=cart.pk, owner=owner)
    lines = list(cart_lines(cart=cart))
    if not lines:
        raise CartInvalid(_("Your cart is empty."))
    for line in lines:
        design = line.design
        if design.owner_id != owner.pk or design.status != DesignStatus.APPROVED:
            raise CartInvalid()
        if not (line.variant.is_active and line.variant.product.is_active):
            raise CartInvalid(_("A product in your cart is no longer available."))
    items = [(line.design_id, line.variant, line.quantity) for line in lines]
    priced = quote(items=items, country=country, shipping_method=shipping_method)
    if priced.needs_shipping and priced.shipping is None:
        raise CartInvalid(_("Please choose a shipping method available for your country."))
    order = Order.objects.create(
        number=order_number_next(),
        owner=owner,
        email=email,
        # Default: the language of the request placing the order, for later emails.
        language=(language or translation.get_language() or settings.LANGUAGE_CODE)[:8],
        currency=priced.currency,
        full_name=full_name,
        address_line1=address_line1,
        address_line2=address_line2,
        postcode=postcode,
        city=city,
        country=priced.country,
        shipping_method=priced.shipping_method,
        shipping_method_name=priced.shipping_method.name if priced.shipping_method else "",
        shipping_gross=priced.shipping.gross if priced.shipping else 0,
        shipping_tax=priced.shipping.tax if priced.shipping else 0,
        subtotal_gross=priced.subtotal_gross,
        tax_total=priced.tax_total,
        total_gross=priced.total_gross,
    )
    by_design = {line.design_id: line.design for line in lines}
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            design=by_design[q.design_id],
            render=by_design[q.design_id].approved_render,
            design_version=by_design[q.design_id].version,
            figure_name=by_design[q.design_id].name,
            variant=q.variant,
            product_kind=q.variant.product.kind,
            product_name=q.variant.product.name,
            variant_name=q.variant.name,
            sku=q.variant.sku,
            is_shippable=q.variant.product.is_shippable,
            quantity=q.quantity,
            unit_price_net=q.unit.net,
            unit_price_gross=q.unit.gross,
            tax_rate=q.unit.rate,
            line_total_gross=q.total_gross,
            line_tax=q.total_tax,
        )
        for q in priced.lines
    )
    OrderStatusChange.objects.create(
        order=order, to_status=OrderStatus.PENDING_PAYMENT, actor=owner, reason="placed"
    )
    cart.lines.all().delete()
    return order


def _refuse(order: Order, to: str) -> IllegalOrderTransition:
    return IllegalOrderTransition(
        _("Order %(number)s is %(status)s and cannot become %(to)s.")
        % {
            "number": order.number,
            "status": order.get_status_display(),
            "to": OrderStatus(to).label,
        }
    )


def order_transition(
    *, order: Order, to: str, actor: Account | None = None, reason: str = "", **fields: Any
) -> Order:
    """The one way an order changes state: legal moves only, each one recorded. Locks the
    row; `fields` are saved with the move (e.g. paid_at, tracking_number)."""
    with transaction.atomic():
        locked, previous = transition_locked(
            row=order, to=to, table=ORDER_TRANSITIONS, history=OrderStatusChange,
            owner_field="order", refuse=_refuse, actor=actor, reason=reason, fields=fields,
        )  # fmt: skip
        # Inside the transaction: what receivers write commits or rolls back with the move.
        order_status_changed.send(
            sender=Order,
            order=locked,
            from_status=previous,
            to_status=to,
            actor=actor,
            reason=reason,
        )
        if to == OrderStatus.PAID:
            order_paid.send(sender=Order, order=locked)
    order.refresh_from_db()
    return order


def order_mark_paid(*, order: Order, reason: str) -> Order:
    """Paid: order_paid is sent inside the transition (printing takes the lines over with
    it) and the confirmation email is queued in the same transaction (sent after it)."""
    from shop.services.emails import email_order_confirmation

    with transaction.atomic():
        order = order_transition(
            order=order, to=OrderStatus.PAID, reason=reason, paid_at=timezone.now()
        )
        email_order_confirmation(order_id=order.pk)
    return order


def order_attention_clear(*, order: Order) -> None:
    """Staff checked a flagged order; who and why go to the admin log."""
    Order.objects.filter(pk=order.pk).update(needs_attention=False, attention_reason="")


def order_flag(*, order: Order, reason: str) -> None:
    """Alert staff (admin list filter 'needs attention') without changing the state."""
    Order.objects.filter(pk=order.pk).update(needs_attention=True, attention_reason=reason[:300])
