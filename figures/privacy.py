"""The figure studio's privacy handler (registered in FiguresConfig.ready()): export, erasure,
photos, designs and renders in the privacy centre, the photo and render retention rules, what
a withdrawn generation consent stops, the training items, and its holds on accounts.

Apps above (the shop's orders) keep designs and renders in use through their holds
(privacy.registry.retention_holds): this module never looks at them itself."""

from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Model
from django.utils import formats
from django.utils.translation import gettext, ngettext

from core.typing import Account
from figures import selectors
from figures.energy import design_energy, energy_export, render_energy
from figures.models import (
    ACTIVE_JOB_STATUSES,
    DesignStatus,
    FigureDesign,
    FigureEvent,
    GenerationJob,
    Photo,
    Render,
)
from privacy.conf import privacy_settings
from privacy.models import Purpose
from privacy.registry import (
    ErasePart,
    ExportPart,
    PrivacyHandler,
    RetentionRule,
    RuleResult,
    StoredItem,
    TrainingItem,
    clock_start,
    retention_holds,
)

ERASURE_REASON = "cancelled: personal data erased"
WITHDRAWAL_REASON = "cancelled: generation consent withdrawn"


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


class PhotoRetention(RetentionRule):
    """Source photos go MINIME_PHOTO_RETENTION_DAYS after the latest of: their upload, the
    approval of a design made from them, and the last use of such a design by an app above
    (an order: its shipment). Never while such a use goes on (an order in production), and
    not while a generation job still reads the photo."""

    name = "photos"

    def period(self) -> timedelta:
        return timedelta(days=privacy_settings.PHOTO_RETENTION_DAYS)

    def clock_starts(self, photos: list[Photo]) -> dict[Any, datetime | None]:
        """Photo pk -> when its clock started; None while a design made from it is in use.
        The photos come with their designs prefetched."""
        holds = retention_holds(
            model=FigureDesign, pks={d.pk for photo in photos for d in photo.designs.all()}
        )
        starts: dict[Any, datetime | None] = {}
        for photo in photos:
            start: datetime | None = photo.created_at
            for design in photo.designs.all():
                if start is None:
                    break
                if design.status == DesignStatus.APPROVED and design.approved_at:
                    start = max(start, design.approved_at)
                start = clock_start(start, pk=design.pk, holds=holds)
            starts[photo.pk] = start
        return starts

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        result = RuleResult(self.name)
        cutoff = self.cutoff(now)
        photos = list(
            Photo.objects.filter(created_at__lt=cutoff)
            .order_by("created_at")
            .prefetch_related("designs")
        )
        starts = self.clock_starts(photos)
        generating = set(
            GenerationJob.objects.filter(
                design__photo__in=photos, status__in=ACTIVE_JOB_STATUSES
            ).values_list("design__photo", flat=True)
        )
        for photo in photos:
            start = starts[photo.pk]
            if photo.pk in generating or start is None or start >= cutoff:
                continue
            result.items.append(f"Photo {photo.pk}")
            if not dry_run:
                photo.image.delete(save=False)
                photo.delete()
        result.count = len(result.items)
        return result

    def explain(self, *, delete_on: date | None) -> str:
        if delete_on is not None:
            return super().explain(delete_on=delete_on)
        days = self.period().days
        return ngettext(
            "Deleted %(days)d day after your order with this figure has shipped.",
            "Deleted %(days)d days after your order with this figure has shipped.",
            days,
        ) % {"days": days}


