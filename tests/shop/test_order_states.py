"""The order lifecycle is data (ORDER_TRANSITIONS): every listed move works and is recorded
with who and why; every other move is refused and changes nothing."""

import pytest
from django.utils import timezone

from shop.exceptions import IllegalOrderTransition
from shop.models import ORDER_TRANSITIONS, Order, OrderStatus
from shop.services.orders import order_transition
from tests.factories.shop import order_bare

pytestmark = pytest.mark.django_db

STATES = list(OrderStatus.values)
LEGAL = [(a, b) for a in STATES for b in sorted(ORDER_TRANSITIONS[a])]
ILLEGAL = [(a, b) for a in STATES for b in STATES if b not in ORDER_TRANSITIONS[a]]


def test_the_table_covers_every_state_and_ends_in_terminal_states():
    assert set(ORDER_TRANSITIONS) == set(STATES)
    assert all(targets <= set(STATES) for targets in ORDER_TRANSITIONS.values())
    assert ORDER_TRANSITIONS[OrderStatus.CANCELLED] == frozenset()
    assert ORDER_TRANSITIONS[OrderStatus.REFUNDED] == frozenset()
    assert OrderStatus.PENDING_PAYMENT not in set().union(*ORDER_TRANSITIONS.values())


@pytest.mark.parametrize(("from_status", "to_status"), LEGAL)
def test_legal_move_changes_the_state_and_writes_a_history_row(from_status, to_status, user):
    order = order_bare(status=from_status)

    moved = order_transition(order=order, to=to_status, actor=user, reason="staff decision")

    assert moved.status == to_status
    assert Order.objects.get(pk=order.pk).status == to_status
    change = order.status_changes.get()
    assert change.from_status == from_status
    assert change.to_status == to_status
    assert change.actor == user
    assert change.reason == "staff decision"


@pytest.mark.parametrize(("from_status", "to_status"), ILLEGAL)
def test_illegal_move_is_refused_and_changes_nothing(from_status, to_status, user):
    order = order_bare(status=from_status)
    before = Order.objects.values().get(pk=order.pk)

    with pytest.raises(IllegalOrderTransition):
        order_transition(
            order=order, to=to_status, actor=user, reason="nope", tracking_number="TRACK-1"
        )

    assert Order.objects.values().get(pk=order.pk) == before
    assert not order.status_changes.exists()


def test_fields_given_with_a_move_are_saved_with_it(user):
    order = order_bare(status=OrderStatus.PAID)
    shipped_at_least = timezone.now()

    order_transition(
        order=order, to=OrderStatus.SHIPPED, actor=user, carrier="DHL", tracking_number="00340"
    )

    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "DHL", "00340")
    assert order.updated_at >= shipped_at_least
