"""Packaging art for the blister-pack box: the front panel of the blister card.

Composed, not generated. The approved render is cut out of its studio backdrop and set into a
card made of shapes and real type. The composition is computed once as data (`BoxLayout`:
millimetres, origin at the panel's top-left corner, y pointing down) and drawn by two
renderers: `render_png` (Pillow; the customer's preview) and `draw_pdf` (reportlab; the print
file). Text is measured once, with reportlab's metrics; the PNG renderer sets it from the same
font files with kerning and ligatures off (reportlab applies neither), so both lines have the
same length and the preview shows what will be printed.

Colours are defined in CMYK (they go to press); the preview shows them through the press
profile (printing_settings.ICC_PROFILE), so a screen does not promise colours ink cannot give.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from hashlib import sha1
from typing import TYPE_CHECKING, Any, Literal

import cv2
import numpy as np
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageDraw, ImageFont, features
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import CMYKColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from printing.conf import printing_settings

if TYPE_CHECKING:
    from reportlab.pdfgen.canvas import Canvas

    from figures.models import FigureDesign

MM_PER_PT = 25.4 / 72.0
PT_PER_MM = 72.0 / 25.4

# --- The cut-out ------------------------------------------------------------------------------

_CUT_WORK_SIZE = 192  # the backdrop is found at this size; the mask is upscaled
_CUT_FLOOD_TOLERANCE = 5  # per-channel step between neighbours inside a smooth backdrop
_CUT_WALK_TOLERANCE = 55  # a jump this big along the image border ends the backdrop there
_CUT_WALK_STRIDE = 3  # compare over a few pixels: edges are ramps after downscaling


def art_cutout(image: Image.Image) -> Image.Image:
    """The figure of a render as RGBA, its plain backdrop made transparent.

    The backdrop is what a smooth flood reaches from the image border: a gradient passes
    (neighbouring pixels differ little), the figure's outline stops it. Seeds are the top edge
    and the side edges walked from the top corners until the first hard edge, because the
    figure may stand on (or be cut off by) the bottom and lower sides. Runs at ~192 px; the
    mask is upscaled and feathered, so a 1024 px render takes a few tens of milliseconds.
    Falls back to the opaque image when no plausible figure is found.
    """
    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    height, width = rgb.shape[:2]
    scale = _CUT_WORK_SIZE / max(height, width)
    small_w, small_h = max(16, round(width * scale)), max(16, round(height * scale))
    small = cv2.resize(rgb, (small_w, small_h), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), 0.8)  # tames dither and noise in the backdrop

    filled = np.zeros((small_h + 2, small_w + 2), np.uint8)
    seeds: list[tuple[int, int]] = []
    top = small[0]
    along_top = _backdrop_run(top) | _backdrop_run(top[::-1])[::-1]
    seeds += [(int(x), 0) for x in np.flatnonzero(along_top)]
    for column in (0, small_w - 1):
        seeds += [(column, int(y)) for y in np.flatnonzero(_backdrop_run(small[:, column]))]
    tolerance = (_CUT_FLOOD_TOLERANCE,) * 3
    flags = 4 | cv2.FLOODFILL_MASK_ONLY | (1 << 8)
    for x, y in seeds:
        if not filled[y + 1, x + 1]:
            cv2.floodFill(small, filled, (x, y), 0, tolerance, tolerance, flags)

    figure: np.ndarray = (1 - filled[1:-1, 1:-1]).astype(np.uint8)
    # Thin leftovers (the edge of a backdrop stripe) and specks are backdrop too.
    figure = cv2.morphologyEx(
        figure, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    )
    count, labels, stats, _centroids = cv2.connectedComponentsWithStats(figure, connectivity=8)
    if count > 1:
        areas = stats[1:, cv2.CC_STAT_AREA]
        keep = np.zeros(count, bool)
        keep[1:] = areas >= 0.02 * areas.max()
        figure = keep[labels].astype(np.uint8)
    coverage = float(figure.mean())
    if not 0.03 <= coverage <= 0.97:
        return image.convert("RGBA")
    # One pixel in: the edge pixels are a blend of backdrop and outline (a coloured fringe).
    figure = cv2.erode(figure, cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3)))
    alpha = cv2.resize(figure.astype(np.float32), (width, height), interpolation=cv2.INTER_LINEAR)
    alpha = cv2.GaussianBlur(alpha, (0, 0), 0.5 * width / small_w)
    alpha = np.clip((alpha - 0.5) * 2.5 + 0.5, 0.0, 1.0)
    alpha_u8 = (alpha * 255.0 + 0.5).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, alpha_u8]), "RGBA")


def _backdrop_run(line: np.ndarray) -> np.ndarray:
    """Which pixels of a border line, walked from its start, precede the first hard edge."""
    values = line.astype(np.int16)
    start = np.repeat(values[:1], _CUT_WALK_STRIDE, axis=0)
    previous = np.concatenate([start, values])[: len(values)]  # the pixel `stride` back
    jumps = np.abs(values - previous).max(axis=1) > _CUT_WALK_TOLERANCE
    run = np.ones(len(values), bool)
    if jumps.any():
        run[int(np.argmax(jumps)) :] = False
    return run


# --- Colours ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Colour:
    """A process colour, CMYK in percent (what goes to press)."""

    c: float
    m: float
    y: float
    k: float

    @property
    def cmyk(self) -> tuple[float, float, float, float]:
        return (self.c / 100.0, self.m / 100.0, self.y / 100.0, self.k / 100.0)

    @property
    def rgb(self) -> tuple[int, int, int]:
        """As it prints, for the screen (the press profile, else a naive conversion)."""
        return _cmyk_to_rgb(self.cmyk, printing_settings.ICC_PROFILE)

    def reportlab(self) -> CMYKColor:
        return CMYKColor(*self.cmyk)


WHITE = Colour(0, 0, 0, 0)
BLACK = Colour(0, 0, 0, 100)  # small type and the QR: one plate, nothing to misregister


@lru_cache(maxsize=4)
def _proof_transform(profile_path: str) -> ImageCms.ImageCmsTransform | None:
    try:
        return ImageCms.buildTransform(
            profile_path,
            ImageCms.createProfile("sRGB"),
            "CMYK",
            "RGB",
            renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        )
    except (OSError, ImageCms.PyCMSError):
        return None


@lru_cache(maxsize=1024)
def _cmyk_to_rgb(
    cmyk: tuple[float, float, float, float], profile_path: str
) -> tuple[int, int, int]:
    transform = _proof_transform(profile_path)
    if transform is None:
        c, m, y, k = cmyk
        return (
            round(255 * (1 - c) * (1 - k)),
            round(255 * (1 - m) * (1 - k)),
            round(255 * (1 - y) * (1 - k)),
        )
    pixel = Image.new("CMYK", (1, 1), tuple(round(v * 255) for v in cmyk))
    converted = ImageCms.applyTransform(pixel, transform)
    assert converted is not None
    r, g, b = converted.getpixel((0, 0))  # type: ignore[misc]
    return (int(r), int(g), int(b))


@dataclass(frozen=True)
class Palette:
    background: Colour  # the card
    rays: Colour  # the sunburst on the card
    dark: Colour  # brand pill, outlines, the name's outline and shadow
    title: Colour  # the name's fill
    on_background: Colour  # tagline and order code on the card
    accent: Colour  # accessory badges
    on_accent: Colour
    window: Colour  # inside the blister
    glow: Colour  # the spotlight behind the figure
    slot: Colour  # accessory cavities
    on_slot: Colour


_RICH_BLACK = Colour(60, 50, 40, 100)  # 250 % ink: deep, still dries

PALETTES: dict[str, Palette] = {
    "hero_red": Palette(
        background=Colour(0, 95, 90, 0),
        rays=Colour(0, 80, 75, 0),
        dark=Colour(25, 100, 100, 50),
        title=WHITE,
        on_background=WHITE,
        accent=Colour(0, 18, 100, 0),
        on_accent=Colour(25, 100, 100, 50),
        window=Colour(0, 6, 18, 0),
        glow=Colour(0, 2, 8, 0),
        slot=WHITE,
        on_slot=Colour(25, 100, 100, 50),
    ),
    "ocean_blue": Palette(
        background=Colour(100, 55, 0, 0),
        rays=Colour(85, 38, 0, 0),
        dark=Colour(100, 85, 15, 45),
        title=WHITE,
        on_background=WHITE,
        accent=Colour(0, 50, 100, 0),
        on_accent=WHITE,
        window=Colour(18, 2, 0, 0),
        glow=Colour(6, 0, 0, 0),
        slot=WHITE,
        on_slot=Colour(100, 85, 15, 45),
    ),
    "neon_pink": Palette(
        background=Colour(0, 88, 0, 0),
        rays=Colour(0, 70, 0, 0),
        dark=Colour(75, 100, 0, 30),
        title=WHITE,
        on_background=WHITE,
        accent=Colour(65, 0, 18, 0),
        on_accent=Colour(75, 100, 0, 30),
        window=Colour(0, 14, 0, 0),
        glow=Colour(0, 4, 0, 0),
        slot=WHITE,
        on_slot=Colour(75, 100, 0, 30),
    ),
    "jungle_green": Palette(
        background=Colour(82, 0, 100, 5),
        rays=Colour(68, 0, 92, 0),
        dark=Colour(90, 35, 100, 45),
        title=Colour(0, 18, 100, 0),
        on_background=WHITE,
        accent=Colour(0, 35, 100, 0),
        on_accent=Colour(90, 35, 100, 45),
        window=Colour(12, 0, 28, 0),
        glow=Colour(4, 0, 10, 0),
        slot=WHITE,
        on_slot=Colour(90, 35, 100, 45),
    ),
    "midnight": Palette(
        background=Colour(85, 75, 45, 65),
        rays=Colour(78, 66, 40, 48),
        dark=_RICH_BLACK,
        title=Colour(0, 22, 90, 0),
        on_background=WHITE,
        accent=Colour(0, 22, 90, 0),
        on_accent=_RICH_BLACK,
        window=Colour(22, 12, 4, 0),
        glow=Colour(8, 4, 0, 0),
        slot=WHITE,
        on_slot=Colour(85, 75, 45, 65),
    ),
    "sunshine": Palette(
        background=Colour(0, 16, 100, 0),
        rays=Colour(0, 5, 85, 0),
        dark=Colour(0, 75, 100, 20),
        title=WHITE,
        on_background=Colour(0, 75, 100, 40),
        accent=Colour(90, 40, 0, 0),
        on_accent=WHITE,
        window=Colour(0, 3, 22, 0),
        glow=Colour(0, 0, 8, 0),
        slot=WHITE,
        on_slot=Colour(0, 75, 100, 40),
    ),
}
DEFAULT_THEME = "hero_red"


# --- Fonts ------------------------------------------------------------------------------------

FontRole = Literal["regular", "bold"]


_RAQM = features.check_feature("raqm")
# reportlab neither kerns nor forms ligatures: the preview must not either.
_TEXT_FEATURES = ["-kern", "-liga", "-clig"] if _RAQM else None


@lru_cache(maxsize=64)
def _pil_font(path: str, size_px: float) -> ImageFont.FreeTypeFont:
    engine = ImageFont.Layout.RAQM if _RAQM else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size_px, layout_engine=engine)


@dataclass(frozen=True)
class Face:
    """One font file, registered with reportlab (embedded as a subset) and measured by it."""

    path: str
    pdf_name: str
    ascent: float  # em fractions, the file's line metrics (accented capitals stay inside)
    descent: float
    cap_height: float

    def width_mm(self, text: str, size_pt: float) -> float:
        """The advance width (where the next text would start), reportlab's measure."""
        return float(pdfmetrics.stringWidth(text, self.pdf_name, size_pt)) * MM_PER_PT

    def extent_mm(self, text: str, size_pt: float) -> tuple[float, float, float, float]:
        """Left, top, right, bottom (mm, y down) of everything a line of `text` set from
        (0, 0) on its baseline covers: its advance box (ascent to descent) and the glyphs'
        ink, which can poke out of it (the hook of a 'J', an accent above 'Å')."""
        left, top, right, bottom = _ink_em(self.path, text)
        size_mm = size_pt * MM_PER_PT
        advance = self.width_mm(text, size_pt)
        return (
            min(0.0, left * size_mm),
            min(-self.ascent, top) * size_mm,
            max(advance, right * size_mm),
            max(self.descent, bottom) * size_mm,
        )

    def span_mm(self, text: str, size_pt: float) -> float:
        left, _top, right, _bottom = self.extent_mm(text, size_pt)
        return right - left

    def missing(self, text: str) -> str:
        font: Any = pdfmetrics.getFont(self.pdf_name)
        glyphs = font.face.charToGlyph
        return "".join(
            dict.fromkeys(ch for ch in text if ord(ch) not in glyphs and not ch.isspace())
        )


