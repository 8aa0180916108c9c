"""Running a generation job in the worker: render each missing slot, measure its energy and
its likeness to the photo, store it signed. figures.services.job_run (what the task calls)
imports this module only when a job runs, so the web process never loads the backends'
or the likeness check's heavy libraries."""

import io
import logging
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from PIL import Image

from figures.backends import get_backend
from figures.backends.base import GenerationError, Prompt, RenderInput, TransientGenerationError
from figures.conf import figures_settings
from figures.energy import EnergyReading, energy_meter_for, job_energy_add, render_energy_set
from figures.exceptions import PhotoMissing
from figures.models import ACTIVE_JOB_STATUSES, GenerationJob, JobStatus, Render
from figures.render_provenance import render_sign
from figures.services import MAX_JOB_ATTEMPTS, job_fail, job_heartbeat_stale, job_transition

logger = logging.getLogger(__name__)


def _job_start(job_id: Any) -> GenerationJob | None:
    """Lock the job and mark it running; None if there is nothing left to do."""
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().select_related("design").get(pk=job_id)
        if job.status not in ACTIVE_JOB_STATUSES:
            return None  # finished, failed or cancelled: a redelivery does nothing
        if job.status == JobStatus.RUNNING and not job_heartbeat_stale(job, now=timezone.now()):
            return None  # a live worker has it: this is a copy sent by the sweeper
        if job.attempts >= MAX_JOB_ATTEMPTS:
            job.error_message = gettext_noop(
                "Something went wrong while generating your figure. Please try again."
            )
            job.save(update_fields=["error_message"])
            job_transition(job=job, to=JobStatus.FAILED, reason="too many attempts")
            return None
        if job.status == JobStatus.QUEUED:
            job_transition(job=job, to=JobStatus.RUNNING, reason="worker picked it up")
        job.attempts += 1
        job.heartbeat_at = job.taken_at = timezone.now()
        job.save(update_fields=["attempts", "heartbeat_at", "taken_at"])
        return job


class _Likeness:
    """The job's likeness check (figures.likeness), set up on the first render: the photo's
    descriptor is computed once and held in memory only. Off (MINIME_LIKENESS_CHECK), without
    dlib installed, or when the photo's face is not found: renders carry no likeness."""

    def __init__(self, photo: Image.Image) -> None:
        self._photo: Image.Image | None = photo if figures_settings.LIKENESS_CHECK else None
        self._check: Any = None

    def measure(self, render: Image.Image) -> tuple[float | None, str]:
        """(distance, model name); (None, "") when not measured."""
        if self._photo is not None:
            photo, self._photo = self._photo, None
            try:
                from figures.likeness import PhotoLikeness
            except ImportError as exc:  # a worker without the `likeness` extra
                logger.warning("likeness check skipped: %s", exc)
            else:
                self._check = PhotoLikeness(photo)
        if self._check is None or not self._check.usable:
            return None, ""
        return self._check.distance(render), self._check.model_name


def job_run(*, job_id: Any) -> GenerationJob | None:
    """Render whatever this job still lacks. Safe to run twice: existing slots are skipped."""
    job = _job_start(job_id)
    if job is None:
        return None
    photo = job.design.photo
    if photo is None:
        return job_fail(
            job_id=job.pk, message=str(PhotoMissing.default_message), system_fault=False
        )
    backend = get_backend()
    steps = backend.steps_per_render()
    total = steps * len(job.seeds)
    done_slots = set(job.renders.values_list("index", flat=True))
    GenerationJob.objects.filter(pk=job.pk).update(
        progress_total=total, progress_step=steps * len(done_slots)
    )
    with photo.image.open("rb") as fh, Image.open(fh) as opened:
        source = opened.convert("RGB")
    job_pk = job.pk
    prompt = Prompt(positive=job.prompt, negative=job.negative_prompt)
    size = figures_settings.RENDER_SIZE
    likeness = _Likeness(source)
    # One meter per job, read around each render on its own (figures.energy).
    meter = energy_meter_for(backend)
    try:
        for index, seed in enumerate(job.seeds):
            if index in done_slots:
                continue
            offset = steps * index

            def on_progress(step: int, _total: int, offset: int = offset) -> None:
                GenerationJob.objects.filter(pk=job_pk).update(
                    progress_step=offset + step, heartbeat_at=timezone.now()
                )

            request = RenderInput(
                photo=source,
                face_box=_face_box(photo.face_box),
                prompt=prompt,
                style=job.params["style"],
                seed=int(seed),
                size=size,
            )
            with meter.measure() as used:
                image = backend.render(request, on_progress=on_progress)
            render = Render(job=job, index=index, seed=int(seed))
            render.likeness_distance, render.likeness_model = likeness.measure(image)
            _render_store(render, image=image, energy=used.reading)
            GenerationJob.objects.filter(pk=job_pk).update(heartbeat_at=timezone.now())
    except TransientGenerationError:
        raise  # the task decides whether to retry
    except GenerationError as exc:
        logger.warning("generation job %s failed: %s", job.pk, exc)
        return job_fail(job_id=job.pk, message=exc.user_message)
    finally:
        meter.close()
    with transaction.atomic():
        job = GenerationJob.objects.select_for_update().select_related("design").get(pk=job.pk)
        if job.status == JobStatus.RUNNING:
            job.progress_step = total
            job.save(update_fields=["progress_step"])
            job_transition(job=job, to=JobStatus.SUCCEEDED, reason=f"{len(job.seeds)} renders")
    return job


def _face_box(value: Any) -> tuple[int, int, int, int] | None:
    if not value:
        return None
    x, y, w, h = (int(v) for v in value)
    return (x, y, w, h)


def _render_store(render: Render, *, image: Image.Image, energy: EnergyReading | None) -> None:
    job = render.job
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    render.width, render.height = image.width, image.height
    render_energy_set(render, energy)
    # Content Credentials (C2PA + IPTC XMP) go into the stored file: served as stored.
    render.image.save("render.png", ContentFile(render_sign(job, buffer.getvalue())), save=False)
    try:
        with transaction.atomic():
            render.save()
            job_energy_add(job_id=job.pk, reading=energy)
    except IntegrityError:
        # Another delivery of this job stored the slot first; keep theirs.
        render.image.delete(save=False)
