import secrets
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from core.models import StatusChange
from figures.models import FigureDesign, Render


def money_field(verbose_name: Any = None, **kwargs: Any) -> Any:
    """Money: Decimal with two places (the currency is stored beside it, never float)."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class ProductKind(models.TextChoices):
    DIGITAL = "digital", _("Digital download")
    ART_PRINT = "art_print", _("Art print")
    STICKER_SHEET = "sticker_sheet", _("Sticker sheet")
    BOX = "box", _("Blister-pack box")


class Product(models.Model):
    """A kind of merchandise made from any approved design (admin-editable)."""

    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices)
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_shippable(self) -> bool:
        return self.kind != ProductKind.DIGITAL


class ProductVariant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="variants")
    name = models.CharField(_("name"), max_length=60, help_text=_("e.g. A4, 30 x 40 cm"))
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    # Net of VAT, in settings.MINIME_CURRENCY; the gross price depends on the destination.
    price_net = money_field(_("net price"))
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["product", "position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_net__gte=0), name="shop_variant_price_not_negative"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.name}"


class ShippingZone(models.Model):
    name = models.CharField(max_length=60)
    countries = models.JSONField(
        default=list, blank=True, help_text=_('ISO country codes, e.g. ["DE", "AT"]')
    )
    is_rest_of_world = models.BooleanField(
        default=False, help_text=_("Used for every country no other zone lists.")
    )

    def __str__(self) -> str:
        return self.name


class ShippingMethod(models.Model):
    name = models.CharField(_("name"), max_length=60)
    code = models.SlugField(unique=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class ShippingRate(models.Model):
    method = models.ForeignKey(ShippingMethod, on_delete=models.CASCADE, related_name="rates")
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    price_net = money_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["method", "zone"], name="shop_rate_unique_zone")
        ]

    def __str__(self) -> str:
        return f"{self.method} / {self.zone}: {self.price_net}"


class Cart(models.Model):
    """One per account: everything in it is made from the account's own designs."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_cart"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    design = models.ForeignKey(FigureDesign, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(ProductVariant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "design", "variant"], name="shop_cartline_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="shop_cartline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.variant}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    IN_PRODUCTION = "in_production", _("In production")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", pgettext_lazy("order status", "Cancelled")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
    REFUNDED = "refunded", _("Refunded")


