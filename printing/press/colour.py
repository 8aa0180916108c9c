"""Colour management: process colours as they go to press, and both ways through the press
profile (printing_settings.ICC_PROFILE): CMYK to the screen (previews show what ink can give)
and sRGB images to CMYK (what the press prints)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageCms
from reportlab.lib.colors import CMYKColor

from printing.conf import printing_settings

JPEG_QUALITY = 92


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
BLACK = Colour(0, 0, 0, 100)  # small type, barcodes and QR codes: one plate, nothing to misregister
RICH_BLACK = Colour(60, 50, 40, 100)  # large areas and type on colour: 250 % ink, deep, still dries


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


@lru_cache(maxsize=4)
def _cmyk_transform(profile_path: str) -> ImageCms.ImageCmsTransform:
    srgb = ImageCms.createProfile("sRGB")
    cmyk = ImageCms.ImageCmsProfile(profile_path)
    return ImageCms.buildTransform(
        srgb, cmyk, "RGB", "CMYK", renderingIntent=ImageCms.Intent.PERCEPTUAL
    )


def to_cmyk(
    image: Image.Image, *, background: tuple[int, int, int] = (255, 255, 255)
) -> Image.Image:
    """sRGB (or RGBA, flattened onto `background`) -> CMYK through the output profile."""
    if image.mode == "CMYK":
        return image
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    result = ImageCms.applyTransform(image, _cmyk_transform(printing_settings.ICC_PROFILE))
    assert result is not None  # not in place
    # Pillow attaches the output profile; the PDF's OutputIntent carries it once instead.
    result.info.pop("icc_profile", None)
    return result


def cmyk_jpeg_bytes(image: Image.Image, *, quality: int = JPEG_QUALITY) -> bytes:
    """The image through the press profile as a CMYK JPEG."""
    buffer = io.BytesIO()
    to_cmyk(image).save(buffer, format="JPEG", quality=quality, optimize=False)
    return buffer.getvalue()
