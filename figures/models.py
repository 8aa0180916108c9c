import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.dispatch import Dispatchable
from core.models import StatusChange
from core.storage import private_storage
from figures.conf import figures_settings


def photo_upload_to(instance: object, filename: str) -> str:
    # Random name: the customer's file name can carry personal data.
    return f"photos/{secrets.token_hex(16)}.jpg"


def render_upload_to(instance: object, filename: str) -> str:
    return f"renders/{secrets.token_hex(16)}.png"


class Style(models.TextChoices):
    ACTION_FIGURE = "action_figure", _("Action figure")
    FASHION_DOLL = "fashion_doll", _("Fashion doll")
    RETRO_80S = "retro_80s", _("Retro 80s")
    ANIME_COLLECTIBLE = "anime_collectible", _("Anime collectible")


class BoxTheme(models.TextChoices):
    HERO_RED = "hero_red", _("Hero red")
    OCEAN_BLUE = "ocean_blue", _("Ocean blue")
    NEON_PINK = "neon_pink", _("Neon pink")
    JUNGLE_GREEN = "jungle_green", _("Jungle green")
    MIDNIGHT = "midnight", _("Midnight black")
    SUNSHINE = "sunshine", _("Sunshine yellow")


class Photo(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="figure_photos"
    )
    image = models.FileField(storage=private_storage, upload_to=photo_upload_to, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    face_box = models.JSONField(help_text="x, y, w, h of the face in stored pixels")
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Photo {self.id}"


class DesignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class FigureDesign(models.Model):
    """What the customer asked for. Editable while a draft; frozen once approved."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="figure_designs"
    )
    # SET_NULL: retention deletes source photos while approved designs live on.
    photo = models.ForeignKey(Photo, on_delete=models.SET_NULL, null=True, related_name="designs")
    version = models.PositiveIntegerField(default=1)
    previous_version = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_versions"
    )
    name = models.CharField(_("figure name"), max_length=24)
    tagline = models.CharField(_("tagline or job title"), max_length=60, blank=True)
    accessories = models.JSONField(_("accessories"), default=list, blank=True)
    style = models.CharField(_("style"), max_length=32, choices=Style.choices)
    box_theme = models.CharField(_("box colour theme"), max_length=32, choices=BoxTheme.choices)
    status = models.CharField(max_length=16, choices=DesignStatus.choices, default="draft")
    approved_render = models.OneToOneField(
        "Render", on_delete=models.PROTECT, null=True, blank=True, related_name="approved_for"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="draft", approved_render__isnull=True)
                | models.Q(status="approved", approved_render__isnull=False),
                name="figures_design_approved_has_render",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_frozen(self) -> bool:
        return self.status == DesignStatus.APPROVED


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Generating")
    SUCCEEDED = "succeeded", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# The job lifecycle: every legal move. figures.services.job_transition enforces it.
JOB_TRANSITIONS: dict[str, frozenset[str]] = {
    JobStatus.QUEUED: frozenset({JobStatus.RUNNING, JobStatus.FAILED, JobStatus.CANCELLED}),
    # running -> queued: its worker died; the job is sent again once (figures.services).
    JobStatus.RUNNING: frozenset(
        {JobStatus.QUEUED, JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED}
    ),
    JobStatus.SUCCEEDED: frozenset(),
    JobStatus.FAILED: frozenset(),
    JobStatus.CANCELLED: frozenset(),
}
ACTIVE_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


class EnergyMethod(models.TextChoices):
    """How a render's energy was found (figures.energy); always shown with the number."""

    GPU = "gpu", _("measured: GPU")
    CPU_PACKAGE = "cpu_package", _("measured: CPU package")
    ESTIMATE = "estimate", _("estimate")
    MIXED = "mixed", _("mixed methods")  # a job whose renders were measured differently


class GenerationJob(Dispatchable):
    """One 'generate' click: N renders from a snapshot of the design's fields. The row is the
    durable hand-off to the GPU worker (core.dispatch)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    design = models.ForeignKey(FigureDesign, on_delete=models.CASCADE, related_name="jobs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default="queued")
    params = models.JSONField(help_text="Snapshot of the design fields this job renders")
    prompt = models.TextField()
    negative_prompt = models.TextField(blank=True)
    seeds = models.JSONField()
    backend = models.CharField(max_length=200)
    progress_step = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The worker touches this while it renders: a stale one means the worker died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # False when the job failed for a system reason: it is not counted against the quota.
    counts_against_quota = models.BooleanField(default=True)
    error_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The sum of its stored renders' energy (None: none measured yet).
    energy_wh = models.FloatField(_("energy (Wh)"), null=True, blank=True)
    energy_method = models.CharField(
        _("energy method"), max_length=16, choices=EnergyMethod.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Job {self.id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATUSES

    @property
    def style_label(self) -> str:
        style = self.params.get("style", "")
        return str(Style(style).label) if style in Style.values else style

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, round(100 * self.progress_step / self.progress_total))


class Render(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="renders")
    index = models.PositiveSmallIntegerField()
    seed = models.BigIntegerField()
    image = models.FileField(storage=private_storage, upload_to=render_upload_to, max_length=200)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    # What rendering it used (figures.energy); None for renders made before it was measured.
    energy_wh = models.FloatField(_("energy (Wh)"), null=True, blank=True)
    energy_method = models.CharField(
        _("energy method"), max_length=16, choices=EnergyMethod.choices, blank=True
    )
    # The estimate's figure at the time (MINIME_CPU_WATTS_PER_CORE); None when measured.
    energy_watts_per_core = models.FloatField(null=True, blank=True)
    # Likeness to the photo (figures.likeness): face-descriptor distance, lower is more alike;
    # None with a model: no face found in the render; no model: not measured. The descriptors
    # themselves are never stored.
    likeness_distance = models.FloatField(_("likeness distance"), null=True, blank=True)
    likeness_model = models.CharField(_("likeness model"), max_length=100, blank=True)

    class Meta:
        ordering = ["job", "index"]
        constraints = [
            # A redelivered job cannot add a second render for the same slot.
            models.UniqueConstraint(fields=["job", "index"], name="figures_render_unique_slot")
        ]

    def __str__(self) -> str:
        return f"Render {self.index} of {self.job_id}"

    @property
    def likeness_level(self) -> str:
        """ "high", "medium" or "low" by the MINIME_LIKENESS_* thresholds; "no_face" when the
        check found no face in the render; "" when it was not measured."""
        if not self.likeness_model:
            return ""
        if self.likeness_distance is None:
            return "no_face"
        if self.likeness_distance <= figures_settings.LIKENESS_HIGH:
            return "high"
        if self.likeness_distance <= figures_settings.LIKENESS_LOW:
            return "medium"
        return "low"


class FigureEvent(StatusChange):
    """History: every state change of a design or job, with who, when and why."""

    design = models.ForeignKey(FigureDesign, on_delete=models.CASCADE, related_name="events")
    job = models.ForeignKey(
        GenerationJob, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )

    class Meta(StatusChange.Meta):
        pass
