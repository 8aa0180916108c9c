"""The box themes: one palette per theme, in process colours, shared by the packaging front and
every other product of the figure (sticker sheet, the box's other panels), so they all match.

The print file writes each colour exactly as its CMYK here (k / K operands, nothing converted);
the customer's preview shows the same entry through the press profile (Colour.rgb). A theme
that is not (or no longer) here falls back to DEFAULT_THEME, in the preview and in print alike
(`palette_for`).
"""

from dataclasses import dataclass

from printing.press.colour import RICH_BLACK, WHITE, Colour


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
        dark=RICH_BLACK,
        title=Colour(0, 22, 90, 0),
        on_background=WHITE,
        accent=Colour(0, 22, 90, 0),
        on_accent=RICH_BLACK,
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


def palette_for(theme: str) -> Palette:
    """The theme's palette; an unknown theme gets DEFAULT_THEME's (see the module docstring)."""
    return PALETTES.get(theme, PALETTES[DEFAULT_THEME])
