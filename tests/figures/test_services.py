from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError
from django.utils import timezone
from PIL import Image

from figures import services
from figures.conf import figures_settings
from figures.exceptions import (
    DesignFrozen,
    IllegalTransition,
    JobAlreadyRunning,
    QuotaExceeded,
)
from figures.intake import PhotoRejected
from figures.models import JOB_TRANSITIONS, FigureEvent, GenerationJob, JobStatus, Render
from figures.selectors import generation_quota_remaining
from privacy.exceptions import ConsentRequired
from privacy.models import ConsentMethod, Purpose
from privacy.services import consent_record
from tests import factories

pytestmark = pytest.mark.django_db


def _fast(settings):
    settings.MINIME_RENDER_SIZE = 256
    settings.MINIME_RENDERS_PER_JOB = 2


def test_photo_is_stored_privately_under_a_random_name_without_metadata(user):
    photo = factories.photo_for(user)

    path = Path(photo.image.path)
    assert path.is_relative_to(Path(settings.PRIVATE_FILES_ROOT))
    assert "selfie" not in photo.image.name
    assert len(path.stem) == 32
    with Image.open(path) as stored:
        assert stored.format == "JPEG"
        assert not stored.getexif()
        assert "icc_profile" not in stored.info
    assert len(photo.face_box) == 4


def test_upload_without_generation_consent_is_refused_and_nothing_is_stored(db):
    user = factories.user_create(consent=False)
    files_before = set(Path(settings.PRIVATE_FILES_ROOT).rglob("*"))

    with pytest.raises(ConsentRequired):
        factories.photo_for(user)

    assert set(Path(settings.PRIVATE_FILES_ROOT).rglob("*")) == files_before
    assert user.figure_photos.count() == 0


def test_withdrawn_generation_consent_blocks_upload(user):
    consent_record(
        user=user, purpose=Purpose.GENERATION, granted=False, method=ConsentMethod.CONSENT_FORM
    )

    with pytest.raises(ConsentRequired):
        factories.photo_for(user)


def test_oversize_upload_is_refused_before_reading(user, settings):
    settings.MINIME_MAX_UPLOAD_BYTES = 1000

    with pytest.raises(PhotoRejected) as exc:
        factories.photo_for(user)

    assert exc.value.code == "too_large_bytes"


def test_job_renders_every_seed_and_records_history(user, settings):
    _fast(settings)
    design = factories.design_for(user)

    job = services.generation_job_create(design=design, actor=user)
    services.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert job.progress_step == job.progress_total > 0
    renders = list(job.renders.order_by("index"))
    assert [r.index for r in renders] == [0, 1]
    assert [r.seed for r in renders] == job.seeds
    for render in renders:
        with render.image.open("rb") as fh, Image.open(fh) as image:
            assert image.size == (256, 256)
    moves = list(job.events.values_list("from_status", "to_status"))
    assert moves == [("", "queued"), ("queued", "running"), ("running", "succeeded")]


def test_prompt_snapshot_never_contains_the_figure_name(user, settings):
    _fast(settings)
    design = factories.design_for(user, name="Zoë-Xyzzy")

    job = services.generation_job_create(design=design, actor=user)

    assert "Xyzzy" not in job.prompt and "Zoë" not in job.prompt
    assert job.params["name"] == "Zoë-Xyzzy"


def test_redelivered_job_adds_no_duplicate_renders(user, settings):
    _fast(settings)
    design = factories.design_for(user)
    job = services.generation_job_create(design=design, actor=user)
    services.job_run(job_id=job.pk)
    files_before = sorted(Path(settings.PRIVATE_FILES_ROOT).glob("renders/*"))

    services.job_run(job_id=job.pk)  # a second delivery after success

    assert job.renders.count() == 2
    assert sorted(Path(settings.PRIVATE_FILES_ROOT).glob("renders/*")) == files_before


