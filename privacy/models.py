from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    GENERATION = "generation", _("Create my figure from my photo")
    TRAINING = "training", _("Use my photos to improve the models")


class PolicyDocument(models.Model):
    """A versioned policy text for one purpose, in one language."""

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=8, default="en")
    title = models.CharField(max_length=200)
    body = models.TextField()
    effective_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version", "language"], name="privacy_policy_unique_version"
            )
        ]
        ordering = ["purpose", "-version", "language"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version} ({self.language})"


class ConsentMethod(models.TextChoices):
    CONSENT_FORM = "consent_form", _("Consent form on the website")
    PRIVACY_CENTRE = "privacy_centre", _("Privacy centre")
    STAFF = "staff", _("Entered by staff")


class ConsentRecord(models.Model):
    """One decision, append-only: the current state is the newest record per purpose."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consent_records"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    policy_version = models.PositiveIntegerField()
    granted = models.BooleanField()
    method = models.CharField(max_length=20, choices=ConsentMethod.choices)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "purpose", "-created_at"])]

    def __str__(self) -> str:
        verb = "granted" if self.granted else "withdrawn"
        return f"{self.user_id} {self.purpose} v{self.policy_version} {verb}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Consent records are append-only.")
        super().save(*args, **kwargs)
