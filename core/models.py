"""Abstract models only: core has no tables of its own."""

from django.conf import settings
from django.db import models


class StatusChange(models.Model):
    """History of one state machine: every transition with who, when and why.

    Subclasses add the foreign key to what changed (order, design, print item)."""

    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"
