"""A chargeback holds production: the order's print files are held, it cannot go into
production or ship, and the production queue lists it under "chargeback: open"."""

import pytest

from printing.models import PrintItem, PrintItemStatus
from shop.exceptions import ShopError
from shop.services.fulfilment import order_mark_in_production
from tests import factories
from tests.factories.printing import paid_order
from tests.factories.shop import payment_for
from tests.printing.admin_helpers import changelist_url, listed
from tests.shop.stripe_events import SECRET, deliver, event

pytestmark = pytest.mark.django_db


def test_an_open_chargeback_holds_production_until_settled(
    client, admin_client, settings, django_capture_on_commit_callbacks
):
    # Given a paid order whose box is about to be produced
    settings.MINIME_STRIPE_WEBHOOK_SECRET = SECRET
    order = paid_order(factories.user_create(), sku="MM-BOX-S")
    payment = payment_for(order, status="succeeded")
    other = paid_order(factories.user_create(), sku="MM-BOX-S")

    # When the bank opens a dispute on its payment
    dispute = {
        "id": "dp_hold_1", "object": "dispute", "amount": order.total_minor_units,
        "currency": "eur", "status": "needs_response", "reason": "fraudulent",
        "payment_intent": payment.stripe_payment_intent_id,
    }  # fmt: skip
    response = deliver(
        client, event("charge.dispute.created", dispute), django_capture_on_commit_callbacks
    )

    # Then its print file is held with the reason, and it cannot go into production
    assert response.status_code == 200
    item = PrintItem.objects.get(order_line__order=order)
    assert item.status == PrintItemStatus.HELD
    assert item.hold_reason == "Chargeback dp_hold_1 open."
    with pytest.raises(ShopError, match="open chargeback"):
        order_mark_in_production(order=order, actor=None)
    # and the production queue's filter finds it (and only it)
    page = admin_client.get(changelist_url(queue="all", chargeback="open"))
    assert listed(page) == [order.number]
    assert other.number not in listed(page)

    # When the merchant wins the dispute
    won = {**dispute, "status": "won"}
    deliver(client, event("charge.dispute.closed", won), django_capture_on_commit_callbacks)

    # Then production may go on (staff re-render the held file first)
    assert order_mark_in_production(order=order, actor=None).status == "in_production"