@lru_cache(maxsize=8)
def face_for(path: str) -> Face:
    """Registers the font once per process (under a name derived from its path)."""
    pdf_name = "MiniMe-" + sha1(path.encode(), usedforsecurity=False).hexdigest()[:10]
    if pdf_name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(pdf_name, path))
    ascent, descent = ImageFont.truetype(path, 1000).getmetrics()
    font: Any = pdfmetrics.getFont(pdf_name)
    return Face(
        path=path,
        pdf_name=pdf_name,
        ascent=ascent / 1000.0 + 0.02,
        descent=descent / 1000.0,
        cap_height=float(font.face.capHeight) / 1000.0,
    )


@lru_cache(maxsize=2048)
def _ink_em(path: str, text: str) -> tuple[float, float, float, float]:
    """The ink box of a line (left, top, right, bottom; em, y down, origin on the baseline)."""
    if not text:
        return (0.0, 0.0, 0.0, 0.0)
    font = _pil_font(path, 1000.0)
    left, top, right, bottom = font.getbbox(text, anchor="ls", features=_TEXT_FEATURES)
    return (left / 1000.0, top / 1000.0, right / 1000.0, bottom / 1000.0)


def _face(role: FontRole) -> Face:
    path = printing_settings.FONT_BOLD if role == "bold" else printing_settings.FONT_REGULAR
    return face_for(path)


