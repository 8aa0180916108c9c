from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from core.typing import Account
from figures.conf import figures_settings
from figures.models import FigureDesign, GenerationJob, Photo, Render

# Every read of customer data goes through these owner-scoped querysets.


def photos_of(*, owner: Account) -> QuerySet[Photo]:
    return Photo.objects.filter(owner=owner)


def designs_of(*, owner: Account) -> QuerySet[FigureDesign]:
    return FigureDesign.objects.filter(owner=owner)


def renders_of(*, owner: Account) -> QuerySet[Render]:
    return Render.objects.filter(job__design__owner=owner)


def jobs_of(*, owner: Account) -> QuerySet[GenerationJob]:
    return GenerationJob.objects.filter(design__owner=owner)


def generation_jobs_used_today(*, owner: Account) -> int:
    since = timezone.now() - timedelta(hours=24)
    # Jobs failed for a system reason (worker died, backend error) give the quota back.
    jobs = jobs_of(owner=owner).filter(created_at__gte=since, counts_against_quota=True)
    return jobs.count()


def generation_quota_remaining(*, owner: Account) -> int:
    used = generation_jobs_used_today(owner=owner)
    return max(0, figures_settings.DAILY_GENERATION_QUOTA - used)


def design_latest_job(*, design: FigureDesign) -> GenerationJob | None:
    return design.jobs.order_by("-created_at").first()
