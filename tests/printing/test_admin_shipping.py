"""Moving orders on from the production queue (printing.admin.actions): in production,
shipped (carrier and tracking number on the intermediate page, then the customer's email),
and nothing changed for orders in the wrong state."""

from datetime import timedelta

import pytest
from django.core import mail

from shop.exceptions import IllegalOrderTransition, ShopError
from shop.models import Order, OrderStatus
from shop.services.fulfilment import order_mark_in_production, order_mark_shipped
from shop.services.orders import order_transition
from tests import factories
from tests.factories.printing import paid_order
from tests.factories.shop import approved_design_for
from tests.printing.admin_helpers import (
    confirm_action,
    messages_of,
    run_action,
    state,
)

pytestmark = pytest.mark.django_db


def test_mark_in_production_records_who(production_client):
    order = paid_order()

    response = run_action(production_client, "mark_in_production", [order])

    assert ("success", f"Order {order.number} is in production.") in messages_of(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.IN_PRODUCTION
    change = order.status_changes.last()
    assert change.to_status == OrderStatus.IN_PRODUCTION
    assert change.actor_id == response.wsgi_request.user.pk


def test_mark_shipped_asks_for_carrier_and_tracking_then_emails_the_customer(
    production_client, django_capture_on_commit_callbacks
):
    user = factories.user_create()
    design = approved_design_for(user)
    first = paid_order(user, design=design, ago=timedelta(days=1))
    second = paid_order(user, design=design)
    order_mark_in_production(order=second, actor=None)

    page = run_action(production_client, "mark_shipped", [first, second])
    missing = confirm_action(production_client, "mark_shipped", [first, second])
    with django_capture_on_commit_callbacks(execute=True):
        done = confirm_action(
            production_client,
            "mark_shipped",
            [first, second],
            **{
                f"ship-{first.pk}-carrier": "DHL",
                f"ship-{first.pk}-tracking_number": "00340434161094042557",
                f"ship-{second.pk}-carrier": "Deutsche Post",
                f"ship-{second.pk}-tracking_number": " RR 1234 5678 DE ",
            },
        )

    assert page.status_code == 200
    assert f'name="ship-{first.pk}-carrier"' in page.text
    assert f'name="ship-{second.pk}-tracking_number"' in page.text
    assert missing.status_code == 200 and "This field is required." in missing.text
    assert done.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.carrier, first.tracking_number) == (
        OrderStatus.SHIPPED, "DHL", "00340434161094042557",
    )  # fmt: skip
    assert (second.status, second.carrier, second.tracking_number) == (
        OrderStatus.SHIPPED, "Deutsche Post", "RR12345678DE",
    )  # fmt: skip
    assert first.status_changes.last().actor_id == done.wsgi_request.user.pk
    shipped_mails = [m for m in mail.outbox if "is on its way" in m.subject]
    assert sorted(m.to[0] for m in shipped_mails) == [user.email, user.email]
    mail_first = next(m for m in shipped_mails if first.number in m.subject)
    assert "00340434161094042557" in mail_first.body and "DHL" in mail_first.body


def test_actions_on_orders_in_the_wrong_state_change_nothing(
    production_client, django_capture_on_commit_callbacks
):
    user = factories.user_create()
    design = approved_design_for(user)
    shipped = paid_order(user, design=design)
    order_mark_shipped(order=shipped, actor=None, carrier="DHL", tracking_number="1")
    refunded = paid_order(user, design=design)
    order_transition(order=refunded, to=OrderStatus.REFUNDED, reason="cancelled by phone")
    before = {o.pk: state(o) for o in (shipped, refunded)}
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        in_production = run_action(production_client, "mark_in_production", [shipped])
        ship = run_action(production_client, "mark_shipped", [shipped, refunded])
        ship_confirmed = confirm_action(
            production_client, "mark_shipped", [shipped],
            **{f"ship-{shipped.pk}-carrier": "UPS", f"ship-{shipped.pk}-tracking_number": "9"},
        )  # fmt: skip

    assert messages_of(in_production) == [
        ("error", f"Order {shipped.number} is Shipped and cannot become In production.")
    ]
    assert ship.status_code == 302  # no form: nothing can be shipped
    # (Messages pile up until a page shows them: the newest are last.)
    # The refunded order is not in the production queue, so the action never sees it.
    assert messages_of(ship)[-1:] == [
        ("error", f"Order {shipped.number} is Shipped and cannot be marked shipped."),
    ]
    assert messages_of(ship_confirmed)[-1:] == [
        ("error", f"Order {shipped.number} is Shipped and cannot be marked shipped.")
    ]
    assert {o.pk: state(o) for o in (shipped, refunded)} == before
    assert mail.outbox == []


def test_shipping_services_refuse_digital_only_orders_and_blank_carriers():
    digital = paid_order(sku="MM-DIG")
    physical = paid_order()

    with pytest.raises(IllegalOrderTransition):
        order_mark_shipped(order=digital, actor=None, carrier="DHL", tracking_number="1")
    with pytest.raises(IllegalOrderTransition):
        order_mark_in_production(order=digital, actor=None)
    with pytest.raises(ShopError, match="Enter the carrier"):
        order_mark_shipped(order=physical, actor=None, carrier="  ", tracking_number="1")

    assert Order.objects.get(pk=digital.pk).status == OrderStatus.PAID
    assert Order.objects.get(pk=physical.pk).status == OrderStatus.PAID
