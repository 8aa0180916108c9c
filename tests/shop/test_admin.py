import json
from decimal import Decimal

import pytest
from django.urls import reverse

from shop.models import Order, OrderStatus, OrderStatusChange, Refund, WebhookEvent
from shop.services.orders import order_flag
from tests.factories import shop as shop_factories
from tests.shop import admin_helpers as ah

pytestmark = pytest.mark.django_db


def _status_and_history(order):
    order.refresh_from_db()
    return order.status, order.refunded_amount, order.status_changes.count()


# --- Access -----------------------------------------------------------------------------------


def test_staff_can_list_search_and_filter_orders_and_open_one(admin_client):
    pending = shop_factories.order_placed()
    cancelled = shop_factories.order_in_state(OrderStatus.CANCELLED)

    listing = admin_client.get(ah.changelist_url())
    found = admin_client.get(ah.changelist_url(q=pending.number))
    by_email = admin_client.get(ah.changelist_url(q=cancelled.email))
    filtered = admin_client.get(ah.changelist_url(status__exact=OrderStatus.CANCELLED))
    by_country = admin_client.get(ah.changelist_url(country="DE"))
    detail = admin_client.get(reverse("admin:shop_order_change", args=[pending.pk]))

    assert listing.status_code == 200
    assert pending.number in listing.text and cancelled.number in listing.text
    assert pending.number in found.text and cancelled.number not in found.text
    assert cancelled.number in by_email.text and pending.number not in by_email.text
    assert cancelled.number in filtered.text and pending.number not in filtered.text
    assert pending.number in by_country.text
    assert detail.status_code == 200
    line = pending.lines.get()
    assert line.product_name in detail.text and line.sku in detail.text
    assert "placed" in detail.text  # the status history row
    assert f"{pending.total_gross}" in detail.text


def test_order_detail_keeps_money_and_status_read_only(admin_client):
    order = shop_factories.order_placed()

    detail = admin_client.get(reverse("admin:shop_order_change", args=[order.pk]))

    form = detail.context["adminform"].form
    for name in ("status", "total_gross", "refunded_amount", "country", "needs_attention"):
        assert name not in form.fields
    assert "full_name" in form.fields  # typos in the address may be corrected


def test_non_staff_is_sent_to_the_admin_login(user_client):
    order = shop_factories.order_placed(user_client.user)

    listing = user_client.get(ah.changelist_url())
    detail = user_client.get(reverse("admin:shop_order_change", args=[order.pk]))

    for response in (listing, detail):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_flagged_orders_stand_out_in_the_list(admin_client):
    flagged = shop_factories.order_placed()
    order_flag(order=flagged, reason="paid twice")
    shop_factories.order_placed()

    listing = admin_client.get(ah.changelist_url())
    only_flagged = admin_client.get(ah.changelist_url(needs_attention__exact="1"))

    assert any(
        level == "warning" and text.startswith("1 order needs attention.")
        for level, text in ah.messages_of(listing)
    )
    assert 'title="paid twice"' in listing.text
    assert list(only_flagged.context["cl"].result_list) == [flagged]


# --- Refund -----------------------------------------------------------------------------------


def test_partial_refund_goes_through_stripe_and_is_recorded(admin_client, stripe_settings):
    order = ah.order_paid_through_stripe(shop_factories.order_placed())
    intent = order.payments.get().stripe_payment_intent_id

    page = ah.run_action(admin_client, "refund_orders", [order])
    form = {
        "scope": "partial",
        "amount": "5.00",
        "reason": "one sticker arrived bent",
        **ah.hidden_refund_keys(page),
    }
    done = ah.confirm_action(admin_client, "refund_orders", [order], **form)

    assert page.status_code == 200
    assert order.number in page.text and 'name="amount"' in page.text
    assert done.status_code == 302
    assert ("success", f"Refunded 5.00 EUR of order {order.number}.") in ah.messages_of(done)
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_REFUNDED
    assert order.refunded_amount == Decimal("5.00")
    refund = Refund.objects.get(order=order)
    assert (refund.amount, refund.reason) == (Decimal("5.00"), "one sticker arrived bent")
    at_stripe = ah.stripe_request("GET", f"/v1/refunds?payment_intent={intent}")["data"]
    assert [r["amount"] for r in at_stripe] == [500]
    change = order.status_changes.last()
    assert (change.to_status, change.reason) == (
        OrderStatus.PARTIALLY_REFUNDED,
        "one sticker arrived bent",
    )