# --- The layout as data -----------------------------------------------------------------------


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: Colour | None
    stroke: Colour | None = None
    stroke_mm: float = 0.0  # drawn inside the edge
    radius_mm: float = 0.0


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    fill: Colour


@dataclass(frozen=True)
class Ellipse:
    cx: float
    cy: float
    rx: float
    ry: float
    fill: Colour | None
    stroke: Colour | None = None
    stroke_mm: float = 0.0  # drawn inside the edge


@dataclass(frozen=True)
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    colour: Colour
    width_mm: float  # round caps


@dataclass(frozen=True)
class TextRun:
    """One line of type, set from its left end on its baseline."""

    text: str
    x: float
    baseline: float
    size_pt: float
    font: str  # the font file
    fill: Colour
    width_mm: float  # measured with reportlab's metrics
    role: str  # "brand", "name", "tagline", "accessory", "initial", "ai_mark", "order_code"
    stroke: Colour | None = None
    stroke_mm: float = 0.0  # outline width outside the glyphs
    shadow: Colour | None = None
    shadow_mm: float = 0.0  # offset right and down

    def bbox(self) -> tuple[float, float, float, float]:
        """Left, top, right, bottom in mm, with outline and shadow."""
        left, top, right, bottom = face_for(self.font).extent_mm(self.text, self.size_pt)
        grow = self.stroke_mm
        return (
            self.x + left - grow,
            self.baseline + top - grow,
            self.x + right + grow + self.shadow_mm,
            self.baseline + bottom + grow + self.shadow_mm,
        )


@dataclass(frozen=True, eq=False)
class Picture:
    image: Image.Image  # RGBA
    x: float
    y: float
    w: float
    h: float
    clip: Rect | None = None  # a rounded rectangle the picture is clipped to


@dataclass(frozen=True)
class QRMatrix:
    """A QR code as its modules (reportlab's encoder), drawn as squares by both renderers."""

    value: str
    modules: tuple[tuple[bool, ...], ...]
    x: float
    y: float
    size: float  # the light square, quiet zone included
    quiet: int  # modules of quiet zone on each side
    dark: Colour
    light: Colour

    @property
    def module_count(self) -> int:
        return len(self.modules)

    @property
    def module_mm(self) -> float:
        return self.size / (self.module_count + 2 * self.quiet)

    def runs(self) -> Iterable[tuple[float, float, float, float]]:
        """Dark runs of each row as (x, y, w, h) in mm."""
        step = self.module_mm
        for row_index, row in enumerate(self.modules):
            col = 0
            while col < len(row):
                if not row[col]:
                    col += 1
                    continue
                start = col
                while col < len(row) and row[col]:
                    col += 1
                yield (
                    self.x + (start + self.quiet) * step,
                    self.y + (row_index + self.quiet) * step,
                    (col - start) * step,
                    step,
                )


Element = Rect | Polygon | Ellipse | Line | TextRun | Picture | QRMatrix


@dataclass(frozen=True, eq=False)
class BoxLayout:
    """The front panel of the blister card, in mm from its top-left corner (y down)."""

    width_mm: float
    height_mm: float
    safe_margin_mm: float
    bleed_mm: float  # how far the background runs past the panel edge (draw_pdf may use it)
    theme: str
    elements: tuple[Element, ...]
    name: str
    name_lines: tuple[str, ...]
    name_size_pt: float
    window: Rect
    missing_characters: str  # of the name, tagline and labels: the font has no glyph for them
    qr: QRMatrix | None = None
    figure: Picture | None = None

    def texts(self, role: str | None = None) -> list[TextRun]:
        return [e for e in self.elements if isinstance(e, TextRun) and role in (None, e.role)]

    @property
    def safe_box(self) -> tuple[float, float, float, float]:
        m = self.safe_margin_mm
        return (m, m, self.width_mm - m, self.height_mm - m)


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


