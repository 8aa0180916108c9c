"""Who may do what in the production queue: the "Fulfilment" group (data migration and
management command) gets production permissions only, never customers' photos, designs or
privacy; staff without them and customers are refused; view-only staff cannot move orders."""

import io

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from shop.models import OrderStatus
from tests import factories
from tests.factories.printing import paid_order, ready
from tests.printing.admin_helpers import (
    changelist_url,
    run_action,
)

pytestmark = pytest.mark.django_db


def test_the_fulfilment_group_has_only_production_permissions():
    group = Group.objects.get(name="Fulfilment")

    codenames = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}

    assert codenames == {
        "printing.view_productionorder",
        "printing.change_productionorder",
        "printing.refund_productionorder",
        "printing.view_printitem",
        "printing.view_printbatch",
        "printing.add_printbatch",
    }


def test_the_management_command_recreates_the_group():
    group = Group.objects.get(name="Fulfilment")
    group.permissions.add(Permission.objects.get(codename="change_figuredesign"))
    Group.objects.filter(name="Fulfilment").delete()
    Group.objects.create(name="Fulfilment").permissions.add(
        Permission.objects.get(codename="view_photo")
    )
    out = io.StringIO()

    call_command("minime_fulfilment_group", stdout=out)

    group = Group.objects.get(name="Fulfilment")
    assert sorted(p.codename for p in group.permissions.all()) == sorted(
        ["view_productionorder", "change_productionorder", "refund_productionorder",
         "view_printitem", "view_printbatch", "add_printbatch"]
    )  # fmt: skip
    assert "Removed permissions: figures.view_photo" in out.getvalue()


def test_fulfilment_staff_never_reach_customer_photos_designs_or_privacy(fulfilment_client):
    customer = factories.user_create()
    order = paid_order(customer)
    photo = order.lines.get().design.photo
    user = fulfilment_client.user

    photo_view = fulfilment_client.get(reverse("figures:photo_image", args=[photo.pk]))
    photo_admin = fulfilment_client.get("/admin/figures/photo/")
    design_admin = fulfilment_client.get(reverse("admin:figures_figuredesign_changelist"))
    render_admin = fulfilment_client.get(reverse("admin:figures_render_changelist"))
    shop_orders = fulfilment_client.get(reverse("admin:shop_order_changelist"))
    index = fulfilment_client.get(reverse("admin:index"))

    assert photo_view.status_code == 404  # owner-checked: not theirs
    assert photo_admin.status_code == 404  # photos have no admin at all
    assert design_admin.status_code == 403 and render_admin.status_code == 403
    assert shop_orders.status_code == 403
    assert all(p.startswith("printing.") for p in user.get_all_permissions())
    assert not any(
        user.has_perm(p)
        for p in ("figures.view_photo", "figures.change_photo", "figures.change_figuredesign",
                  "figures.view_figuredesign")
    )  # fmt: skip
    assert not any(p.startswith("privacy.") for p in user.get_all_permissions())
    assert "Production queue" in index.text and "Figures" not in index.text


def test_staff_without_the_group_and_customers_are_refused(staff_client, user_client):
    order = paid_order()
    item = ready(order)
    line = order.lines.get()
    urls = [
        changelist_url(),
        reverse("admin:printing_productionorder_change", args=[order.pk]),
        reverse("admin:printing_productionorder_render", args=[line.pk]),
        reverse("admin:printing_productionorder_print_file", args=[item.pk]),
        reverse("admin:printing_productionorder_print_files", args=[order.pk]),
        reverse("admin:printing_productionorder_packing_slip", args=[order.pk]),
        reverse("admin:printing_printitem_file", args=[item.pk]),
    ]

    for url in urls:
        staff = staff_client.get(url)
        customer = user_client.get(url)
        assert staff.status_code == 403, url
        assert customer.status_code == 302, url
        assert customer["Location"].startswith(reverse("admin:login"))
    assert run_action(staff_client, "mark_in_production", [order]).status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_view_only_staff_see_the_queue_but_cannot_move_orders_or_refund(staff_client):
    staff_client.user.user_permissions.add(Permission.objects.get(codename="view_productionorder"))
    order = paid_order()

    queue = staff_client.get(changelist_url())
    response = run_action(staff_client, "mark_in_production", [order])
    refund = run_action(staff_client, "refund", [order])

    assert queue.status_code == 200
    actions = dict(queue.context["action_form"].fields["action"].choices)
    assert set(actions) == {"", "download_print_files", "packing_slips"}
    # An action the user does not have is unknown to the changelist ("No action selected").
    assert response.status_code == 302 and refund.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
