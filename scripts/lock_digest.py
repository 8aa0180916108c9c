"""The lock file's tie to pyproject.toml.

`make lock` (scripts/lock.sh) stamps requirements/lock.txt with a digest of the dependency lists
it was resolved from; `scripts/lock-check.sh` (CI) recomputes the digest and fails when a list
changed and the lock was not made again, or when the lock holds a CUDA package. Standard library
only: it runs on the machine's python3, before any virtual environment exists.

    python3 scripts/lock_digest.py --stamp FILE   # put the header on a freshly compiled lock
    python3 scripts/lock_digest.py --check FILE   # exit 1 with the reason when it is stale
"""

import argparse
import hashlib
import json
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
DIGEST_PREFIX = "# pyproject-dependencies-sha256: "
HEADER = """\
# The demo, tests and tools: pyproject.toml with every extra, resolved for CPython 3.11 on
# Linux x86_64, each file pinned by its sha256. `make setup` installs from it
# (pip install --require-hashes); `make lock` makes it again; do not edit it by hand.
# torch is the CPU build 2.13.0+cpu that lies on this project's machines (pip's find-links,
# /opt/wheels): pyproject's torch==2.13.0 admits it, and pip prefers it there. PyPI's Linux
# build of torch 2.13.0 is the CUDA one (several GB of nvidia-* packages); only the CPU file's
# hash is here, so where that file is missing the install stops, it downloads no CUDA build.
{prefix}{digest}
"""
# What pip would pull in with PyPI's CUDA build of torch; a lock holding one was resolved
# without the CPU wheel and would download gigabytes. nvidia-ml-py (the gpu extra's NVML
# binding, pure Python, a few hundred KB) is no part of that and is allowed.
CUDA_PACKAGES = re.compile(
    r"^(nvidia-(?!ml-py==)[a-z0-9-]+|triton|cuda-[a-z0-9-]+)==", re.MULTILINE
)
TORCH_PIN = re.compile(r"^torch==(\S+)", re.MULTILINE)


def digest(pyproject: Path = PYPROJECT) -> str:
    """sha256 of what the resolution depends on: requires-python, the dependencies, every
    extra and the build requirements (the lock pins them too). Order inside a list does not
    count; any other change does."""
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    project: dict[str, Any] = data["project"]
    extras: dict[str, list[str]] = project.get("optional-dependencies", {})
    relevant = {
        "requires-python": project.get("requires-python"),
        "dependencies": sorted(project.get("dependencies", [])),
        "optional-dependencies": {name: sorted(deps) for name, deps in extras.items()},
        "build-system.requires": sorted(data.get("build-system", {}).get("requires", [])),
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


def problems(lock_text: str, expected: str) -> list[str]:
    found = [
        line.removeprefix(DIGEST_PREFIX).strip()
        for line in lock_text.splitlines()
        if line.startswith(DIGEST_PREFIX)
    ]
    errors = []
    if not found:
        errors.append(f"it has no '{DIGEST_PREFIX.strip()}' line (was it made by `make lock`?)")
    elif found[0] != expected:
        errors.append(
            "pyproject.toml's dependency lists changed since it was made "
            f"(lock: {found[0][:12]}, pyproject.toml: {expected[:12]})"
        )
    cuda = CUDA_PACKAGES.findall(lock_text)
    if cuda:
        errors.append(f"it holds CUDA packages ({', '.join(sorted(set(cuda)))}): torch was not")
        errors[-1] += " resolved to the machine's CPU wheel"
    torch = TORCH_PIN.search(lock_text)
    if torch and not torch.group(1).endswith("+cpu"):
        errors.append(f"torch is pinned to {torch.group(1)}, not the CPU build (+cpu)")
    return errors


def stamp(lock: Path) -> None:
    lock.write_text(
        HEADER.format(prefix=DIGEST_PREFIX, digest=digest()) + lock.read_text(encoding="utf-8"),
        encoding="utf-8",
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--stamp", type=Path, metavar="FILE")
    action.add_argument("--check", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    if args.stamp:
        stamp(args.stamp)
        errors = problems(args.stamp.read_text(encoding="utf-8"), digest())
        if errors:
            print(f"{args.stamp}: " + "; ".join(errors), file=sys.stderr)
            return 1
        return 0
    lock: Path = args.check
    if not lock.is_file():
        print(f"{lock} is missing: run `make lock`", file=sys.stderr)
        return 1
    errors = problems(lock.read_text(encoding="utf-8"), digest())
    if errors:
        print(
            f"{lock} is out of date: " + "; ".join(errors) + ". Run `make lock`.", file=sys.stderr
        )
        return 1
    print(f"{lock} matches pyproject.toml")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
