"""Small type and hairlines, judged on what pdf_inspect read back from a print file.

- No text below the printer profile's minimum size (printing_settings.MIN_TEXT_PT).
- Text under SMALL_TEXT_PT and strokes under HAIRLINE_PT print on one plate only: K only (any
  tint), white (no ink) or a spot colour. In two or more process inks the slightest
  misregistration blurs them into coloured fringes; in C, M or Y alone they are too light.
The QR code and barcodes are filled rectangles, neither text nor strokes: not judged here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

SMALL_TEXT_PT = 10.0
HAIRLINE_PT = 0.5
TOLERANCE = 0.01  # pt: reportlab writes sizes with a few decimals
INK_RULE = "K only, white or a spot colour"


def plate_problem(colour: dict[str, Any] | None) -> str | None:
    """Why `colour` (pdf_content.colour_json) may not set small text or hairlines, or None."""
    if colour is None:
        return None
    space, values = colour["space"], colour["values"]
    if space.startswith(("Separation(", "DeviceN(")) or space == "DeviceGray":
        return None  # one plate (DeviceGray itself is the PDF/X check's to refuse)
    if space == "DeviceCMYK":
        inks = [ink for ink, value in zip("CMYK", values, strict=False) if value > 0.001]
        if inks in ([], ["K"]):
            return None
        return f"{'+'.join(inks)} ({'/'.join(f'{100 * v:g}' for v in values)})"
    return space


def _label(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= 40 else text[:39] + "…")


def small_type_problems(info: dict[str, Any], *, min_text_pt: float) -> list[str]:
    """What in the file breaks the rules above (one line per distinct finding)."""
    found: list[str] = []
    for run in info["text"]:
        if not run["text"].strip():
            continue
        size = run["size_pt"]
        if size < min_text_pt - TOLERANCE:
            found.append(
                f"text {_label(run['text'])} at {size:.1f} pt, below the {min_text_pt:g} pt minimum"
            )
        if size < SMALL_TEXT_PT - TOLERANCE:
            for colour in (run["fill"], run["stroke"]):
                problem = plate_problem(colour)
                if problem:
                    found.append(
                        f"text {_label(run['text'])} at {size:.1f} pt in {problem} (text under "
                        f"{SMALL_TEXT_PT:g} pt: {INK_RULE})"
                    )
    for stroke in info["strokes"]:
        problem = plate_problem(stroke["colour"])
        if stroke["width_pt"] < HAIRLINE_PT - TOLERANCE and problem:
            found.append(
                f"{stroke['count']} line(s) {stroke['width_pt']:.2f} pt wide in {problem} "
                f"(lines under {HAIRLINE_PT:g} pt: {INK_RULE})"
            )
    return _unique(found)


def _unique(lines: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(lines))