def _floor(size: float) -> float:
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
    `pitch` is the baseline distance in line heights (ascent + descent).
    """
    line_height = (face.ascent + face.descent) * MM_PER_PT  # mm per pt of size

    def size_for(lines: Sequence[str]) -> float:
        widest = max(face.span_mm(line, 1.0) for line in lines)
        # Baseline to baseline, plus what the first line needs above and the last below.
        height = (
            -face.extent_mm(lines[0], 1.0)[1]
            + line_height * pitch * (len(lines) - 1)
            + face.extent_mm(lines[-1], 1.0)[3]
        )
        by_width = max_width / widest if widest > 0 else max_pt
        return _floor(min(max_pt, by_width, max_height / height))

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


def _text_lines(
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
    """Centred lines, the block (outline and shadow included) centred in top..top+height."""
    size_mm = size_pt * MM_PER_PT
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


def _clip_polygon(
    points: Sequence[tuple[float, float]], box: tuple[float, float, float, float]
) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: a convex polygon clipped to an axis-aligned box."""
    x0, y0, x1, y1 = box
    edges = (
        (lambda p: p[0] >= x0, lambda a, b: _cross_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _cross_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _cross_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _cross_y(a, b, y1)),
    )
    out = list(points)
    for inside, cross in edges:
        if not out:
            break
        source, out = out, []
        for i, current in enumerate(source):
            previous = source[i - 1]
            if inside(current):
                if not inside(previous):
                    out.append(cross(previous, current))
                out.append(current)
            elif inside(previous):
                out.append(cross(previous, current))
    return out


def _cross_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cross_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def _sunburst(
    centre: tuple[float, float], box: tuple[float, float, float, float], colour: Colour, rays: int
) -> list[Polygon]:
    cx, cy = centre
    reach = 2.0 * math.hypot(box[2] - box[0], box[3] - box[1])
    step = 2.0 * math.pi / (2 * rays)
    polygons = []
    for i in range(rays):
        a0, a1 = (2 * i) * step - math.pi / 2, (2 * i + 1) * step - math.pi / 2
        triangle = [
            (cx, cy),
            (cx + reach * math.cos(a0), cy + reach * math.sin(a0)),
            (cx + reach * math.cos(a1), cy + reach * math.sin(a1)),
        ]
        clipped = _clip_polygon(triangle, box)
        if len(clipped) >= 3:
            polygons.append(Polygon(tuple(clipped), colour))
    return polygons


def _qr_modules(value: str) -> tuple[tuple[bool, ...], ...]:
    """The module matrix reportlab's QR widget would draw (error correction M)."""
    widget = QrCodeWidget(value, barLevel="M")
    qr = widget.qr
    qr.make()
    return tuple(tuple(bool(m) for m in row) for row in qr.modules)


def _initial(label: str) -> str:
    for ch in label:
        if ch.isalnum():
            return ch.upper()
    return "\u2605"  # a star for a label without letters


def _trimmed(art: Image.Image) -> Image.Image:
    """The art as RGBA cropped to its visible pixels (cut out first when it has no alpha)."""
    if art.mode in ("RGBA", "LA") or (art.mode == "P" and "transparency" in art.info):
        rgba = art.convert("RGBA")
    else:
        rgba = art_cutout(art)
    box = rgba.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    if not box:
        return rgba
    trimmed = rgba.crop(box)
    # Where the render cut the figure off (a bust's shoulders run out of the picture: a long
    # opaque stretch along that border, not the tip of a head touching it), fade it out
    # instead of showing a straight edge in the middle of the blister.
    alpha = np.asarray(trimmed.getchannel("A")).astype(np.float32)

    def cut_off(edge: np.ndarray) -> bool:
        return bool(np.mean(edge > 128) > 0.02)

    ramp_w = max(2, round(trimmed.width * 0.08))
    ramp = np.linspace(0.0, 1.0, ramp_w, dtype=np.float32) ** 0.8
    if cut_off(alpha[:, 0]):
        alpha[:, :ramp_w] *= ramp[None, :]
    if cut_off(alpha[:, -1]):
        alpha[:, -ramp_w:] *= ramp[::-1][None, :]
    if cut_off(alpha[0, :]):
        ramp_h = max(2, round(trimmed.height * 0.05))
        alpha[:ramp_h, :] *= np.linspace(0.0, 1.0, ramp_h, dtype=np.float32)[:, None]
    trimmed.putalpha(Image.fromarray((alpha + 0.5).astype(np.uint8)))
    return trimmed


