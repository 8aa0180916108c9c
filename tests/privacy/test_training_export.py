import io
import json
import zipfile

import pytest
from django.core.management import call_command

from figures import services as figure_services
from privacy.erasure import subject_hash
from privacy.models import ConsentMethod, ConsentRecord, Purpose, TrainingExportSubject
from privacy.services import consent_record
from privacy.training import training_export_create, training_exports_containing
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.MINIME_RENDER_SIZE = 256
    settings.MINIME_RENDERS_PER_JOB = 2


def _person_with_approved_figure(*, training: bool):
    user = factories.user_create(training=training)
    design = factories.design_for(user)
    job = figure_services.generation_job_create(design=design, actor=user)
    figure_services.job_run(job_id=job.pk)
    return user, figure_services.render_approve(render=job.renders.get(index=1), actor=user)


def _read(export):
    with export.file.open("rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    return archive, json.loads(archive.read("manifest.json"))


def test_only_people_with_active_training_consent_are_included():
    staff = factories.user_create(consent=False)
    yes, yes_design = _person_with_approved_figure(training=True)
    no, _ = _person_with_approved_figure(training=False)

    export = training_export_create(actor=staff, recipient="Model team")

    archive, manifest = _read(export)
    subjects = {item["subject"] for item in manifest["items"]}
    assert subjects == {subject_hash(yes.pk)}
    assert export.item_count == 2 == len(manifest["items"])  # one photo, one approved render
    names = set(archive.namelist())
    assert f"photos/{yes_design.photo_id}.jpg" in names
    assert f"renders/{yes_design.approved_render_id}.png" in names
    assert not any(str(p.pk) in n for p in no.figure_photos.all() for n in names)
    assert export.created_by == staff and export.recipient == "Model team"


def test_manifest_names_the_consent_behind_each_item():
    user, design = _person_with_approved_figure(training=True)
    record = ConsentRecord.objects.get(user=user, purpose=Purpose.TRAINING)

    export = training_export_create(actor=None, recipient="Lab")

    _, manifest = _read(export)
    kinds = sorted(item["kind"] for item in manifest["items"])
    assert kinds == ["approved_render", "photo"]
    for item in manifest["items"]:
        assert item["subject"] == subject_hash(user.pk)
        assert item["consent_record"] == record.pk
        assert item["policy_version"] == record.policy_version == 1
        assert item["consent_granted_at"] == record.created_at.isoformat()
    assert user.email not in json.dumps(manifest)
    assert design.name not in json.dumps(manifest)


def test_withdrawal_excludes_from_later_exports_and_the_log_shows_earlier_ones():
    user, _ = _person_with_approved_figure(training=True)
    other, _ = _person_with_approved_figure(training=True)
    first = training_export_create(actor=None, recipient="Lab A")

    consent_record(
        user=user, purpose=Purpose.TRAINING, granted=False, method=ConsentMethod.PRIVACY_CENTRE
    )
    second = training_export_create(actor=None, recipient="Lab B")

    _, manifest = _read(second)
    assert {item["subject"] for item in manifest["items"]} == {subject_hash(other.pk)}
    assert training_exports_containing(user=user) == [first]
    assert training_exports_containing(user=other) == [first, second]
    logged = TrainingExportSubject.objects.get(export=first, subject_hash=subject_hash(user.pk))
    assert logged.consent_record.purpose == Purpose.TRAINING


def test_locked_account_pending_erasure_is_left_out():
    from privacy.erasure import erasure_start

    user, _ = _person_with_approved_figure(training=True)
    erasure_start(user=user)

    export = training_export_create(actor=None, recipient="Lab")

    assert export.item_count == 0
    assert not export.subjects.exists()


def test_management_command(capsys):
    _person_with_approved_figure(training=True)

    call_command("minime_training_export", "--recipient", "Model team")

    out = capsys.readouterr().out
    assert "2 items, 1 people" in out
