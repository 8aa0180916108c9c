"""Print batches (read-only): sheets imposed by the queue's "Create a print batch" action,
one stock per press sheet (printing.imposition.stock)."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from core.files import private_file_response
from printing.admin.common import FileAdmin
from printing.imposition.stock import stock_for
from printing.models import PrintBatch


@admin.register(PrintBatch)
class PrintBatchAdmin(FileAdmin):
    list_display = [
        "id",
        "created_at",
        "created_by",
        "sheet_size",
        "sheet_count",
        "stocks",
        "pieces",
        "download",
    ]
    list_select_related = ["created_by"]
    fields = readonly_fields = (
        "created_at", "created_by", "sheet_size", "sheet_count", "stocks", "download", "orders",
    )  # fmt: skip
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PrintBatch]:
        return super().get_queryset(request).prefetch_related("items__order_line__order")

    @admin.display(description=_("print items"))
    def pieces(self, obj: PrintBatch) -> int:
        return len(obj.items.all())

    @admin.display(description=_("stocks"))
    def stocks(self, obj: PrintBatch) -> str:
        """The stocks to load (each press sheet carries one; its slug line names it)."""
        kinds = {i.order_line.product_kind for i in obj.items.all()}
        names = {stock.name for kind in kinds if (stock := stock_for(kind))}
        return ", ".join(sorted(names))

    @admin.display(description=_("orders"))
    def orders(self, obj: PrintBatch) -> str:
        numbers = sorted({i.order_line.order.number for i in obj.items.all()})
        return ", ".join(numbers)

    @admin.display(description=_("batch PDF"))
    def download(self, obj: PrintBatch) -> SafeString | str:
        return self.file_link(obj)

    def file_response(self, obj: Any) -> HttpResponseBase:
        return private_file_response(
            obj.file, content_type="application/pdf", filename=f"print-batch-{obj.pk}.pdf"
        )