def packaging_layout(
    *,
    name: str,
    tagline: str,
    accessories: list[str],
    box_theme: str,
    art: Image.Image,
    width_mm: float,
    height_mm: float,
    order_code: str | None,
) -> BoxLayout:
    """The front panel of the blister card for a figure, as data both renderers draw.

    `art` is the approved render (cut out here) or an already cut-out RGBA figure. Sizes
    scale with the panel; every text and the blister stay inside the safe margin.
    """
    palette = PALETTES.get(box_theme, PALETTES[DEFAULT_THEME])
    W, H = float(width_mm), float(height_mm)
    u = min(W / 120.0, H / 180.0)  # designed at 120 x 180 mm, scaled to other sizes
    safe = printing_settings.SAFE_MARGIN_MM
    bleed = printing_settings.BLEED_MM
    bold, regular = _face("bold"), _face("regular")
    left, right = safe + 1.0 * u, W - safe - 1.0 * u  # content edges, a little inside safe
    content_w = right - left
    centre_x = W / 2.0
    elements: list[Element] = []

    # Card and sunburst (background art: runs into the bleed; not "important").
    background_box = (-bleed, -bleed, W + bleed, H + bleed)
    elements.append(Rect(-bleed, -bleed, W + 2 * bleed, H + 2 * bleed, palette.background))

    # Header: the brand. (No hang slot here: the box net puts the euro slot in its hang
    # tab, above the box, so the front panel is printed whole.)
    y = safe + 2.5 * u
    brand = printing_settings.BRAND_NAME
    brand_h = 8.0 * u
    pill_pad = 4.0 * u
    brand_lines, brand_pt = fit_text(
        brand,
        bold,
        max_width=content_w - 2 * pill_pad,
        max_height=brand_h * 0.72,
        max_pt=13.0 * u,
        min_pt=6.0 * u,
        max_lines=1,
    )
    brand_w = bold.span_mm(brand, brand_pt) + 2 * pill_pad
    brand_pill = Rect(
        centre_x - brand_w / 2, y, brand_w, brand_h, palette.dark, WHITE, 0.5 * u, brand_h / 2
    )
    brand_runs = _text_lines(
        brand_lines, brand_pt, bold, centre_x=centre_x, top=y, height=brand_h,
        fill=WHITE, role="brand",
    )  # fmt: skip
    y += brand_h + 2.0 * u

    # The name: outlined, with a drop shadow, as large as fits.
    name_stroke, name_shadow = 0.8 * u, 1.0 * u
    name_h = 21.0 * u
    name_lines, name_pt = fit_text(
        name,
        bold,
        max_width=content_w - 2 * name_stroke - name_shadow,
        max_height=name_h - 2 * name_stroke - name_shadow,
        max_pt=40.0 * u,
        min_pt=22.0 * u,
        pitch=0.86,
    )
    name_runs = _text_lines(
        name_lines, name_pt, bold, centre_x=centre_x, top=y, height=name_h, fill=palette.title,
        role="name", pitch=0.86, stroke=palette.dark, stroke_mm=name_stroke,
        shadow=palette.dark, shadow_mm=name_shadow,
    )  # fmt: skip
    y += name_h

    # Tagline.
    tagline_runs: list[TextRun] = []
    if tagline.strip():
        tagline_h = 7.0 * u
        lines, size = fit_text(
            tagline, bold, max_width=content_w, max_height=tagline_h,
            max_pt=12.0 * u, min_pt=7.5 * u,
        )  # fmt: skip
        tagline_runs = _text_lines(
            lines, size, bold, centre_x=centre_x, top=y, height=tagline_h,
            fill=palette.on_background, role="tagline",
        )  # fmt: skip
        y += tagline_h
    y += 3.0 * u

    # Footer: AI mark, order code and its QR.
    footer_h = 17.0 * u
    footer_y = H - max(safe, 4.0 * u) - 0.5 * u - footer_h
    rim = 1.6 * u  # the blister's white rim and dark outline around the window
    window = Rect(
        left + rim, y + rim, content_w - 2 * rim, footer_y - 3.0 * u - rim - (y + rim),
        palette.window, radius_mm=5.0 * u,
    )  # fmt: skip

    # Sunburst centred on the figure.
    ray_centre = (window.x + window.w * 0.42, window.y + window.h * 0.45)
    elements += _sunburst(ray_centre, background_box, palette.rays, rays=18)
    elements += [brand_pill, *brand_runs, *name_runs, *tagline_runs]

    # The blister: dark outline, white rim, the tray.
    elements.append(
        Rect(window.x - rim, window.y - rim, window.w + 2 * rim, window.h + 2 * rim,
             palette.dark, radius_mm=window.radius_mm + rim)
    )  # fmt: skip
    inner_rim = rim * 0.6
    elements.append(
        Rect(window.x - inner_rim, window.y - inner_rim, window.w + 2 * inner_rim,
             window.h + 2 * inner_rim, WHITE, radius_mm=window.radius_mm + inner_rim)
    )  # fmt: skip
    elements.append(window)

    # Accessory cavities down the right side of the blister.
    shown = [a for a in accessories if a.strip()][:4]
    pad = 2.5 * u
    figure_right = window.x + window.w - pad
    accessory_elements: list[Element] = []
    if shown:
        slot_w = 27.0 * u
        gap = 2.5 * u
        slot_h = min((window.h - 2 * pad - 3 * gap) / 4.0, 30.0 * u)
        slot_x = window.x + window.w - pad - slot_w
        stack = len(shown) * slot_h + (len(shown) - 1) * gap
        slot_y = window.y + (window.h - stack) / 2.0
        figure_right = slot_x - pad
        for label in shown:
            accessory_elements += _accessory_slot(
                label, slot_x, slot_y, slot_w, slot_h, palette, bold, u
            )
            slot_y += slot_h + gap

    # The figure, standing on the tray floor, clipped by the window's corners.
    elements.append(
        Ellipse(
            (window.x + pad + figure_right) / 2.0, window.y + window.h * 0.44,
            (figure_right - window.x - pad) * 0.46, window.h * 0.36, palette.glow,
        )
    )  # fmt: skip
    figure_art = _trimmed(art)
    area_x, area_y = window.x + pad, window.y + 3.0 * u
    area_w, area_h = figure_right - area_x, window.y + window.h - area_y
    # A bust may be wider than the space beside the accessories: its shoulders then run
    # behind the cavities and out of the window rather than the figure shrinking.
    scale = min(area_w * 1.3 / figure_art.width, area_h / figure_art.height)
    fig_w, fig_h = figure_art.width * scale, figure_art.height * scale
    figure = Picture(
        figure_art,
        area_x + (area_w - fig_w) / 2.0,
        window.y + window.h - fig_h,
        fig_w,
        fig_h,
        clip=window,
    )
    elements.append(figure)
    elements += accessory_elements

    # Gloss: light catching the blister's plastic.
    gx, gy = window.x + 4.0 * u, window.y + 4.0 * u
    elements.append(Line(gx, gy + 14.0 * u, gx + 14.0 * u, gy, WHITE, 1.3 * u))
    elements.append(Line(gx + 1.0 * u, gy + 20.0 * u, gx + 20.0 * u, gy + 1.0 * u, WHITE, 0.6 * u))

    # Footer, left: the AI-generated mark.
    mark_text = _("AI-generated")
    mark_h = 6.5 * u
    mark_pad = 2.5 * u
    mark_lines, mark_pt = fit_text(
        mark_text, bold, max_width=content_w * 0.45, max_height=mark_h * 0.62,
        max_pt=8.5 * u, min_pt=5.0 * u, max_lines=1,
    )  # fmt: skip
    mark_w = bold.span_mm(mark_text, mark_pt) + 2 * mark_pad
    mark_y = footer_y + footer_h - mark_h
    elements.append(Rect(left, mark_y, mark_w, mark_h, WHITE, palette.dark, 0.4 * u, mark_h / 2))
    elements += _text_lines(
        mark_lines, mark_pt, bold, centre_x=left + mark_w / 2, top=mark_y, height=mark_h,
        fill=BLACK, role="ai_mark",
    )  # fmt: skip

    # Footer, right: the order's QR code and number.
    qr = None
    if order_code:
        modules = _qr_modules(order_code)
        qr = QRMatrix(
            value=order_code,
            modules=modules,
            x=right - footer_h,
            y=footer_y,
            size=footer_h,
            quiet=2,
            dark=BLACK,
            light=WHITE,
        )
        elements.append(Rect(qr.x, qr.y, qr.size, qr.size, WHITE, radius_mm=0.8 * u))
        elements.append(qr)
        code_box_w = content_w - mark_w - footer_h - 4.0 * u
        code_lines, code_pt = fit_text(
            order_code, regular, max_width=code_box_w, max_height=3.6 * u,
            max_pt=7.5 * u, min_pt=4.5 * u, max_lines=1,
        )  # fmt: skip
        code_w = regular.span_mm(order_code, code_pt)
        elements += _text_lines(
            code_lines, code_pt, regular, centre_x=qr.x - 2.0 * u - code_w / 2,
            top=footer_y + footer_h - 3.6 * u, height=3.6 * u, fill=palette.on_background,
            role="order_code",
        )  # fmt: skip

    missing = bold.missing(name + tagline + "".join(shown))
    return BoxLayout(
        width_mm=W,
        height_mm=H,
        safe_margin_mm=safe,
        bleed_mm=bleed,
        theme=box_theme if box_theme in PALETTES else DEFAULT_THEME,
        elements=tuple(elements),
        name=name,
        name_lines=name_lines,
        name_size_pt=name_pt,
        window=window,
        missing_characters=missing,
        qr=qr,
        figure=figure,
    )


