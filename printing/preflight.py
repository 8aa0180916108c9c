"""Preflight: every placed image at print resolution, and a check of the finished file.

The resolution rule (also written into every report under "rule"):

- Effective resolution = source pixels / printed inches, on the worse axis, counting only the
  part of the source that is printed (an art print crops the square render to the page).
- Every image reaches printing_settings.MIN_DPI (300) at its printed size. Below that it is
  upscaled first: the GPU upscaler named by printing_settings.UPSCALER when set, otherwise
  Lanczos resampling plus a mild unsharp mask. Either way the report carries a WARNING: the
  file is printable, the extra pixels are interpolated.
- Below a floor of real detail the line is HELD for staff (PrintItem.status "held" with the
  reason). The floor is printing_settings.HOLD_BELOW_DPI (150) for things held in the hand
  (stickers, the box: ~30 cm away) and scales with viewing distance: wall art (art prints and
  the digital download, the same composition) is looked at from ~60 cm, where the eye resolves
  half as much, so its floor is 150 x 30 / 60 = 75 dpi. Consequence with the default 1024 px
  render: A4 art prints (86 dpi) pass with an upscaling warning, A3 (61 dpi) and 30 x 40 cm
  (64 dpi) are held until the render is larger (MINIME_RENDER_SIZE=2048 passes all three).
- The upscaler adds pixels, not detail: the floor always counts source pixels.

The finished PDF is then read back (printing.pdf_inspect), independently of the code that drew
it: the placed size and pixels of every image (walking the content streams with their
transformation matrices), colour spaces, fonts and whether they are embedded, TrimBox /
BleedBox, spot colour separations, overprint, the OutputIntent, and every text run and stroke
with its size and colour. A problem there also holds the line, listed in the reason, so it
never reaches the press unnoticed: a box of the wrong size, a missing spot colour, anything
that keeps the file from being PDF/X-4 (printing.press.pdfx_check: a font not embedded, an RGB
colour, no OutputIntent, ...), text below the printer profile's minimum size, or small text /
hairlines in more than one process ink (printing.press.small_type).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.module_loading import import_string
from PIL import Image, ImageFilter

from printing.conf import printing_settings
from printing.pdf_inspect import pdf_inspect
from printing.press.small_type import small_type_problems

logger = logging.getLogger(__name__)

READING_DISTANCE_CM = 30
# How far away a product is looked at; the hold floor scales with READING_DISTANCE / this.
VIEWING_DISTANCE_CM = {
    "art_print": 60,
    "digital": 60,
    "sticker_sheet": READING_DISTANCE_CM,
    "box": READING_DISTANCE_CM,
}
# Images far sharper than needed are downsampled to this multiple of MIN_DPI (file size).
MAX_DPI_FACTOR = 2.0
BOX_TOLERANCE_MM = 0.1
REASON_MAX = 300

RULE_TEXT = (
    "effective dpi = source pixels / printed inches (worse axis, printed part only); below "
    "min_dpi the image is upscaled (GPU upscaler if configured, else Lanczos + unsharp) with a "
    "warning; below hold_floor_dpi of real source detail the line is held. hold_floor_dpi = "
    "hold_below_dpi x reading_distance_cm / viewing_distance_cm (wall art is seen from further "
    "away)."
)


def hold_floor_dpi(kind: str) -> float:
    viewing = VIEWING_DISTANCE_CM.get(kind, READING_DISTANCE_CM)
    return printing_settings.HOLD_BELOW_DPI * READING_DISTANCE_CM / viewing


# --- Upscaling --------------------------------------------------------------------------------


def _resample(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Lanczos with premultiplied alpha (no dark fringes around a cut-out)."""
    if image.mode == "RGBA":
        return image.convert("RGBa").resize(size, Image.Resampling.LANCZOS).convert("RGBA")
    if image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    return image.resize(size, Image.Resampling.LANCZOS)


def _unsharp(image: Image.Image, factor: float) -> Image.Image:
    # Mild: interpolation blurs edges over ~factor pixels; give back a little contrast.
    sharpen = ImageFilter.UnsharpMask(
        radius=min(3.0, max(1.0, 0.6 * factor)), percent=40, threshold=2
    )
    if image.mode == "RGBA":
        alpha = image.getchannel("A")
        rgb = image.convert("RGB").filter(sharpen)
        rgb.putalpha(alpha)
        return rgb
    return image.filter(sharpen)


