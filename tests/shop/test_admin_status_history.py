"""The shop's order page names who moved an order in the production queue's words ("system",
staff username, "customer"); staff who look after orders also see the customer account."""

import re

import pytest
from django.urls import reverse

from shop.models import OrderStatus
from shop.services.fulfilment import order_mark_in_production
from shop.services.orders import order_transition
from tests import factories
from tests.factories.shop import order_for

pytestmark = pytest.mark.django_db


def test_order_history_says_customer_system_and_the_staff_username(admin_client, admin_user):
    # (shop only: this module also runs with printing uninstalled)
    order = order_for(factories.user_create(email="hist.customer@example.com"), sku="MM-PRT-A4")
    order = order_transition(order=order, to=OrderStatus.PAID, reason="test")
    order_mark_in_production(order=order, actor=admin_user)

    page = admin_client.get(reverse("admin:shop_order_change", args=[order.pk]))

    by = re.findall(r'<td class="field-by">\s*<p>(.*?)</p>', page.text)
    assert by == ["customer (hist.customer)", "system", admin_user.username]