def _accessory_slot(
    label: str,
    x: float,
    y: float,
    w: float,
    h: float,
    palette: Palette,
    bold: Face,
    u: float,
) -> list[Element]:
    """A cavity with a round badge (the label's initial) and the label under it."""
    elements: list[Element] = [Rect(x, y, w, h, palette.slot, palette.dark, 0.35 * u, 3.0 * u)]
    radius = min(w, h) * 0.25
    cx, cy = x + w / 2.0, y + 2.0 * u + radius
    elements.append(Ellipse(cx, cy, radius, radius, palette.accent, palette.dark, 0.5 * u))
    initial = _initial(label)
    initial_pt = _floor(radius * 1.05 / (bold.cap_height * MM_PER_PT))
    initial_w = bold.width_mm(initial, initial_pt)
    elements.append(
        TextRun(
            text=initial,
            x=cx - initial_w / 2.0,
            baseline=cy + bold.cap_height * initial_pt * MM_PER_PT / 2.0,
            size_pt=initial_pt,
            font=bold.path,
            fill=palette.on_accent,
            width_mm=initial_w,
            role="initial",
        )
    )
    label_top = cy + radius + 1.0 * u
    label_h = y + h - 1.2 * u - label_top
    lines, size = fit_text(
        label, bold, max_width=w - 2.4 * u, max_height=label_h,
        max_pt=7.5 * u, min_pt=5.5 * u, pitch=0.95,
    )  # fmt: skip
    elements += _text_lines(
        lines, size, bold, centre_x=cx, top=label_top, height=label_h,
        fill=palette.on_slot, role="accessory", pitch=0.95,
    )  # fmt: skip
    return elements


# --- PNG renderer -----------------------------------------------------------------------------


def render_png(layout: BoxLayout, *, dpi: int = 150) -> Image.Image:
    """The panel as an RGB image at `dpi` (shapes supersampled below 300 dpi)."""
    ss = 2 if dpi < 300 else 1  # Pillow does not anti-alias shapes: draw large, reduce
    px = dpi / 25.4 * ss  # pixels per mm on the working canvas
    out_w = round(layout.width_mm / 25.4 * dpi)
    out_h = round(layout.height_mm / 25.4 * dpi)
    canvas = Image.new("RGBA", (out_w * ss, out_h * ss), (255, 255, 255, 255))
    draw = ImageDraw.Draw(canvas)

    def box(x: float, y: float, w: float, h: float) -> tuple[float, float, float, float]:
        return (x * px, y * px, (x + w) * px - 1, (y + h) * px - 1)

    for element in layout.elements:
        if isinstance(element, Rect):
            _png_rect(draw, element, px)
        elif isinstance(element, Polygon):
            draw.polygon([(x * px, y * px) for x, y in element.points], fill=element.fill.rgb)
        elif isinstance(element, Ellipse):
            e = element
            if e.stroke is not None and e.stroke_mm > 0:
                draw.ellipse(box(e.cx - e.rx, e.cy - e.ry, 2 * e.rx, 2 * e.ry), fill=e.stroke.rgb)
                r_x, r_y = e.rx - e.stroke_mm, e.ry - e.stroke_mm
                if e.fill is not None:
                    draw.ellipse(box(e.cx - r_x, e.cy - r_y, 2 * r_x, 2 * r_y), fill=e.fill.rgb)
            elif e.fill is not None:
                draw.ellipse(box(e.cx - e.rx, e.cy - e.ry, 2 * e.rx, 2 * e.ry), fill=e.fill.rgb)
        elif isinstance(element, Line):
            width = element.width_mm * px
            ends = [(element.x0 * px, element.y0 * px), (element.x1 * px, element.y1 * px)]
            draw.line(ends, fill=element.colour.rgb, width=max(1, round(width)))
            for ex, ey in ends:
                r = width / 2.0
                draw.ellipse((ex - r, ey - r, ex + r, ey + r), fill=element.colour.rgb)
        elif isinstance(element, TextRun):
            _png_text(draw, element, px, dpi * ss)
        elif isinstance(element, Picture):
            _png_picture(canvas, element, px)
        elif isinstance(element, QRMatrix):
            for x, y, w, h in element.runs():
                x0, y0 = round(x * px), round(y * px)
                x1, y1 = round((x + w) * px), round((y + h) * px)
                draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=element.dark.rgb)
    image = canvas.convert("RGB")
    return image.reduce(ss) if ss > 1 else image


