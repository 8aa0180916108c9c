"""The shop announces its order changes (shop.signals) inside the transaction of the change,
so what a receiver writes commits or rolls back with it; and it serves downloads through the
providers the apps above register. None of this needs printing installed."""

from contextlib import contextmanager

import pytest
from django.db import connection
from django.dispatch import Signal

from config import settings_test, settings_test_shop_only
from shop.models import Order, OrderStatus, OrderStatusChange
from shop.services import downloads
from shop.services.orders import order_mark_paid, order_transition
from shop.signals import order_paid, order_status_changed
from tests.factories.shop import order_bare, order_for

pytestmark = pytest.mark.django_db


@contextmanager
def listening(signal: Signal, receiver):
    signal.connect(receiver, dispatch_uid="test-listener")
    try:
        yield
    finally:
        signal.disconnect(dispatch_uid="test-listener")


def test_every_transition_is_announced_inside_its_transaction_after_its_history_row(user):
    order = order_bare(status=OrderStatus.PAID)
    heard = []

    def receiver(sender, **kwargs):
        history = OrderStatusChange.objects.filter(order=kwargs["order"], to_status="shipped")
        heard.append((sender, kwargs, connection.in_atomic_block, history.exists()))

    with listening(order_status_changed, receiver):
        order_transition(order=order, to=OrderStatus.SHIPPED, actor=user, reason="posted")

    [(sender, kwargs, in_transaction, history_written)] = heard
    assert sender is Order and in_transaction and history_written
    assert kwargs["order"].pk == order.pk and kwargs["order"].status == OrderStatus.SHIPPED
    assert (kwargs["from_status"], kwargs["to_status"]) == ("paid", "shipped")
    assert (kwargs["actor"], kwargs["reason"]) == (user, "posted")


def test_order_paid_is_sent_once_with_the_paid_order_and_only_for_paid(user):
    paid_orders = []

    def receiver(sender, *, order, **kwargs):
        paid_orders.append((order.pk, order.status, order.paid_at is not None))

    order = order_for(user)
    with listening(order_paid, receiver):
        order_mark_paid(order=order, reason="test")
        order_transition(order=order, to=OrderStatus.REFUNDED, reason="test")
        order_transition(order=order_bare(), to=OrderStatus.CANCELLED, reason="test")

    assert paid_orders == [(order.pk, OrderStatus.PAID, True)]


def test_a_failing_receiver_rolls_the_transition_back(user):
    order = order_for(user)

    def receiver(sender, **kwargs):
        raise RuntimeError("receiver broke")

    with listening(order_paid, receiver), pytest.raises(RuntimeError, match="receiver broke"):
        order_mark_paid(order=order, reason="test")

    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING_PAYMENT and order.paid_at is None
    assert list(order.status_changes.values_list("to_status", flat=True)) == ["pending_payment"]


def test_download_serves_the_render_unless_a_provider_offers_a_file(user, monkeypatch):
    order = order_for(user)
    order_mark_paid(order=order, reason="test")
    line = order.lines.get()
    offered = []
    monkeypatch.setattr(downloads, "_download_file_providers", [])

    def provider(asked):
        offered.append(asked.pk)
        return None

    downloads.download_file_provider_register(provider)
    downloads.download_file_provider_register(provider)  # idempotent
    fallback = downloads.download_file(line=line)
    downloads.download_file_provider_register(lambda asked: asked.design.approved_render.image)
    provided = downloads.download_file(line=line)

    assert fallback.name == line.render.image.name and offered == [line.pk, line.pk]
    assert provided.name == line.design.approved_render.image.name


def test_the_shop_only_settings_are_the_test_settings_without_printing():
    expected = [app for app in settings_test.INSTALLED_APPS if app != "printing"]

    assert "printing" in settings_test.INSTALLED_APPS
    assert expected == settings_test_shop_only.INSTALLED_APPS
