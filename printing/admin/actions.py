"""The production queue's actions. Each only calls services (shop.services.fulfilment,
printing.imposition, printing.packing_slip, printing.bundles) and tells staff, order by
order, what it did; orders in a state an action cannot apply to get a message and stay as
they are. "Refund…" is the shop's order admin action (shop.admin_refunds)."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.exceptions import CustomerFacingError
from core.files import private_file_response
from printing.admin.common import staff
from printing.bundles import line_label, print_files_zip
from printing.models import PrintItem, PrintItemStatus
from printing.selectors import order_print_items
from printing.services import print_item_rerender
from shop.admin_refunds import confirmation_page, refund_action
from shop.exceptions import ShopError
from shop.models import ORDER_TRANSITIONS, Order, OrderStatus
from shop.services.fulfilment import order_mark_in_production, order_mark_shipped

CARRIERS = ["DHL", "Deutsche Post", "DPD", "GLS", "Hermes", "UPS", "FedEx"]

refund = refund_action(name="refund", permission="refund", ordering=("queued_at", "pk"))


def _ordered(queryset: QuerySet[Any]) -> list[Any]:
    return list(queryset.order_by("queued_at", "pk"))


def packing_slips_response(orders: list[Order], filename: str) -> HttpResponseBase:
    # Imported here: reportlab is only needed when a slip is printed.
    from printing.packing_slip import packing_slips_pdf

    return private_file_response(
        packing_slips_pdf(orders=orders), content_type="application/pdf", filename=filename
    )


@admin.action(description=_("Download print files (ZIP)"), permissions=["view"])
def download_print_files(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> Any:
    orders = _ordered(queryset)
    archive, count, skipped = print_files_zip(orders)
    for reason in skipped:
        modeladmin.message_user(
            request, _("Not in the ZIP: %(line)s") % {"line": reason}, messages.WARNING
        )
    if not count:
        archive.close()
        modeladmin.message_user(
            request,
            _("None of the selected orders has print files ready; nothing to download."),
            messages.ERROR,
        )
        return None
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = (
        f"print-files-{orders[0].number}.zip"
        if len(orders) == 1
        else f"print-files-{stamp}-{len(orders)}-orders.zip"
    )
    return private_file_response(archive, content_type="application/zip", filename=name)


@admin.action(description=_("Create a print batch (sticker sheets, prints)"), permissions=["batch"])
def create_print_batch(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    from printing.imposition import BatchRefused
    from printing.imposition.batch import print_batch_create, print_item_refusal

    batchable: list[PrintItem] = []
    for line, position, item in order_print_items(_ordered(queryset)):
        reason = _("no print item yet") if item is None else print_item_refusal(item)
        if reason:
            modeladmin.message_user(
                request,
                _("Left out of the batch: %(line)s: %(reason)s")
                % {"line": line_label(line, position), "reason": reason},
                messages.WARNING,
            )
        elif item is not None:
            batchable.append(item)
    if not batchable:
        modeladmin.message_user(
            request,
            _("Nothing to batch: no ready sticker sheet or art print in the selection."),
            messages.ERROR,
        )
        return
    try:
        batch = print_batch_create(items=batchable, actor=staff(request))
    except BatchRefused as exc:
        details = "; ".join(f"#{pk}: {why}" for pk, why in exc.reasons.items())
        modeladmin.message_user(request, f"{exc.message} {details}".strip(), messages.ERROR)
        return
    created = _(
        "Print batch %(id)s created: %(items)d print files on %(sheets)d %(size)s sheet(s)."
    ) % {
        "id": batch.pk,
        "items": len(batchable),
        "sheets": batch.sheet_count,
        "size": batch.sheet_size,
    }
    modeladmin.message_user(
        request,
        format_html(
            '{} <a href="{}" data-testid="batch-download">{}</a>',
            created,
            reverse("admin:printing_printbatch_file", args=[batch.pk]),
            _("Download the batch PDF"),
        ),
        messages.SUCCESS,
    )


@admin.action(description=_("Mark in production"), permissions=["change"])
def mark_in_production(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    for order in _ordered(queryset):
        try:
            order_mark_in_production(order=order, actor=staff(request))
        except ShopError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
            continue
        modeladmin.message_user(
            request,
            _("Order %(number)s is in production.") % {"number": order.number},
            messages.SUCCESS,
        )


class ShipForm(forms.Form):
    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=Order._meta.get_field("carrier").max_length,
        widget=forms.TextInput(attrs={"list": "carriers", "size": 14}),
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=Order._meta.get_field("tracking_number").max_length,
        required=False,
        widget=forms.TextInput(attrs={"size": 26}),
    )


def _shippable(modeladmin: admin.ModelAdmin, request: HttpRequest, orders: list[Any]) -> list[Any]:
    """The orders the lifecycle lets ship now; a message for each of the others."""
    shippable = []
    for order in orders:
        if OrderStatus.SHIPPED in ORDER_TRANSITIONS[order.status]:
            shippable.append(order)
            continue
        modeladmin.message_user(
            request,
            _("Order %(number)s is %(status)s and cannot be marked shipped.")
            % {"number": order.number, "status": order.get_status_display()},
            messages.ERROR,
        )
    return shippable


def _ship(modeladmin: admin.ModelAdmin, request: HttpRequest, order: Any, form: ShipForm) -> None:
    try:
        order_mark_shipped(
            order=order,
            actor=staff(request),
            carrier=form.cleaned_data["carrier"],
            tracking_number=form.cleaned_data["tracking_number"],
        )
    except ShopError as exc:
        modeladmin.message_user(request, exc.message, messages.ERROR)
        return
    modeladmin.message_user(
        request,
        _("Order %(number)s shipped (%(carrier)s %(tracking)s); customer emailed.")
        % {"number": order.number, "carrier": order.carrier, "tracking": order.tracking_number},
        messages.SUCCESS,
    )


@admin.action(description=_("Mark shipped…"), permissions=["change"])
def mark_shipped(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> Any:
    """An intermediate page asks for each order's carrier and tracking number first."""
    orders = _shippable(modeladmin, request, _ordered(queryset))
    if not orders:
        return None
    data = request.POST if "apply" in request.POST else None
    rows = [{"order": o, "form": ShipForm(data, prefix=f"ship-{o.pk}")} for o in orders]
    if data is not None and all(row["form"].is_valid() for row in rows):
        for row in rows:
            _ship(modeladmin, request, row["order"], row["form"])
        return None
    opts = modeladmin.model._meta
    return confirmation_page(
        modeladmin,
        request,
        [f"admin/{opts.app_label}/{opts.model_name}/ship_confirmation.html"],
        title=_("Mark orders shipped"),
        action_name="mark_shipped",
        orders=orders,
        rows=rows,
        carriers=CARRIERS,
    )