def test_interrupted_job_resumes_only_missing_slots(user, settings):
    _fast(settings)
    design = factories.design_for(user)
    job = services.generation_job_create(design=design, actor=user)
    services.job_run(job_id=job.pk)
    kept = job.renders.get(index=0)
    job.renders.filter(index=1).delete()
    # Its worker died: running, with a heartbeat older than the timeout.
    dead = timezone.now() - timedelta(seconds=figures_settings.GENERATION_HEARTBEAT_TIMEOUT + 1)
    GenerationJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, heartbeat_at=dead)

    services.job_run(job_id=job.pk)

    assert job.renders.count() == 2
    assert job.renders.get(index=0).pk == kept.pk


def test_render_slot_is_unique(user, settings):
    _fast(settings)
    design = factories.design_for(user)
    job = services.generation_job_create(design=design, actor=user)
    services.job_run(job_id=job.pk)
    first = job.renders.get(index=0)

    with pytest.raises(IntegrityError):
        Render.objects.create(job=job, index=0, seed=1, image=first.image.name, width=1, height=1)


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (start, to)
        for start in JobStatus.values
        for to in JobStatus.values
        if to not in JOB_TRANSITIONS[start]
    ],
)
def test_illegal_job_transitions_raise_and_change_nothing(user, start, to):
    design = factories.design_for(user)
    job = GenerationJob.objects.create(
        design=design, status=start, params={}, prompt="p", seeds=[1], backend="x"
    )
    events = FigureEvent.objects.count()

    with pytest.raises(IllegalTransition):
        services.job_transition(job=job, to=to)

    job.refresh_from_db()
    assert job.status == start
    assert FigureEvent.objects.count() == events


def test_one_active_job_per_design(user):
    design = factories.design_for(user)
    services.generation_job_create(design=design, actor=user)

    with pytest.raises(JobAlreadyRunning):
        services.generation_job_create(design=design, actor=user)


def test_daily_quota_limits_generation(user, settings):
    settings.MINIME_DAILY_GENERATION_QUOTA = 2
    for _ in range(2):
        design = factories.design_for(user)
        services.generation_job_create(design=design, actor=user)

    with pytest.raises(QuotaExceeded):
        services.generation_job_create(design=factories.design_for(user), actor=user)

    GenerationJob.objects.update(created_at=timezone.now() - timedelta(hours=25))
    services.generation_job_create(design=factories.design_for(user), actor=user)


def test_generation_needs_active_consent_even_for_an_existing_photo(user):
    design = factories.design_for(user)
    consent_record(
        user=user, purpose=Purpose.GENERATION, granted=False, method=ConsentMethod.PRIVACY_CENTRE
    )

    with pytest.raises(ConsentRequired):
        services.generation_job_create(design=design, actor=user)


def test_approve_freezes_design_with_the_job_snapshot(user, settings):
    _fast(settings)
    design = factories.design_for(user, style="action_figure")
    job = services.generation_job_create(design=design, actor=user)
    services.job_run(job_id=job.pk)
    # The customer tweaks the fields afterwards but approves the earlier render.
    services.design_revise(design=design, actor=user, changes={"style": "retro_80s"})

    approved = services.render_approve(render=job.renders.get(index=1), actor=user)

    assert approved.status == "approved"
    assert approved.style == "action_figure"
    assert approved.approved_render.index == 1
    with pytest.raises(DesignFrozen):
        services.render_approve(render=job.renders.get(index=0), actor=user)
    with pytest.raises(DesignFrozen):
        services.generation_job_create(design=approved, actor=user)


def test_changing_an_approved_design_makes_a_new_version(user, settings):
    _fast(settings)
    design = factories.design_for(user)
    job = services.generation_job_create(design=design, actor=user)
    services.job_run(job_id=job.pk)
    services.render_approve(render=job.renders.first(), actor=user)

    new = services.design_revise(design=design, actor=user, changes={"accessories": ["cape"]})
    again = services.design_revise(design=design, actor=user, changes={"tagline": "Boss"})

    design.refresh_from_db()
    assert design.status == "approved" and design.accessories == ["coffee mug", "laptop"]
    assert new.pk != design.pk and new.version == 2 and new.previous_version == design
    assert again.pk == new.pk and again.accessories == ["cape"] and again.tagline == "Boss"


