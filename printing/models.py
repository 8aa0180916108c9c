import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dispatch import Dispatchable
from core.models import StatusChange
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


P = PrintItemStatus
# Every legal move of a print item; printing.services.print_item_transition enforces it. An
# item starts pending (handed over by the paid order) and its render ends ready, held (for
# staff) or failed. Staff's "re-render" sends a finished item back to pending (the worker
# renders it again); a forced render may turn any finished item into any outcome again. A
# chargeback holds a pending item (held -> pending again on re-render).
PRINT_ITEM_TRANSITIONS: dict[str, frozenset[str]] = {
    P.PENDING: frozenset({P.READY, P.HELD, P.FAILED}),
    P.READY: frozenset({P.PENDING, P.READY, P.HELD, P.FAILED}),
    P.HELD: frozenset({P.PENDING, P.READY, P.HELD, P.FAILED}),
    P.FAILED: frozenset({P.PENDING, P.READY, P.HELD, P.FAILED}),
}


class PrintItem(Dispatchable):
    """One paid order line handed over by the shop: its print file (PDF; for a digital
    download a print-quality PNG) and the preflight report stored with it. The row is the
    durable hand-off to the render worker (core.dispatch)."""

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


class PrintItemStatusChange(StatusChange):
    print_item = models.ForeignKey(
        PrintItem, on_delete=models.CASCADE, related_name="status_changes"
    )

    class Meta(StatusChange.Meta):
        pass

    def __str__(self) -> str:
        return f"{self.print_item_id}: {self.from_status or '-'} -> {self.to_status}"


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


def preview_upload_to(instance: object, filename: str) -> str:
    return f"previews/{secrets.token_hex(16)}.png"


class PreviewKind(models.TextChoices):
    BOX = "box", _("Box front")
    ART_PRINT = "art_print", _("Art print in a frame")
    STICKER_SHEET = "sticker_sheet", _("Sticker sheet with its cut lines")
    DIGITAL = "digital", _("Digital download")
    SHARE_CARD = "share_card", _("Share card")


class DesignPreview(models.Model):
    """A signed PNG preview of one approved design as a product (printing.packaging.preview):
    rendered once (on approval, by a worker) and served from private storage while
    `inputs_digest` (the design's box fields, the render, the size, the signing certificate)
    still matches. It shows the customer's face: it goes with the design and its render
    (printing.receivers)."""

    design = models.ForeignKey(
        "figures.FigureDesign", on_delete=models.CASCADE, related_name="previews"
    )
    kind = models.CharField(max_length=20, choices=PreviewKind.choices)
    file = models.FileField(
        storage=private_storage, upload_to=preview_upload_to, max_length=200, blank=True
    )
    inputs_digest = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["design", "kind"], name="printing_preview_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} preview of design {self.design_id}"
