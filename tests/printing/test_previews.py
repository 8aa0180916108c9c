"""Stored previews: rendered once on approval by the worker's task, served from private storage,
made again when the design changes, owner only, gone with the design and with its render."""

import io
import json
import re
import zipfile
from unittest import mock

import pytest
from django.urls import reverse
from PIL import Image

from core.provenance import COMPOSITE, provenance_read
from figures.privacy import FiguresPrivacyHandler, renders_delete
from printing import tasks
from printing.models import DesignPreview
from printing.packaging import preview as preview_module
from printing.packaging.product_previews import BACKDROP, FRAME_WOOD
from printing.privacy import PrintingPrivacyHandler
from tests import factories
from tests.factories.shop import approved_design_for
from tests.privacy.test_export import built_export
from tests.provenance.test_signing import assert_ours

pytestmark = pytest.mark.printing

KINDS = ("box", "art_print", "sticker_sheet", "digital")


def run_task_inline(args, **kwargs):
    """The broker's part: the real task runs here, in the test's process and transaction."""
    tasks.render_design_previews(*args)


def approve_with_previews(user, capture, **fields):
    """Approve a design; on commit the previews task is published (run inline here)."""
    with (
        mock.patch.object(tasks.render_design_previews, "apply_async", side_effect=run_task_inline),
        capture(execute=True),
    ):
        return approved_design_for(user, **fields)


def stored(design) -> dict[str, bytes]:
    out = {}
    for row in DesignPreview.objects.filter(design=design):
        with row.file.storage.open(row.file.name, "rb") as f:
            out[row.kind] = f.read()
    return out


def preview_url(design, kind: str) -> str:
    return reverse("printing:product_preview", args=[design.pk, kind])


def files_exist(names: list[str | None]) -> list[bool]:
    storage = DesignPreview._meta.get_field("file").storage
    return [storage.exists(str(name)) for name in names]


def test_approval_stores_every_product_preview_once_and_views_serve_the_stored_bytes(
    user_client, user, django_capture_on_commit_callbacks
):
    design = approve_with_previews(user, django_capture_on_commit_callbacks)

    files = stored(design)
    assert set(files) == set(KINDS)  # the share card waits for its first download
    for kind, png in files.items():
        assert Image.open(io.BytesIO(png)).format == "PNG"
        assert_ours(provenance_read(png, "image/png"), COMPOSITE)
    # Served from storage: rendering again would fail this test.
    with mock.patch.object(preview_module, "preview_render", side_effect=AssertionError):
        for kind in KINDS:
            response = user_client.get(preview_url(design, kind))
            assert response.status_code == 200
            assert response["Content-Type"] == "image/png"
            assert "private" in response["Cache-Control"]
            assert response.content == files[kind]
        box = user_client.get(reverse("printing:packaging_preview", args=[design.pk]))
        assert box.content == files["box"]
    # A second run of the task (a duplicate delivery) renders nothing.
    assert tasks.render_design_previews(str(design.pk)) == 0
    made_by_the_print_builders(
        {k: Image.open(io.BytesIO(v)).convert("RGB") for k, v in files.items()}
    )