def _png_rect(draw: ImageDraw.ImageDraw, rect: Rect, px: float) -> None:
    xy = (rect.x * px, rect.y * px, (rect.x + rect.w) * px - 1, (rect.y + rect.h) * px - 1)
    radius = rect.radius_mm * px
    if rect.stroke is not None and rect.stroke_mm > 0:
        draw.rounded_rectangle(xy, radius, fill=rect.stroke.rgb)
        s = rect.stroke_mm
        inner = (
            (rect.x + s) * px,
            (rect.y + s) * px,
            (rect.x + rect.w - s) * px - 1,
            (rect.y + rect.h - s) * px - 1,
        )
        if rect.fill is not None:
            draw.rounded_rectangle(inner, max(0.0, radius - s * px), fill=rect.fill.rgb)
    elif rect.fill is not None:
        draw.rounded_rectangle(xy, radius, fill=rect.fill.rgb)


def _png_text(draw: ImageDraw.ImageDraw, run: TextRun, px: float, dpi: float) -> None:
    font = _pil_font(run.font, round(run.size_pt * dpi / 72.0, 2))
    x, y = run.x * px, run.baseline * px
    stroke_px = run.stroke_mm * px

    def text(at: tuple[float, float], fill: Colour, stroke: Colour | None) -> None:
        draw.text(
            at,
            run.text,
            font=font,
            fill=fill.rgb,
            anchor="ls",
            stroke_width=stroke_px if stroke is not None else 0,
            stroke_fill=stroke.rgb if stroke is not None else None,
            features=_TEXT_FEATURES,
        )

    if run.shadow is not None and run.shadow_mm > 0:
        offset = run.shadow_mm * px
        text((x + offset, y + offset), run.shadow, run.shadow if run.stroke else None)
    text((x, y), run.fill, run.stroke if run.stroke_mm > 0 else None)


def _png_picture(canvas: Image.Image, picture: Picture, px: float) -> None:
    x0, y0 = round(picture.x * px), round(picture.y * px)
    w = max(1, round((picture.x + picture.w) * px) - x0)
    h = max(1, round((picture.y + picture.h) * px) - y0)
    art = picture.image.convert("RGBA").resize((w, h), Image.Resampling.BILINEAR, reducing_gap=2)
    if picture.clip is not None:
        c = picture.clip
        mask = Image.new("L", (w, h), 0)
        ImageDraw.Draw(mask).rounded_rectangle(
            (c.x * px - x0, c.y * px - y0, (c.x + c.w) * px - x0 - 1, (c.y + c.h) * px - y0 - 1),
            c.radius_mm * px,
            fill=255,
        )
        alpha = np.minimum(np.asarray(art.getchannel("A")), np.asarray(mask))
        art.putalpha(Image.fromarray(alpha))
    # Paste only what lands on the canvas.
    left, top = max(0, -x0), max(0, -y0)
    right, bottom = min(w, canvas.width - x0), min(h, canvas.height - y0)
    if right > left and bottom > top:
        canvas.alpha_composite(art.crop((left, top, right, bottom)), dest=(x0 + left, y0 + top))


# --- PDF renderer -----------------------------------------------------------------------------


def draw_pdf(
    canvas: Canvas, layout: BoxLayout, *, x_pt: float, y_pt: float, bleed_mm: float = 0.0
) -> None:
    """Draw the panel on a reportlab canvas, its bottom-left corner at (x_pt, y_pt).

    Vector shapes and embedded TrueType text in CMYK; the figure as an RGB image with a soft
    mask. No page setup: the caller owns the page, boxes, marks and colour conversion.
    The background runs `bleed_mm` (up to layout.bleed_mm) past the panel edge.
    """
    height = layout.height_mm

    def X(mm: float) -> float:
        return x_pt + mm * PT_PER_MM

    def Y(mm: float) -> float:
        return y_pt + (height - mm) * PT_PER_MM

    grow = max(0.0, min(bleed_mm, layout.bleed_mm))
    canvas.saveState()
    panel = canvas.beginPath()
    panel.rect(
        X(-grow),
        Y(height + grow),
        (layout.width_mm + 2 * grow) * PT_PER_MM,
        (height + 2 * grow) * PT_PER_MM,
    )
    canvas.clipPath(panel, stroke=0, fill=0)
    for element in layout.elements:
        if isinstance(element, Rect):
            _pdf_rect(canvas, element, X, Y)
        elif isinstance(element, Polygon):
            path = canvas.beginPath()
            first, *rest = element.points
            path.moveTo(X(first[0]), Y(first[1]))
            for px, py in rest:
                path.lineTo(X(px), Y(py))
            path.close()
            canvas.setFillColor(element.fill.reportlab())
            canvas.drawPath(path, stroke=0, fill=1)
        elif isinstance(element, Ellipse):
            _pdf_ellipse(canvas, element, X, Y)
        elif isinstance(element, Line):
            canvas.setStrokeColor(element.colour.reportlab())
            canvas.setLineWidth(element.width_mm * PT_PER_MM)
            canvas.setLineCap(1)
            canvas.line(X(element.x0), Y(element.y0), X(element.x1), Y(element.y1))
        elif isinstance(element, TextRun):
            _pdf_text(canvas, element, X, Y)
        elif isinstance(element, Picture):
            _pdf_picture(canvas, element, X, Y)
        elif isinstance(element, QRMatrix):
            canvas.setFillColor(element.dark.reportlab())
            for x, y, w, h in element.runs():
                canvas.rect(X(x), Y(y + h), w * PT_PER_MM, h * PT_PER_MM, stroke=0, fill=1)
    canvas.restoreState()


