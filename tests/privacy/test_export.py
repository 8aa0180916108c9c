"""Data export: a ZIP of the person's own data, downloadable once, by its owner, in time."""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.utils import timezone

from figures import services as figure_services
from privacy import tasks
from privacy.exceptions import (
    ExportAlreadyDownloaded,
    ExportExpired,
    ExportLinkInvalid,
    ExportNotOwner,
    ExportNotReady,
)
from privacy.exporting import (
    data_export_build,
    data_export_claim,
    data_export_create,
    data_export_token,
)
from privacy.models import DataExport
from tests import factories
from tests.factories.shop import approved_design_for
from tests.privacy.test_erasure import (
    customer,
    paid_order,
    private_storage_in,
    stored_bytes,
    unique_portrait,
)


@pytest.fixture
def private_root(db, tmp_path) -> Iterator[Path]:
    with private_storage_in(tmp_path) as root:
        yield root


def built_export(user, capture) -> DataExport:
    with mock.patch("privacy.tasks.enqueue_export") as enqueue, capture(execute=True):
        export = data_export_create(user=user)
    enqueue.assert_called_once_with(export_id=export.pk)
    assert tasks.build_export.apply(args=(export.pk,)).successful()
    export.refresh_from_db()
    return export


def zip_of(export: DataExport) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(stored_bytes(export.file)))


def test_export_holds_the_data_and_the_original_photos_byte_identical(
    private_root, django_capture_on_commit_callbacks
):
    # given a customer with a photo, an approved design, a paid order and consents
    user = customer("Exporta")
    photo = figure_services.photo_create(owner=user, upload=unique_portrait())
    design = approved_design_for(user, name="Exporta", photo=photo)
    order = paid_order(user, design, "MM-DIG", django_capture_on_commit_callbacks)

    # when the export is built
    export = built_export(user, django_capture_on_commit_callbacks)

    # then it is ready for 72 hours, in private storage under a random name
    assert export.status == DataExport.Status.READY
    assert export.expires_at - export.ready_at == timedelta(hours=72)
    assert (private_root / export.file.name).exists()
    assert export.file.name.startswith("privacy/") and "exporta" not in export.file.name
    archive = zip_of(export)
    data = json.loads(archive.read("data.json"))
    assert {"account", "consents", "photos", "designs", "generation_jobs", "renders"} <= set(data)
    assert {"orders", "print_files"} <= set(data)
    assert data["account"]["email"] == user.email
    assert {c["purpose"] for c in data["consents"]} == {"generation", "training"}
    assert [d["name"] for d in data["designs"]] == ["Exporta"]
    assert [o["number"] for o in data["orders"]] == [order.number]
    assert data["orders"][0]["lines"][0]["figure_name"] == "Exporta"
    # the photo and the render, byte-identical
    [photo_entry] = data["photos"]
    photo_in_zip = archive.read(photo_entry["file"])
    assert photo_in_zip == stored_bytes(photo.image)
    assert hashlib.sha256(photo_in_zip).hexdigest() == photo.sha256 == photo_entry["sha256"]
    [render_entry] = data["renders"]
    render = design.approved_render
    assert archive.read(render_entry["file"]) == stored_bytes(render.image)


def test_building_twice_builds_once(private_root, django_capture_on_commit_callbacks):
    user = factories.user_create()
    export = built_export(user, django_capture_on_commit_callbacks)

    again = data_export_build(export_id=export.pk)

    assert again.file.name == export.file.name and again.ready_at == export.ready_at


def test_download_once(private_root, django_capture_on_commit_callbacks):
    # given a ready export and its link
    user = factories.user_create()
    export = built_export(user, django_capture_on_commit_callbacks)
    token = data_export_token(export)

    # when claimed: it is marked downloaded
    claimed = data_export_claim(token=token, user=user)
    assert claimed.pk == export.pk and claimed.status == DataExport.Status.DOWNLOADED
    assert claimed.downloaded_at is not None

    # then a second claim is refused
    with pytest.raises(ExportAlreadyDownloaded):
        data_export_claim(token=token, user=user)


def test_expired_link_is_refused(private_root, django_capture_on_commit_callbacks):
    user = factories.user_create()
    export = built_export(user, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(ExportExpired):
        data_export_claim(token=data_export_token(export), user=user)
    assert DataExport.objects.get(pk=export.pk).downloaded_at is None


def test_other_users_token_is_refused(private_root, django_capture_on_commit_callbacks):
    owner = factories.user_create()
    other = factories.user_create()
    export = built_export(owner, django_capture_on_commit_callbacks)

    with pytest.raises(ExportNotOwner):
        data_export_claim(token=data_export_token(export), user=other)
    assert DataExport.objects.get(pk=export.pk).status == DataExport.Status.READY


def test_tampered_or_unready_links_are_refused(private_root, django_capture_on_commit_callbacks):
    user = factories.user_create()
    with mock.patch("privacy.tasks.enqueue_export"), django_capture_on_commit_callbacks():
        pending = data_export_create(user=user)

    with pytest.raises(ExportNotReady):
        data_export_claim(token=data_export_token(pending), user=user)
    with pytest.raises(ExportLinkInvalid):
        data_export_claim(token=data_export_token(pending) + "x", user=user)
    with pytest.raises(ExportLinkInvalid):
        data_export_claim(token="not-a-token", user=user)
