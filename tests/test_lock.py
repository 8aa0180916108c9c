"""requirements/lock.txt: made from pyproject.toml as it is now, every file pinned by hash, torch
the CPU build; scripts/lock_digest.py (CI's scripts/lock-check.sh) notices a changed dependency
list and a CUDA resolution."""

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"


def _script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


lock_digest = _script("lock_digest")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=69"]

[project]
name = "x"
requires-python = ">=3.11"
dependencies = [{deps}]

[project.optional-dependencies]
gpu = ["torch==2.13.0"]
"""


def _pyproject(tmp_path: Path, *deps: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT.format(deps=", ".join(f'"{d}"' for d in deps)))
    return path


def test_the_committed_lock_matches_pyproject():
    assert lock_digest.problems(LOCK.read_text(), lock_digest.digest()) == []


def test_every_locked_package_is_pinned_exactly_with_a_hash():
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text())
    packages = [b for b in blocks if re.match(r"[A-Za-z0-9]", b)]
    assert len(packages) > 50
    for block in packages:
        assert re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*==\S+ \\\n", block), block[:80]
        assert "--hash=sha256:" in block, block[:80]


def test_torch_is_locked_as_the_cpu_build_without_cuda_packages():
    text = LOCK.read_text()
    assert re.search(r"^torch==2\.13\.0\+cpu \\$", text, re.MULTILINE)
    assert not re.search(r"^(nvidia-(?!ml-py==)|triton)", text, re.MULTILINE)
    assert not lock_digest.CUDA_PACKAGES.search("nvidia-ml-py==13.615.71 \\\n")


def test_a_changed_dependency_list_makes_the_lock_stale(tmp_path):
    before = lock_digest.digest(_pyproject(tmp_path, "django>=5.2,<6", "stripe>=12"))
    lock = f"{lock_digest.DIGEST_PREFIX}{before}\ndjango==5.2.1 \\\n    --hash=sha256:00\n"
    assert lock_digest.problems(lock, before) == []

    reordered = lock_digest.digest(_pyproject(tmp_path, "stripe>=12", "django>=5.2,<6"))
    assert reordered == before  # the order of a list is no change

    widened = lock_digest.digest(_pyproject(tmp_path, "django>=5.2,<7", "stripe>=12"))
    [error] = lock_digest.problems(lock, widened)
    assert "changed since it was made" in error


def test_an_unstamped_lock_is_refused():
    [error] = lock_digest.problems("django==5.2.1 \\\n    --hash=sha256:00\n", "abc")
    assert "make lock" in error


def test_a_lock_resolved_to_cuda_torch_is_refused():
    stamp = f"{lock_digest.DIGEST_PREFIX}abc\n"
    cuda = stamp + "nvidia-cublas-cu12==12.8.4.1 \\\ntorch==2.13.0 \\\n"
    errors = lock_digest.problems(cuda, "abc")
    assert any("nvidia-cublas-cu12" in e for e in errors)
    assert any("not the CPU build" in e for e in errors)


def test_check_and_stamp_from_the_command_line(tmp_path, capsys):
    stale = tmp_path / "lock.txt"
    stale.write_text(f"{lock_digest.DIGEST_PREFIX}0000\n")
    assert lock_digest.main(["--check", str(stale)]) == 1
    assert "Run `make lock`" in capsys.readouterr().err

    fresh = tmp_path / "fresh.txt"
    fresh.write_text("django==5.2.1 \\\n    --hash=sha256:00\n")
    assert lock_digest.main(["--stamp", str(fresh)]) == 0
    assert lock_digest.main(["--check", str(fresh)]) == 0
    assert fresh.read_text().endswith("django==5.2.1 \\\n    --hash=sha256:00\n")
