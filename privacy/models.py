import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dispatch import Dispatchable
from core.storage import private_storage


class Purpose(models.TextChoices):
    GENERATION = "generation", _("Create my figure from my photo")
    TRAINING = "training", _("Use my photos to improve the models")
    MARKETING = "marketing", _("Send me news and offers by email")


class PolicyDocument(models.Model):
    """A versioned policy text for one purpose, in one language."""

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    version = models.PositiveIntegerField()
    language = models.CharField(max_length=8, default="en")
    title = models.CharField(max_length=200)
    body = models.TextField()
    effective_at = models.DateTimeField()
    # A material change asks everyone again before any new processing; a typo fix does not.
    material = models.BooleanField(default=True)

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


def privacy_upload_to(instance: object, filename: str) -> str:
    return f"privacy/{secrets.token_hex(16)}.zip"


def export_token_new() -> str:
    """A random download token (migrations refer to this function by name)."""
    return secrets.token_urlsafe(32)


class DataExport(Dispatchable):
    """A customer's own data as a ZIP, built asynchronously, downloadable once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready to download")
        DOWNLOADED = "downloaded", _("Downloaded")
        EXPIRED = "expired", _("Expired")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(
        storage=private_storage, upload_to=privacy_upload_to, max_length=200, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The download link's token: random, so the link names no export or account (the
    # privacy centre shows it to the owner only; not in the admin).
    token = models.CharField(max_length=64, unique=True, default=export_token_new, editable=False)

    def __str__(self) -> str:
        return f"Export {self.pk} ({self.status})"


class ErasureReceipt(Dispatchable):
    """Proof of an erasure without personal data: a keyed hash of the account id, when, and
    what each registered handler erased. `user` is cleared when the account is deleted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        WAITING = "waiting", _("Waiting for orders in production to ship")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_hash = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    requested_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # {"figures": {"photos": 2, "renders": 8}, ...}; never names, emails or file names.
    details = models.JSONField(default=dict, blank=True)
    deferred = models.JSONField(default=list, blank=True)
    # Runs of the erasure that failed; the sweeper tries again until ERASURE_MAX_ATTEMPTS,
    # then it shows as stuck in the admin (last_error says why, without personal data).
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"Erasure {self.subject_hash[:12]} ({self.status})"


class TrainingExport(models.Model):
    """A training set handed out: who was in it is kept as keyed subject hashes, so a later
    withdrawal or erasure can tell which exports held that person's data."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    recipient = models.CharField(max_length=200, blank=True)
    file = models.FileField(
        storage=private_storage, upload_to=privacy_upload_to, max_length=200, blank=True
    )
    item_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Training export {self.pk}"


class TrainingExportSubject(models.Model):
    export = models.ForeignKey(TrainingExport, on_delete=models.CASCADE, related_name="subjects")
    subject_hash = models.CharField(max_length=64, db_index=True)
    consent_record = models.ForeignKey(
        ConsentRecord, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.subject_hash[:12]} in export {self.export_id}"


class DataSubjectRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", _("Access / export")
        ERASURE = "erasure", _("Erasure")
        RECTIFICATION = "rectification", _("Rectification")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_subject_requests",
    )
    email = models.EmailField(blank=True)
    received_at = models.DateTimeField()
    deadline = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    identity_verified = models.BooleanField(default=False)
    identity_check = models.CharField(max_length=200, blank=True)
    details = models.TextField(blank=True)
    from_customer = models.BooleanField(default=True)

    class Meta:
        ordering = ["deadline"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} request {self.pk}"


class DataSubjectRequestLog(models.Model):
    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.message
