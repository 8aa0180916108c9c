"""Generation through a real Celery worker process and a real broker (the SQLite-backed
SQLAlchemy transport by default; Redis when CELERY_BROKER_URL points at it)."""

import time

import pytest

from figures import services
from figures.models import GenerationJob, JobStatus
from tests import factories

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _wait_for(job: GenerationJob, statuses: set[str], timeout: float = 60) -> GenerationJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in statuses:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job stayed {job.status}")


def test_worker_generates_renders_enqueued_on_commit(celery_worker_process):
    user = factories.user_create()
    design = factories.design_for(user)

    job = services.generation_job_create(design=design, actor=user)  # commits -> enqueued

    job = _wait_for(job, {JobStatus.SUCCEEDED, JobStatus.FAILED})
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.renders.count() == len(job.seeds) == 4
    assert job.progress_step == job.progress_total
    assert job.attempts == 1


def test_redelivered_task_is_harmless(celery_worker_process):
    from figures.tasks import enqueue_generation

    user = factories.user_create()
    job = services.generation_job_create(design=factories.design_for(user), actor=user)
    job = _wait_for(job, {JobStatus.SUCCEEDED})
    render_ids = set(job.renders.values_list("pk", flat=True))

    enqueue_generation(job_id=job.pk)  # the broker delivers the same job again
    time.sleep(2)

    job.refresh_from_db()
    assert set(job.renders.values_list("pk", flat=True)) == render_ids
    assert job.attempts == 1
