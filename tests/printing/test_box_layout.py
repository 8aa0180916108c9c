"""The box's typography in every theme with descender-heavy and maximum-length text: no two
words on the back overlap (pdftotext -bbox), no text is set below the printer profile's
minimum size, small text is 100 % K (or white), and what cannot fit is refused at the form."""

import subprocess
from functools import lru_cache

import pytest
from django.test import override_settings

from printing.packaging.layout import packaging_layout
from printing.pdf_inspect import pdf_inspect
from printing.press.palettes import PALETTES
from printing.press.profiles import printer_profile
from printing.products import build
from printing.products.box_back import box_text_problems
from printing.products.box_net import box_net_for
from tests.printing.test_box_die import box_spec, figure

MM = 72 / 25.4
NAMES = ("Jürgen Gygax-Pöpping", "Maximiliane Wolfensteins")  # descenders; 24 characters
TAGLINE = "Chief Coffee Officer, Keeper of Spreadsheets & Jelly Beans!!"  # 60 characters
ACCESSORIES = (
    "quantum yoga mat with glowing gyro grips",  # 40 characters, the form's maximum
    "jumping pogo-stick (gold)",
    "espresso cup",
    "laptop",
)
THEMES = sorted(PALETTES)
# One box per theme; the themes alternate between the two built-in profiles.
CASES = [(theme, ("generic", "gelato")[i % 2], NAMES[i % 2]) for i, theme in enumerate(THEMES)]


@lru_cache(maxsize=8)
def box(theme: str, profile: str, name: str) -> bytes:
    spec = box_spec(figure_name=name, tagline=TAGLINE, accessories=ACCESSORIES, box_theme=theme)
    with override_settings(MINIME_PRINTER_PROFILE=profile):
        result = build(spec, figure())
    assert "minimum size" not in (result.report.get("hold_reason") or "")
    return result.content


def words(data: bytes) -> list[tuple[str, float, float, float, float]]:
    """pdftotext -bbox: (word, xMin, yMin, xMax, yMax) in points from the page's top left."""
    html = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=data, check=True,
                          capture_output=True).stdout.decode()  # fmt: skip
    found: list[tuple[str, float, float, float, float]] = []
    for line in html.splitlines():
        line = line.strip()
        if line.startswith("<word "):
            attrs = dict(part.split("=") for part in line[6 : line.index(">")].split())
            text = line[line.index(">") + 1 : line.rindex("</word>")]
            x0, y0, x1, y1 = (float(attrs[k].strip('"')) for k in ("xMin", "yMin", "xMax", "yMax"))
            found.append((text, x0, y0, x1, y1))
    return found


def panel_pt(profile: str, panel: str) -> tuple[float, float, float, float]:
    """A net panel in pdftotext's coordinates (points, y down from the page top)."""
    p = printer_profile(profile)
    net = box_net_for(120, 180, board_mm=p.board_thickness_mm)
    x, y, w, h = net.panel(panel)
    page_h = net.size[1] + 2 * p.bleed_mm
    top = page_h - (p.bleed_mm + y + h)
    return ((x + p.bleed_mm) * MM, top * MM, (x + w + p.bleed_mm) * MM, (top + h) * MM)


def within(word: tuple, box: tuple) -> bool:
    _t, x0, y0, x1, y1 = word
    return x0 >= box[0] and y0 >= box[1] and x1 <= box[2] and y1 <= box[3]


@pytest.mark.parametrize(("theme", "profile", "name"), CASES)
def test_no_two_words_on_the_back_overlap(theme, profile, name):
    back = panel_pt(profile, "back")
    found = [w for w in words(box(theme, profile, name)) if within(w, back)]
    texts = " ".join(w[0] for w in found)
    for expected in (*name.split(), "Jelly", "Beans!!", "grips", "(gold)", "MM-000042-7"):
        assert expected in texts, expected
    for i, a in enumerate(found):
        for b in found[i + 1 :]:
            overlap_x = min(a[3], b[3]) - max(a[1], b[1])
            overlap_y = min(a[4], b[4]) - max(a[2], b[2])
            assert overlap_x <= 0.01 or overlap_y <= 0.01, (a, b)
    # The name (its descenders) stays clear of the tagline under it.
    name_bottom = max(w[4] for w in found if w[0] in name.split())
    tagline_top = min(w[2] for w in found if w[0] in TAGLINE.split())
    assert tagline_top > name_bottom