def _pdf_round_rect(
    canvas: Canvas, x: float, y: float, w: float, h: float, r: float, X: Any, Y: Any
) -> Any:
    path = canvas.beginPath()
    path.roundRect(X(x), Y(y + h), w * PT_PER_MM, h * PT_PER_MM, max(0.0, r) * PT_PER_MM)
    return path


def _pdf_rect(canvas: Canvas, rect: Rect, X: Any, Y: Any) -> None:
    if rect.stroke is not None and rect.stroke_mm > 0:
        canvas.setFillColor(rect.stroke.reportlab())
        path = _pdf_round_rect(canvas, rect.x, rect.y, rect.w, rect.h, rect.radius_mm, X, Y)
        canvas.drawPath(path, stroke=0, fill=1)
        s = rect.stroke_mm
        if rect.fill is not None:
            canvas.setFillColor(rect.fill.reportlab())
            path = _pdf_round_rect(
                canvas, rect.x + s, rect.y + s, rect.w - 2 * s, rect.h - 2 * s,
                rect.radius_mm - s, X, Y,
            )  # fmt: skip
            canvas.drawPath(path, stroke=0, fill=1)
    elif rect.fill is not None:
        canvas.setFillColor(rect.fill.reportlab())
        path = _pdf_round_rect(canvas, rect.x, rect.y, rect.w, rect.h, rect.radius_mm, X, Y)
        canvas.drawPath(path, stroke=0, fill=1)


def _pdf_ellipse(canvas: Canvas, e: Ellipse, X: Any, Y: Any) -> None:
    def oval(rx: float, ry: float, colour: Colour) -> None:
        canvas.setFillColor(colour.reportlab())
        canvas.ellipse(X(e.cx - rx), Y(e.cy + ry), X(e.cx + rx), Y(e.cy - ry), stroke=0, fill=1)

    if e.stroke is not None and e.stroke_mm > 0:
        oval(e.rx, e.ry, e.stroke)
        if e.fill is not None:
            oval(e.rx - e.stroke_mm, e.ry - e.stroke_mm, e.fill)
    elif e.fill is not None:
        oval(e.rx, e.ry, e.fill)


def _pdf_text(canvas: Canvas, run: TextRun, X: Any, Y: Any) -> None:
    face = face_for(run.font)

    def text(offset: float, fill: Colour, stroke: Colour | None, *, copy: bool) -> None:
        if copy:
            # Shadow and outline are extra copies of the words: an empty ActualText keeps
            # them out of text extraction (search, copy and paste, screen readers).
            canvas.addLiteral("/Span <</ActualText <FEFF>>> BDC")
        # The text render mode outlives the text object (reportlab assumes 0 in each new
        # one): the graphics state is saved around every run.
        canvas.saveState()
        obj = canvas.beginText()
        obj.setFont(face.pdf_name, run.size_pt)
        canvas.setFillColor(fill.reportlab())
        if stroke is not None:
            # Stroked centred on the glyph edge, so twice as wide; the fill is set again on
            # top and only the outer half shows, as Pillow draws an outline.
            canvas.setStrokeColor(stroke.reportlab())
            canvas.setLineWidth(2 * run.stroke_mm * PT_PER_MM)
            canvas.setLineJoin(1)
            obj.setTextRenderMode(2)
        obj.setTextOrigin(X(run.x + offset), Y(run.baseline + offset))
        obj.textOut(run.text)
        canvas.drawText(obj)
        canvas.restoreState()
        if copy:
            canvas.addLiteral("EMC")

    if run.shadow is not None and run.shadow_mm > 0:
        shadow_outline = run.shadow if run.stroke is not None and run.stroke_mm > 0 else None
        text(run.shadow_mm, run.shadow, shadow_outline, copy=True)
    if run.stroke is not None and run.stroke_mm > 0:
        text(0.0, run.fill, run.stroke, copy=True)
    text(0.0, run.fill, None, copy=False)


def _pdf_picture(canvas: Canvas, picture: Picture, X: Any, Y: Any) -> None:
    canvas.saveState()
    if picture.clip is not None:
        c = picture.clip
        canvas.clipPath(
            _pdf_round_rect(canvas, c.x, c.y, c.w, c.h, c.radius_mm, X, Y), stroke=0, fill=0
        )
    canvas.drawImage(
        ImageReader(picture.image.convert("RGBA")),
        X(picture.x),
        Y(picture.y + picture.h),
        picture.w * PT_PER_MM,
        picture.h * PT_PER_MM,
        mask="auto",
    )
    canvas.restoreState()


# --- The customer's preview -------------------------------------------------------------------


def packaging_preview_png(
    *, design: FigureDesign, width_mm: float = 120, height_mm: float = 180, dpi: int = 120
) -> bytes:
    """The front of the blister card for an approved design, as PNG bytes."""
    render = design.approved_render
    if render is None:
        raise ValueError("Only an approved design has packaging art.")
    with render.image.open("rb") as stored:
        art = Image.open(stored)
        art.load()
    layout = packaging_layout(
        name=design.name,
        tagline=design.tagline,
        accessories=[str(a) for a in (design.accessories or [])],
        box_theme=design.box_theme,
        art=art,
        width_mm=width_mm,
        height_mm=height_mm,
        order_code=None,
    )
    buffer = io.BytesIO()
    render_png(layout, dpi=dpi).save(buffer, format="PNG", compress_level=6)
    return buffer.getvalue()
