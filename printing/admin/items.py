"""Print items (read-only): one per paid order line, with its print file and preflight."""

from typing import Any, cast

from django.contrib import admin
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.admin import StatusHistoryInline
from core.files import private_file_response
from printing.admin.actions import rerender_print_items
from printing.admin.common import (
    FileAdmin,
    has_perm,
    hold_reason_html,
    preflight_html,
    print_status_html,
)
from printing.bundles import print_file_content_type, print_file_name
from printing.models import PrintItem, PrintItemStatusChange


class PrintItemHistoryInline(StatusHistoryInline):
    model = PrintItemStatusChange


@admin.register(PrintItem)
class PrintItemAdmin(FileAdmin):
    list_display = [
        "id", "order", "line", "status_display", "hold", "attempts", "rendered_at", "download",
    ]  # fmt: skip
    list_filter = ["status", "order_line__product_kind"]
    search_fields = ["order_line__order__number"]
    list_select_related = ["order_line__order"]
    fields = readonly_fields = (
        "order", "line", "status_display", "hold", "attempts", "rendered_at", "created_at",
        "updated_at", "download", "preflight_report",
    )  # fmt: skip
    inlines = [PrintItemHistoryInline]
    actions = [rerender_print_items]

    def has_rerender_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, PrintItem, "change")

    @admin.display(description=_("order"), ordering="order_line__order__number")
    def order(self, obj: PrintItem) -> str:
        return obj.order_line.order.number

    @admin.display(description=_("line"))
    def line(self, obj: PrintItem) -> str:
        line = obj.order_line
        return f"{line.quantity} x {line.product_name} {line.variant_name} ({line.figure_name})"

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: PrintItem) -> SafeString | str:
        return print_status_html(obj)

    @admin.display(description=_("hold reason"))
    def hold(self, obj: PrintItem) -> SafeString | str:
        return hold_reason_html(obj)

    @admin.display(description=_("preflight"))
    def preflight_report(self, obj: PrintItem) -> SafeString | str:
        return preflight_html(obj)

    @admin.display(description=_("print file"))
    def download(self, obj: PrintItem) -> SafeString | str:
        return self.file_link(obj)

    def file_response(self, obj: Any) -> HttpResponseBase:
        item = cast(PrintItem, obj)
        return private_file_response(
            item.file,
            content_type=print_file_content_type(item.file.name),
            filename=print_file_name(item),
        )
