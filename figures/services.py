"""Figure-studio logic. Views, tasks and admin actions call these; they hold no logic."""

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core.dispatch import dispatch_on_commit, release, sweep
from core.ratelimit import Rate, RateLimited, limit_hit
from core.typing import Account
from figures.conf import figures_settings
from figures.exceptions import (
    DesignFrozen,
    IllegalTransition,
    JobAlreadyRunning,
    PhotoMissing,
    QuotaExceeded,
)
from figures.intake import PhotoRejected, photo_clean
from figures.models import (
    ACTIVE_JOB_STATUSES,
    JOB_TRANSITIONS,
    DesignStatus,
    FigureDesign,
    FigureEvent,
    GenerationJob,
    JobStatus,
    Photo,
    Render,
)
from figures.prompts import build_prompt
from figures.selectors import generation_quota_remaining, jobs_of
from figures.signals import design_approved
from privacy.models import Purpose
from privacy.services import consent_require

logger = logging.getLogger(__name__)

DESIGN_FIELDS = ("name", "tagline", "accessories", "style", "box_theme")


# --- Photos -------------------------------------------------------------------------------------


def design_intake_check(*, owner: Account) -> None:
    """Before a new design stores anything: refuse (RateLimited, saying when a generation
    frees up) when today's generations are used up, as the design could not be generated."""
    if generation_quota_remaining(owner=owner) > 0:
        return
    quota = figures_settings.DAILY_GENERATION_QUOTA
    day, now = timedelta(hours=24), timezone.now()
    used = list(
        jobs_of(owner=owner)
        .filter(created_at__gte=now - day, counts_against_quota=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    # One generation frees up when enough of today's jobs have left the 24 hours.
    wait = (used[len(used) - quota] + day - now) if quota > 0 and used else day
    raise RateLimited(
        _("You have used all of today's figure generations."), retry_after=wait.total_seconds()
    )


def photo_create(*, owner: Account, upload: UploadedFile, reuse_same: bool = False) -> Photo:
    """Validate, clean (no metadata) and store a selfie privately under a random name; with
    `reuse_same`, the owner's photo with the same cleaned bytes (sha256) when there is one
    (the design form: a photo it kept, chosen again). Every attempt counts against
    MINIME_UPLOADS_PER_HOUR first (RateLimited: nothing stored)."""
    consent_require(user=owner, purpose=Purpose.GENERATION)
    if figures_settings.UPLOADS_PER_HOUR > 0:
        limit_hit(
            scope="figures.upload",
            key=str(owner.pk),
            rate=Rate(amount=figures_settings.UPLOADS_PER_HOUR, seconds=3600),
            message=_("You have uploaded many photos in the last hour."),
        )
    max_bytes = figures_settings.MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > max_bytes:
        # Refuse before reading the whole file into memory.
        raise PhotoRejected(
            "too_large_bytes",
            _("The file is too large (limit %(mb)d MB).") % {"mb": max_bytes // (1024 * 1024)},
        )
    data = upload.read(max_bytes + 1)
    clean = photo_clean(
        data,
        max_bytes=max_bytes,
        max_pixels=figures_settings.MAX_UPLOAD_PIXELS,
        min_side=figures_settings.MIN_PHOTO_SIDE,
    )
    if reuse_same:
        same = Photo.objects.filter(owner=owner, sha256=clean.sha256).order_by("created_at")
        if (kept := same.first()) is not None:
            return kept
    photo = Photo(
        owner=owner,
        width=clean.width,
        height=clean.height,
        face_box=list(clean.face_box),
        sha256=clean.sha256,
    )
    photo.image.save("photo.jpg", ContentFile(clean.jpeg), save=False)
    try:
        photo.save()
    except Exception:
        photo.image.delete(save=False)  # no orphaned face on disk
        raise
    return photo


# --- Designs ------------------------------------------------------------------------------------


def _event(
    *,
    design: FigureDesign,
    to_status: str,
    from_status: str = "",
    job: GenerationJob | None = None,
    actor: Account | None = None,
    reason: str = "",
) -> None:
    FigureEvent.objects.create(
        design=design,
        job=job,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason[:300],
    )


@transaction.atomic
def design_create(
    *,
    owner: Account,
    photo: Photo,
    name: str,
    tagline: str,
    accessories: list[str],
    style: str,
    box_theme: str,
) -> FigureDesign:
    if photo.owner_id != owner.pk:
        raise PhotoMissing()
    design = FigureDesign.objects.create(
        owner=owner,
        photo=photo,
        name=name,
        tagline=tagline,
        accessories=accessories,
        style=style,
        box_theme=box_theme,
    )
    _event(design=design, to_status=DesignStatus.DRAFT, actor=owner, reason="created")
    return design


@transaction.atomic
def design_revise(*, design: FigureDesign, actor: Account, changes: dict[str, Any]) -> FigureDesign:
    """Apply tweaks. A draft changes in place; an approved design stays frozen and the
    tweaks go into a new draft version of it."""
    design = FigureDesign.objects.select_for_update().get(pk=design.pk)
    unknown = set(changes) - set(DESIGN_FIELDS)
    if unknown:
        raise ValueError(f"Not design fields: {sorted(unknown)}")
    if not design.is_frozen:
        for field, value in changes.items():
            setattr(design, field, value)
        design.save()
        return design
    draft = design.next_versions.filter(status=DesignStatus.DRAFT).first()
    if draft is not None:
        # Tweaking an approved design again continues its open draft version.
        return design_revise(design=draft, actor=actor, changes=changes)
    new = FigureDesign.objects.create(
        owner=design.owner,
        photo=design.photo,
        version=design.version + 1,
        previous_version=design,
        **{field: changes.get(field, getattr(design, field)) for field in DESIGN_FIELDS},
    )
    _event(
        design=new, to_status=DesignStatus.DRAFT, actor=actor, reason=f"new version of {design.pk}"
    )
    return new


@transaction.atomic
def render_approve(*, render: Render, actor: Account) -> FigureDesign:
    """Approve exactly one render: the design takes that job's fields and is frozen."""
    job = GenerationJob.objects.get(pk=render.job_id)  # fresh: callers may hold a stale one
    design = FigureDesign.objects.select_for_update().get(pk=job.design_id)
    if design.is_frozen:
        raise DesignFrozen()
    if job.status != JobStatus.SUCCEEDED:
        raise IllegalTransition(_("Only finished renders can be approved."))
    for field in DESIGN_FIELDS:
        setattr(design, field, job.params[field])
    design.status = DesignStatus.APPROVED
    design.approved_render = render
    design.approved_at = timezone.now()
    design.save()
    _event(
        design=design,
        job=job,
        from_status=DesignStatus.DRAFT,
        to_status=DesignStatus.APPROVED,
        actor=actor,
        reason=f"approved render {render.index + 1}",
    )
    design_approved.send(sender=FigureDesign, design=design)
    return design


# --- Generation jobs ----------------------------------------------------------------------------


def job_transition(
    *, job: GenerationJob, to: str, actor: Account | None = None, reason: str = ""
) -> GenerationJob:
    """The one way a job changes state: legal moves only, each one recorded."""
    if to not in JOB_TRANSITIONS[job.status]:
        raise IllegalTransition(f"job {job.pk}: {job.status} -> {to} is not allowed")
    previous = job.status
    now = timezone.now()
    job.status = to
    if to == JobStatus.RUNNING:
        job.started_at = now
    if to in (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED):
        job.finished_at = now
    job.save()
    _event(
        design=job.design, job=job, from_status=previous, to_status=to, actor=actor, reason=reason
    )
    return job


@transaction.atomic
def generation_job_create(*, design: FigureDesign, actor: Account) -> GenerationJob:
    """Queue N renders of the design as it is now. The job row is the durable hand-off: the
    task is sent once this commits, and again by the sweeper if the broker was away."""
    consent_require(user=design.owner, purpose=Purpose.GENERATION)
    # One account's "generate" clicks queue up here, so parallel clicks on several designs
    # cannot all pass the quota check before any of them is counted (a no-op on SQLite,
    # which serialises writers anyway).
    get_user_model().objects.select_for_update().filter(pk=design.owner_id).first()
    design = FigureDesign.objects.select_for_update().get(pk=design.pk)
    if design.is_frozen:
        raise DesignFrozen()
    if design.photo is None:
        raise PhotoMissing()
    if design.jobs.filter(status__in=ACTIVE_JOB_STATUSES).exists():
        raise JobAlreadyRunning()
    if generation_quota_remaining(owner=design.owner) <= 0:
        raise QuotaExceeded()
    prompt = build_prompt(
        style=design.style, accessories=design.accessories, tagline=design.tagline
    )
    job = GenerationJob.objects.create(
        design=design,
        requested_by=actor,
        params={field: getattr(design, field) for field in DESIGN_FIELDS},
        prompt=prompt.positive,
        negative_prompt=prompt.negative,
        seeds=[secrets.randbelow(2**31) for _ in range(figures_settings.RENDERS_PER_JOB)],
        backend=figures_settings.GENERATION_BACKEND,
    )
    _event(design=design, job=job, to_status=JobStatus.QUEUED, actor=actor, reason="requested")
    job_dispatch_on_commit(job_id=job.pk)
    return job


def job_dispatch_on_commit(*, job_id: Any) -> None:
    from figures.tasks import enqueue_generation

    dispatch_on_commit(
        model=GenerationJob, pk=job_id, send=lambda: enqueue_generation(job_id=job_id)
    )


# A job whose worker keeps dying (e.g. killed for memory) is redelivered; stop after this many.
MAX_JOB_ATTEMPTS = 5


def job_run(*, job_id: Any) -> GenerationJob | None:
    """Render whatever this job still lacks (figures.generation: worker-side code, imported
    only when a job runs)."""
    from figures.generation import job_run as generation_job_run

    return generation_job_run(job_id=job_id)


def job_fail(*, job_id: Any, message: str, system_fault: bool = True) -> GenerationJob | None:
    """Fail an active job with a message for the customer. A system fault (worker died, time
    limit, backend error) gives the customer's quota back; a missing photo does not."""
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().select_related("design").get(pk=job_id)
        if job.status not in ACTIVE_JOB_STATUSES:
            return job
        job.error_message = message[:300]
        job.counts_against_quota = not system_fault
        job.save(update_fields=["error_message", "counts_against_quota"])
        return job_transition(job=job, to=JobStatus.FAILED, reason=message)


def job_cancel(*, job: GenerationJob, actor: Account | None, reason: str) -> GenerationJob:
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().select_related("design").get(pk=job.pk)
        return job_transition(job=job, to=JobStatus.CANCELLED, actor=actor, reason=reason)


def job_heartbeat_stale(job: GenerationJob, *, now: Any) -> bool:
    last = job.heartbeat_at or job.started_at or job.created_at
    return last < now - timedelta(seconds=figures_settings.GENERATION_HEARTBEAT_TIMEOUT)


def _job_requeue_or_fail(*, job_id: Any, now: Any) -> str:
    """A running job whose worker stopped beating: send it again once, then fail it."""
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().select_related("design").get(pk=job_id)
        if job.status != JobStatus.RUNNING or not job_heartbeat_stale(job, now=now):
            return "alive"
        if job.attempts <= figures_settings.GENERATION_AUTO_RETRIES:
            job_transition(job=job, to=JobStatus.QUEUED, reason="worker lost; sent again")
            release(model=GenerationJob, pk=job.pk)
            return "requeued"
    job_fail(
        job_id=job_id,
        message=gettext_noop(
            "Something went wrong while generating your figure. Please try again."
        ),
    )
    return "failed"


def job_reap_stuck(*, now: Any = None) -> int:
    """Jobs whose worker died (no heartbeat for GENERATION_HEARTBEAT_TIMEOUT) are sent again
    once, then failed; jobs that ran past the time limit or that no worker took within the
    queue timeout are failed. Returns how many jobs it requeued or failed."""
    now = now or timezone.now()
    heartbeat_cutoff = now - timedelta(seconds=figures_settings.GENERATION_HEARTBEAT_TIMEOUT)
    dead = GenerationJob.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=heartbeat_cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=heartbeat_cutoff)
    )
    handled = sum(
        _job_requeue_or_fail(job_id=pk, now=now) != "alive"
        for pk in dead.values_list("pk", flat=True)
    )
    grace = timedelta(seconds=60)
    running_cutoff = now - timedelta(seconds=figures_settings.GENERATION_TIME_LIMIT) - grace
    queued_cutoff = now - timedelta(seconds=figures_settings.GENERATION_QUEUE_TIMEOUT)
    stuck = list(
        GenerationJob.objects.filter(
            status=JobStatus.RUNNING, started_at__lt=running_cutoff
        ).values_list("pk", flat=True)
    ) + list(
        GenerationJob.objects.filter(
            status=JobStatus.QUEUED, created_at__lt=queued_cutoff
        ).values_list("pk", flat=True)
    )
    for job_id in stuck:
        job_fail(
            job_id=job_id,
            message=_("Generating took too long and was stopped. Please try again."),
        )
    return handled + len(stuck)


def jobs_sweep() -> int:
    """The beat sweeper: reap dead workers' jobs, then (re)send every queued job no worker
    has taken yet (the broker was away, or its message was lost with a killed worker)."""
    from figures.tasks import enqueue_generation

    job_reap_stuck()
    return sweep(
        GenerationJob.objects.filter(status=JobStatus.QUEUED),
        send_for=lambda pk: lambda: enqueue_generation(job_id=pk),
    )
