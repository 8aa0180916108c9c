"""Prints the Python code the README shows between `<!-- plugin-NAME:start -->` and
`<!-- plugin-NAME:end -->`, exactly as written (one fenced ```python block), so that
scripts/plugin-check.sh applies what a merchant copies. Standard library only.

    python3 readme_snippet.py README.md settings
"""

import re
import sys
from pathlib import Path


def snippet(readme: str, name: str) -> str:
    start, end = f"<!-- plugin-{name}:start -->", f"<!-- plugin-{name}:end -->"
    if readme.count(start) != 1 or readme.count(end) != 1:
        raise ValueError(f"README.md needs exactly one {start} and one {end}")
    section = readme.split(start, 1)[1].split(end, 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```\s*$", section, re.MULTILINE | re.DOTALL)
    if len(blocks) != 1:
        raise ValueError(f"between {start} and {end} README.md needs one ```python block")
    return str(blocks[0])


def main(argv: list[str]) -> int:
    readme, name = Path(argv[0]), argv[1]
    try:
        sys.stdout.write(snippet(readme.read_text(encoding="utf-8"), name))
    except ValueError as exc:
        print(f"{readme}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
