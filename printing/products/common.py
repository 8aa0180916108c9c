"""What the product builders share: the AI note, the theme's colours, the figure cut-out and
checks on the customer's text and the render."""

from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageStat
from reportlab.lib.colors import CMYKColor

from printing.packaging.cutout import art_cutout
from printing.preflight import Preflight
from printing.press.fonts import unprintable
from printing.press.palettes import DEFAULT_THEME, PALETTES
from printing.products import ProductError, ProductSpec

AI_NOTE = "AI-generated image"


@dataclass(frozen=True)
class Theme:
    """The box theme's colours as reportlab takes them, from the shared palettes, so that every
    product of a figure (and the box's other panels) matches its packaging front."""

    background: CMYKColor  # the card colour
    on_background: CMYKColor  # text set on it
    title: CMYKColor  # the name on the card colour
    light: CMYKColor  # a light tint of the theme (sheet background, info card)
    dark: CMYKColor  # text on the light tint
    accent: CMYKColor  # badges
    on_accent: CMYKColor


def theme_for(box_theme: str) -> Theme:
    p = PALETTES.get(box_theme, PALETTES[DEFAULT_THEME])
    return Theme(
        background=p.background.reportlab(),
        on_background=p.on_background.reportlab(),
        title=p.title.reportlab(),
        light=p.window.reportlab(),
        dark=p.dark.reportlab(),
        accent=p.accent.reportlab(),
        on_accent=p.on_accent.reportlab(),
    )


def spec_size(spec: ProductSpec) -> tuple[float, float]:
    """The variant's trim size (mm); ProductError when it has none."""
    if not spec.width_mm or not spec.height_mm:
        raise ProductError(f"variant {spec.label!r} has no width/height in mm")
    return float(spec.width_mm), float(spec.height_mm)


def glyphs_check(check: Preflight, texts: list[str]) -> None:
    """Hold when no font (fallbacks included) sets a character of the customer's text (it
    would print as a box). The design form refuses such text; this catches older designs."""
    missing = unprintable(texts)
    if missing:
        check.hold(f"the font has no glyphs for {missing!r}: choose another font or edit the text")


def cover_crop(size: tuple[int, int], aspect: float) -> tuple[int, int, int, int]:
    """The centred part of an image of `size` with width/height = aspect."""
    w, h = size
    if w / h > aspect:
        crop_w = max(1, round(h * aspect))
        left = (w - crop_w) // 2
        return (left, 0, left + crop_w, h)
    crop_h = max(1, round(w / aspect))
    top = (h - crop_h) // 2
    return (0, top, w, top + crop_h)


def is_dark(image: Image.Image, box: tuple[int, int, int, int]) -> bool:
    region = image.crop(box).convert("L")
    return float(ImageStat.Stat(region).mean[0]) < 140


def figure_cutout(render: Image.Image) -> Image.Image:
    """The figure without its backdrop (packaging's cut-out), cropped to what is opaque."""
    cut = art_cutout(render).convert("RGBA")
    # The same threshold as packaging's own trim (cutout_trimmed), so it finds nothing more
    # to crop.
    bbox = cut.getchannel("A").point(lambda a: 255 if a > 8 else 0).getbbox()
    return cut.crop(bbox) if bbox else cut