class UnapprovedRenderRetention(RetentionRule):
    """Renders never approved go MINIME_UNAPPROVED_RENDER_RETENTION_DAYS after they were made,
    or after their last use by an app above; never while one uses them (an order line)."""

    name = "unapproved_renders"

    def period(self) -> timedelta:
        return timedelta(days=privacy_settings.UNAPPROVED_RENDER_RETENTION_DAYS)

    def clock_starts(self, renders: list[Render]) -> dict[Any, datetime | None]:
        holds = retention_holds(model=Render, pks={render.pk for render in renders})
        return {r.pk: clock_start(r.created_at, pk=r.pk, holds=holds) for r in renders}

    def run(self, *, now: datetime, dry_run: bool) -> RuleResult:
        result = RuleResult(self.name)
        cutoff = self.cutoff(now)
        renders = list(
            Render.objects.filter(created_at__lt=cutoff)
            .filter(approved_for__isnull=True)
            .order_by("created_at")
        )
        starts = self.clock_starts(renders)
        due = [r for r in renders if (start := starts[r.pk]) is not None and start < cutoff]
        result.items = [f"Render {render.pk}" for render in due]
        result.count = len(due)
        if not dry_run:
            renders_delete(due)
        return result

    def explain(self, *, delete_on: date | None) -> str:
        if delete_on is None:
            return gettext("Not approved: kept for your order.")
        return gettext("Not approved: deleted on %(date)s.") % {
            "date": formats.date_format(delete_on)
        }


@dataclass
class FiguresPrivacyHandler(PrivacyHandler):
    name: str = "figures"
    # After the apps above have dropped their links to designs and renders.
    erase_order: int = 30
    photos: PhotoRetention = field(default_factory=PhotoRetention)
    renders: UnapprovedRenderRetention = field(default_factory=UnapprovedRenderRetention)

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
                "energy": energy_export(design_energy(design)),
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
                "energy_wh": job.energy_wh,
                "energy_method": job.energy_method,
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
                    "energy": energy_export(render_energy(render)),
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

    def stored_items(self, *, user: Account) -> list[StoredItem]:
        photos = list(selectors.photos_of(owner=user).prefetch_related("designs"))
        starts = self.photos.clock_starts(photos)
        items = [
            StoredItem("photo", p, self.photos, self.photos.delete_on(starts[p.pk])) for p in photos
        ]
        designs = selectors.designs_of(owner=user)
        items += [StoredItem("design", design) for design in designs]
        approved = {pk for pk in designs.values_list("approved_render", flat=True) if pk}
        renders = list(selectors.renders_of(owner=user).select_related("job__design"))
        starts = self.renders.clock_starts([r for r in renders if r.pk not in approved])
        for render in renders:
            if render.pk in approved:
                items.append(StoredItem("render", render))
            else:
                delete_on = self.renders.delete_on(starts[render.pk])
                items.append(StoredItem("render", render, self.renders, delete_on))
        return items

    def retention_rules(self) -> list[RetentionRule]:
        return [self.photos, self.renders]

    def holds(self, *, model: type[Model], pks: Collection[Any]) -> dict[Any, datetime | None]:
        """Accounts are in use while their designs are (created or changed last)."""
        if model is not get_user_model():
            return {}
        last = (
            FigureDesign.objects.filter(owner__in=pks)
            .values("owner")
            .annotate(created=Max("created_at"), updated=Max("updated_at"))
        )
        return {row["owner"]: max(row["created"], row["updated"]) for row in last}

    def consent_withdrawn(self, *, user: Account, purpose: str) -> dict[str, int]:
        """Without generation consent nothing is generated and the source photos go (designs
        and renders stay: they are the customer's ordered products, not the biometric source)."""
        if purpose != Purpose.GENERATION:
            return {}
        with transaction.atomic():
            cancelled = figures_cancel_active_jobs(user=user, reason=WITHDRAWAL_REASON)
            photos = figures_erase_photos(user=user)
        return {"jobs_cancelled": cancelled, "photos": photos}

    def training_items(self, *, user: Account) -> Iterator[TrainingItem]:
        """The source photos, then the approved renders."""
        for photo in Photo.objects.filter(owner=user).order_by("created_at"):
            yield TrainingItem(f"photos/{photo.pk}.jpg", photo.image, "photo")
        approved = FigureDesign.objects.filter(owner=user, approved_render__isnull=False)
        for design in approved.select_related("approved_render").order_by("created_at"):
            render = design.approved_render
            assert render is not None
            yield TrainingItem(f"renders/{render.pk}.png", render.image, "approved_render")