@admin.action(description=_("Packing slips (PDF)"), permissions=["view"])
def packing_slips(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponseBase:
    orders = _ordered(queryset)
    name = (
        f"packing-slip-{orders[0].number}.pdf"
        if len(orders) == 1
        else f"packing-slips-{timezone.localtime():%Y%m%d-%H%M}-{len(orders)}-orders.pdf"
    )
    return packing_slips_response(orders, name)


def _rerender(modeladmin: admin.ModelAdmin, request: HttpRequest, items: list[PrintItem]) -> None:
    done = 0
    for item in items:
        try:
            print_item_rerender(item=item, actor=staff(request))
        except CustomerFacingError as exc:
            modeladmin.message_user(request, exc.message, messages.ERROR)
            continue
        done += 1
    if done:
        modeladmin.message_user(
            request,
            _("%(count)d print file(s) will be rendered again shortly.") % {"count": done},
            messages.SUCCESS,
        )


@admin.action(description=_("Re-render print files"), permissions=["change"])
def rerender_orders(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    """Every finished print item of the selected orders goes back to the render worker
    (pending ones are on their way already)."""
    items = [
        item
        for _line, _position, item in order_print_items(_ordered(queryset))
        if item is not None and item.status != PrintItemStatus.PENDING
    ]
    if not items:
        modeladmin.message_user(
            request, _("Nothing to re-render: every print file is on its way."), messages.INFO
        )
        return
    _rerender(modeladmin, request, items)


@admin.action(description=_("Re-render"), permissions=["rerender"])
def rerender_print_items(
    modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any]
) -> None:
    _rerender(
        modeladmin, request, list(queryset.exclude(status=PrintItemStatus.PENDING).order_by("pk"))
    )
