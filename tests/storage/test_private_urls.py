"""Nothing ever asks private storage for a URL (on S3 that is a bucket URL): no template or
plugin module reads `.url` of a file, and no admin shows a private FileField (Django's admin
links such a field to `storage.url()`). Static checks: these need no S3 endpoint."""

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from tests.storage.s3 import private_file_fields

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ("core", "privacy", "figures", "shop", "printing")
# `{{ photo.image.url }}`, `{% if x.file.url %}`; the `{% url ... %}` tag has no dot.
TEMPLATE_URL = re.compile(r"\{[{%][^}%]*\.url\b")
PYTHON_URL = re.compile(r"\.url\b(?!s\b)")


def plugin_files(suffixes: tuple[str, ...]) -> list[Path]:
    folders = [ROOT / name for name in PLUGIN]  # templates live in the apps
    return [
        path
        for folder in folders
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.suffix in suffixes and "migrations" not in path.parts
    ]


@pytest.mark.printing
def test_the_private_alias_holds_every_customer_file_field():
    names = {f"{f.model._meta.label}.{f.name}" for f in private_file_fields()}

    assert {
        "figures.Photo.image",
        "figures.Render.image",
        "printing.PrintItem.file",
        "printing.PrintBatch.file",
        "privacy.DataExport.file",
    } <= names


def test_no_template_or_plugin_module_reads_a_file_url():
    templates = plugin_files((".html", ".txt"))
    modules = plugin_files((".py",))
    assert templates and modules

    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if TEMPLATE_URL.search(line)
    ] + [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in modules
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PYTHON_URL.search(line)
    ]

    assert found == []


@pytest.mark.django_db
def test_no_admin_shows_a_private_file_field():
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    private = {(f.model._meta.concrete_model, f.name) for f in private_file_fields()}
    shown = []

    for model, model_admin in admin.site._registry.items():
        views = [model_admin, *model_admin.get_inline_instances(request)]
        for view in views:
            concrete = view.model._meta.concrete_model
            names = {
                *view.get_fields(request),
                *view.get_readonly_fields(request),
                *getattr(view, "list_display", ()),
            }
            shown += [f"{view!r}: {n}" for n in names if (concrete, n) in private]

    assert shown == []
