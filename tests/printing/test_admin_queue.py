"""The production queue in the admin (printing.admin.queue.ProductionOrderAdmin), as a
superuser and as a member of the "Fulfilment" group: listing, filters, search, the staff view
of the approved art (never a customer's photo) and the read-only order page."""

import io
import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from printing.models import PrintItem, PrintItemStatus, ProductionOrder
from shop.models import OrderStatus
from shop.services.fulfilment import order_mark_in_production, order_mark_shipped
from shop.services.orders import order_transition
from tests import factories
from tests.factories.printing import paid_order, ready
from tests.factories.shop import approved_design_for, order_for
from tests.printing.admin_helpers import (
    body,
    changelist_url,
    listed,
)

pytestmark = pytest.mark.django_db


def test_queue_lists_paid_orders_not_yet_shipped_oldest_first(production_client):
    user = factories.user_create()
    design = approved_design_for(user)
    newest = paid_order(user, design=design, ago=timedelta(hours=1))
    oldest = paid_order(user, design=design, ago=timedelta(days=5))
    in_production = paid_order(user, design=design, ago=timedelta(days=2))
    order_mark_in_production(order=in_production, actor=None)
    part_refunded = paid_order(user, design=design, ago=timedelta(days=1, hours=1))
    order_transition(order=part_refunded, to=OrderStatus.PARTIALLY_REFUNDED, reason="bent")
    shipped = paid_order(user, design=design, ago=timedelta(days=3))
    order_mark_shipped(order=shipped, actor=None, carrier="DHL", tracking_number="1")
    refunded_after_shipping = paid_order(user, design=design, ago=timedelta(days=4))
    order_mark_shipped(
        order=refunded_after_shipping, actor=None, carrier="DHL", tracking_number="2"
    )
    order_transition(order=refunded_after_shipping, to=OrderStatus.PARTIALLY_REFUNDED, reason="x")
    unpaid = order_for(user, sku="MM-STK-A5", design=design)
    digital_only = paid_order(user, sku="MM-DIG", design=design)

    queue = production_client.get(changelist_url())
    shipped_view = production_client.get(changelist_url(queue="shipped"))

    assert queue.status_code == 200
    assert listed(queue) == [
        oldest.number,
        in_production.number,
        part_refunded.number,
        newest.number,
    ]
    for absent in (shipped, refunded_after_shipping, unpaid, digital_only):
        assert absent.number not in listed(queue)
    assert set(listed(shipped_view)) == {shipped.number, refunded_after_shipping.number}


def test_queue_filters_by_state_product_country_and_age_and_searches(production_client):
    user = factories.user_create(email="sticker.fan@example.com")
    design = approved_design_for(user)
    sticker = paid_order(user, design=design, ago=timedelta(hours=2))
    other = factories.user_create(email="print.lover@example.com")
    art = paid_order(other, sku="MM-PRT-A4", country="AT", ago=timedelta(days=2))
    box = paid_order(other, sku="MM-BOX-S", ago=timedelta(days=4))
    order_mark_in_production(order=box, actor=None)

    def numbers(**query):
        return set(listed(production_client.get(changelist_url(**query))))

    assert numbers(kind="sticker_sheet") == {sticker.number}
    assert numbers(kind="art_print") == {art.number}
    assert numbers(kind="box") == {box.number}
    assert numbers(country="AT") == {art.number}
    assert numbers(age="lt1") == {sticker.number}
    assert numbers(age="1to3") == {art.number}
    assert numbers(age="gt3") == {box.number}
    assert numbers(queue="in_production") == {box.number}
    assert numbers(queue="paid") == {sticker.number, art.number}
    assert numbers(q=art.number) == {art.number}
    ProductionOrder.objects.filter(pk=sticker.pk).update(full_name="Erika Musterfrau")
    assert numbers(q="musterfrau") == {sticker.number}  # the shipping name
    with_counts = production_client.get(changelist_url(_facets="True"))
    assert with_counts.status_code == 200 and sticker.number in with_counts.text


def test_queue_page_queries_do_not_grow_with_the_orders(admin_client):
    user = factories.user_create()
    design = approved_design_for(user)
    ready(paid_order(user, design=design))
    admin_client.get(changelist_url())  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as one:
        admin_client.get(changelist_url())
    for _ in range(4):
        ready(paid_order(user, design=design))
    with CaptureQueriesContext(connection) as five:
        page = admin_client.get(changelist_url())

    assert len(listed(page)) == 5
    assert len(five) == len(one)


def test_queue_shows_the_approved_art_through_the_staff_view_only(production_client):
    order = paid_order()
    line = order.lines.get()

    queue = production_client.get(changelist_url())
    thumb = production_client.get(
        reverse("admin:printing_productionorder_render", args=[line.pk]) + "?size=thumb"
    )
    full = production_client.get(reverse("admin:printing_productionorder_render", args=[line.pk]))

    thumb_url = reverse("admin:printing_productionorder_render", args=[line.pk]) + "?size=thumb"
    assert thumb_url in queue.text
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/png"
    assert max(Image.open(io.BytesIO(thumb.content)).size) <= 160
    approved = line.render.image.open("rb").read()
    assert body(full) == approved  # the approved render, byte for byte
    photo = line.design.photo
    assert photo is not None and str(photo.pk) not in queue.text
    assert photo.image.name not in queue.text
    # Art of orders not (yet) in production is not served.
    unpaid = order_for(factories.user_create(), sku="MM-STK-A5")
    unpaid_line = unpaid.lines.get()
    refused = production_client.get(
        reverse("admin:printing_productionorder_render", args=[unpaid_line.pk])
    )
    assert refused.status_code == 404


def test_change_page_shows_lines_print_files_history_and_payment_events_read_only(
    production_client,
):
    order = paid_order()
    item = ready(order, preflight={"effective_dpi": 140, "warnings": ["low resolution"]})
    PrintItem.objects.filter(pk=item.pk).update(
        status=PrintItemStatus.HELD, hold_reason="Only 140 dpi of real detail"
    )
    from shop.models import WebhookEvent

    WebhookEvent.objects.create(
        stripe_event_id="evt_prod_1", type="payment_intent.succeeded", payload="{}", order=order,
        result=WebhookEvent.Result.PROCESSED,
    )  # fmt: skip

    page = production_client.get(reverse("admin:printing_productionorder_change", args=[order.pk]))

    assert page.status_code == 200
    text = page.text
    assert order.number in text and order.lines.get().figure_name in text
    assert "Held for staff" in text
    assert "Only 140 dpi of real detail" in text and "&#9888;" in text  # highlighted
    assert "&quot;effective_dpi&quot;: 140" in text  # pretty JSON of the preflight report
    assert "payment_intent.succeeded" in text  # payment events
    assert "Awaiting payment" in text or "pending_payment" in text  # status history rows
    assert reverse("admin:printing_productionorder_print_file", args=[item.pk]) in text
    assert reverse("admin:printing_productionorder_packing_slip", args=[order.pk]) in text
    assert 'name="_save"' not in text  # nothing to edit here
    assert not page.context["adminform"].form.fields


def test_production_order_is_a_proxy_of_the_shop_order():
    order = paid_order()

    assert ProductionOrder.objects.get(pk=order.pk).number == order.number
    assert ProductionOrder._meta.proxy and ProductionOrder._meta.db_table == "shop_order"
    assert json.dumps(ProductionOrder._meta.verbose_name_plural.title()) == '"Production Queue"'
