"""Printer profiles: a setting selects what the print provider asks of a file, and a system
check reports a profile that cannot work before the first order is rendered."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from printing.conf import printing_settings
from printing.press.profiles import FOGRA39_ICC, GHOSTSCRIPT_CMYK, PrinterProfileError


def printing_errors() -> list[str]:
    return [m.id for m in run_checks() if m.id and m.id.startswith("minime_printing.")]


def test_generic_is_the_default_and_gelato_asks_for_more():
    generic = printing_settings.PRINTER_PROFILE
    assert generic.name == "generic"
    assert (generic.bleed_mm, generic.min_text_pt) == (3.0, 6.0)
    assert printing_settings.BLEED_MM == 3.0
    with override_settings(MINIME_PRINTER_PROFILE="gelato"):
        gelato = printing_settings.PRINTER_PROFILE
        assert (printing_settings.BLEED_MM, printing_settings.MIN_TEXT_PT) == (4.0, 7.0)
        assert gelato.output_condition_identifier == "FOGRA39"
        assert printing_settings.ICC_PROFILE == FOGRA39_ICC
        assert printing_errors() == []  # scripts/system-deps.sh built its FOGRA39 profile


def test_a_custom_profile_is_a_dict_on_top_of_a_built_in():
    custom = {"base": "gelato", "name": "Druckerei Süd", "bleed_mm": 5, "crease_spot": "Rill"}
    with override_settings(MINIME_PRINTER_PROFILE=custom):
        profile = printing_settings.PRINTER_PROFILE
        assert (profile.name, profile.bleed_mm, profile.crease_spot) == ("Druckerei Süd", 5, "Rill")
        assert profile.min_text_pt == 7.0  # from gelato
        assert printing_settings.BLEED_MM == 5


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("quickprint", "minime_printing.E001"),
        ({"bleed": 3}, "minime_printing.E001"),
        ({"cut_spot": "Crease"}, "minime_printing.E001"),
        ({"min_text_pt": 0}, "minime_printing.E001"),
        ({"icc_profile": "/nonexistent/press.icc"}, "minime_printing.E002"),
        (
            {"icc_profile": "/usr/share/color/icc/ghostscript/default_rgb.icc"},
            "minime_printing.E003",
        ),
    ],
)
def test_a_profile_that_cannot_work_fails_the_system_check(value, error):
    with override_settings(MINIME_PRINTER_PROFILE=value):
        assert printing_errors() == [error]


def test_an_invalid_profile_is_refused_when_read():
    with (
        override_settings(MINIME_PRINTER_PROFILE={"bleed_mm": -1}),
        pytest.raises(PrinterProfileError),
    ):
        printing_settings.PRINTER_PROFILE


def test_the_generic_profile_uses_debians_cmyk_profile():
    assert printing_settings.ICC_PROFILE == GHOSTSCRIPT_CMYK
    assert printing_errors() == []