def upscale(image: Image.Image, size: tuple[int, int]) -> tuple[Image.Image, str, list[str]]:
    """(image at `size`, method, warnings). The configured upscaler gets (image, factor) and
    may return any size; the result is resampled to exactly `size`."""
    factor = max(size[0] / image.width, size[1] / image.height)
    warnings: list[str] = []
    dotted = printing_settings.UPSCALER
    if dotted:
        try:
            upscaler = import_string(dotted)
            result = upscaler(image, factor)
            if result.mode != image.mode:
                result = result.convert(image.mode)
            if result.size != size:
                result = _resample(result, size)
            return result, f"upscaler {dotted}", warnings
        except Exception as exc:  # the print job goes on with resampling; the report says so
            logger.warning("Upscaler %s failed, resampling instead", dotted, exc_info=True)
            warnings.append(
                f"GPU upscaler {dotted} failed ({type(exc).__name__}: {exc}); "
                "used Lanczos resampling instead"
            )
    return _unsharp(_resample(image, size), factor), "lanczos+unsharp", warnings


# --- Planning images before they are placed ---------------------------------------------------


@dataclass
class PlannedImage:
    name: str
    source_px: tuple[int, int]
    used_px: tuple[int, int]
    output_px: tuple[int, int]
    placed_mm: tuple[float, float] | None  # None: the drawing code decides (packaging)
    bound_mm: tuple[float, float]  # the largest size it may be placed at
    actions: list[str] = field(default_factory=list)

    @property
    def scale(self) -> float:
        """Output pixels per source pixel (>1: upscaled)."""
        return min(self.output_px[0] / self.used_px[0], self.output_px[1] / self.used_px[1])


def _dpi(px: tuple[int, int], mm: tuple[float, float]) -> float:
    return min(px[0] / (mm[0] / 25.4), px[1] / (mm[1] / 25.4))


