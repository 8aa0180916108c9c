"""Staff side of printing: the production queue (paid orders waiting to be made and
shipped), print items and print batches.

Actions only call services (shop.services.fulfilment, shop.services.payments,
printing.imposition, printing.packing_slip). Files are served by staff views of this admin
that check the model permission: print files, packing slips, and each order line's approved
render (the art being printed; the customer's photo has no view here or anywhere in the
admin). Orders in a state an action cannot apply to get a message and stay as they are.
"""

import json
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import timedelta
from io import BytesIO
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.template import TemplateDoesNotExist, engines, loader
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from core.typing import Account
from printing.models import PrintBatch, PrintItem, PrintItemStatus, ProductionOrder
from shop.admin_refunds import RefundForm, refund_keys, refund_remaining, refundable, refunds_apply
from shop.exceptions import ShopError
from shop.models import (
    ORDER_TRANSITIONS,
    Order,
    OrderLine,
    OrderStatus,
    OrderStatusChange,
    ProductKind,
    Refund,
    WebhookEvent,
)
from shop.services.fulfilment import order_mark_in_production, order_mark_shipped

S = OrderStatus
# Paid and not yet shipped: the work to do.
QUEUE_STATUSES = (S.PAID, S.IN_PRODUCTION, S.PARTIALLY_REFUNDED)
# Also reachable in the queue's admin (filter "Shipped"), e.g. to print a slip again.
VISIBLE_STATUSES = (*QUEUE_STATUSES, S.SHIPPED, S.DELIVERED)
CARRIERS = ["DHL", "Deutsche Post", "DPD", "GLS", "Hermes", "UPS", "FedEx"]
THUMB_PX = 160
SHIP_TO_FIELDS = (
    "full_name", "address_line1", "address_line2", "postcode", "city", "country",
    "shipping_method_name",
)  # fmt: skip


def _staff(request: HttpRequest) -> Account:
    """The admin site lets only signed-in staff in, so request.user is an account."""
    return cast("Account", request.user)


def _has_perm(request: HttpRequest, model: Any, action: str) -> bool:
    opts = model._meta
    return request.user.has_perm(f"{opts.app_label}.{get_permission_codename(action, opts)}")


def _can_view_production(request: HttpRequest) -> bool:
    return _has_perm(request, ProductionOrder, "view") or _has_perm(
        request, ProductionOrder, "change"
    )


def production_orders() -> "QuerySet[ProductionOrder]":
    """Orders with something to make or ship, once paid; `queued_at` is when they entered
    the queue (paid, else placed), `was_shipped` whether they ever left it as shipped (a
    partially refunded order may or may not have been)."""
    shippable = OrderLine.objects.filter(order=OuterRef("pk"), is_shippable=True)
    shipped = OrderStatusChange.objects.filter(order=OuterRef("pk"), to_status=S.SHIPPED)
    return (
        ProductionOrder.objects.filter(Exists(shippable), status__in=VISIBLE_STATUSES)
        .annotate(queued_at=Coalesce("paid_at", "created_at"), was_shipped=Exists(shipped))
        .prefetch_related("lines__print_item", "lines__render")
    )


def _to_do() -> Q:
    return Q(status__in=[S.PAID, S.IN_PRODUCTION]) | Q(
        status=S.PARTIALLY_REFUNDED, was_shipped=False
    )


# --- Files ------------------------------------------------------------------------------------