def test_unapproved_render_of_running_job_cannot_be_approved(user):
    design = factories.design_for(user)
    job = services.generation_job_create(design=design, actor=user)
    render = Render.objects.create(job=job, index=0, seed=1, image="x.png", width=1, height=1)

    with pytest.raises(IllegalTransition):
        services.render_approve(render=render, actor=user)


def test_missing_model_directory_fails_the_job_with_a_human_message(user, settings, tmp_path):
    _fast(settings)
    settings.MINIME_GENERATION_BACKEND = "figures.backends.diffusers.DiffusersBackend"
    settings.MINIME_DIFFUSERS_MODEL_DIR = str(tmp_path / "no-such-model")
    design = factories.design_for(user)
    job = services.generation_job_create(design=design, actor=user)

    services.job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "model" in job.error_message.lower()
    assert job.renders.count() == 0


def test_reaper_fails_stuck_jobs_only(user, settings):
    settings.MINIME_GENERATION_TIME_LIMIT = 60
    old = timezone.now() - timedelta(minutes=10)
    stuck = services.generation_job_create(design=factories.design_for(user), actor=user)
    services.job_transition(job=stuck, to=JobStatus.RUNNING)
    # Its worker is alive (fresh heartbeat) but the job ran past the time limit.
    GenerationJob.objects.filter(pk=stuck.pk).update(started_at=old, heartbeat_at=timezone.now())
    fresh = services.generation_job_create(design=factories.design_for(user), actor=user)

    assert services.job_reap_stuck() == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.status == JobStatus.FAILED and "too long" in stuck.error_message
    assert fresh.status == JobStatus.QUEUED


def test_a_job_redelivered_too_often_is_failed_not_retried_forever(user):
    job = services.generation_job_create(design=factories.design_for(user), actor=user)
    GenerationJob.objects.filter(pk=job.pk).update(attempts=services.MAX_JOB_ATTEMPTS)

    assert services.job_run(job_id=job.pk) is None

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message
    assert job.renders.count() == 0


def test_unexpected_error_in_the_task_fails_the_job_at_once(user, settings):
    from figures.tasks import generate_renders

    settings.MINIME_GENERATION_BACKEND = "tests.figures.test_services.BrokenBackend"
    job = services.generation_job_create(design=factories.design_for(user), actor=user)

    with pytest.raises(ZeroDivisionError):
        generate_renders.apply(args=(str(job.pk),), throw=True)

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "Something went wrong" in job.error_message


class BrokenBackend:
    name = "broken"

    def steps_per_render(self) -> int:
        return 1

    def render(self, request, *, on_progress):
        return 1 / 0


def test_a_job_whose_worker_dies_twice_fails_and_gives_the_quota_back(settings):
    # (No worker runs here: a live one would finish the job before the reaper sees it.)
    # Given a job whose worker died once already (it was sent again and started again)
    settings.MINIME_DAILY_GENERATION_QUOTA = 1
    settings.MINIME_GENERATION_HEARTBEAT_TIMEOUT = 3
    user = factories.user_create()
    job = services.generation_job_create(design=factories.design_for(user), actor=user)
    assert generation_quota_remaining(owner=user) == 0
    services.job_transition(job=job, to=JobStatus.RUNNING)
    stale = job.created_at.replace(year=job.created_at.year - 1)
    GenerationJob.objects.filter(pk=job.pk).update(attempts=2, heartbeat_at=stale)

    # When the reaper finds it again
    assert services.job_reap_stuck() == 1

    # Then it fails with a clear message, and the customer can generate again today
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_message
    assert not job.counts_against_quota
    assert generation_quota_remaining(owner=user) == 1