class Preflight:
    """Collects what a product builder places, then checks the finished file.

    `prepare()` brings an image to print resolution for a known printed size (or, with
    `exact=False`, for the largest size the drawing code may give it); `finish()` reads the
    PDF back and returns the JSON report."""

    def __init__(
        self,
        *,
        kind: str,
        label: str,
        trim_mm: tuple[float, float],
        bleed_mm: float,
        expect_separations: Iterable[str] = (),
    ) -> None:
        self.kind = kind
        self.label = label
        self.trim_mm = (float(trim_mm[0]), float(trim_mm[1]))
        self.bleed_mm = float(bleed_mm)
        self.expect_separations = tuple(expect_separations)
        self.min_dpi = printing_settings.MIN_DPI
        self.floor_dpi = hold_floor_dpi(kind)
        self.images: list[PlannedImage] = []
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.holds: list[str] = []
        # The same source at the same size is prepared once (three small stickers, one image).
        # Keyed by id() of the source: the entry holds the source, so the id stays its own.
        self._prepared: dict[tuple[Any, ...], tuple[Image.Image, Image.Image, PlannedImage]] = {}
        self._started = time.perf_counter()

    def prepare(
        self,
        image: Image.Image,
        *,
        name: str,
        w_mm: float,
        h_mm: float,
        crop: tuple[int, int, int, int] | None = None,
        exact: bool = True,
        size_px: tuple[int, int] | None = None,
    ) -> Image.Image:
        """The pixels to place for `name` printed at w_mm x h_mm (cropped to `crop` first).
        Upscales below MIN_DPI, downsamples far above it (or resamples to exactly `size_px`,
        e.g. a PNG of fixed pixel size); records what it did."""
        key = (id(image), crop, round(w_mm, 3), round(h_mm, 3), exact, size_px)
        if key in self._prepared:
            _source, pixels, earlier = self._prepared[key]
            self.images.append(dataclasses.replace(earlier, name=name))
            return pixels
        source = image
        source_px = image.size
        if crop is not None:
            image = image.crop(crop)
        used_px = image.size
        dpi = _dpi(used_px, (w_mm, h_mm))
        planned = PlannedImage(
            name=name,
            source_px=source_px,
            used_px=used_px,
            output_px=used_px,
            placed_mm=(round(w_mm, 2), round(h_mm, 2)) if exact else None,
            bound_mm=(round(w_mm, 2), round(h_mm, 2)),
        )
        if crop is not None:
            planned.actions.append(f"cropped to {used_px[0]} x {used_px[1]} px (printed part)")
        if size_px is not None or dpi < self.min_dpi or dpi > self.min_dpi * MAX_DPI_FACTOR:
            target_dpi = self.min_dpi if dpi < self.min_dpi else self.min_dpi * MAX_DPI_FACTOR
            target = size_px or (
                max(1, math.ceil(w_mm / 25.4 * target_dpi)),
                max(1, math.ceil(h_mm / 25.4 * target_dpi)),
            )
            if target[0] > used_px[0] or target[1] > used_px[1]:
                image, method, warnings = upscale(image, target)
                self.warnings.extend(warnings)
                planned.actions.append(
                    f"upscaled {target[0] / used_px[0]:.2f}x to {target[0]} x {target[1]} px "
                    f"({method})"
                )
            elif target != used_px:
                image = _resample(image, target)
                planned.actions.append(f"downsampled to {target[0]} x {target[1]} px")
            planned.output_px = image.size
        self.images.append(planned)
        self._prepared[key] = (source, image, planned)
        return image

    def warn(self, message: str) -> None:
        self.warnings.append(message)

    def hold(self, message: str) -> None:
        self.holds.append(message)

    def error(self, message: str) -> None:
        self.errors.append(message)

    # --- the finished file ---

    def finish(self, *, pdf: bytes | None = None, png: Image.Image | None = None) -> dict[str, Any]:
        file_info: dict[str, Any] = {}
        found: list[dict[str, Any]] = []
        if pdf is not None:
            file_info = pdf_inspect(pdf)
            found = [img for page in file_info["pages"] for img in page["images"]]
            self._check_file(file_info)
        images = [self._image_entry(planned, found) for planned in self.images]
        # Images the builder did not plan (drawn by other code) are checked as found.
        images += [self._unplanned_entry(extra) for extra in found if not extra["_seen"]]
        report: dict[str, Any] = {
            "version": 1,
            "product": self.kind,
            "variant": self.label,
            "format": "pdf" if pdf is not None else "png",
            "trim_mm": list(self.trim_mm),
            "bleed_mm": self.bleed_mm if pdf is not None else 0.0,
            "rule": {
                "min_dpi": self.min_dpi,
                "hold_below_dpi": printing_settings.HOLD_BELOW_DPI,
                "reading_distance_cm": READING_DISTANCE_CM,
                "viewing_distance_cm": VIEWING_DISTANCE_CM.get(self.kind, READING_DISTANCE_CM),
                "hold_floor_dpi": round(self.floor_dpi, 1),
                "upscaler": printing_settings.UPSCALER or "lanczos+unsharp",
                "text": RULE_TEXT,
            },
            "images": images,
        }
        if pdf is not None:
            page = file_info["pages"][0] if file_info["pages"] else {}
            report.update(
                pages=len(file_info["pages"]),
                bytes=len(pdf),
                boxes=page.get("boxes", {}),
                fonts=file_info["fonts"],
                separations=file_info["separations"],
                overprint=file_info["overprint"],
                output_intent=file_info["output_intent"],
                layers=file_info["layers"],
                pdfx_problems=file_info["pdfx_problems"],
                text=[_text_entry(run) for run in file_info["text"]],
                strokes=file_info["strokes"],
            )
        if png is not None:
            report.update(pixels=list(png.size), mode=png.mode)
        report.update(
            warnings=self.warnings,
            errors=self.errors,
            status="hold" if self.holds else ("warning" if self.warnings else "ok"),
            hold_reason=hold_reason(self.holds),
            holds=self.holds,
            seconds=round(time.perf_counter() - self._started, 3),
        )
        return report

    def _image_entry(self, planned: PlannedImage, found: list[dict[str, Any]]) -> dict[str, Any]:
        match = _find(found, planned.output_px)
        placed = planned.placed_mm
        if match is not None:
            match["_seen"] = True
            placed = (match["placed_mm"][0], match["placed_mm"][1])
        elif placed is None:
            # Not found in the file as prepared: judge it at the largest size it may take.
            placed = planned.bound_mm
            self.warnings.append(
                f"{planned.name}: not found in the PDF at its prepared size; checked at its "
                f"largest possible size {placed[0]:.0f} x {placed[1]:.0f} mm"
            )
        before = _dpi(planned.used_px, placed)
        after = _dpi(planned.output_px, placed)
        entry: dict[str, Any] = {
            "name": planned.name,
            "source_px": list(planned.source_px),
            "used_px": list(planned.used_px),
            "output_px": list(planned.output_px),
            "placed_mm": [round(placed[0], 2), round(placed[1], 2)],
            "effective_dpi_before": round(before, 1),
            "effective_dpi_after": round(after, 1),
            "actions": planned.actions,
        }
        if match is not None:
            entry["colorspace"] = match["colorspace"]
            entry["filter"] = match["filter"]
        self._judge(planned.name, before, after, planned.source_px, planned.used_px, placed)
        return entry

    def _unplanned_entry(self, found: dict[str, Any]) -> dict[str, Any]:
        dpi = _dpi(tuple(found["px"]), tuple(found["placed_mm"]))
        name = f"image {found['name']}"
        px = (found["px"][0], found["px"][1])
        self._judge(name, dpi, dpi, px, px, (found["placed_mm"][0], found["placed_mm"][1]))
        return {
            "name": name,
            "source_px": found["px"],
            "used_px": found["px"],
            "output_px": found["px"],
            "placed_mm": found["placed_mm"],
            "effective_dpi_before": round(dpi, 1),
            "effective_dpi_after": round(dpi, 1),
            "actions": [],
            "colorspace": found["colorspace"],
            "filter": found["filter"],
        }

    def _judge(
        self,
        name: str,
        before: float,
        after: float,
        source_px: tuple[int, int],
        used_px: tuple[int, int],
        placed: tuple[float, float],
    ) -> None:
        pixels = f"{source_px[0]} x {source_px[1]} px"
        if used_px != source_px:
            pixels += f" ({used_px[0]} x {used_px[1]} px printed)"
        if before < self.floor_dpi:
            need = max(
                math.ceil(placed[0] / 25.4 * self.floor_dpi),
                math.ceil(placed[1] / 25.4 * self.floor_dpi),
            )
            self.holds.append(
                f"{name} too small for {self.label}: {pixels} give "
                f"{before:.0f} dpi, below the {self.floor_dpi:.0f} dpi floor "
                f"(needs ~{need} px; render larger or choose a smaller size)"
            )
        elif before < self.min_dpi - 0.5:
            self.warnings.append(
                f"{name}: {before:.0f} dpi of real detail at {placed[0]:.0f} x {placed[1]:.0f} mm"
                f", upscaled to {after:.0f} dpi"
            )
        if after < self.min_dpi - 0.5:
            self.errors.append(f"{name}: {after:.0f} dpi in the file, below {self.min_dpi} dpi")

    def _check_file(self, info: dict[str, Any]) -> None:
        if len(info["pages"]) != 1:
            self.errors.append(f"expected 1 page, found {len(info['pages'])}")
        for page in info["pages"]:
            trim = page["boxes"].get("trim")
            bleed = page["boxes"].get("bleed")
            if trim is None or bleed is None:
                self.errors.append("TrimBox or BleedBox missing")
                continue
            tw, th = trim[2] - trim[0], trim[3] - trim[1]
            bw, bh = bleed[2] - bleed[0], bleed[3] - bleed[1]
            want_bleed = (self.trim_mm[0] + 2 * self.bleed_mm, self.trim_mm[1] + 2 * self.bleed_mm)
            if max(abs(tw - self.trim_mm[0]), abs(th - self.trim_mm[1])) > BOX_TOLERANCE_MM:
                self.errors.append(f"TrimBox is {tw:.1f} x {th:.1f} mm, not the product size")
            if max(abs(bw - want_bleed[0]), abs(bh - want_bleed[1])) > BOX_TOLERANCE_MM:
                self.errors.append(f"BleedBox is {bw:.1f} x {bh:.1f} mm, not trim + bleed")
            for img in page["images"]:
                if img["colorspace"] not in ("DeviceCMYK", "ICCBased(4)", "DeviceGray"):
                    self.warnings.append(
                        f"image {img['name']} is {img['colorspace']}, not CMYK "
                        "(the RIP converts it)"
                    )
        for name in self.expect_separations:
            if name not in info["separations"]:
                self.errors.append(f"spot colour {name} missing")
        if self.expect_separations and not info["overprint"]:
            self.errors.append("cut lines do not overprint")
        if self.errors:
            self.holds.append("file check failed: " + "; ".join(self.errors))
        # Fonts embedded, the OutputIntent, colour spaces: the PDF/X-4 check covers them.
        if info["pdfx_problems"]:
            self.holds.append("not PDF/X-4: " + "; ".join(info["pdfx_problems"]))
        small = small_type_problems(info, min_text_pt=printing_settings.MIN_TEXT_PT)
        if small:
            self.holds.append("small type: " + "; ".join(small))


def _text_entry(run: dict[str, Any]) -> dict[str, Any]:
    """A text run for the report: what, how large, in which colours."""
    return {key: run[key] for key in ("text", "size_pt", "font", "fill", "stroke")}


def _find(found: list[dict[str, Any]], px: tuple[int, int]) -> dict[str, Any] | None:
    """The image in the file that is the prepared one: the same pixel size, or within a few
    pixels of it (packaging trims transparent edges off the figure it is given)."""
    unseen = [img for img in found if not img["_seen"]]
    for img in unseen:
        if tuple(img["px"]) == px:
            return img
    for img in unseen:
        if all(abs(a - b) <= max(3, 0.01 * b) for a, b in zip(img["px"], px, strict=True)):
            return img
    return None


def hold_reason(holds: list[str]) -> str:
    text = " | ".join(holds)
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"
