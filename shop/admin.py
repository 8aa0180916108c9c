"""Staff side of the shop: catalog editing, orders (read-only money, history, payments) and
the Stripe webhook log. Actions only call services; every state change goes through
shop.services.orders.order_transition or shop.services.payments."""

import json
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist, engines, loader
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.filters import CountryFilter

from core.typing import Account
from shop.admin_refunds import (
    RefundForm,
    refund_keys,
    refund_remaining,
    refundable,
    refunds_apply,
)
from shop.conf import shop_settings
from shop.exceptions import ShopError
from shop.models import (
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
    Product,
    ProductVariant,
    Refund,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
    WebhookEvent,
)
from shop.services.orders import order_attention_clear
from shop.services.pricing import variant_price


class ReadOnlyInline(admin.TabularInline):
    """History and money rows: shown, never added, edited or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Catalog ------------------------------------------------------------------------------------


class ProductVariantInline(admin.TabularInline):
    model = ProductVariant
    extra = 0
    fields = [
        "name", "sku", "price_net", "gross_default", "width_mm", "height_mm", "is_active",
        "position",
    ]  # fmt: skip
    readonly_fields = ["gross_default"]

    @admin.display(description=_("gross price (default country)"))
    def gross_default(self, obj: ProductVariant) -> str:
        if obj.pk is None or obj.price_net is None:
            return "-"
        price = variant_price(variant=obj)
        return f"{price.gross} {price.currency} ({shop_settings.DEFAULT_COUNTRY})"


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active", "position"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "slug", "variants__sku"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [ProductVariantInline]


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ["name", "country_list", "is_rest_of_world"]

    @admin.display(description=_("countries"))
    def country_list(self, obj: ShippingZone) -> str:
        return ", ".join(obj.countries) or "-"


class ShippingRateInline(admin.TabularInline):
    model = ShippingRate
    extra = 0
    fields = ["zone", "price_net"]


@admin.register(ShippingMethod)
class ShippingMethodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "position"]
    prepopulated_fields = {"code": ["name"]}
    inlines = [ShippingRateInline]


# --- Orders -------------------------------------------------------------------------------------


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = readonly_fields = (
        "figure_name", "design_version", "product_name", "variant_name", "sku", "quantity",
        "unit_price_gross", "tax_rate", "line_total_gross", "line_tax",
    )  # fmt: skip


class OrderStatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    verbose_name_plural = _("status history")
    fields = readonly_fields = ("created_at", "from_status", "to_status", "actor", "reason")


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = readonly_fields = (
        "stripe_payment_intent_id", "amount", "currency", "status", "last_error", "created_at",
    )  # fmt: skip


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = readonly_fields = (
        "created_at", "amount", "status", "stripe_refund_id", "reason", "created_by",
    )  # fmt: skip


class WebhookEventInline(ReadOnlyInline):
    model = WebhookEvent
    fields = readonly_fields = ("received_at", "type", "result", "error", "event_link")
    show_change_link = False

    @admin.display(description=_("event"))
    def event_link(self, obj: WebhookEvent) -> str:
        url = reverse("admin:shop_webhookevent_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.stripe_event_id)


def _staff(request: HttpRequest) -> Account:
    """The admin site lets only signed-in staff in, so request.user is an account."""
    return cast("Account", request.user)


# Used unless a project provides templates/admin/shop/order/refund_confirmation.html.
REFUND_CONFIRMATION_TEMPLATE = """{% extends "admin/base_site.html" %}
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
{% block content %}
<p>{% translate "Refunds go back to the customer's card through Stripe and cannot be undone." %}</p>
<table>
<thead><tr><th>{% translate "Order" %}</th><th>{% translate "Status" %}</th>
<th>{% translate "Total" %}</th><th>{% translate "Already refunded" %}</th>
<th>{% translate "Left to refund" %}</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.order.number }}</td>
<td>{{ row.order.get_status_display }}</td>
<td>{{ row.order.total_gross }} {{ row.order.currency }}</td>
<td>{{ row.order.refunded_amount }} {{ row.order.currency }}</td>
<td>{{ row.remaining }} {{ row.order.currency }}</td></tr>{% endfor %}</tbody>
</table>
<form method="post">{% csrf_token %}
{{ form.non_field_errors }}
<fieldset class="module aligned">{% for field in form %}
<div class="form-row">{{ field.errors }}{{ field.label_tag }} {{ field }}</div>
{% endfor %}</fieldset>
{% for row in rows %}
<input type="hidden" name="{{ action_checkbox_name }}" value="{{ row.order.pk }}">
<input type="hidden" name="refund_key_{{ row.order.pk }}" value="{{ row.key }}">
{% endfor %}
<input type="hidden" name="action" value="{{ action_name }}">
<div class="submit-row">
<input type="submit" name="apply" value="{% translate 'Refund' %}">
<a href="{% url opts|admin_urlname:'changelist' %}" class="button cancel-link">
{% translate "No, take me back" %}</a>
</div>
</form>
{% endblock %}
"""


def _refund_confirmation_template() -> Any:
    try:
        return loader.get_template("admin/shop/order/refund_confirmation.html")
    except TemplateDoesNotExist:
        return engines["django"].from_string(REFUND_CONFIRMATION_TEMPLATE)


CUSTOMER_FIELDS = (
    "email", "full_name", "address_line1", "address_line2", "postcode", "city", "country",
)  # fmt: skip
MONEY_FIELDS = (
    "currency", "subtotal_gross", "shipping_method_name", "shipping_gross", "shipping_tax",
    "tax_total", "total_gross", "refunded_amount", "refund_remaining",
)  # fmt: skip


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "created_at", "email", "status", "total", "attention"]
    list_filter = ["status", "needs_attention", ("country", CountryFilter), "created_at"]
    search_fields = ["number", "email"]
    date_hierarchy = "created_at"
    list_per_page = 50
    # Customer details may be corrected (typos in a name or street); money, lines, status
    # and country (it decides the VAT) are fixed once the order is placed.
    fieldsets = [
        (None, {"fields": ["number", "status", "owner", "created_at", "paid_at"]}),
        (_("Attention"), {"fields": ["needs_attention", "attention_reason"]}),
        (_("Customer"), {"fields": CUSTOMER_FIELDS}),
        (_("Money"), {"fields": MONEY_FIELDS}),
        (_("Shipment"), {"fields": ["carrier", "tracking_number"]}),
    ]
    readonly_fields = [
        "number", "status", "owner", "created_at", "paid_at", "needs_attention",
        "attention_reason", "country", "currency", "subtotal_gross", "shipping_method_name",
        "shipping_gross", "shipping_tax", "tax_total", "total_gross", "refunded_amount",
        "refund_remaining", "carrier", "tracking_number",
    ]  # fmt: skip
    inlines = [
        OrderLineInline,
        OrderStatusChangeInline,
        PaymentInline,
        RefundInline,
        WebhookEventInline,
    ]
    # Later issues (production queue) append their actions here.
    actions = ["refund_orders", "clear_attention", "cancel_unpaid"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # orders come from checkout only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # invoices and payments refer to them; cancel or refund instead

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("total"), ordering="total_gross")
    def total(self, obj: Order) -> str:
        return f"{obj.total_gross} {obj.currency}"

    @admin.display(description=_("needs attention"), ordering="needs_attention")
    def attention(self, obj: Order) -> str:
        if not obj.needs_attention:
            return ""
        return format_html(
            '<span title="{}" style="color:#ba2121;font-weight:bold">&#9888; {}</span>',
            obj.attention_reason,
            _("check"),
        )

    @admin.display(description=_("left to refund"))
    def refund_remaining(self, obj: Order) -> str:
        return f"{refund_remaining(obj)} {obj.currency}"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        if request.method == "GET":
            flagged = Order.objects.filter(needs_attention=True).count()
            if flagged:
                url = (
                    reverse("admin:shop_order_changelist")
                    + "?"
                    + urlencode({"needs_attention__exact": 1})
                )
                self.message_user(
                    request,
                    format_html(
                        '{} <a href="{}">{}</a>',
                        ngettext(
                            "%(count)d order needs attention.",
                            "%(count)d orders need attention.",
                            flagged,
                        )
                        % {"count": flagged},
                        url,
                        _("Show them"),
                    ),
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    # --- Actions (services only) ----------------------------------------------------------------

    @admin.action(description=_("Refund…"), permissions=["change"])
    def refund_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> Any:
        orders = list(queryset.order_by("created_at", "pk"))
        refusable = [o for o in orders if not refundable(o)]
        for order in refusable:
            self.message_user(
                request,
                _("Order %(number)s is %(status)s and has nothing to refund.")
                % {"number": order.number, "status": order.get_status_display()},
                messages.ERROR,
            )
        orders = [o for o in orders if refundable(o)]
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
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refund orders"),
            "opts": self.model._meta,
            "form": form,
            "rows": [
                {"order": o, "remaining": refund_remaining(o), "key": keys[o.pk]} for o in orders
            ],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action_name": "refund_orders",
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, _refund_confirmation_template(), context)

    @admin.action(description=_("Clear attention flag (checked)"), permissions=["change"])
    def clear_attention(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        for order in queryset:
            if not order.needs_attention:
                self.message_user(
                    request,
                    _("Order %(number)s was not flagged.") % {"number": order.number},
                    messages.WARNING,
                )
                continue
            order_attention_clear(order=order)
            self.log_change(request, order, f"attention cleared: {order.attention_reason}")
            self.message_user(
                request,
                _("Order %(number)s: attention flag cleared.") % {"number": order.number},
                messages.SUCCESS,
            )

    @admin.action(description=_("Cancel unpaid order"), permissions=["change"])
    def cancel_unpaid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        from shop.services.payments import order_cancel_unpaid

        for order in queryset:
            try:
                order_cancel_unpaid(
                    order=order, actor=_staff(request), reason="cancelled by staff (unpaid)"
                )
            except ShopError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                continue
            self.message_user(
                request,
                _("Order %(number)s cancelled.") % {"number": order.number},
                messages.SUCCESS,
            )


# --- Stripe webhooks ----------------------------------------------------------------------------


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["stripe_event_id", "type", "result", "order", "received_at", "processed_at"]
    list_filter = ["type", "result"]
    search_fields = ["=stripe_event_id"]
    list_select_related = ["order"]
    fields = readonly_fields = (
        "stripe_event_id", "type", "result", "error", "order", "received_at", "processed_at",
        "payload_pretty",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj: WebhookEvent) -> str:
        try:
            text = json.dumps(json.loads(obj.payload), indent=2, sort_keys=True)
        except ValueError:
            text = obj.payload  # rejected events may not be JSON at all
        return format_html('<pre style="white-space:pre-wrap">{}</pre>', text)
