"""Size budgets (docs/architecture.md): no module over 500 lines, no function over 80 lines.

Migrations are generated and exempt. Prints every breach and exits 1 when there is one."""

import ast
import sys
from pathlib import Path

MODULE_LINES = 500
FUNCTION_LINES = 80
ROOTS = ("core", "privacy", "figures", "shop", "printing", "config", "tests", "bench", "scripts")


def breaches(root: Path) -> list[str]:
    found = []
    for top in ROOTS:
        for path in sorted((root / top).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text(encoding="utf-8")
            lines = source.count("\n")
            if lines > MODULE_LINES:
                found.append(f"{path.relative_to(root)}: {lines} lines (budget {MODULE_LINES})")
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = (node.end_lineno or node.lineno) - node.lineno + 1
                    if length > FUNCTION_LINES:
                        found.append(
                            f"{path.relative_to(root)}:{node.lineno} {node.name}(): "
                            f"{length} lines (budget {FUNCTION_LINES})"
                        )
    return found


if __name__ == "__main__":
    problems = breaches(Path(__file__).resolve().parent.parent)
    print("\n".join(problems) or "Size budgets kept.")
    sys.exit(1 if problems else 0)
