"""Type setting for the packaging front: the size and line breaks that fit a box, and centred
lines as TextRuns. Measured with reportlab's metrics (what the PDF sets), in the font each text
is set in: the product font, or the first fallback font that has all of its characters (a
TextRun names its font file, so both renderers set it in that font)."""

import math
import unicodedata
from collections.abc import Sequence

from printing.packaging.elements import TextRun
from printing.press.colour import Colour
from printing.press.fonts import Face
from printing.press.units import PT


def _split_candidates(text: str) -> list[tuple[str, str]]:
    """Two-line breaks: at a space (which the break consumes) or after a hyphen; a name
    without either may break anywhere but before a combining mark."""
    natural: list[tuple[str, str]] = []
    for i, ch in enumerate(text):
        if 0 < i < len(text) - 1:
            if ch == " ":
                natural.append((text[:i], text[i + 1 :]))
            elif ch in "-\u2010\u2013/":
                natural.append((text[: i + 1], text[i + 1 :]))
    if natural:
        return natural
    return [(text[:i], text[i:]) for i in range(1, len(text)) if not unicodedata.combining(text[i])]


def floor_pt(size: float) -> float:
    """A font size rounded down to 0.1 pt (rounding up could overflow the box)."""
    return math.floor(size * 10.0) / 10.0


def fit_text(
    text: str,
    face: Face,
    *,
    max_width: float,
    max_height: float,
    max_pt: float,
    min_pt: float,
    max_lines: int = 2,
    pitch: float = 0.92,
) -> tuple[tuple[str, ...], float]:
    """The lines and font size (pt) that set `text` inside max_width x max_height (mm).

    One line at the largest size up to max_pt; shorter than min_pt, two lines if that sets it
    larger. Never wider or taller than the box: past every limit the size keeps shrinking.
    `pitch` is the baseline distance in line heights (ascent + descent). Measured in the
    face the text is set in: `face`, or its fallback for a text it lacks glyphs for.
    """
    face = face.covering(text)
    line_height = (face.ascent + face.descent) * PT  # mm per pt of size

    def size_for(lines: Sequence[str]) -> float:
        widest = max(face.span_mm(line, 1.0) for line in lines)
        # Baseline to baseline, plus what the first line needs above and the last below.
        height = (
            -face.extent_mm(lines[0], 1.0)[1]
            + line_height * pitch * (len(lines) - 1)
            + face.extent_mm(lines[-1], 1.0)[3]
        )
        by_width = max_width / widest if widest > 0 else max_pt
        return floor_pt(min(max_pt, by_width, max_height / height))

    one = size_for([text])
    if one >= min_pt or max_lines < 2 or len(text) < 2:
        return (text,), one
    best: tuple[tuple[str, ...], float] = ((text,), one)
    for first, second in _split_candidates(text):
        if not first.strip() or not second.strip():
            continue
        size = size_for([first, second])
        if size > best[1]:
            best = ((first, second), size)
    return best


def text_lines(
    lines: Sequence[str],
    size_pt: float,
    face: Face,
    *,
    centre_x: float,
    top: float,
    height: float,
    fill: Colour,
    role: str,
    pitch: float = 0.92,
    stroke: Colour | None = None,
    stroke_mm: float = 0.0,
    shadow: Colour | None = None,
    shadow_mm: float = 0.0,
) -> list[TextRun]:
    """Centred lines, the block (outline and shadow included) centred in top..top+height,
    all set in the face fit_text measured them in (`face` or its fallback for the text)."""
    face = face.covering("".join(lines))
    size_mm = size_pt * PT
    line_height = (face.ascent + face.descent) * size_mm
    above = -face.extent_mm(lines[0], size_pt)[1]
    below = face.extent_mm(lines[-1], size_pt)[3]
    block = above + line_height * pitch * (len(lines) - 1) + below + 2 * stroke_mm + shadow_mm
    y = top + (height - block) / 2.0 + stroke_mm + above
    runs = []
    for line in lines:
        width = face.width_mm(line, size_pt)
        left, _top, right, _bottom = face.extent_mm(line, size_pt)
        runs.append(
            TextRun(
                text=line,
                x=centre_x - (left + right + shadow_mm) / 2.0,
                baseline=y,
                size_pt=size_pt,
                font=face.path,
                fill=fill,
                width_mm=width,
                role=role,
                stroke=stroke,
                stroke_mm=stroke_mm,
                shadow=shadow,
                shadow_mm=shadow_mm,
            )
        )
        y += line_height * pitch
    return runs
