"""The front panel of the blister card, composed as data (BoxLayout) in named steps: the card
and its sunburst, the header (brand, name, tagline), the blister window with the figure and
the accessory cavities, and the footer (AI mark, the order's QR code and number).

Sizes scale with the panel (designed at 120 x 180 mm); every text and the blister stay inside
the safe margin. No text is set below the printer profile's minimum size (MIN_TEXT_PT): an
accessory label that would be is shortened (cut after its last whole word that fits, ending in
"…"; the back of the box lists it in full), any other text is reported in `too_small` (the
design form refuses it, the print file is held). Text under SMALL_TEXT_PT is set in 100 % K
or white (no ink): four-colour small type misregisters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _
from PIL import Image

from printing.conf import printing_settings
from printing.packaging.cutout import cutout_trimmed
from printing.packaging.elements import (
    BoxLayout,
    Element,
    Ellipse,
    Line,
    Picture,
    QRMatrix,
    Rect,
    TextRun,
)
from printing.packaging.shapes import sunburst
from printing.packaging.text import fit_text, floor_pt, text_lines
from printing.press.colour import BLACK, WHITE, Colour
from printing.press.fonts import Face, face, unprintable
from printing.press.palettes import DEFAULT_THEME, PALETTES, Palette
from printing.press.qr import qr_modules
from printing.press.units import PT

MAX_ACCESSORIES = 4
SMALL_TEXT_PT = 10.0  # below this, type is K only (or white)
ELLIPSIS = "\u2026"


@dataclass(frozen=True)
class _Panel:
    """The measures every step works with (mm from the panel's top-left corner, y down)."""

    width: float
    height: float
    u: float  # the scale: 1.0 at the 120 x 180 mm the card is designed at
    palette: Palette
    bold: Face
    regular: Face
    safe: float  # the safe margin: nothing important outside it
    bleed: float  # how far the background runs past the panel edge
    min_pt: float  # the printer's minimum text size

    @property
    def left(self) -> float:
        """The content's left edge, a little inside the safe margin."""
        return self.safe + 1.0 * self.u

    @property
    def right(self) -> float:
        return self.width - self.safe - 1.0 * self.u

    @property
    def content_w(self) -> float:
        return self.right - self.left

    @property
    def centre_x(self) -> float:
        return self.width / 2.0

    @property
    def footer_h(self) -> float:
        return 17.0 * self.u

    @property
    def footer_y(self) -> float:
        return self.height - max(self.safe, 4.0 * self.u) - 0.5 * self.u - self.footer_h

    @property
    def rim(self) -> float:
        """The blister's white rim and dark outline around the window."""
        return 1.6 * self.u


def small_ink(colour: Colour, size_pt: float) -> Colour:
    """The colour a text of size_pt is set in: its own from SMALL_TEXT_PT up, below that
    white (no ink) where it is white, else 100 % K."""
    if size_pt >= SMALL_TEXT_PT or colour == WHITE:
        return colour
    return BLACK


@dataclass(frozen=True)
class _Header:
    elements: list[Element]
    name_lines: tuple[str, ...]
    name_pt: float
    bottom: float  # where the blister may start
    too_small: tuple[str, ...]  # roles whose text is below the minimum size


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
    W, H = float(width_mm), float(height_mm)
    panel = _panel_for(box_theme, W, H)
    header = _header(panel, name, tagline)
    window = _window(panel, header.bottom)
    shown = _shown(accessories)
    slots, figure_right = _accessory_slots(panel, window, shown)
    glow, figure = _figure(panel, window, figure_right, art)
    mark, mark_w = _ai_mark(panel)
    code, qr = _order_code(panel, order_code, mark_w)
    elements: list[Element] = [
        *_card(panel, window),
        *header.elements,
        *_blister(panel, window),
        glow,
        figure,
        *slots,
        *_gloss(panel, window),
        *mark,
        *code,
    ]
    return BoxLayout(
        width_mm=W,
        height_mm=H,
        safe_margin_mm=panel.safe,
        bleed_mm=panel.bleed,
        theme=box_theme if box_theme in PALETTES else DEFAULT_THEME,
        elements=tuple(elements),
        name=name,
        name_lines=header.name_lines,
        name_size_pt=header.name_pt,
        window=window,
        missing_characters=unprintable([name, tagline, *shown], roles=("bold",)),
        too_small=header.too_small + _too_small(code, panel.min_pt),
        qr=qr,
        figure=figure,
    )


def _panel_for(box_theme: str, width: float, height: float) -> _Panel:
    return _Panel(
        width=width,
        height=height,
        u=min(width / 120.0, height / 180.0),
        palette=PALETTES.get(box_theme, PALETTES[DEFAULT_THEME]),
        bold=face("bold"),
        regular=face("regular"),
        safe=printing_settings.SAFE_MARGIN_MM,
        bleed=printing_settings.BLEED_MM,
        min_pt=printing_settings.MIN_TEXT_PT,
    )


def header_too_small(
    *, name: str, tagline: str, width_mm: float, height_mm: float
) -> tuple[str, ...]:
    """The roles ("name", "tagline") the front of a box this size would set below the
    printer's minimum text size: the design form's check (no art needed)."""
    panel = _panel_for(DEFAULT_THEME, float(width_mm), float(height_mm))
    return _header(panel, name, tagline).too_small


def _card(panel: _Panel, window: Rect) -> list[Element]:
    """The card and its sunburst, centred on the figure (background art: runs into the bleed;
    not "important")."""
    W, H, bleed = panel.width, panel.height, panel.bleed
    background = Rect(-bleed, -bleed, W + 2 * bleed, H + 2 * bleed, panel.palette.background)
    ray_centre = (window.x + window.w * 0.42, window.y + window.h * 0.45)
    rays = sunburst(ray_centre, (-bleed, -bleed, W + bleed, H + bleed), panel.palette.rays, 18)
    return [background, *rays]


def _header(panel: _Panel, name: str, tagline: str) -> _Header:
    """Brand, name and tagline, top down."""
    y = panel.safe + 2.5 * panel.u
    brand, y = _brand(panel, y)
    name_runs, name_lines, name_pt, y = _name(panel, name, y)
    tagline_runs, y = _tagline(panel, tagline, y)
    y += 3.0 * panel.u
    runs = [*brand, *name_runs, *tagline_runs]
    return _Header(runs, name_lines, name_pt, y, _too_small(runs, panel.min_pt))


def _too_small(elements: Sequence[Element], min_pt: float) -> tuple[str, ...]:
    roles = (e.role for e in elements if isinstance(e, TextRun) and e.size_pt < min_pt)
    return tuple(dict.fromkeys(roles))


def _brand(panel: _Panel, y: float) -> tuple[list[Element], float]:
    """The brand in a pill. (No hang slot here: the box net puts the euro slot in its hang
    tab, above the box, so the front panel is printed whole.)"""
    u, bold = panel.u, panel.bold
    brand = printing_settings.BRAND_NAME
    brand_h = 8.0 * u
    pill_pad = 4.0 * u
    lines, size = fit_text(
        brand,
        bold,
        max_width=panel.content_w - 2 * pill_pad,
        max_height=brand_h * 0.72,
        max_pt=13.0 * u,
        min_pt=max(6.0 * u, panel.min_pt),
        max_lines=1,
    )
    brand_w = bold.span_mm(brand, size) + 2 * pill_pad
    pill = Rect(
        panel.centre_x - brand_w / 2, y, brand_w, brand_h, panel.palette.dark, WHITE, 0.5 * u,
        brand_h / 2,
    )  # fmt: skip
    runs = text_lines(
        lines, size, bold, centre_x=panel.centre_x, top=y, height=brand_h,
        fill=WHITE, role="brand",
    )  # fmt: skip
    return [pill, *runs], y + (brand_h + 2.0 * u)


def _name(
    panel: _Panel, name: str, y: float
) -> tuple[list[TextRun], tuple[str, ...], float, float]:
    """The name: outlined, with a drop shadow, as large as fits."""
    u, palette = panel.u, panel.palette
    stroke, shadow = 0.8 * u, 1.0 * u
    name_h = 21.0 * u
    lines, size = fit_text(
        name,
        panel.bold,
        max_width=panel.content_w - 2 * stroke - shadow,
        max_height=name_h - 2 * stroke - shadow,
        max_pt=40.0 * u,
        min_pt=max(22.0 * u, panel.min_pt),
        pitch=0.86,
    )
    runs = text_lines(
        lines, size, panel.bold, centre_x=panel.centre_x, top=y, height=name_h,
        fill=palette.title, role="name", pitch=0.86, stroke=palette.dark, stroke_mm=stroke,
        shadow=palette.dark, shadow_mm=shadow,
    )  # fmt: skip
    return runs, lines, size, y + name_h


def _tagline(panel: _Panel, tagline: str, y: float) -> tuple[list[TextRun], float]:
    if not tagline.strip():
        return [], y
    u = panel.u
    tagline_h = 7.0 * u
    lines, size = fit_text(
        tagline, panel.bold, max_width=panel.content_w, max_height=tagline_h,
        max_pt=12.0 * u, min_pt=max(7.5 * u, panel.min_pt),
    )  # fmt: skip
    runs = text_lines(
        lines, size, panel.bold, centre_x=panel.centre_x, top=y, height=tagline_h,
        fill=small_ink(panel.palette.on_background, size), role="tagline",
    )  # fmt: skip
    return runs, y + tagline_h


def _window(panel: _Panel, top: float) -> Rect:
    """The blister's window, from below the header down to above the footer."""
    rim = panel.rim
    return Rect(
        panel.left + rim, top + rim, panel.content_w - 2 * rim,
        panel.footer_y - 3.0 * panel.u - rim - (top + rim),
        panel.palette.window, radius_mm=5.0 * panel.u,
    )  # fmt: skip


def _blister(panel: _Panel, window: Rect) -> list[Element]:
    """The blister: dark outline, white rim, the tray."""
    rim, inner_rim = panel.rim, panel.rim * 0.6
    return [
        Rect(window.x - rim, window.y - rim, window.w + 2 * rim, window.h + 2 * rim,
             panel.palette.dark, radius_mm=window.radius_mm + rim),
        Rect(window.x - inner_rim, window.y - inner_rim, window.w + 2 * inner_rim,
             window.h + 2 * inner_rim, WHITE, radius_mm=window.radius_mm + inner_rim),
        window,
    ]  # fmt: skip


def _shown(accessories: Sequence[str]) -> list[str]:
    return [a for a in accessories if a.strip()][:MAX_ACCESSORIES]


def _accessory_slots(
    panel: _Panel, window: Rect, shown: Sequence[str]
) -> tuple[list[Element], float]:
    """Accessory cavities down the right side of the blister, and where the figure's space
    ends (x) beside them."""
    u = panel.u
    pad = 2.5 * u
    if not shown:
        return [], window.x + window.w - pad
    slot_w = 27.0 * u
    gap = 2.5 * u
    slot_h = min((window.h - 2 * pad - 3 * gap) / 4.0, 30.0 * u)
    slot_x = window.x + window.w - pad - slot_w
    stack = len(shown) * slot_h + (len(shown) - 1) * gap
    slot_y = window.y + (window.h - stack) / 2.0
    elements: list[Element] = []
    for label in shown:
        elements += _accessory_slot(panel, label, slot_x, slot_y, slot_w, slot_h)
        slot_y += slot_h + gap
    return elements, slot_x - pad


def _figure(
    panel: _Panel, window: Rect, figure_right: float, art: Image.Image
) -> tuple[Ellipse, Picture]:
    """The glow behind the figure, and the figure standing on the tray floor, clipped by the
    window's corners."""
    u = panel.u
    pad = 2.5 * u
    glow = Ellipse(
        (window.x + pad + figure_right) / 2.0, window.y + window.h * 0.44,
        (figure_right - window.x - pad) * 0.46, window.h * 0.36, panel.palette.glow,
    )  # fmt: skip
    figure_art = cutout_trimmed(art)
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
    return glow, figure


def _gloss(panel: _Panel, window: Rect) -> list[Element]:
    """Light catching the blister's plastic."""
    u = panel.u
    gx, gy = window.x + 4.0 * u, window.y + 4.0 * u
    return [
        Line(gx, gy + 14.0 * u, gx + 14.0 * u, gy, WHITE, 1.3 * u),
        Line(gx + 1.0 * u, gy + 20.0 * u, gx + 20.0 * u, gy + 1.0 * u, WHITE, 0.6 * u),
    ]


def _ai_mark(panel: _Panel) -> tuple[list[Element], float]:
    """Footer, left: the AI-generated mark in a pill; and the pill's width."""
    u, left, bold = panel.u, panel.left, panel.bold
    mark_text = _("AI-generated")
    mark_h = 6.5 * u
    mark_pad = 2.5 * u
    mark_lines, mark_pt = fit_text(
        mark_text, bold, max_width=panel.content_w * 0.45, max_height=mark_h * 0.62,
        max_pt=8.5 * u, min_pt=max(5.0 * u, panel.min_pt), max_lines=1,
    )  # fmt: skip
    mark_w = bold.span_mm(mark_text, mark_pt) + 2 * mark_pad
    mark_y = panel.footer_y + panel.footer_h - mark_h
    pill = Rect(left, mark_y, mark_w, mark_h, WHITE, panel.palette.dark, 0.4 * u, mark_h / 2)
    runs = text_lines(
        mark_lines, mark_pt, bold, centre_x=left + mark_w / 2, top=mark_y, height=mark_h,
        fill=BLACK, role="ai_mark",
    )  # fmt: skip
    return [pill, *runs], mark_w


def _order_code(
    panel: _Panel, order_code: str | None, mark_w: float
) -> tuple[list[Element], QRMatrix | None]:
    """Footer, right: the order's QR code and number (none on the customer's preview)."""
    if not order_code:
        return [], None
    u, footer_y, footer_h = panel.u, panel.footer_y, panel.footer_h
    qr = QRMatrix(
        value=order_code,
        modules=qr_modules(order_code),
        x=panel.right - footer_h,
        y=footer_y,
        size=footer_h,
        quiet=2,
        dark=BLACK,
        light=WHITE,
    )
    elements: list[Element] = [Rect(qr.x, qr.y, qr.size, qr.size, WHITE, radius_mm=0.8 * u), qr]
    code_box_w = panel.content_w - mark_w - footer_h - 4.0 * u
    code_lines, code_pt = fit_text(
        order_code, panel.regular, max_width=code_box_w, max_height=3.6 * u,
        max_pt=max(7.5 * u, panel.min_pt), min_pt=max(4.5 * u, panel.min_pt), max_lines=1,
    )  # fmt: skip
    code_w = panel.regular.span_mm(order_code, code_pt)
    elements += text_lines(
        code_lines, code_pt, panel.regular, centre_x=qr.x - 2.0 * u - code_w / 2,
        top=footer_y + footer_h - 3.6 * u, height=3.6 * u,
        fill=small_ink(panel.palette.on_background, code_pt),
        role="order_code",
    )  # fmt: skip
    return elements, qr


def _accessory_slot(
    panel: _Panel, label: str, x: float, y: float, w: float, h: float
) -> list[Element]:
    """A cavity with a round badge (the label's initial) and the label under it."""
    palette, bold, u = panel.palette, panel.bold, panel.u
    elements: list[Element] = [Rect(x, y, w, h, palette.slot, palette.dark, 0.35 * u, 3.0 * u)]
    radius = min(w, h) * 0.25
    cx, cy = x + w / 2.0, y + 2.0 * u + radius
    elements.append(Ellipse(cx, cy, radius, radius, palette.accent, palette.dark, 0.5 * u))
    initial = _initial(label)
    badge = bold.covering(initial)  # a Japanese label's initial is set in the fallback font
    initial_pt = floor_pt(radius * 1.05 / (badge.cap_height * PT))
    initial_w = badge.width_mm(initial, initial_pt)
    elements.append(
        TextRun(
            text=initial,
            x=cx - initial_w / 2.0,
            baseline=cy + badge.cap_height * initial_pt * PT / 2.0,
            size_pt=initial_pt,
            font=badge.path,
            fill=palette.on_accent,
            width_mm=initial_w,
            role="initial",
        )
    )
    label_top = cy + radius + 1.0 * u
    label_h = y + h - 1.2 * u - label_top
    lines, size = _label_fit(panel, label, max_width=w - 2.4 * u, max_height=label_h)
    elements += text_lines(
        lines, size, bold, centre_x=cx, top=label_top, height=label_h,
        fill=small_ink(palette.on_slot, size), role="accessory", pitch=0.95,
    )  # fmt: skip
    return elements


def _label_fit(
    panel: _Panel, label: str, *, max_width: float, max_height: float
) -> tuple[tuple[str, ...], float]:
    """An accessory label's lines and size: the whole label where it fits at the minimum
    size, else shortened by rule: cut after its last whole word that fits (inside a word
    without spaces), ending in an ellipsis."""
    max_pt = max(7.5 * panel.u, panel.min_pt)
    min_pt = max(5.5 * panel.u, panel.min_pt)

    def fit(text: str) -> tuple[tuple[str, ...], float]:
        return fit_text(
            text, panel.bold, max_width=max_width, max_height=max_height,
            max_pt=max_pt, min_pt=min_pt, pitch=0.95,
        )  # fmt: skip

    lines, size = fit(label)
    if size >= panel.min_pt:
        return lines, size
    for shorter in shortened(label):
        lines, size = fit(shorter)
        if size >= panel.min_pt:
            break
    return lines, size


def shortened(text: str) -> list[str]:
    """Ever shorter forms of `text` ending in an ellipsis: whole words dropped from the end,
    then (for a single word) characters."""
    words = text.split()
    forms = [" ".join(words[:k]).rstrip(",;:-") + ELLIPSIS for k in range(len(words) - 1, 0, -1)]
    first = words[0] if words else text
    forms += [first[:n] + ELLIPSIS for n in range(len(first) - 1, 0, -1)]
    return forms


def _initial(label: str) -> str:
    for ch in label:
        if ch.isalnum():
            return ch.upper()
    return "\u2605"  # a star for a label without letters