S = OrderStatus
# Every legal move of an order; shop.services.orders.order_transition enforces it.
ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING_PAYMENT: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.IN_PRODUCTION, S.SHIPPED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.IN_PRODUCTION: frozenset({S.SHIPPED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    # A partial refund (e.g. one damaged item) leaves the rest of the order to fulfil;
    # Order.refunded_amount keeps the money record.
    S.PARTIALLY_REFUNDED: frozenset(
        {S.PARTIALLY_REFUNDED, S.REFUNDED, S.IN_PRODUCTION, S.SHIPPED, S.DELIVERED}
    ),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}


class OrderNumberSequence(models.Model):
    """Gap-free, sequential order numbers (a locked counter row, on any database)."""

    name = models.CharField(max_length=20, unique=True)
    last_value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class Order(models.Model):
    number = models.CharField(_("order number"), max_length=30, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shop_orders",
    )
    # Blank only once the order is anonymised (the customer's data was erased).
    email = models.EmailField(_("email"), blank=True)
    # Set when the owner's personal data is erased: the row keeps only the invoice fields,
    # until the invoice retention period ends.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, db_index=True)
    # The customer's language at checkout: emails sent later by workers use it.
    language = models.CharField(max_length=8, default="en")
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    currency = models.CharField(max_length=3)
    # Billing = shipping address (one address form); invoices keep these.
    full_name = models.CharField(_("full name"), max_length=120)
    address_line1 = models.CharField(_("address"), max_length=120)
    address_line2 = models.CharField(_("address line 2"), max_length=120, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20)
    city = models.CharField(_("city"), max_length=80)
    country = CountryField(_("country"))
    shipping_method = models.ForeignKey(
        ShippingMethod, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shipping_method_name = models.CharField(max_length=60, blank=True)
    shipping_gross = money_field(default=Decimal("0.00"))
    shipping_tax = money_field(default=Decimal("0.00"))
    subtotal_gross = money_field()
    tax_total = money_field()
    total_gross = money_field()
    refunded_amount = money_field(default=Decimal("0.00"))
    needs_attention = models.BooleanField(default=False, db_index=True)
    attention_reason = models.CharField(max_length=300, blank=True)
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_gross__gte=0), name="shop_order_total_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_anonymised(self) -> bool:
        return self.anonymised_at is not None

    @property
    def total_minor_units(self) -> int:
        """Stripe amounts are integers in the currency's minor unit."""
        return int((self.total_gross * 100).to_integral_value())

    @property
    def is_payable(self) -> bool:
        return self.status == OrderStatus.PENDING_PAYMENT

    @property
    def has_shippable_lines(self) -> bool:
        return any(line.is_shippable for line in self.lines.all())


def download_key_new() -> str:
    """A digital line's link key: random, so a download link names no order (migrations
    refer to this function by name)."""
    return secrets.token_urlsafe(32)


class OrderLine(models.Model):
    """A snapshot: later catalog or design edits never change what was ordered."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    design = models.ForeignKey(
        FigureDesign, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    render = models.ForeignKey(
        Render, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    design_version = models.PositiveIntegerField()
    figure_name = models.CharField(max_length=24)
    variant = models.ForeignKey(
        ProductVariant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    product_kind = models.CharField(max_length=20, choices=ProductKind.choices)
    product_name = models.CharField(max_length=100)
    variant_name = models.CharField(max_length=60)
    sku = models.CharField(max_length=40)
    is_shippable = models.BooleanField()
    quantity = models.PositiveSmallIntegerField()
    unit_price_net = money_field()
    unit_price_gross = money_field()
    tax_rate = models.DecimalField(max_digits=5, decimal_places=4)
    line_total_gross = money_field()
    line_tax = money_field()
    # What a download link carries (signed, with its date) instead of the line id or order
    # number; shop.services.downloads looks the line up by it.
    download_key = models.CharField(
        max_length=64, unique=True, default=download_key_new, editable=False
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name} {self.variant_name} ({self.figure_name})"


class OrderStatusChange(StatusChange):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")

    class Meta(StatusChange.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.order_id}: {self.from_status or '-'} -> {self.to_status}"


class Payment(models.Model):
    """A Stripe PaymentIntent for an order (one per order; retried cards reuse it)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    stripe_payment_intent_id = models.CharField(max_length=100, unique=True)
    amount = models.PositiveIntegerField(help_text="minor units")
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=40)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.stripe_payment_intent_id


class Refund(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    stripe_refund_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    amount = money_field()
    status = models.CharField(max_length=40, default="pending")
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Refund {self.amount} for {self.order_id}"


class Dispute(models.Model):
    """A chargeback: the cardholder's bank disputes a payment (Stripe charge.dispute.*)."""

    class Status(models.TextChoices):
        WARNING_NEEDS_RESPONSE = "warning_needs_response", _("Inquiry: needs a response")
        WARNING_UNDER_REVIEW = "warning_under_review", _("Inquiry: under review")
        WARNING_CLOSED = "warning_closed", _("Inquiry closed")
        NEEDS_RESPONSE = "needs_response", _("Needs a response")
        UNDER_REVIEW = "under_review", _("Under review")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        PREVENTED = "prevented", _("Prevented")

    CLOSED = frozenset({Status.WARNING_CLOSED, Status.WON, Status.LOST, Status.PREVENTED})

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    stripe_dispute_id = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=40, choices=Status.choices)
    reason = models.CharField(max_length=60, blank=True)
    amount = money_field()
    funds_withdrawn = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Dispute {self.stripe_dispute_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED


class WebhookEvent(models.Model):
    """Every incoming Stripe event, stored before it is processed (at most once per id)."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        REJECTED = "rejected", _("Rejected (see error)")
        FAILED = "failed", _("Failed")

    stripe_event_id = models.CharField(max_length=100, unique=True)
    type = models.CharField(max_length=100)
    payload = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(max_length=20, choices=Result.choices, default=Result.PENDING)
    error = models.TextField(blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.SET_NULL, null=True, blank=True, related_name="webhook_events"
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.stripe_event_id}"


class OutboundEmail(models.Model):
    """A customer email, written in the same transaction as the change it tells about and
    delivered after the commit; SMTP being down only delays it (retries with backoff, then
    visible as failed in the admin, where staff can send it again)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="emails"
    )
    kind = models.CharField(max_length=40)
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} for {self.order_id or '-'} ({self.status})"
