import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage
from shop.models import Order


def print_file_upload_to(instance: object, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1]
    return f"print/{secrets.token_hex(16)}.{suffix}"


class PrintItemStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for print files")
    READY = "ready", _("Print files ready")
    HELD = "held", _("Held for staff")
    FAILED = "failed", _("Failed")


class PrintItem(models.Model):
    """One paid order line handed over by the shop: its print file (PDF; for a digital
    download a print-quality PNG) and the preflight report stored with it."""

    order_line = models.OneToOneField(
        "shop.OrderLine", on_delete=models.CASCADE, related_name="print_item"
    )
    status = models.CharField(
        max_length=20, choices=PrintItemStatus.choices, default=PrintItemStatus.PENDING
    )
    file = models.FileField(
        storage=private_storage, upload_to=print_file_upload_to, max_length=200, blank=True
    )
    preflight = models.JSONField(default=dict, blank=True)
    hold_reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    rendered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Print item for line {self.order_line_id} ({self.status})"


class PrintBatch(models.Model):
    """Sticker sheets / prints imposed onto press sheets with crop marks."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    sheet_size = models.CharField(max_length=20)
    items = models.ManyToManyField(PrintItem, related_name="batches")
    file = models.FileField(
        storage=private_storage, upload_to=print_file_upload_to, max_length=200, blank=True
    )
    sheet_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "print batches"

    def __str__(self) -> str:
        return f"Batch {self.pk} ({self.sheet_size}, {self.sheet_count} sheets)"


class ProductionOrder(Order):
    """The staff production queue's view of a shop order (its own admin and permissions;
    same table). Fulfilment staff get rights on this, not on shop.Order."""

    class Meta:
        proxy = True
        verbose_name = _("production order")
        verbose_name_plural = _("production queue")
        permissions = [("refund_productionorder", _("Can refund production orders"))]