@pytest.mark.parametrize(("theme", "profile", "name"), CASES)
def test_no_word_is_smaller_than_the_profiles_minimum(theme, profile, name):
    floor = printer_profile(profile).min_text_pt
    sides = [panel_pt(profile, p) for p in ("side_left", "side_right")]
    for word in words(box(theme, profile, name)):
        _t, x0, y0, x1, y1 = word
        # Words on the sides read bottom to top: their height runs along x.
        height = x1 - x0 if any(within(word, side) for side in sides) else y1 - y0
        assert height >= floor - 0.01, word


def text_runs(data: bytes) -> list[tuple[float, tuple, tuple | None, int]]:
    """Every text run of the file as (effective size in pt, fill colour, stroke colour or None,
    render mode), read back by printing.pdf_inspect (CTM and text matrix applied)."""

    def colour(value: dict | None) -> tuple | None:
        if value is None:
            return None
        return (value["space"], *value["values"])

    return [
        (run["size_pt"], colour(run["fill"]), colour(run["stroke"]), run["mode"])
        for run in pdf_inspect(data)["text"]
    ]


K_ONLY = {("DeviceCMYK", 0, 0, 0, 1), ("DeviceCMYK", 0, 0, 0, 0)}  # 100 % K, or white (no ink)


@pytest.mark.parametrize(("theme", "profile", "name"), CASES)
def test_small_text_is_k_only_and_nothing_is_below_the_minimum(theme, profile, name):
    floor = printer_profile(profile).min_text_pt
    runs = text_runs(box(theme, profile, name))
    assert len(runs) > 30
    for size, fill, stroke, _mode in runs:
        assert size >= floor - 0.01, (size, fill)
        if size < 10.0:
            assert fill in K_ONLY, (size, fill)
            assert stroke is None, (size, stroke)


def test_long_accessories_are_shortened_on_the_front_by_rule_and_whole_on_the_back():
    with override_settings(MINIME_PRINTER_PROFILE="gelato"):
        layout = packaging_layout(
            name="Jürgen", tagline=TAGLINE, accessories=list(ACCESSORIES), box_theme="sunshine",
            art=figure(), width_mm=120, height_mm=180, order_code="MM-000042-7",
        )  # fmt: skip
    labels = layout.texts("accessory")
    assert all(run.size_pt >= 7.0 for run in layout.texts())
    shown = " ".join(run.text for run in labels)
    assert "…" in shown and "espresso cup" in shown and "laptop" in shown
    assert layout.too_small == ()
    back = " ".join(w[0] for w in words(box(THEMES[1], "gelato", NAMES[1])))
    assert "quantum yoga mat with glowing gyro grips" in back


def test_text_that_cannot_fit_at_the_minimum_size_is_refused_at_the_form():
    assert box_text_problems(NAMES[1], TAGLINE, ACCESSORIES) == {}
    with override_settings(MINIME_PRINTER_PROFILE="gelato"):
        assert box_text_problems(NAMES[1], TAGLINE, ACCESSORIES) == {}
    with override_settings(MINIME_PRINTER_PROFILE={"min_text_pt": 14.0}):
        problems = box_text_problems(NAMES[1], TAGLINE, ["", *ACCESSORIES])
        assert set(problems) == {"tagline"}
        assert "tagline" in problems["tagline"]
        assert box_text_problems(NAMES[1], "", ["", *ACCESSORIES]) == {}
    with override_settings(MINIME_PRINTER_PROFILE={"min_text_pt": 30.0}):
        assert set(box_text_problems(NAMES[1], TAGLINE, ["", *ACCESSORIES, ""])) == {
            "name", "tagline", "accessory_5",
        }  # fmt: skip