def test_submitting_the_refund_confirmation_twice_refunds_once(admin_client, stripe_settings):
    order = ah.order_paid_through_stripe(shop_factories.order_placed())
    intent = order.payments.get().stripe_payment_intent_id
    page = ah.run_action(admin_client, "refund_orders", [order])
    form = {"scope": "partial", "amount": "5.00", "reason": "bent", **ah.hidden_refund_keys(page)}

    first = ah.confirm_action(admin_client, "refund_orders", [order], **form)
    admin_client.get(first["Location"])  # the browser follows: the messages are shown
    second = ah.confirm_action(admin_client, "refund_orders", [order], **form)  # resent

    assert ("success", f"Refunded 5.00 EUR of order {order.number}.") in ah.messages_of(first)
    assert ah.messages_of(second) == [
        ("warning", f"Order {order.number}: this refund was already made; nothing refunded again.")
    ]
    order.refresh_from_db()
    assert (order.status, order.refunded_amount) == (
        OrderStatus.PARTIALLY_REFUNDED,
        Decimal("5.00"),
    )
    assert Refund.objects.filter(order=order).count() == 1
    at_stripe = ah.stripe_request("GET", f"/v1/refunds?payment_intent={intent}")["data"]
    assert len(at_stripe) == 1


def test_refund_of_more_than_is_left_is_refused_by_the_form(admin_client):
    order = shop_factories.order_in_state(OrderStatus.PAID)
    before = _status_and_history(order)

    page = ah.confirm_action(
        admin_client,
        "refund_orders",
        [order],
        scope="partial",
        amount=str(order.total_gross + Decimal("0.01")),
        reason="goodwill",
    )
    zero = ah.confirm_action(
        admin_client, "refund_orders", [order], scope="partial", amount="0", reason="goodwill"
    )

    assert page.status_code == 200
    assert "More than what is left to refund" in page.text
    assert zero.status_code == 200 and "errorlist" in zero.text
    assert _status_and_history(order) == before
    assert not Refund.objects.exists()


def test_refund_of_an_unpaid_order_is_refused_and_changes_nothing(admin_client):
    order = shop_factories.order_placed()
    before = _status_and_history(order)

    response = ah.run_action(admin_client, "refund_orders", [order])

    assert response.status_code == 302  # no confirmation page for nothing to refund
    assert (
        "error",
        f"Order {order.number} is Awaiting payment and has nothing to refund.",
    ) in ah.messages_of(response)
    assert _status_and_history(order) == before
    assert not Refund.objects.exists()


def test_refund_confirmation_posted_for_an_unpaid_order_changes_nothing(admin_client):
    order = shop_factories.order_in_state(OrderStatus.CANCELLED)
    before = _status_and_history(order)

    response = ah.confirm_action(
        admin_client, "refund_orders", [order], scope="full", reason="goodwill"
    )

    assert response.status_code == 302
    errors = [text for level, text in ah.messages_of(response) if level == "error"]
    assert errors == [f"Order {order.number} is Cancelled and has nothing to refund."]
    assert _status_and_history(order) == before
    assert not Refund.objects.exists()


# --- Cancel and attention -----------------------------------------------------------------------


def test_cancel_unpaid_order_records_who_cancelled_it(admin_client, admin_user):
    order = shop_factories.order_placed()

    response = ah.run_action(admin_client, "cancel_unpaid", [order])

    assert ("success", f"Order {order.number} cancelled.") in ah.messages_of(response)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    change = order.status_changes.last()
    assert (change.from_status, change.to_status) == (
        OrderStatus.PENDING_PAYMENT,
        OrderStatus.CANCELLED,
    )
    assert change.actor == admin_user


