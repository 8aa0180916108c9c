from django.db import models
from django.utils.translation import gettext_lazy as _


class PrintItemStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for print files")
    READY = "ready", _("Print files ready")
    HELD = "held", _("Held for staff")
    FAILED = "failed", _("Failed")


class PrintItem(models.Model):
    """One physical order line handed over by the shop once its order is paid."""

    order_line = models.OneToOneField(
        "shop.OrderLine", on_delete=models.CASCADE, related_name="print_item"
    )
    status = models.CharField(
        max_length=20, choices=PrintItemStatus.choices, default=PrintItemStatus.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Print item for line {self.order_line_id} ({self.status})"
