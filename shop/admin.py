"""Staff side of the shop: catalog editing, orders (read-only money, history, payments) and
the Stripe webhook log. Actions only call services; every state change goes through
shop.services.orders.order_transition or shop.services.payments."""

import json
from typing import Any, cast

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_countries.filters import CountryFilter

from core.admin import ReadOnlyAdmin, ReadOnlyInline, StatusHistoryInline
from core.typing import Account
from shop.admin_filters import DisputeFilter
from shop.admin_refunds import refund_action, refund_remaining
from shop.conf import shop_settings
from shop.exceptions import ShopError
from shop.models import (
    Dispute,
    Order,
    OrderLine,
    OrderStatusChange,
    OutboundEmail,
    Payment,
    Product,
    ProductVariant,
    Refund,
    ShippingMethod,
    ShippingRate,
    ShippingZone,
    WebhookEvent,
)
from shop.services.emails import email_send_again
from shop.services.orders import order_attention_clear
from shop.services.pricing import variant_price

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


class OrderStatusChangeInline(StatusHistoryInline):
    model = OrderStatusChange
    show_customer_account = True  # staff who look after orders see which account it was


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


class DisputeInline(ReadOnlyInline):
    model = Dispute
    verbose_name_plural = _("chargebacks")
    fields = readonly_fields = (
        "created_at", "stripe_dispute_id", "status", "reason", "amount", "funds_withdrawn",
        "updated_at",
    )  # fmt: skip


class OutboundEmailInline(ReadOnlyInline):
    model = OutboundEmail
    verbose_name_plural = _("emails to the customer")
    fields = readonly_fields = ("created_at", "kind", "status", "attempts", "sent_at", "email_link")

    @admin.display(description=_("email"))
    def email_link(self, obj: OutboundEmail) -> str:
        url = reverse("admin:shop_outboundemail_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.subject)


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


# The same "Refund…" action as printing's production queue (shop.admin_refunds).
refund_orders = refund_action(
    name="refund_orders", permission="change", ordering=("created_at", "pk")
)


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
    list_filter = [
        "status", "needs_attention", DisputeFilter, ("country", CountryFilter), "created_at",
    ]  # fmt: skip
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
        DisputeInline,
        OutboundEmailInline,
        WebhookEventInline,
    ]
    # Later issues (production queue) append their actions here.
    actions = [refund_orders, "clear_attention", "cancel_unpaid"]

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
            '<span title="{}" class="minime-alert">&#9888; {}</span>',
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
        from shop.services.payments.intents import order_cancel_unpaid

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


# --- Customer emails (the outbox) ---------------------------------------------------------------


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """Every customer email with its delivery state; failed ones can be sent again."""

    list_display = ["created_at", "kind", "order", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["order__number"]
    list_select_related = ["order"]
    fields = readonly_fields = (
        "order", "kind", "to", "subject", "status", "attempts", "next_attempt_at",
        "last_error", "created_at", "sent_at", "body_text",
    )  # fmt: skip
    actions = ["send_again"]

    @admin.action(description=_("Send again"), permissions=["view"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[OutboundEmail]) -> None:
        sent = sum(email_send_again(email=email) for email in queryset)
        left = queryset.count() - sent
        messages.info(
            request,
            _("%(sent)d sent, %(left)d still waiting (see the last error).")
            % {"sent": sent, "left": left},
        )


# --- Stripe webhooks ----------------------------------------------------------------------------


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["stripe_event_id", "type", "result", "order", "received_at", "processed_at"]
    list_filter = ["type", "result"]
    search_fields = ["=stripe_event_id"]
    list_select_related = ["order"]
    fields = readonly_fields = (
        "stripe_event_id", "type", "result", "error", "order", "received_at", "processed_at",
        "payload_pretty",
    )  # fmt: skip

    @admin.display(description=_("payload"))
    def payload_pretty(self, obj: WebhookEvent) -> str:
        try:
            text = json.dumps(json.loads(obj.payload), indent=2, sort_keys=True)
        except ValueError:
            text = obj.payload  # rejected events may not be JSON at all
        return format_html('<pre class="minime-pre">{}</pre>', text)
