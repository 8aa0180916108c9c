"""System checks of the printing settings (`manage.py check`, and at every start): a printer
profile that cannot be read would otherwise only show when the first paid order is rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core import checks
from PIL import ImageCms

from printing.conf import printing_settings
from printing.press.profiles import PrinterProfileError

HINT_ICC = (
    "Set MINIME_PRINTER_PROFILE = {'base': '<profile>', 'icc_profile': '/path/to/cmyk.icc'} "
    "to the CMYK profile your printer supplies, or run scripts/system-deps.sh as root (it "
    "installs Debian's ghostscript profile and builds FOGRA39 for 'gelato')."
)


@checks.register()
def printer_profile_check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    try:
        profile = printing_settings.PRINTER_PROFILE
    except PrinterProfileError as exc:
        return [
            checks.Error(
                f"MINIME_PRINTER_PROFILE is invalid: {exc}",
                hint="Use 'generic', 'gelato' or a dict of PrinterProfile fields (README).",
                id="minime_printing.E001",
            )
        ]
    path = Path(profile.icc_profile)
    if not path.is_file():
        return [
            checks.Error(
                f"The ICC profile of printer profile {profile.name!r} is missing: {path}",
                hint=HINT_ICC,
                id="minime_printing.E002",
            )
        ]
    try:
        space = ImageCms.ImageCmsProfile(str(path)).profile.xcolor_space.strip()
    except (OSError, ImageCms.PyCMSError) as exc:
        space = f"unreadable ({exc})"
    if space != "CMYK":
        return [
            checks.Error(
                f"The ICC profile {path} of printer profile {profile.name!r} is not a CMYK "
                f"output profile (colour space {space})",
                hint=HINT_ICC,
                id="minime_printing.E003",
            )
        ]
    return []
