"""Checks a built wheel against the source it was built from: every file of the plugin's
packages (code, templates, static files, translations, migrations, data files) is in it, and
nothing else is at its top level (no demo host `config`, no tests). Standard library only.

    python3 wheel_contents.py dist/mini_me_merch-X-py3-none-any.whl SOURCE_DIR
"""

import sys
import zipfile
from pathlib import Path

PACKAGES = ("core", "privacy", "figures", "shop", "printing")
SKIPPED_PARTS = {"__pycache__"}
SKIPPED_SUFFIXES = (".pyc", ".pyo")


def source_files(source: Path) -> set[str]:
    files = set()
    for package in PACKAGES:
        for path in (source / package).rglob("*"):
            relative = path.relative_to(source)
            skipped = SKIPPED_PARTS & set(relative.parts) or path.name.endswith(SKIPPED_SUFFIXES)
            if path.is_file() and not skipped:
                files.add(relative.as_posix())
    return files


def problems(wheel: Path, source: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
    errors = []
    missing = sorted(source_files(source) - names)
    if missing:
        errors.append(f"{len(missing)} source files are not in the wheel: {missing[:10]}")
    tops = {name.split("/", 1)[0] for name in names}
    extra = sorted(t for t in tops if t not in PACKAGES and not t.endswith(".dist-info"))
    if extra:
        errors.append(f"the wheel ships more than the plugin at its top level: {extra}")
    templates = [n for n in names if "/templates/" in n and n.endswith(".html")]
    if not templates:
        errors.append("the wheel holds no templates")
    return errors


def main(argv: list[str]) -> int:
    wheel, source = Path(argv[0]), Path(argv[1])
    errors = problems(wheel, source)
    for error in errors:
        print(f"{wheel.name}: {error}", file=sys.stderr)
    if not errors:
        print(f"{wheel.name}: every file of {', '.join(PACKAGES)} is in it, nothing else")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