def test_cancel_of_a_paid_order_is_refused_and_changes_nothing(admin_client):
    paid = shop_factories.order_in_state(OrderStatus.PAID)
    before = _status_and_history(paid)

    response = ah.run_action(admin_client, "cancel_unpaid", [paid])

    assert (
        "error",
        f"Order {paid.number} is Paid and cannot be cancelled.",
    ) in ah.messages_of(response)
    assert _status_and_history(paid) == before


def test_clear_attention_flag(admin_client):
    flagged = shop_factories.order_placed()
    order_flag(order=flagged, reason="amount mismatch")
    calm = shop_factories.order_placed()
    history = OrderStatusChange.objects.count()

    response = ah.run_action(admin_client, "clear_attention", [flagged, calm])

    messages = ah.messages_of(response)
    assert ("success", f"Order {flagged.number}: attention flag cleared.") in messages
    assert ("warning", f"Order {calm.number} was not flagged.") in messages
    flagged.refresh_from_db()
    assert not flagged.needs_attention and flagged.attention_reason == ""
    assert Order.objects.filter(needs_attention=True).count() == 0
    assert OrderStatusChange.objects.count() == history  # no state change


def test_orders_cannot_be_deleted_or_added_in_the_admin(admin_client):
    order = shop_factories.order_placed()

    delete = admin_client.get(reverse("admin:shop_order_delete", args=[order.pk]))
    add = admin_client.get(reverse("admin:shop_order_add"))

    assert delete.status_code == 403
    assert add.status_code == 403


# --- Catalog and webhooks -------------------------------------------------------------------


def test_product_page_shows_gross_price_for_the_default_country(admin_client, settings):
    from shop.models import Product

    settings.MINIME_DEFAULT_COUNTRY = "DE"
    product = Product.objects.get(slug="art-print")  # A4 is 16.80 net

    page = admin_client.get(reverse("admin:shop_product_change", args=[product.pk]))

    assert page.status_code == 200
    assert "19.99 EUR (DE)" in page.text


def test_shipping_method_page_lists_its_rates(admin_client):
    from shop.models import ShippingMethod

    method = ShippingMethod.objects.get(code="standard")

    page = admin_client.get(reverse("admin:shop_shippingmethod_change", args=[method.pk]))
    zones = admin_client.get(reverse("admin:shop_shippingzone_changelist"))

    assert page.status_code == 200 and "4.16" in page.text
    assert zones.status_code == 200 and "Rest of world" in zones.text


def test_webhook_events_are_listed_filtered_and_shown_pretty_printed(admin_client):
    order = shop_factories.order_placed()
    payload = {"id": "evt_123", "type": "payment_intent.succeeded", "data": {"x": "<b>"}}
    event = WebhookEvent.objects.create(
        stripe_event_id="evt_123",
        type="payment_intent.succeeded",
        payload=json.dumps(payload),
        result=WebhookEvent.Result.PROCESSED,
        order=order,
    )
    WebhookEvent.objects.create(
        stripe_event_id="evt_456", type="charge.refunded", payload="not json", result="failed"
    )
    url = reverse("admin:shop_webhookevent_changelist")

    by_type = admin_client.get(url, {"type": "charge.refunded"})
    by_result = admin_client.get(url, {"result__exact": "processed"})
    by_id = admin_client.get(url, {"q": "evt_123"})
    detail = admin_client.get(reverse("admin:shop_webhookevent_change", args=[event.pk]))
    order_page = admin_client.get(reverse("admin:shop_order_change", args=[order.pk]))

    assert "evt_456" in by_type.text and "evt_123" not in by_type.text
    assert "evt_123" in by_result.text and "evt_456" not in by_result.text
    assert "evt_123" in by_id.text and "evt_456" not in by_id.text
    assert detail.status_code == 200
    pretty = "  &quot;data&quot;: {\n    &quot;x&quot;: &quot;&lt;b&gt;&quot;\n  },"
    assert pretty in detail.text  # indented, sorted, HTML-escaped
    assert "evt_123" in order_page.text  # the order's webhook inline
