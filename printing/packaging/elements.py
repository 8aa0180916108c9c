"""The packaging front as data: shapes, type, the figure and the QR code in millimetres from
the panel's top-left corner (y down), which both renderers draw."""

from collections.abc import Iterable
from dataclasses import dataclass

from PIL import Image

from printing.press.colour import Colour
from printing.press.fonts import face_for
from printing.press.qr import Modules, dark_runs


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
    modules: Modules
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
        for row, col, length in dark_runs(self.modules):
            yield (
                self.x + (col + self.quiet) * step,
                self.y + (row + self.quiet) * step,
                length * step,
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
    # Roles of text that would be set below the printer's minimum size (the design form
    # refuses it, the print file is held).
    too_small: tuple[str, ...] = ()
    qr: QRMatrix | None = None
    figure: Picture | None = None

    def texts(self, role: str | None = None) -> list[TextRun]:
        return [e for e in self.elements if isinstance(e, TextRun) and role in (None, e.role)]

    @property
    def safe_box(self) -> tuple[float, float, float, float]:
        m = self.safe_margin_mm
        return (m, m, self.width_mm - m, self.height_mm - m)