def _private_file(field_file: Any, content_type: str, filename: str = "") -> FileResponse:
    if not field_file or not field_file.storage.exists(field_file.name):
        raise Http404
    response = FileResponse(
        field_file.storage.open(field_file.name, "rb"),
        content_type=content_type,
        as_attachment=bool(filename),
        filename=filename,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _suffix(name: str | None) -> str:
    name = name or ""
    return name.rsplit(".", 1)[-1].lower() if "." in name else "bin"


def _content_type(name: str | None) -> str:
    return {"pdf": "application/pdf", "png": "image/png"}.get(
        _suffix(name), "application/octet-stream"
    )


def _line_position(line: OrderLine) -> int:
    """1-based position of the line in its order (lines are ordered by id)."""
    return OrderLine.objects.filter(order_id=line.order_id, pk__lte=line.pk).count()


def print_file_name(item: PrintItem, position: int | None = None) -> str:
    """MM-000123-L1-sticker-sheet-a5-x2.pdf: sorts by order, says what and how many."""
    line = item.order_line
    position = position or _line_position(line)
    what = slugify(f"{line.product_name} {line.variant_name}") or "item"
    return f"{line.order.number}-L{position}-{what}-x{line.quantity}.{_suffix(item.file.name)}"


def _print_items_of(orders: Iterable[Order]) -> list[tuple[OrderLine, int, PrintItem | None]]:
    """Every shippable line of the orders with its position and print item (if any)."""
    rows = []
    for order in orders:
        lines = OrderLine.objects.filter(order=order).select_related("order", "print_item")
        for position, line in enumerate(lines.order_by("pk"), start=1):
            if line.is_shippable:
                rows.append((line, position, getattr(line, "print_item", None)))
    return rows


def _line_label(line: OrderLine, position: int) -> str:
    return f"{line.order.number} L{position} ({line.product_name} {line.variant_name})"


def print_files_zip(orders: Iterable[Order]) -> tuple[Any, int, list[str]]:
    """A ZIP of the orders' ready print files (one folder per order), how many files it
    holds and the lines left out, with why. PDFs are stored (they are compressed already)."""
    archive = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115
    count, skipped = 0, []
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for line, position, item in _print_items_of(orders):
            if item is None or item.status != PrintItemStatus.READY or not item.file:
                status = item.get_status_display() if item else _("no print item yet")
                if item and item.hold_reason:
                    status = f"{status}: {item.hold_reason}"
                skipped.append(f"{_line_label(line, position)}: {status}")
                continue
            if not item.file.storage.exists(item.file.name or ""):
                skipped.append(f"{_line_label(line, position)}: {_('file missing')}")
                continue
            name = f"{line.order.number}/{print_file_name(item, position)}"
            with (
                item.file.storage.open(item.file.name or "", "rb") as src,
                zf.open(name, "w") as dst,
            ):
                shutil.copyfileobj(src, dst, 1024 * 1024)
            count += 1
    archive.seek(0)
    return archive, count, skipped


def _zip_response(archive: Any, filename: str) -> FileResponse:
    response = FileResponse(
        archive, content_type="application/zip", as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _packing_slips(orders: Sequence[Order], filename: str) -> FileResponse:
    # Imported here: reportlab is only needed when a slip is printed.
    from printing.packing_slip import packing_slips_pdf

    return _pdf_response(packing_slips_pdf(orders=orders), filename)


def _pdf_response(data: bytes, filename: str) -> FileResponse:
    response = FileResponse(
        BytesIO(data), content_type="application/pdf", as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _thumbnail(field_file: Any) -> HttpResponse:
    from PIL import Image

    with field_file.storage.open(field_file.name, "rb") as handle, Image.open(handle) as image:
        image.thumbnail((THUMB_PX, THUMB_PX))
        buffer = BytesIO()
        image.save(buffer, format="PNG", optimize=True)
    response = HttpResponse(buffer.getvalue(), content_type="image/png")
    # A render never changes (approval freezes it); the browser may keep the thumbnail.
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Intermediate pages (project templates may override them) ----------------------------------

ACTION_PAGE = """{% extends "admin/base_site.html" %}
{% load i18n admin_urls %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }}
 delete-confirmation{% endblock %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url 'admin:app_list' app_label=opts.app_label %}">
{{ opts.app_config.verbose_name }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">
{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; {{ title }}</div>{% endblock %}
{% block content %}{% block intro %}{% endblock %}
<form method="post" data-testid="{{ action_name }}-form">{% csrf_token %}
{% block fields %}{% endblock %}
{% for order in orders %}
<input type="hidden" name="{{ action_checkbox_name }}" value="{{ order.pk }}">{% endfor %}
<input type="hidden" name="action" value="{{ action_name }}">
<div class="submit-row">
<input type="submit" name="apply" value="{{ submit_label }}" class="default">
<a href="{% url opts|admin_urlname:'changelist' %}" class="button cancel-link">
{% translate "No, take me back" %}</a>
</div>
</form>
{% endblock %}
"""

SHIP_PAGE = ACTION_PAGE.replace(
    "{% block intro %}{% endblock %}",
    """<p>{% translate "The customer gets the shipping email with the carrier and \
tracking number." %}</p>""",
).replace(
    "{% block fields %}{% endblock %}",
    """<datalist id="carriers">{% for c in carriers %}<option value="{{ c }}">{% endfor %}
</datalist>
<table><thead><tr><th>{% translate "Order" %}</th><th>{% translate "Ship to" %}</th>
<th>{% translate "Carrier" %}</th><th>{% translate "Tracking number" %}</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.order.number }}<br>
<small>{{ row.order.get_status_display }}</small></td>
<td>{{ row.order.full_name }}<br>{{ row.order.postcode }} {{ row.order.city }},
{{ row.order.country }}</td>
<td>{{ row.form.carrier.errors }}{{ row.form.carrier }}</td>
<td>{{ row.form.tracking_number.errors }}{{ row.form.tracking_number }}</td></tr>
{% endfor %}</tbody></table>""",
)

REFUND_PAGE = ACTION_PAGE.replace(
    "{% block intro %}{% endblock %}",
    """<p>{% translate "Refunds go back to the customer's card through Stripe and cannot \
be undone." %}</p>
<table><thead><tr><th>{% translate "Order" %}</th><th>{% translate "Status" %}</th>
<th>{% translate "Total" %}</th><th>{% translate "Already refunded" %}</th>
<th>{% translate "Left to refund" %}</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.order.number }}</td>
<td>{{ row.order.get_status_display }}</td>
<td>{{ row.order.total_gross }} {{ row.order.currency }}</td>
<td>{{ row.order.refunded_amount }} {{ row.order.currency }}</td>
<td>{{ row.remaining }} {{ row.order.currency }}</td></tr>{% endfor %}</tbody>
</table>""",
).replace(
    "{% block fields %}{% endblock %}",
    """{{ form.non_field_errors }}
<fieldset class="module aligned">{% for field in form %}
<div class="form-row">{{ field.errors }}{{ field.label_tag }} {{ field }}</div>
{% endfor %}</fieldset>
{% for row in rows %}
<input type="hidden" name="refund_key_{{ row.order.pk }}" value="{{ row.key }}">
{% endfor %}""",
)


def _page_template(name: str, fallback: str) -> Any:
    try:
        return loader.get_template(f"admin/printing/productionorder/{name}.html")
    except TemplateDoesNotExist:
        return engines["django"].from_string(fallback)


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


# --- List filters -------------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """The queue shows the work to do unless staff pick another state."""

    title = _("state")
    parameter_name = "queue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("todo", _("To do (paid, not shipped)")),
            (S.PAID.value, S.PAID.label),
            (S.IN_PRODUCTION.value, S.IN_PRODUCTION.label),
            (S.PARTIALLY_REFUNDED.value, _("Partially refunded, not shipped")),
            ("shipped", _("Shipped")),
            ("all", _("All")),
        ]

    def choices(self, changelist: Any) -> Iterator[Any]:
        current = self.value() or "todo"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value() or "todo"
        if value == "todo":
            return queryset.filter(_to_do())
        if value == S.PARTIALLY_REFUNDED:
            return queryset.filter(status=value, was_shipped=False)
        if value in (S.PAID, S.IN_PRODUCTION):
            return queryset.filter(status=value)
        if value == "shipped":
            return queryset.filter(Q(status__in=[S.SHIPPED, S.DELIVERED]) | Q(was_shipped=True))
        return queryset


class ProductKindFilter(admin.SimpleListFilter):
    title = _("product")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(k.value, k.label) for k in ProductKind if k != ProductKind.DIGITAL]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in {k.value for k in ProductKind}:
            return queryset
        lines = OrderLine.objects.filter(order=OuterRef("pk"), product_kind=self.value())
        return queryset.filter(Exists(lines))


class AgeFilter(admin.SimpleListFilter):
    """How long an order has waited since it was paid."""

    title = _("waiting")
    parameter_name = "age"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("lt1", _("less than 1 day")),
            ("1to3", _("1 to 3 days")),
            ("gt3", _("more than 3 days")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        now = timezone.now()
        day, three_days = now - timedelta(days=1), now - timedelta(days=3)
        if self.value() == "lt1":
            return queryset.filter(queued_at__gt=day)
        if self.value() == "1to3":
            return queryset.filter(queued_at__lte=day, queued_at__gt=three_days)
        if self.value() == "gt3":
            return queryset.filter(queued_at__lte=three_days)
        return queryset


# --- Read-only inlines, visible to whoever may view the production order ------------------------


class ProductionInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _can_view_production(request)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _render_url(line: OrderLine, thumb: bool = True) -> str:
    url = reverse("admin:printing_productionorder_render", args=[line.pk])
    return url + "?size=thumb" if thumb else url


def _artwork(line: OrderLine, size: int = 56) -> SafeString | str:
    if line.render_id is None:
        return "-"
    return format_html(
        '<a href="{}" target="_blank"><img src="{}" width="{}" height="{}" loading="lazy" '
        'alt="{}" title="{}" style="object-fit:contain;background:#f4f4f4"></a>',
        _render_url(line, thumb=False),
        _render_url(line),
        size,
        size,
        line.figure_name,
        f"{line.figure_name}: {line.product_name} {line.variant_name}",
    )


STATUS_COLOURS = {
    PrintItemStatus.PENDING: "#666",
    PrintItemStatus.READY: "#2e7d32",
    PrintItemStatus.HELD: "#ba2121",
    PrintItemStatus.FAILED: "#ba2121",
}


def _print_status(item: PrintItem | None) -> SafeString | str:
    if item is None:
        return "-"
    return format_html(
        '<strong style="color:{}">{}</strong>',
        STATUS_COLOURS.get(PrintItemStatus(item.status), "#666"),
        item.get_status_display(),
    )


def _hold_reason(item: PrintItem | None) -> SafeString | str:
    if item is None or not item.hold_reason:
        return ""
    return format_html(
        '<span style="background:#fff3cd;color:#ba2121;font-weight:bold;padding:2px 4px">'
        "&#9888; {}</span>",
        item.hold_reason,
    )


def _preflight(item: PrintItem | None) -> SafeString | str:
    if item is None or not item.preflight:
        return "-"
    text = json.dumps(item.preflight, indent=2, sort_keys=True, ensure_ascii=False)
    return format_html(
        '<details><summary>{}</summary><pre style="white-space:pre-wrap;max-width:40em">{}'
        "</pre></details>",
        _("preflight report"),
        text,
    )


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
        return _artwork(obj, size=96)

    @admin.display(description=_("print status"))
    def print_status(self, obj: OrderLine) -> SafeString | str:
        if not obj.is_shippable:
            return str(_("digital download"))
        return _print_status(getattr(obj, "print_item", None))

    @admin.display(description=_("hold reason"))
    def hold_reason(self, obj: OrderLine) -> SafeString | str:
        return _hold_reason(getattr(obj, "print_item", None))

    @admin.display(description=_("print file"))
    def print_file(self, obj: OrderLine) -> SafeString | str:
        item = getattr(obj, "print_item", None)
        if item is None or not item.file:
            return "-"
        url = reverse("admin:printing_productionorder_print_file", args=[item.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))

    @admin.display(description=_("preflight"))
    def preflight_report(self, obj: OrderLine) -> SafeString | str:
        return _preflight(getattr(obj, "print_item", None))


def _status_label(value: str) -> str:
    return str(OrderStatus(value).label) if value in OrderStatus.values else value or "-"


class HistoryInline(ProductionInline):
    model = OrderStatusChange
    verbose_name_plural = _("status history")
    fields = readonly_fields = ("created_at", "from_label", "to_label", "by", "reason")

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderStatusChange]:
        return super().get_queryset(request).select_related("actor")

    @admin.display(description=_("from"))
    def from_label(self, obj: OrderStatusChange) -> str:
        return _status_label(obj.from_status)

    @admin.display(description=_("to"))
    def to_label(self, obj: OrderStatusChange) -> str:
        return _status_label(obj.to_status)

    @admin.display(description=_("by"))
    def by(self, obj: OrderStatusChange) -> str:
        # Plain text: fulfilment staff have no access to the accounts admin.
        return str(obj.actor) if obj.actor else str(_("system"))


class RefundInline(ProductionInline):
    model = Refund
    fields = readonly_fields = ("created_at", "amount", "status", "reason", "by")

    @admin.display(description=_("by"))
    def by(self, obj: Refund) -> str:
        return str(obj.created_by) if obj.created_by else str(_("Stripe"))


class PaymentEventInline(ProductionInline):
    model = WebhookEvent
    verbose_name_plural = _("payment events (Stripe)")
    fields = readonly_fields = ("received_at", "type", "result", "error")


# --- The production queue -----------------------------------------------------------------------


@admin.register(ProductionOrder)
class ProductionOrderAdmin(admin.ModelAdmin):
    list_display = [
        "number", "waiting", "status", "artwork", "contents", "print_files", "ship_to", "email",
    ]  # fmt: skip
    list_display_links = ["number"]
    list_filter = [QueueFilter, ProductKindFilter, ("country", CountryFilter), AgeFilter]
    search_fields = ["number", "email"]
    list_per_page = 50
    actions = [
        "download_print_files", "create_print_batch", "mark_in_production", "mark_shipped",
        "refund", "packing_slips",
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
        return _has_perm(request, ProductionOrder, "refund")

    def has_batch_permission(self, request: HttpRequest) -> bool:
        return _has_perm(request, PrintBatch, "add")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProductionOrder]:
        return production_orders()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra_context = {"title": _("Production queue"), **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return [F("queued_at").asc(), "pk"]  # oldest first

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

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
            " ", "{}", ((_artwork(line),) for line in obj.lines.all() if line.is_shippable)
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
                '{} <strong style="color:#ba2121" title="{}">&#9888; {}</strong>',
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
        if not _can_view_production(request):
            raise PermissionDenied

    def render_view(self, request: HttpRequest, line_id: int) -> HttpResponseBase:
        """The approved render an order line was made from (the art being printed). Only
        Render images: a customer's photo is never reachable from here."""
        self._check_view(request)
        # Lines of orders in production's sight only (paid and physical), not every cart.
        lines = OrderLine.objects.filter(order__status__in=VISIBLE_STATUSES, is_shippable=True)
        line = get_object_or_404(lines.select_related("render"), pk=line_id)
        if line.render is None or not line.render.image:
            raise Http404
        if request.GET.get("size") == "thumb":
            if not line.render.image.storage.exists(line.render.image.name or ""):
                raise Http404
            return _thumbnail(line.render.image)
        return _private_file(line.render.image, "image/png")

    def print_file_view(self, request: HttpRequest, item_id: int) -> HttpResponseBase:
        self._check_view(request)
        items = PrintItem.objects.filter(order_line__order__status__in=VISIBLE_STATUSES)
        item = get_object_or_404(items.select_related("order_line__order"), pk=item_id)
        if not item.file:
            raise Http404
        return _private_file(item.file, _content_type(item.file.name), print_file_name(item))

    def packing_slip_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        self._check_view(request)
        order = self.get_object(request, object_id)
        if order is None:
            raise Http404
        return _packing_slips([order], f"packing-slip-{order.number}.pdf")

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
        return _zip_response(archive, f"print-files-{order.number}.zip")

    # --- Actions (services only) ------------------------------------------------------------------

    def _ordered(self, queryset: QuerySet[Any]) -> list[Any]:
        return list(queryset.order_by("queued_at", "pk"))

    @admin.action(description=_("Download print files (ZIP)"), permissions=["view"])
    def download_print_files(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        orders = self._ordered(queryset)
        archive, count, skipped = print_files_zip(orders)
        for reason in skipped:
            self.message_user(
                request, _("Not in the ZIP: %(line)s") % {"line": reason}, messages.WARNING
            )
        if not count:
            archive.close()
            self.message_user(
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
        return _zip_response(archive, name)

    @admin.action(
        description=_("Create a print batch (sticker sheets, prints)"), permissions=["batch"]
    )
    def create_print_batch(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        from printing.imposition import BatchRefused, print_batch_create, print_item_refusal

        batchable: list[PrintItem] = []
        for line, position, item in _print_items_of(self._ordered(queryset)):
            reason = _("no print item yet") if item is None else print_item_refusal(item)
            if reason:
                self.message_user(
                    request,
                    _("Left out of the batch: %(line)s: %(reason)s")
                    % {"line": _line_label(line, position), "reason": reason},
                    messages.WARNING,
                )
            elif item is not None:
                batchable.append(item)
        if not batchable:
            self.message_user(
                request,
                _("Nothing to batch: no ready sticker sheet or art print in the selection."),
                messages.ERROR,
            )
            return
        try:
            batch = print_batch_create(items=batchable, actor=_staff(request))
        except BatchRefused as exc:
            details = "; ".join(f"#{pk}: {why}" for pk, why in exc.reasons.items())
            self.message_user(request, f"{exc.message} {details}".strip(), messages.ERROR)
            return
        self.message_user(
            request,
            format_html(
                '{} <a href="{}" data-testid="batch-download">{}</a>',
                _(
                    "Print batch %(id)s created: %(items)d print files on %(sheets)d "
                    "%(size)s sheet(s)."
                )
                % {
                    "id": batch.pk,
                    "items": len(batchable),
                    "sheets": batch.sheet_count,
                    "size": batch.sheet_size,
                },
                reverse("admin:printing_printbatch_file", args=[batch.pk]),
                _("Download the batch PDF"),
            ),
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark in production"), permissions=["change"])
    def mark_in_production(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for order in self._ordered(queryset):
            try:
                order_mark_in_production(order=order, actor=_staff(request))
            except ShopError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            self.message_user(
                request,
                _("Order %(number)s is in production.") % {"number": order.number},
                messages.SUCCESS,
            )

    @admin.action(description=_("Mark shipped…"), permissions=["change"])
    def mark_shipped(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        orders = []
        for order in self._ordered(queryset):
            if S.SHIPPED in ORDER_TRANSITIONS[order.status]:
                orders.append(order)
                continue
            self.message_user(
                request,
                _("Order %(number)s is %(status)s and cannot be marked shipped.")
                % {"number": order.number, "status": order.get_status_display()},
                messages.ERROR,
            )
        if not orders:
            return None
        data = request.POST if "apply" in request.POST else None
        rows = [
            {"order": o, "form": ShipForm(data, prefix=f"ship-{o.pk}", initial={})} for o in orders
        ]
        if data is not None and all(row["form"].is_valid() for row in rows):
            for row in rows:
                order, form = row["order"], row["form"]
                try:
                    order_mark_shipped(
                        order=order,
                        actor=_staff(request),
                        carrier=form.cleaned_data["carrier"],
                        tracking_number=form.cleaned_data["tracking_number"],
                    )
                except ShopError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    continue
                self.message_user(
                    request,
                    _("Order %(number)s shipped (%(carrier)s %(tracking)s); customer emailed.")
                    % {
                        "number": order.number,
                        "carrier": order.carrier,
                        "tracking": order.tracking_number,
                    },
                    messages.SUCCESS,
                )
            return None
        return self._action_page(
            request,
            "ship_confirmation",
            SHIP_PAGE,
            title=_("Mark orders shipped"),
            action_name="mark_shipped",
            submit_label=_("Mark shipped and email the customers"),
            orders=orders,
            rows=rows,
            carriers=CARRIERS,
        )

    @admin.action(description=_("Refund…"), permissions=["refund"])
    def refund(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:

        orders = []
        for order in self._ordered(queryset):
            if refundable(order):
                orders.append(order)
                continue
            self.message_user(
                request,
                _("Order %(number)s is %(status)s and has nothing to refund.")
                % {"number": order.number, "status": order.get_status_display()},
                messages.ERROR,
            )
        if not orders:
            return None
        keys = refund_keys(request, orders)
        form = RefundForm(request.POST if "apply" in request.POST else None, orders=orders)
        if form.is_bound and form.is_valid():
            refunds_apply(
                modeladmin=self,
                request=request,
                orders=orders,
                form=form,
                keys=keys,
                actor=_staff(request),
            )
            return None
        return self._action_page(
            request,
            "refund_confirmation",
            REFUND_PAGE,
            title=_("Refund orders"),
            action_name="refund",
            submit_label=_("Refund"),
            orders=orders,
            form=form,
            rows=[
                {"order": o, "remaining": refund_remaining(o), "key": keys[o.pk]} for o in orders
            ],
        )

    @admin.action(description=_("Packing slips (PDF)"), permissions=["view"])
    def packing_slips(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponseBase:
        orders = self._ordered(queryset)
        name = (
            f"packing-slip-{orders[0].number}.pdf"
            if len(orders) == 1
            else f"packing-slips-{timezone.localtime():%Y%m%d-%H%M}-{len(orders)}-orders.pdf"
        )
        return _packing_slips(orders, name)

    def _action_page(
        self, request: HttpRequest, name: str, fallback: str, **context: Any
    ) -> TemplateResponse:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            _page_template(name, fallback),
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                **context,
            },
        )


# --- Print items and batches (read-only) --------------------------------------------------------


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # A private file per row, served only to staff with view permission: `<object_id>/file/`.

    def file_response(self, obj: Any) -> HttpResponseBase:
        raise NotImplementedError

    def file_link(self, obj: Any) -> SafeString | str:
        if not obj.file:
            return "-"
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_file", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("download"))

    def get_urls(self) -> list[URLPattern]:
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/file/",
                self.admin_site.admin_view(self.file_view),
                name=f"{opts.app_label}_{opts.model_name}_file",
            ),
            *super().get_urls(),
        ]

    def file_view(self, request: HttpRequest, object_id: str) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.get_queryset(request), pk=_int(object_id))
        if not obj.file:
            raise Http404
        return self.file_response(obj)


@admin.register(PrintItem)
class PrintItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "line", "status_display", "hold", "rendered_at", "download"]
    list_filter = ["status", "order_line__product_kind"]
    search_fields = ["order_line__order__number"]
    list_select_related = ["order_line__order"]
    fields = readonly_fields = (
        "order", "line", "status_display", "hold", "attempts", "rendered_at", "created_at",
        "updated_at", "download", "preflight_report",
    )  # fmt: skip

    @admin.display(description=_("order"), ordering="order_line__order__number")
    def order(self, obj: PrintItem) -> str:
        return obj.order_line.order.number

    @admin.display(description=_("line"))
    def line(self, obj: PrintItem) -> str:
        line = obj.order_line
        return f"{line.quantity} x {line.product_name} {line.variant_name} ({line.figure_name})"

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj: PrintItem) -> SafeString | str:
        return _print_status(obj)

    @admin.display(description=_("hold reason"))
    def hold(self, obj: PrintItem) -> SafeString | str:
        return _hold_reason(obj)

    @admin.display(description=_("preflight"))
    def preflight_report(self, obj: PrintItem) -> SafeString | str:
        return _preflight(obj)

    @admin.display(description=_("print file"))
    def download(self, obj: PrintItem) -> SafeString | str:
        return self.file_link(obj)

    def file_response(self, obj: Any) -> HttpResponseBase:
        item = cast(PrintItem, obj)
        return _private_file(item.file, _content_type(item.file.name), print_file_name(item))


def _int(value: str) -> int:
    if not re.fullmatch(r"\d{1,18}", value):
        raise Http404
    return int(value)


@admin.register(PrintBatch)
class PrintBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "created_by",
        "sheet_size",
        "sheet_count",
        "pieces",
        "download",
    ]
    list_select_related = ["created_by"]
    fields = readonly_fields = (
        "created_at", "created_by", "sheet_size", "sheet_count", "download", "orders",
    )  # fmt: skip
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PrintBatch]:
        return super().get_queryset(request).prefetch_related("items__order_line__order")

    @admin.display(description=_("print items"))
    def pieces(self, obj: PrintBatch) -> int:
        return len(obj.items.all())

    @admin.display(description=_("orders"))
    def orders(self, obj: PrintBatch) -> str:
        numbers = sorted({i.order_line.order.number for i in obj.items.all()})
        return ", ".join(numbers)

    @admin.display(description=_("batch PDF"))
    def download(self, obj: PrintBatch) -> SafeString | str:
        return self.file_link(obj)

    def file_response(self, obj: Any) -> HttpResponseBase:
        return _private_file(obj.file, "application/pdf", f"print-batch-{obj.pk}.pdf")
