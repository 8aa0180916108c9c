"""The production queue: paid orders waiting to be made and shipped, oldest first, with
their art, print files and where they go. Files are served by staff views of this admin
that check the model permission: print files, packing slips, and each order line's
approved render (the art being printed; the customer's photo has no view here or anywhere
in the admin).

Fulfilment ships by the name and address: the customer's email address (column, field,
search and URL lookups) is shown only to staff who may view the shop's orders
(`can_see_customer_contact`)."""

from io import BytesIO
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from core.files import private_file_response
from printing.admin import actions
from printing.admin.common import (
    artwork_html,
    can_see_customer_contact,
    can_view_production,
    has_perm,
)
from printing.admin.filters import AgeFilter, ProductKindFilter, QueueFilter
from printing.admin.inlines import HistoryInline, LineInline, PaymentEventInline, RefundInline
from printing.bundles import print_file_content_type, print_file_name, print_files_zip
from printing.models import PrintBatch, PrintItemStatus, ProductionOrder
from printing.selectors import production_lines, production_orders, production_print_items
from shop.admin_filters import DisputeFilter
from shop.models import Order

THUMB_PX = 160
SHIP_TO_FIELDS = (
    "full_name", "address_line1", "address_line2", "postcode", "city", "country",
    "shipping_method_name",
)  # fmt: skip


def _without_email(fields: Any) -> list[Any]:
    return [field for field in fields if field != "email"]


def _thumbnail(field_file: FieldFile) -> HttpResponse:
    from PIL import Image

    with (
        field_file.storage.open(field_file.name or "", "rb") as handle,
        Image.open(handle) as image,
    ):
        image.thumbnail((THUMB_PX, THUMB_PX))
        buffer = BytesIO()
        image.save(buffer, format="PNG", optimize=True)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    # A render never changes (approval freezes it); the browser may keep the thumbnail.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@admin.register(ProductionOrder)
