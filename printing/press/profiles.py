"""Printer profiles: what one print provider asks of a print file.

`MINIME_PRINTER_PROFILE` selects one: a built-in name ("generic", the default, or "gelato"), or
a dict for a fully custom printer (its keys are PrinterProfile's fields; the ones left out come
from the profile named by its "base" key, default "generic"). Every product, batch and check
reads the bleed, margins, text floor, ICC profile and spot names from here, so a second printer
is a setting, not a code change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

# Debian's ghostscript CMYK profile (package libgs-common): a SWOP-like coated press
# condition, characterised by CGATS TR 001.
GHOSTSCRIPT_CMYK = "/usr/share/color/icc/ghostscript/default_cmyk.icc"
# FOGRA39 (ISO Coated v2 condition), built by scripts/system-deps.sh from the FOGRA39
# characterisation data Debian ships (scripts/icc-fogra39.sh); a printer's own file may replace it.
FOGRA39_ICC = "/usr/share/color/icc/minime/FOGRA39.icc"


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    bleed_mm: float  # art runs this far past every trim / outer cut
    safe_margin_mm: float  # text and important art stay this far inside the trim
    min_text_pt: float  # no text is set smaller; what would be is wrapped, shortened or refused
    icc_profile: str  # CMYK output profile: images are converted with it, the PDF embeds it
    output_condition_identifier: str  # the characterised condition, e.g. "FOGRA39"
    output_condition: str  # its human description
    registry_name: str  # where the identifier is registered
    cut_spot: str  # spot colour name of cut lines (kiss-cut contours and the box die)
    crease_spot: str  # spot colour name of crease (fold) lines
    board_thickness_mm: float  # folding carton calliper: the box net grows by it at each fold
    sheet_margin_mm: float = 5.0  # press sheets: marks and slug stay this far inside the edge

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


PROFILES: dict[str, PrinterProfile] = {
    "generic": PrinterProfile(
        name="generic",
        bleed_mm=3.0,
        safe_margin_mm=4.0,
        min_text_pt=6.0,
        icc_profile=GHOSTSCRIPT_CMYK,
        output_condition_identifier="CGATS TR 001",
        output_condition="Commercial offset, coated paper (SWOP, CGATS TR 001)",
        registry_name="http://www.color.org",
        cut_spot="CutContour",
        crease_spot="Crease",
        board_thickness_mm=0.4,
    ),
    # Gelato's file guidelines: 4 mm bleed, 7 pt minimum text, FOGRA39 (ISO Coated v2).
    "gelato": PrinterProfile(
        name="gelato",
        bleed_mm=4.0,
        safe_margin_mm=4.0,
        min_text_pt=7.0,
        icc_profile=FOGRA39_ICC,
        output_condition_identifier="FOGRA39",
        output_condition="Coated FOGRA39 (ISO 12647-2:2004)",
        registry_name="http://www.color.org",
        cut_spot="CutContour",
        crease_spot="Crease",
        board_thickness_mm=0.45,
    ),
}
DEFAULT_PROFILE = "generic"
FIELDS = frozenset(field.name for field in dataclasses.fields(PrinterProfile))


class PrinterProfileError(ValueError):
    """MINIME_PRINTER_PROFILE names no profile or holds unknown or invalid fields."""


def printer_profile(value: str | dict[str, Any] | None) -> PrinterProfile:
    """The profile a MINIME_PRINTER_PROFILE value selects (see the module docstring)."""
    if value is None:
        return PROFILES[DEFAULT_PROFILE]
    if isinstance(value, str):
        try:
            return PROFILES[value]
        except KeyError:
            raise PrinterProfileError(
                f"unknown printer profile {value!r}; built in: {', '.join(sorted(PROFILES))}"
            ) from None
    if not isinstance(value, dict):
        raise PrinterProfileError("MINIME_PRINTER_PROFILE is a profile name or a dict")
    fields = dict(value)
    base = printer_profile(str(fields.pop("base", DEFAULT_PROFILE)))
    unknown = set(fields) - FIELDS
    if unknown:
        raise PrinterProfileError(f"unknown printer profile fields: {', '.join(sorted(unknown))}")
    fields.setdefault("name", "custom")
    profile = dataclasses.replace(base, **fields)
    numbers = ("bleed_mm", "safe_margin_mm", "min_text_pt", "board_thickness_mm")
    for name in numbers:
        if not isinstance(getattr(profile, name), int | float) or getattr(profile, name) < 0:
            raise PrinterProfileError(f"printer profile {name} must be a number >= 0")
    if profile.min_text_pt <= 0 or profile.cut_spot == profile.crease_spot:
        raise PrinterProfileError(
            "printer profile needs min_text_pt > 0 and different cut and crease spot names"
        )
    return profile
