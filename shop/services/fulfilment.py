"""Fulfilment: production and shipping of paid orders (called by the production queue in the
admin). Every move goes through shop.services.orders.order_transition; a refused move raises
IllegalOrderTransition and changes nothing."""

from typing import cast

from django.db import models, transaction
from django.utils.translation import gettext as _

from core.typing import Account
from shop.exceptions import IllegalOrderTransition, ShopError
from shop.models import Dispute, Order, OrderStatus
from shop.services.emails import email_shipped
from shop.services.orders import order_transition


def order_mark_in_production(*, order: Order, actor: Account | None) -> Order:
    """Paid -> in production (staff started printing)."""
    return _transition_shippable(
        order=order, to=OrderStatus.IN_PRODUCTION, actor=actor, reason="in production"
    )


def order_mark_shipped(
    *, order: Order, actor: Account | None, carrier: str, tracking_number: str
) -> Order:
    """Paid / in production -> shipped, with the carrier and tracking number (optional:
    letter post has none); the customer's "on its way" email goes out after the commit."""
    carrier = " ".join(carrier.split())
    tracking_number = "".join(tracking_number.split())
    if not carrier:
        raise ShopError(_("Enter the carrier."))
    for name, value in (("carrier", carrier), ("tracking_number", tracking_number)):
        field = cast("models.CharField[str, str]", Order._meta.get_field(name))
        if len(value) > (field.max_length or 0):
            raise ShopError(
                _("%(field)s: at most %(limit)d characters.")
                % {"field": field.verbose_name, "limit": field.max_length}
            )
    with transaction.atomic():
        order = _transition_shippable(
            order=order,
            to=OrderStatus.SHIPPED,
            actor=actor,
            reason=f"shipped: {carrier} {tracking_number}".strip(),
            carrier=carrier,
            tracking_number=tracking_number,
        )
        email_shipped(order_id=order.pk)  # queued with the change, sent after the commit
    return order


def _transition_shippable(
    *, order: Order, to: str, actor: Account | None, reason: str, **fields: str
) -> Order:
    """order_transition, refusing orders with nothing to produce or ship (digital-only
    orders are paid and done; the lifecycle table alone would let them be "shipped") and
    orders with an open chargeback (production is on hold until it is settled)."""
    if not order.lines.filter(is_shippable=True).exists():
        raise IllegalOrderTransition(
            _("Order %(number)s has nothing to produce or ship (digital download only).")
            % {"number": order.number}
        )
    if order.disputes.exclude(status__in=Dispute.CLOSED).exists():
        raise IllegalOrderTransition(
            _("Order %(number)s has an open chargeback: production is on hold.")
            % {"number": order.number}
        )
    return order_transition(order=order, to=to, actor=actor, reason=reason, **fields)
