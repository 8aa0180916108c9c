"""What the production queue shows of the customer: fulfilment ships by the name and address,
so the "Fulfilment" group never sees an email address (list, order page, search, URL
lookups) nor a customer's username (status history says "customer"); staff who may view
the shop's orders still see and search the email."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from printing.models import PrintItemStatusChange
from printing.services import print_item_rerender
from shop.services.fulfilment import order_mark_in_production
from tests import factories
from tests.factories.printing import paid_order, ready
from tests.printing.admin_helpers import changelist_url, listed

pytestmark = pytest.mark.django_db

EMAIL = "jane.private@example.com"  # username "jane.private"


def _customer_order():
    order = paid_order(factories.user_create(email=EMAIL))
    assert order.email == EMAIL
    return order


def test_fulfilment_staff_see_the_shipping_name_and_address_but_no_email(fulfilment_client):
    # given a paid order of a customer with a distinctive email and username
    order = _customer_order()

    # when fulfilment opens the queue and the order page
    queue = fulfilment_client.get(changelist_url())
    page = fulfilment_client.get(reverse("admin:printing_productionorder_change", args=[order.pk]))

    # then they see the order, its shipping name and address, and no email or username
    assert listed(queue) == [order.number]
    assert order.full_name in queue.text and order.full_name in page.text
    assert order.address_line1 in page.text and order.postcode in page.text
    for response in (queue, page):
        assert response.status_code == 200
        assert EMAIL not in response.text and "jane.private" not in response.text
        assert "example.com" not in response.text


def test_fulfilment_staff_search_by_order_number_and_name_only(fulfilment_client):
    order = _customer_order()

    def found(query):
        return listed(fulfilment_client.get(changelist_url(q=query)))

    assert found(order.number) == [order.number]
    assert found(order.full_name.split()[0]) == [order.number]
    assert found(EMAIL) == []
    assert found("jane.private") == []
    assert found("example.com") == []


def test_fulfilment_staff_cannot_probe_emails_through_url_lookups(fulfilment_client):
    _customer_order()

    for lookup in ("email", "email__startswith", "email__icontains", "owner__email"):
        response = fulfilment_client.get(changelist_url(**{lookup: "jane"}))
        assert response.status_code == 400, lookup  # a refused lookup, never a row count


def _by_column(page) -> list[str]:
    """The "by" cells of the page's status history, as rendered."""
    return re.findall(r'<td class="field-by">\s*<p>(.*?)</p>', page.text)


def test_status_history_names_staff_and_says_customer_and_system(fulfilment_client):
    # given an order placed by its customer (the first history row's actor), paid by the
    # webhook (no actor) and put in production by a fulfilment member
    order = _customer_order()
    order_mark_in_production(order=order, actor=fulfilment_client.user)

    page = fulfilment_client.get(reverse("admin:printing_productionorder_change", args=[order.pk]))

    assert _by_column(page) == ["customer", "system", fulfilment_client.user.username]
    assert "jane.private" not in page.text


def test_print_item_history_names_staff_and_says_system(admin_client, admin_user):
    # (fulfilment has no view permission on print item history; the owner has)
    order = _customer_order()
    item = ready(order)
    print_item_rerender(item=item, actor=admin_user)
    PrintItemStatusChange.objects.create(print_item=item, from_status="", to_status="x")

    page = admin_client.get(reverse("admin:printing_printitem_change", args=[item.pk]))

    assert page.status_code == 200
    assert _by_column(page)[-2:] == [admin_user.username, "system"]


def test_staff_who_may_view_shop_orders_see_and_search_the_email(admin_client, staff_client):
    order = _customer_order()
    staff_client.user.user_permissions.add(
        Permission.objects.get(codename="view_productionorder"),
        Permission.objects.get(codename="view_order", content_type__app_label="shop"),
    )

    for client in (admin_client, staff_client):
        queue = client.get(changelist_url())
        page = client.get(reverse("admin:printing_productionorder_change", args=[order.pk]))
        searched = client.get(changelist_url(q=EMAIL))
        looked_up = client.get(changelist_url(email=EMAIL))
        assert EMAIL in queue.text and EMAIL in page.text
        assert listed(searched) == [order.number] == listed(looked_up)
