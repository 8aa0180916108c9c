"""The production order page's read-only inlines (lines and print files, status history,
refunds, payment events), visible to whoever may view the production order."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyInline, StatusHistoryInline, actor_label
from printing.admin.common import (
    artwork_html,
    can_view_production,
    hold_reason_html,
    preflight_html,
    print_status_html,
)
from shop.models import OrderLine, OrderStatus, OrderStatusChange, Refund, WebhookEvent


class ProductionInline(ReadOnlyInline):
    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_view_production(request)


class LineInline(ProductionInline):
    model = OrderLine
    verbose_name = _("line")
    verbose_name_plural = _("lines and print files")
    fields = readonly_fields = (
        "art", "figure_name", "product_name", "variant_name", "sku", "quantity", "print_status",
        "hold_reason", "print_file", "preflight_report",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderLine]:
        return super().get_queryset(request).select_related("print_item", "order")

    @admin.display(description=_("art"))
    def art(self, obj: OrderLine) -> SafeString | str:
        return artwork_html(obj, size=96)

    @admin.display(description=_("print status"))
    def print_status(self, obj: OrderLine) -> SafeString | str:
        if not obj.is_shippable:
            return str(_("digital download"))
        return print_status_html(getattr(obj, "print_item", None))

    @admin.display(description=_("hold reason"))
    def hold_reason(self, obj: OrderLine) -> SafeString | str:
        return hold_reason_html(getattr(obj, "print_item", None))

    @admin.display(description=_("print file"))
    def print_file(self, obj: OrderLine) -> SafeString | str:
        item = getattr(obj, "print_item", None)
        if item is None or not item.file:
            return "-"
        url = reverse("admin:printing_productionorder_print_file", args=[item.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))

    @admin.display(description=_("preflight"))
    def preflight_report(self, obj: OrderLine) -> SafeString | str:
        return preflight_html(getattr(obj, "print_item", None))


def _status_label(value: str) -> str:
    return str(OrderStatus(value).label) if value in OrderStatus.values else value or "-"


class HistoryInline(ProductionInline, StatusHistoryInline):
    # Plain text "by": fulfilment staff have no access to the accounts admin.
    model = OrderStatusChange
    fields = readonly_fields = ("created_at", "from_label", "to_label", "by", "reason")

    @admin.display(description=_("from"))
    def from_label(self, obj: OrderStatusChange) -> str:
        return _status_label(obj.from_status)

    @admin.display(description=_("to"))
    def to_label(self, obj: OrderStatusChange) -> str:
        return _status_label(obj.to_status)


class RefundInline(ProductionInline):
    model = Refund
    fields = readonly_fields = ("created_at", "amount", "status", "reason", "by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Refund]:
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description=_("by"))
    def by(self, obj: Refund) -> str:
        # No account: refunded in Stripe's dashboard (the webhook recorded it).
        return actor_label(obj.created_by) if obj.created_by else str(_("Stripe"))


class PaymentEventInline(ProductionInline):
    model = WebhookEvent
    verbose_name_plural = _("payment events (Stripe)")
    fields = readonly_fields = ("received_at", "type", "result", "error")
