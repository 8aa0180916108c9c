"""The figure studio's part of export and erasure (registered in FiguresConfig.ready())."""

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from core.typing import Account
from figures.models import (
    ACTIVE_JOB_STATUSES,
    FigureDesign,
    FigureEvent,
    GenerationJob,
    Photo,
    Render,
)
from privacy.registry import ErasePart, ExportPart, PrivacyHandler

ERASURE_REASON = "cancelled: personal data erased"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def figures_cancel_active_jobs(*, user: Account, reason: str = ERASURE_REASON) -> int:
    """Cancel the person's queued and running generation jobs (a worker that already holds
    one sees the cancelled status and stores nothing)."""
    from figures.services import job_cancel

    jobs = GenerationJob.objects.filter(design__owner=user, status__in=ACTIVE_JOB_STATUSES)
    cancelled = 0
    for job in jobs:
        job_cancel(job=job, actor=None, reason=reason)
        cancelled += 1
    return cancelled


def figures_erase_photos(*, user: Account) -> int:
    """Delete the person's source photos, files first (designs keep their fields; their
    photo link becomes NULL)."""
    photos = list(Photo.objects.filter(owner=user))
    for photo in photos:
        photo.image.delete(save=False)
    Photo.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    return len(photos)


def renders_delete(renders: list[Render]) -> int:
    """Delete renders and their files; designs approved with one of them go back to draft
    first (approved_render is PROTECT)."""
    ids = [render.pk for render in renders]
    FigureDesign.objects.filter(approved_render__in=ids).update(
        status="draft", approved_render=None, approved_at=None
    )
    for render in renders:
        render.image.delete(save=False)
    Render.objects.filter(pk__in=ids).delete()
    return len(ids)


@dataclass
class FiguresPrivacyHandler(PrivacyHandler):
    name: str = "figures"

    def export(self, *, user: Account) -> ExportPart:
        part = ExportPart()
        photos = []
        for photo in Photo.objects.filter(owner=user).order_by("created_at"):
            archive_name = f"photos/{photo.pk}.jpg"
            photos.append(
                {
                    "id": str(photo.pk),
                    "file": archive_name,
                    "width": photo.width,
                    "height": photo.height,
                    "sha256": photo.sha256,
                    "uploaded_at": _iso(photo.created_at),
                }
            )
            part.files.append((archive_name, photo.image))
        designs = [
            {
                "id": str(design.pk),
                "version": design.version,
                "name": design.name,
                "tagline": design.tagline,
                "accessories": design.accessories,
                "style": design.style,
                "box_theme": design.box_theme,
                "status": design.status,
                "photo": str(design.photo_id) if design.photo_id else None,
                "approved_render": str(design.approved_render_id)
                if design.approved_render_id
                else None,
                "approved_at": _iso(design.approved_at),
                "created_at": _iso(design.created_at),
            }
            for design in FigureDesign.objects.filter(owner=user).order_by("created_at")
        ]
        jobs = [
            {
                "id": str(job.pk),
                "design": str(job.design_id),
                "status": job.status,
                "params": job.params,
                "prompt": job.prompt,
                "created_at": _iso(job.created_at),
                "finished_at": _iso(job.finished_at),
            }
            for job in GenerationJob.objects.filter(design__owner=user).order_by("created_at")
        ]
        renders = []
        for render in Render.objects.filter(job__design__owner=user).order_by("created_at"):
            archive_name = f"renders/{render.pk}.png"
            renders.append(
                {
                    "id": str(render.pk),
                    "job": str(render.job_id),
                    "index": render.index,
                    "seed": render.seed,
                    "file": archive_name,
                    "width": render.width,
                    "height": render.height,
                    "created_at": _iso(render.created_at),
                }
            )
            part.files.append((archive_name, render.image))
        part.data = {
            "photos": photos,
            "designs": designs,
            "generation_jobs": jobs,
            "renders": renders,
        }
        return part

    def erase(self, *, user: Account) -> ErasePart:
        with transaction.atomic():
            cancelled = figures_cancel_active_jobs(user=user)
            photos = figures_erase_photos(user=user)
            renders = renders_delete(list(Render.objects.filter(job__design__owner=user)))
            designs = FigureDesign.objects.filter(owner=user)
            _, events = FigureEvent.objects.filter(design__in=designs).delete()
            _, jobs = GenerationJob.objects.filter(design__in=designs).delete()
            _, deleted = designs.delete()
        return ErasePart(
            counts={
                "jobs_cancelled": cancelled,
                "photos": photos,
                "renders": renders,
                "designs": deleted.get("figures.FigureDesign", 0),
                "generation_jobs": jobs.get("figures.GenerationJob", 0),
                "events": events.get("figures.FigureEvent", 0),
            }
        )
