"""Every delivered file kind, made by the real code paths, read back with c2pa's Reader."""

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from core.provenance import COMPOSITE, TRAINED, has_manifest, provenance_read
from figures.privacy import renders_delete
from printing.models import DesignPreview, PrintItem
from printing.packaging.preview import packaging_preview_forget
from printing.products import ProductSpec, build
from tests.factories.shop import approved_design_for
from tests.privacy.test_erasure import customer, paid_order, private_storage_in, stored_bytes
from tests.privacy.test_export import built_export
from tests.provenance.test_signing import assert_ours


@pytest.fixture
def private_root(db, tmp_path):
    with private_storage_in(tmp_path) as root:
        yield root


def sign_backfill() -> str:
    out = io.StringIO()
    call_command("minime_sign_renders", stdout=out)
    return out.getvalue()


@pytest.mark.printing
def test_the_digital_download_png_is_a_signed_composite():
    render = Image.new("RGB", (256, 256), (30, 120, 200))
    spec = ProductSpec(
        kind="digital", label="Full resolution", width_mm=None, height_mm=None, figure_name="Jürgen"
    )

    print_file = build(spec, render)

    report = provenance_read(print_file.content, "image/png")
    assert_ours(report, COMPOSITE)
    assert [a["action"] for a in report["actions"]] == ["c2pa.created", "c2pa.edited"]
    assert report["title"] == "digital-download.png"
    with Image.open(io.BytesIO(print_file.content)) as image:
        assert image.size == (2480, 3508)


@pytest.mark.printing
def test_the_packaging_preview_is_signed_and_the_second_view_comes_from_storage(user_client, user):
    design = approved_design_for(user)
    packaging_preview_forget(design)
    url = reverse("printing:packaging_preview", args=[design.pk])

    first = user_client.get(url)
    second = user_client.get(url)

    assert first.status_code == second.status_code == 200
    report = provenance_read(first.content, "image/png")
    assert_ours(report, COMPOSITE)
    assert report["title"] == "packaging-preview.png"
    # Signing again would give a new manifest (new id, new time): the bytes are the stored ones.
    assert second.content == first.content
    assert stored_bytes(DesignPreview.objects.get(design=design, kind="box").file) == first.content
    # A changed design is signed afresh.
    design.tagline = "Head of Snacks"
    design.save(update_fields=["tagline"])
    assert user_client.get(url).content != first.content


@pytest.mark.printing
def test_the_stored_preview_of_the_customers_face_goes_with_the_render(
    user_client, user, django_capture_on_commit_callbacks
):
    design = approved_design_for(user)
    assert (
        user_client.get(reverse("printing:packaging_preview", args=[design.pk])).status_code == 200
    )
    preview = DesignPreview.objects.get(design=design, kind="box")
    storage, name = preview.file.storage, preview.file.name
    assert storage.exists(name)

    assert design.approved_render is not None
    with django_capture_on_commit_callbacks(execute=True):
        renders_delete([design.approved_render])  # as erasure and retention delete renders

    assert not DesignPreview.objects.filter(design=design).exists()
    assert not storage.exists(name)


@pytest.mark.printing
def test_renders_are_backfilled_once_and_the_export_and_digital_download_carry_the_manifests(
    private_root, django_capture_on_commit_callbacks
):
    user = customer("Provena")
    design = approved_design_for(user, name="Provena")
    render = design.approved_render
    order = paid_order(user, design, "MM-DIG", django_capture_on_commit_callbacks)

    assert "signed 1," in sign_backfill()
    assert "signed 0, already signed 1" in sign_backfill()  # idempotent
    render.refresh_from_db()
    stored = stored_bytes(render.image)
    report = provenance_read(stored, "image/png")
    assert_ours(report, TRAINED)
    assert report["software_agent"] == "stylize CPU filter"

    export = built_export(user, django_capture_on_commit_callbacks)
    archive = zipfile.ZipFile(io.BytesIO(stored_bytes(export.file)))
    [entry] = json.loads(archive.read("data.json"))["renders"]
    in_zip = archive.read(entry["file"])
    assert in_zip == stored  # the export does not re-encode
    assert_ours(provenance_read(in_zip, "image/png"), TRAINED)

    [item] = PrintItem.objects.filter(order_line__order=order)
    download = stored_bytes(item.file)
    assert has_manifest(download, "image/png")
    assert_ours(provenance_read(download, "image/png"), COMPOSITE)