def made_by_the_print_builders(files: dict[str, Image.Image]) -> None:
    framed = files["art_print"]
    assert framed.getpixel((2, 2)) == BACKDROP  # the wall
    row = [framed.getpixel((x, framed.height // 2)) for x in range(framed.width)]
    assert row.index(FRAME_WOOD) < framed.width // 8  # the frame's left edge
    # The sticker sheet shows its kiss-cut lines (the cut spot's magenta alternate).
    sheet = files["sticker_sheet"]
    pixels: list[tuple[int, int, int]] = list(sheet.get_flattened_data())
    magenta = [p for p in pixels if p[0] > 180 and p[1] < 90 and p[2] > 90]
    assert len(magenta) > sheet.width  # whole paths, not a stray pixel
    # Sizes from the catalog's first variant: the box front 120 x 180 mm, the sheet A5 (its
    # bleed cut off), the digital download A4.
    for kind, ratio in (("box", 120 / 180), ("sticker_sheet", 148 / 210), ("digital", 210 / 297)):
        assert abs(files[kind].width / files[kind].height - ratio) < 0.01, kind


def test_a_changed_tagline_or_theme_makes_a_fresh_preview_and_deletes_the_old_file(
    user_client, user, django_capture_on_commit_callbacks
):
    design = approved_design_for(user)
    user_client.get(preview_url(design, "box"))
    row = DesignPreview.objects.get(design=design, kind="box")
    old_name, old_bytes = row.file.name, stored(design)["box"]

    design.tagline = "Head of Snacks"
    design.save(update_fields=["tagline"])
    with django_capture_on_commit_callbacks(execute=True):
        changed = user_client.get(preview_url(design, "box")).content

    assert changed != old_bytes
    row.refresh_from_db()
    assert row.file.name != old_name
    assert stored(design)["box"] == changed
    assert files_exist([old_name]) == [False]

    design.box_theme = "ocean_blue"
    design.save(update_fields=["box_theme"])
    with mock.patch.object(
        preview_module, "preview_render", wraps=preview_module.preview_render
    ) as spy:
        rethemed = user_client.get(preview_url(design, "box")).content
        again = user_client.get(preview_url(design, "box")).content
    assert rethemed not in (changed, old_bytes)
    assert again == rethemed
    assert spy.call_count == 1  # made once, then served from storage


def test_a_missing_file_is_rendered_and_stored_by_the_view(user_client, user):
    design = approved_design_for(user)  # no on-commit: no worker made anything
    assert not DesignPreview.objects.filter(design=design).exists()

    response = user_client.get(preview_url(design, "sticker_sheet"))

    assert response.status_code == 200
    assert stored(design) == {"sticker_sheet": response.content}


def test_other_customers_and_strangers_get_404(client, user):
    design = approved_design_for(user)
    other = factories.user_create()
    client.force_login(other)
    urls = [preview_url(design, kind) for kind in KINDS]
    urls += [
        reverse("printing:packaging_preview", args=[design.pk]),
        reverse("printing:share_card", args=[design.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404
    client.logout()
    for url in urls:
        assert client.get(url).status_code == 302  # to the login page


def test_previews_go_with_the_render(user_client, user, django_capture_on_commit_callbacks):
    design = approved_design_for(user)
    for kind in ("box", "sticker_sheet"):
        user_client.get(preview_url(design, kind))
    names = [row.file.name for row in DesignPreview.objects.filter(design=design)]
    assert files_exist(names) == [True] * 2

    assert design.approved_render is not None
    with django_capture_on_commit_callbacks(execute=True):
        renders_delete([design.approved_render])  # as erasure and retention delete renders

    assert not DesignPreview.objects.filter(design=design).exists()
    assert files_exist(names) == [False] * 2


def test_previews_are_exported_and_erased_with_the_account(
    user_client, user, django_capture_on_commit_callbacks
):
    design = approved_design_for(user)
    for kind in ("box", "sticker_sheet"):
        user_client.get(preview_url(design, kind))
    names = [row.file.name for row in DesignPreview.objects.filter(design=design)]
    export = built_export(user, django_capture_on_commit_callbacks)
    with export.file.open("rb") as f:
        archive = zipfile.ZipFile(io.BytesIO(f.read()))
    listed = json.loads(archive.read("data.json"))["previews"]
    assert {entry["kind"] for entry in listed} == {"box", "sticker_sheet"}
    for entry in listed:
        assert archive.read(entry["file"]) == stored(design)[entry["kind"]]

    with django_capture_on_commit_callbacks(execute=True):
        part = PrintingPrivacyHandler().erase(user=user)

    assert part.counts["previews"] == 2
    assert not DesignPreview.objects.exists()
    assert files_exist(names) == [False] * 2


def test_the_privacy_centre_lists_the_stored_previews_each_linked_to_its_own_view(
    user_client, user
):
    design = approved_design_for(user, name="Ada Lovelace")
    other_design = approved_design_for(factories.user_create(), name="Grace Hopper")
    preview_module.preview_bytes(design=other_design, kind="box")  # stored, hers
    for kind in ("box", "sticker_sheet"):
        user_client.get(preview_url(design, kind))
    user_client.get(reverse("printing:share_card", args=[design.pk]))
    user_client.get(preview_url(design, "art_print"))
    DesignPreview.objects.filter(kind="art_print").update(file="")  # a row without a file

    page = user_client.get(reverse("privacy:centre")).content.decode()

    rows = re.findall(r'<li data-testid="preview-row">(.*?)</li>', page)
    assert len(rows) == 3
    assert all("Ada Lovelace" in row for row in rows)
    for url in (
        preview_url(design, "box"),
        preview_url(design, "sticker_sheet"),
        reverse("printing:share_card", args=[design.pk]),
    ):
        assert f'href="{url}"' in page
        assert user_client.get(url).status_code == 200
    assert "Grace Hopper" not in page

    # A design back in draft keeps its previews until they are made again: listed, unlinked.
    type(design).objects.filter(pk=design.pk).update(
        status="draft", approved_render=None, approved_at=None
    )
    page = user_client.get(reverse("privacy:centre")).content.decode()
    rows = re.findall(r'<li data-testid="preview-row">(.*?)</li>', page)
    assert len(rows) == 3
    assert not any("href=" in row for row in rows)


def test_the_privacy_centre_has_no_previews_section_without_previews(user_client, user):
    approved_design_for(user)

    page = user_client.get(reverse("privacy:centre")).content.decode()

    assert 'data-testid="preview-row"' not in page
    assert "Product previews" not in page


def test_previews_go_with_the_design(user_client, user, django_capture_on_commit_callbacks):
    design = approved_design_for(user)
    user_client.get(preview_url(design, "box"))
    [name] = [row.file.name for row in DesignPreview.objects.filter(design=design)]

    with django_capture_on_commit_callbacks(execute=True):
        FiguresPrivacyHandler().erase(user=user)  # deletes the designs (renders first)

    assert not DesignPreview.objects.exists()
    assert files_exist([name]) == [False]


def test_the_product_page_shows_each_products_preview_beside_its_options(user_client, user):
    design = approved_design_for(user)

    page = user_client.get(reverse("shop:product", args=[design.pk])).content.decode()

    for kind in KINDS:
        assert f'data-testid="preview-{kind}"' in page
        url = preview_url(design, kind)
        if kind == "box":
            url = reverse("printing:packaging_preview", args=[design.pk])
        assert f'src="{url}"' in page
