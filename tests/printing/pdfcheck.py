"""Shared checks of print PDFs for the printing tests, read back with tools other than the
writer: poppler (pdfinfo, pdffonts, pdftotext -bbox) and pikepdf.

- assert_pdfx(pdf): conforms to PDF/X-4 (printing.press.pdfx.pdfx_problems) and poppler
  agrees on the basics (PDF 1.6, every font embedded).
- words(pdf) / assert_min_text_pt(pdf, pt): text sizes from `pdftotext -bbox` (and from the
  content streams, through printing.pdf_inspect, for text poppler cannot size).
- separations(pdf), layers(pdf), colour_operators(pdf): spot colour names, optional-content
  layer names, and every colour operator of the content streams, forms included.

`pdf` is the PDF's bytes or a path to it.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from printing.pdf_inspect import pdf_inspect
from printing.press.pdfx import pdfx_problems

COLOUR_OPS = frozenset({"k", "K", "rg", "RG", "g", "G", "cs", "CS", "sc", "SC", "scn", "SCN"})
# pdftotext's word box is (ascent - descent) x the font size high: 1.000 em for DejaVu Sans
# (759.8 + 240.2 units), the print font.
BOX_EM = 1.0
SIZE_TOLERANCE_PT = 0.05


def _path(pdf: bytes | Path, stack: list[Any]) -> Path:
    if isinstance(pdf, Path):
        return pdf
    folder = tempfile.TemporaryDirectory(prefix="pdfcheck-")
    stack.append(folder)
    path = Path(folder.name) / "file.pdf"
    path.write_bytes(pdf)
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def _open(pdf: bytes | Path) -> pikepdf.Pdf:
    return pikepdf.open(pdf if isinstance(pdf, Path) else io.BytesIO(pdf))


def _bytes(pdf: bytes | Path) -> bytes:
    return pdf.read_bytes() if isinstance(pdf, Path) else pdf


def assert_pdfx(pdf: bytes | Path) -> None:
    """PDF/X-4 by our checker, PDF 1.6 and every font embedded by poppler's reading."""
    problems = pdfx_problems(_bytes(pdf))
    assert not problems, "not PDF/X-4:\n" + "\n".join(problems)
    stack: list[Any] = []
    path = _path(pdf, stack)
    assert re.search(r"^PDF version:\s+1\.6$", _run("pdfinfo", str(path)), re.M)
    for line in _run("pdffonts", str(path)).splitlines()[2:]:
        # name type encoding emb sub uni object-id: 'emb' is the 5th field from the right
        assert line.split()[-5] == "yes", f"font not embedded: {line}"


@dataclass(frozen=True)
class Word:
    text: str
    x0: float  # points, origin at the top-left of the MediaBox (poppler's)
    y0: float
    x1: float
    y1: float

    @property
    def size_pt(self) -> float:
        """The font size of a horizontal word (its box height / BOX_EM)."""
        return (self.y1 - self.y0) / BOX_EM

    @property
    def horizontal(self) -> bool:
        """Only a word wider than high is sized by its height (a word turned 90 degrees has
        its length there); a single narrow glyph is not judged."""
        return self.x1 - self.x0 >= self.y1 - self.y0


def words(pdf: bytes | Path) -> list[Word]:
    """Every word `pdftotext -bbox` finds, with its box."""
    stack: list[Any] = []
    html = _run("pdftotext", "-bbox", str(_path(pdf, stack)), "-")
    pattern = (
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    return [
        Word(m[5], float(m[1]), float(m[2]), float(m[3]), float(m[4]))
        for m in re.finditer(pattern, html)
    ]


def assert_min_text_pt(pdf: bytes | Path, min_pt: float) -> None:
    """No text smaller than min_pt: poppler's horizontal words, and every text run's
    effective size from the content streams (rotated text and single glyphs included)."""
    small = [w for w in words(pdf) if w.horizontal and w.size_pt < min_pt - SIZE_TOLERANCE_PT]
    assert not small, f"text below {min_pt} pt (pdftotext -bbox): {small}"
    runs = pdf_inspect(_bytes(pdf))["text"]
    tiny = [r for r in runs if r["text"].strip() and r["size_pt"] < min_pt - SIZE_TOLERANCE_PT]
    assert not tiny, f"text below {min_pt} pt (content streams): {tiny}"


def _resources(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Page resources and those of the forms and patterns they use."""
    stack = [page.obj.get("/Resources") for page in pdf.pages]
    seen: set[tuple[int, int]] = set()
    while stack:
        resources = stack.pop()
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        yield resources
        for kind in ("/XObject", "/Pattern"):
            for owner in (resources.get(kind) or {}).values():
                if owner.objgen not in seen and "/Resources" in owner:
                    seen.add(owner.objgen)
                    stack.append(owner.Resources)


def separations(pdf: bytes | Path) -> set[str]:
    """The spot colour names of every Separation / DeviceN colour space the pages use."""
    found: set[str] = set()
    with _open(pdf) as doc:
        for resources in _resources(doc):
            for space in (resources.get("/ColorSpace") or {}).values():
                if isinstance(space, pikepdf.Array) and space[0] == "/Separation":
                    found.add(str(space[1])[1:])
                elif isinstance(space, pikepdf.Array) and space[0] == "/DeviceN":
                    found.update(str(name)[1:] for name in space[1])
    return found


def layers(pdf: bytes | Path) -> list[str]:
    """The names of the optional-content groups registered in /OCProperties, in order."""
    with _open(pdf) as doc:
        properties = doc.Root.get("/OCProperties")
        if properties is None:
            return []
        return [str(ocg.Name) for ocg in properties.OCGs]


def colour_operators(pdf: bytes | Path) -> list[tuple[str, tuple[Any, ...]]]:
    """(operator, operands) of every colour operator in the pages' content streams and the
    forms they draw, in order; numbers as floats, names as strings."""
    found: list[tuple[str, tuple[Any, ...]]] = []

    def walk(owner: Any, resources: Any, depth: int) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        for instruction in pikepdf.parse_content_stream(owner):
            op = str(instruction.operator)
            if op in COLOUR_OPS:
                operands = tuple(
                    str(v) if isinstance(v, pikepdf.Name) else float(v)
                    for v in instruction.operands
                )
                found.append((op, operands))
            elif op == "Do" and xobjects is not None and depth < 8:
                form = xobjects.get(str(instruction.operands[0]))
                if form is not None and form.get("/Subtype") == "/Form":
                    walk(form, form.get("/Resources", resources), depth + 1)

    with _open(pdf) as doc:
        for page in doc.pages:
            walk(page.obj, page.obj.get("/Resources"), 0)
    return found


def process_colours(pdf: bytes | Path) -> set[tuple[float, float, float, float]]:
    """Every DeviceCMYK colour set with k / K (0-1, rounded to 4 places)."""
    return {
        tuple(round(v, 4) for v in operands)
        for op, operands in colour_operators(pdf)
        if op in ("k", "K")
    }
