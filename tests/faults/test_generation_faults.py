"""Generation against faults, with real worker processes and a real (refused) broker:
nothing a customer asked for is lost, and no request answers 5xx."""

import time

import pytest
from django.urls import reverse

from figures import services
from figures.models import GenerationJob, JobStatus
from tests import factories
from tests.faults.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SLOW_BACKEND = "tests.faults.backends.SlowStylizeBackend"


def finished(job: GenerationJob) -> GenerationJob | None:
    job.refresh_from_db()
    return job if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED) else None


def test_generate_with_the_broker_down_answers_at_once_and_runs_when_it_is_back(
    client, broker_down, start_worker
):
    # Given a customer's design and a broker nobody can reach
    user = factories.user_create()
    design = factories.design_for(user)
    client.force_login(user)

    # When they click "generate"
    url = reverse("figures:design_generate", args=[design.pk])
    response = client.post(url, {**services_fields(design)}, follow=True)

    # Then the page says it starts shortly, and the job waits undispatched
    assert response.status_code == 200
    assert b"will start shortly" in response.content
    job = GenerationJob.objects.get(design=design)
    assert job.status == JobStatus.QUEUED and job.dispatched_at is None

    # When the broker is back and a worker (with its beat sweeper) runs, with no click
    broker_down()
    start_worker()

    # Then the job completes
    job = wait_for(lambda: finished(job), what="the job to finish")
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.renders.count() == len(job.seeds)


def test_a_worker_killed_mid_generation_is_replaced_and_the_job_completes(start_worker):
    # Given a job being rendered slowly by a worker
    user = factories.user_create()
    worker = start_worker(step_pause=0.5, MINIME_GENERATION_BACKEND=SLOW_BACKEND)
    job = services.generation_job_create(design=factories.design_for(user), actor=user)

    def rendering() -> bool:
        job.refresh_from_db()
        return job.status == JobStatus.RUNNING and job.progress_step >= 1

    wait_for(rendering, what="the render to start")

    # When the worker is SIGKILLed mid-render and a new one starts
    worker.kill()
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.progress_step < job.progress_total
    started = time.monotonic()
    start_worker(MINIME_GENERATION_BACKEND=SLOW_BACKEND)

    # Then the dead worker is noticed within seconds, the job is sent again and completes
    job = wait_for(lambda: finished(job), what="the job to finish")
    assert job.status == JobStatus.SUCCEEDED, job.error_message
    assert job.renders.count() == len(job.seeds)
    assert job.attempts == 2
    assert time.monotonic() - started < 40
    events = list(job.events.values_list("from_status", "to_status"))
    assert ("running", "queued") in events


def services_fields(design) -> dict[str, object]:
    accessories = {f"accessory_{i + 1}": a for i, a in enumerate(design.accessories)}
    return {
        "name": design.name,
        "tagline": design.tagline,
        "style": design.style,
        "box_theme": design.box_theme,
        **accessories,
    }
