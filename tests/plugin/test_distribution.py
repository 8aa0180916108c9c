"""The wheel carries what the apps read at run time (templates, static files, translations,
migrations) and not the demo host project `config`, which would shadow a host's own."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
APPS = ("core", "privacy", "figures", "shop", "printing")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> set[str]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = out.glob("mini_me_merch-*.whl")
    return set(zipfile.ZipFile(wheel).namelist())


def repository_files(pattern: str) -> set[str]:
    return {
        str(path.relative_to(ROOT))
        for app in APPS
        for path in (ROOT / app).glob(pattern)
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.mark.parametrize(
    "pattern", ["templates/**/*", "static/**/*", "locale/**/*", "migrations/*.py"]
)
def test_the_wheel_holds_every_runtime_file(wheel_names, pattern):
    files = repository_files(pattern)

    assert files, pattern
    assert files <= wheel_names, sorted(files - wheel_names)[:10]


def test_templates_ship_inside_their_apps(wheel_names):
    for template in ("shop/templates/shop/home.html", "shop/templates/minime/base.html"):
        assert template in wheel_names
    assert "privacy/templates/allauth/layouts/base.html" in wheel_names
    assert "figures/templates/figures/design_detail.html" in wheel_names


def test_the_wheel_has_no_demo_host_project_tests_or_top_level_templates(wheel_names):
    tops = {name.split("/", 1)[0] for name in wheel_names}

    assert tops == {*APPS, next(top for top in tops if top.endswith(".dist-info"))}