class ProductionOrderAdmin(admin.ModelAdmin):
    list_display = [
        "number", "waiting", "status", "artwork", "contents", "print_files", "full_name",
        "ship_to", "email",
    ]  # fmt: skip
    list_display_links = ["number"]
    list_filter = [
        QueueFilter,
        ProductKindFilter,
        DisputeFilter,
        ("country", CountryFilter),
        AgeFilter,
    ]
    search_fields = ["number", "full_name", "email"]
    list_per_page = 50
    actions = [
        actions.download_print_files, actions.create_print_batch, actions.mark_in_production,
        actions.mark_shipped, actions.refund, actions.packing_slips, actions.rerender_orders,
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["number", "status", "queued", "email", "documents"]}),
        (_("Attention"), {"fields": ["needs_attention", "attention_reason"]}),
        (_("Ship to"), {"fields": SHIP_TO_FIELDS}),
        (_("Shipment"), {"fields": ["carrier", "tracking_number"]}),
        (_("Payment"), {"fields": ["currency", "total_gross", "refunded_amount", "paid_at"]}),
    ]
    inlines = [LineInline, HistoryInline, RefundInline, PaymentEventInline]

    # The order itself is never edited here (the shop's order admin corrects addresses);
    # "change" only unlocks the actions that move orders on.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_refund_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, ProductionOrder, "refund")

    def has_batch_permission(self, request: HttpRequest) -> bool:
        return has_perm(request, PrintBatch, "add")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductionOrder]:
        return production_orders()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {"title": _("Production queue"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return [F("queued_at").asc(), "pk"]  # oldest first

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found

    # --- The customer's email address: only for staff who may view the shop's orders ------------

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        shown = list(super().get_list_display(request))
        return shown if can_see_customer_contact(request) else _without_email(shown)

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        fields = list(super().get_search_fields(request))
        return fields if can_see_customer_contact(request) else _without_email(fields)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if can_see_customer_contact(request):
            return fieldsets
        return [
            (name, {**options, "fields": _without_email(options["fields"])})
            for name, options in fieldsets
        ]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The changelist accepts any lookup on the model's own fields in the URL; one on the
        # email (or the owner account) would let fulfilment probe addresses by row count.
        if lookup.split("__")[0] in {"email", "owner"} and not can_see_customer_contact(request):
            return False
        return super().lookup_allowed(lookup, value, request)

    # --- Columns ---------------------------------------------------------------------------------

    @admin.display(description=_("waiting"), ordering="queued_at")
    def waiting(self, obj: Any) -> str:
        return timesince(obj.queued_at, depth=1)

    @admin.display(description=_("in the queue since"))
    def queued(self, obj: Any) -> str:
        return f"{timezone.localtime(obj.queued_at):%Y-%m-%d %H:%M} ({self.waiting(obj)})"

    @admin.display(description=_("art"))
    def artwork(self, obj: Order) -> SafeString:
        return format_html_join(
            " ", "{}", ((artwork_html(line),) for line in obj.lines.all() if line.is_shippable)
        )

    @admin.display(description=_("contents"))
    def contents(self, obj: Order) -> SafeString:
        return format_html_join(
            "<br>",
            "{} x {} {}",
            (
                (line.quantity, line.product_name, line.variant_name)
                for line in obj.lines.all()
                if line.is_shippable
            ),
        )

    @admin.display(description=_("print files"))
    def print_files(self, obj: Order) -> SafeString | str:
        items = [getattr(line, "print_item", None) for line in obj.lines.all() if line.is_shippable]
        ready = sum(1 for i in items if i is not None and i.status == PrintItemStatus.READY)
        problems = [
            i
            for i in items
            if i is not None and i.status in (PrintItemStatus.HELD, PrintItemStatus.FAILED)
        ]
        text = format_html("{}/{} {}", ready, len(items), _("ready"))
        if problems:
            return format_html(
                '{} <strong class="minime-alert" title="{}">&#9888; {}</strong>',
                text,
                "; ".join(i.hold_reason or i.get_status_display() for i in problems),
                ", ".join(str(i.get_status_display()) for i in problems),
            )
        return text

    @admin.display(description=_("ship to"), ordering="country")
    def ship_to(self, obj: Order) -> str:
        return f"{obj.city}, {obj.country}"

    @admin.display(description=_("documents"))
    def documents(self, obj: Order) -> SafeString:
        slip = reverse("admin:printing_productionorder_packing_slip", args=[obj.pk])
        files = reverse("admin:printing_productionorder_print_files", args=[obj.pk])
        return format_html(
            '<a class="button" href="{}" data-testid="packing-slip">{}</a> '
            '<a class="button" href="{}" data-testid="print-files">{}</a>',
            slip,
            _("Packing slip (PDF)"),
            files,
            _("Print files (ZIP)"),
        )

    # --- Staff views (files) ---------------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path(
                "line/<int:line_id>/render/",
                view(self.render_view),
                name="printing_productionorder_render",
            ),
            path(
                "item/<int:item_id>/file/",
                view(self.print_file_view),
                name="printing_productionorder_print_file",
            ),
            path(
                "<path:object_id>/packing-slip/",
                view(self.packing_slip_view),
                name="printing_productionorder_packing_slip",
            ),
            path(
                "<path:object_id>/print-files/",
                view(self.print_files_view),
                name="printing_productionorder_print_files",
            ),
            *super().get_urls(),
        ]

    def _check_view(self, request: HttpRequest) -> None:
        if not can_view_production(request):
            raise PermissionDenied

    def render_view(self, request: HttpRequest, line_id: int) -> HttpResponseBase:
        """The approved render an order line was made from (the art being printed). Only
        Render images: a customer's photo is never reachable from here."""
        self._check_view(request)
        line = get_object_or_404(production_lines().select_related("render"), pk=line_id)
        if line.render is None or not line.render.image:
            raise Http404
        if request.GET.get("size") == "thumb":
            if not line.render.image.storage.exists(line.render.image.name or ""):
                raise Http404
            return _thumbnail(line.render.image)
        return private_file_response(line.render.image, content_type="image/png")

    def print_file_view(self, request: HttpRequest, item_id: int) -> HttpResponseBase:
        self._check_view(request)
        items = production_print_items().select_related("order_line__order")
        item = get_object_or_404(items, pk=item_id)
        if not item.file:
            raise Http404
        return private_file_response(
            item.file,
            content_type=print_file_content_type(item.file.name),
            filename=print_file_name(item),
        )

    def packing_slip_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        self._check_view(request)
        order = self.get_object(request, object_id)
        if order is None:
            raise Http404
        return actions.packing_slips_response([order], f"packing-slip-{order.number}.pdf")

    def print_files_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        self._check_view(request)
        order = self.get_object(request, object_id)
        if order is None:
            raise Http404
        archive, count, skipped = print_files_zip([order])
        if not count:
            self.message_user(
                request,
                _("Order %(number)s has no print files ready: %(lines)s")
                % {"number": order.number, "lines": "; ".join(skipped) or "-"},
                messages.ERROR,
            )
            archive.close()
            return redirect("admin:printing_productionorder_change", order.pk)
        return private_file_response(
            archive, content_type="application/zip", filename=f"print-files-{order.number}.zip"
        )
