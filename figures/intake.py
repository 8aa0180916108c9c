"""Photo intake: turn an untrusted upload into a clean, metadata-free JPEG of one face.

Pure: no models, no database, no file written (the upload exists only in memory); callers
pass the limits from figures.conf, and the minimisation options (figures.minimise: keep only
the person) come from the settings unless passed. The format is decided from the bytes,
never from the file name or the client's content type. OpenCV is imported lazily so the
web process boots lean.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from figures.minimise import MinimiseOptions, photo_minimise

if TYPE_CHECKING:
    import numpy as np

Box = tuple[int, int, int, int]

JPEG_QUALITY = 90
# Faces are looked for on a copy whose longest side is at most this: fast and plenty.
DETECTION_SIDE = 640
# A "clear" face spans at least this fraction of the photo's short side.
MIN_FACE_FRACTION = 0.08
# Faces under this fraction of the main face's area are background people, not subjects.
BACKGROUND_FACE_AREA = 0.25

_BASE_FORMATS = ("JPEG", "PNG", "WEBP")
# Formats that may legitimately hold several frames; only these count as animation.
# (MPO: phone JPEGs with a depth or gain map; HEIF: image collections, we use the primary.)
_ANIMATABLE_FORMATS = frozenset({"PNG", "WEBP", "GIF"})

# Magic bytes of image formats we recognise but do not accept, so the customer is told
# "unsupported format" rather than "not an image".
_OTHER_IMAGE_MAGIC: tuple[tuple[int, bytes], ...] = (
    (0, b"BM"),  # BMP
    (0, b"II*\x00"),  # TIFF little-endian
    (0, b"MM\x00*"),  # TIFF big-endian
    (0, b"\x00\x00\x01\x00"),  # ICO
    (0, b"8BPS"),  # Photoshop
    (0, b"\xff\x0a"),  # JPEG XL codestream
    (0, b"\x00\x00\x00\x0cJXL "),  # JPEG XL container
    (0, b"\x00\x00\x00\x0cjP  "),  # JPEG 2000
    (0, b"\xff\x4f\xff\x51"),  # JPEG 2000 codestream
    (0, b"qoif"),  # QOI
)
_ISOBMFF_IMAGE_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)


@dataclass(frozen=True)
class CleanPhoto:
    jpeg: bytes  # re-encoded, metadata-free
    width: int
    height: int
    face_box: Box  # x, y, w, h in the cleaned image
    sha256: str  # of jpeg


class PhotoRejected(Exception):
    """The upload cannot be used; `message` is safe and meant for the customer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# --- public API -------------------------------------------------------------------------


def photo_clean(
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    min_side: int,
    minimise: MinimiseOptions | None = None,
) -> CleanPhoto:
    """Validate an uploaded photo and return it re-encoded without any metadata, minimised
    to the subject's head and shoulders with the background and other faces made
    unrecoverable (figures.minimise; `minimise` defaults to the MINIME_PHOTO_* settings).

    Raises PhotoRejected with a machine code and a translated message for anything the
    customer should fix (wrong format, too big, too small, no single clear face...).
    """
    if not data:
        raise PhotoRejected("empty", gettext("The file is empty. Please choose a photo."))
    if len(data) > max_bytes:
        raise PhotoRejected(
            "too_large_bytes",
            gettext("The file is too large. Please upload a photo of at most %(limit)s MB.")
            % {"limit": _format_mb(max_bytes)},
        )

    image = _open(data, max_pixels=max_pixels)
    try:
        if image.format in _ANIMATABLE_FORMATS and getattr(image, "is_animated", False):
            raise _animated()
        if min(image.size) < min_side:
            # Orientation only swaps the sides, so the header size is enough here.
            raise _too_small(min_side)
        _decode(image)
        rgb = _to_srgb(_upright(image))
    finally:
        image.close()

    # A brand-new image from raw pixels: no info dict, so no EXIF, GPS, XMP, ICC, comment.
    clean = Image.frombytes("RGB", rgb.size, rgb.tobytes())
    del rgb  # halve peak memory on large photos
    face_box = _single_face(detect_faces(clean))
    clean, face_box = photo_minimise(
        clean, face_box, minimise if minimise is not None else MinimiseOptions.from_settings()
    )
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    jpeg = out.getvalue()
    return CleanPhoto(
        jpeg=jpeg,
        width=clean.width,
        height=clean.height,
        face_box=face_box,
        sha256=hashlib.sha256(jpeg).hexdigest(),
    )


def detect_faces(image: Image.Image) -> list[Box]:
    """Clear, front-facing faces in `image` as (x, y, w, h), largest first.

    Haar's default frontal cascade finds candidates on a downscaled grayscale copy; each
    candidate must be confirmed by the independent alt2 cascade, which removes most of the
    default cascade's false positives (shoulders, patterned cloth).
    """
    import cv2
    import numpy as np

    gray = image.convert("L")
    scale = min(1.0, DETECTION_SIDE / max(gray.size))
    if scale < 1.0:
        small_size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
        gray = gray.resize(small_size, Image.Resampling.BILINEAR)
    pixels = cv2.equalizeHist(np.asarray(gray, dtype=np.uint8))
    min_face = max(24, round(min(pixels.shape) * MIN_FACE_FRACTION))

    detector, verifier = haar_cascades()
    candidates = detector.detectMultiScale(
        pixels, scaleFactor=1.1, minNeighbors=5, minSize=(min_face, min_face)
    )
    confirmed = [
        _as_box(box) for box in candidates if confirmed_face(verifier, pixels, _as_box(box))
    ]
    faces = _without_duplicates(confirmed)

    width, height = image.size
    mapped = []
    for x, y, w, h in faces:
        fx, fy = round(x / scale), round(y / scale)
        fw, fh = min(round(w / scale), width - fx), min(round(h / scale), height - fy)
        mapped.append((fx, fy, fw, fh))
    return mapped


# --- opening and decoding ---------------------------------------------------------------


def _open(data: bytes, *, max_pixels: int) -> ImageFile.ImageFile:
    """Open lazily (header only), restricted to accepted formats, size-checked."""
    formats = _accepted_formats()
    # Never trust a limit above Pillow's own; both are checked before any pixel is decoded.
    if Image.MAX_IMAGE_PIXELS is not None:
        max_pixels = min(max_pixels, int(Image.MAX_IMAGE_PIXELS))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=formats)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        raise _unidentified(data) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Recognised signature but a broken header.
        raise _truncated() from exc

    if not isinstance(image, ImageFile.ImageFile):  # pragma: no cover - Image.open contract
        raise _not_image()
    width, height = image.size
    if width <= 0 or height <= 0:
        image.close()
        raise _not_image()
    if width * height > max_pixels:
        image.close()
        raise _too_many_pixels(max_pixels)
    return image


def _decode(image: ImageFile.ImageFile) -> None:
    try:
        with _strict_decoding():
            image.load()
    except EOFError as exc:
        raise _truncated() from exc
    except (OSError, SyntaxError, ValueError, MemoryError) as exc:
        if "truncated" in str(exc).lower() or "broken" in str(exc).lower():
            raise _truncated() from exc
        raise PhotoRejected(
            "not_image",
            gettext(
                "This photo could not be read; the file seems to be damaged. "
                "Please export it again as JPEG or PNG and upload it."
            ),
        ) from exc


_truncation_lock = threading.Lock()


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Make sure a cut-off file fails instead of decoding as a half-grey picture.

    The flag is a Pillow module global; it is only touched (under a lock) in the unusual
    case that something in the process switched it on.
    """
    if not ImageFile.LOAD_TRUNCATED_IMAGES:
        yield
        return
    with _truncation_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


@cache
def _accepted_formats() -> tuple[str, ...]:
    """JPEG, PNG, WebP, plus HEIF when pillow-heif is installed (registered once)."""
    try:
        from pillow_heif import register_heif_opener
    except ImportError:
        return _BASE_FORMATS
    register_heif_opener()
    return (*_BASE_FORMATS, "HEIF")


def _unidentified(data: bytes) -> PhotoRejected:
    """Pillow refused the bytes: say whether it is another image format or no image."""
    head = data[:64]
    if head.startswith((b"GIF87a", b"GIF89a")):
        return _animated() if _gif_frames(data) > 1 else _unsupported()
    if any(head[offset:].startswith(magic) for offset, magic in _OTHER_IMAGE_MAGIC):
        return _unsupported()
    if head[4:8] == b"ftyp" and head[8:12] in _ISOBMFF_IMAGE_BRANDS:
        return _unsupported()  # HEIC without pillow-heif, or AVIF
    text_head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) and b"<svg" in text_head:
        return _unsupported()
    return _not_image()


def _gif_frames(data: bytes) -> int:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["GIF"]) as gif:
                return int(getattr(gif, "n_frames", 1))
    except Exception:  # only sniffing for a better message; any failure means "not animated"
        return 1


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation; unreadable EXIF leaves the pixels as stored."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:  # metadata is advisory and about to be discarded anyway
        return image.copy()


# --- colour -----------------------------------------------------------------------------


def _to_srgb(image: Image.Image) -> Image.Image:
    """An RGB image in sRGB with any alpha flattened onto white."""
    icc = image.info.get("icc_profile")
    alpha: Image.Image | None = None

    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        image = _sixteen_bit_to_l(image)
    elif mode in ("P", "PA", "LA", "La", "RGBa"):
        # P may carry transparency; RGBA makes every alpha case one case.
        image = image.convert("RGBA")
    elif mode == "1":
        image = image.convert("L")
    elif mode not in ("RGB", "RGBA", "L", "CMYK"):
        image = image.convert("RGB")

    if image.mode == "RGBA":
        alpha = image.getchannel("A")
        image = image.convert("RGB")

    rgb = _icc_to_srgb(image, icc) if icc else None
    if rgb is None:
        rgb = image.convert("RGB")

    if alpha is not None and alpha.getextrema() != (255, 255):
        flat = Image.new("RGB", rgb.size, (255, 255, 255))
        flat.paste(rgb, mask=alpha)
        rgb = flat
    return rgb


def _icc_to_srgb(image: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert through the embedded profile; None when it cannot be used."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, _srgb_profile(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None
    return converted


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _sixteen_bit_to_l(image: Image.Image) -> Image.Image:
    import numpy as np

    # 16-bit samples (PNG stores 0..65535); anything wider is clipped to that range.
    scaled = np.clip(np.asarray(image), 0, 65535) / 257.0
    return Image.fromarray(np.round(scaled).astype(np.uint8), mode="L")


# --- faces ------------------------------------------------------------------------------


_per_thread = threading.local()


def haar_cascades() -> tuple[Any, Any]:
    """Loaded once per thread: OpenCV does not promise a shared classifier is thread-safe."""
    cached: tuple[Any, Any] | None = getattr(_per_thread, "cascades", None)
    if cached is not None:
        return cached
    import cv2

    root = cv2.data.haarcascades  # type: ignore[attr-defined]
    detector = cv2.CascadeClassifier(root + "haarcascade_frontalface_default.xml")
    verifier = cv2.CascadeClassifier(root + "haarcascade_frontalface_alt2.xml")
    if detector.empty() or verifier.empty():  # pragma: no cover - broken OpenCV install
        raise RuntimeError("OpenCV's Haar face cascades could not be loaded")
    _per_thread.cascades = (detector, verifier)
    return detector, verifier


def confirmed_face(verifier: Any, pixels: np.ndarray, box: Box) -> bool:
    x, y, w, h = box
    margin = round(w * 0.3)
    x0, y0 = max(0, x - margin), max(0, y - margin)
    region = pixels[y0 : y + h + margin, x0 : x + w + margin]
    found = verifier.detectMultiScale(
        region,
        scaleFactor=1.1,
        minNeighbors=3,
        minSize=(round(w * 0.6), round(h * 0.6)),
        maxSize=(round(w * 1.6), round(h * 1.6)),
    )
    return len(found) > 0


def _as_box(values: Any) -> Box:
    x, y, w, h = (int(v) for v in values)
    return (x, y, w, h)


def _without_duplicates(boxes: list[Box]) -> list[Box]:
    """Largest first; drop any box that mostly overlaps one already kept."""
    kept: list[Box] = []
    for box in sorted(boxes, key=lambda b: b[2] * b[3], reverse=True):
        if all(_overlap_of_smaller(box, other) < 0.5 for other in kept):
            kept.append(box)
    return kept


def _overlap_of_smaller(a: Box, b: Box) -> float:
    ix = max(0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    smaller = min(a[2] * a[3], b[2] * b[3])
    return (ix * iy) / smaller if smaller else 0.0


def _single_face(faces: list[Box]) -> Box:
    """The one subject's face; small faces far behind the subject do not count."""
    if not faces:
        raise PhotoRejected(
            "no_face",
            gettext("No face found. Please upload a clear, front-facing photo of one person."),
        )
    main = max(faces, key=lambda b: b[2] * b[3])
    main_area = main[2] * main[3]
    others = [b for b in faces if b is not main and b[2] * b[3] >= BACKGROUND_FACE_AREA * main_area]
    if others:
        raise PhotoRejected(
            "several_faces",
            gettext("Several faces found: please crop the photo to one person."),
        )
    return main


# --- messages ---------------------------------------------------------------------------


def _format_mb(limit: int) -> str:
    return f"{limit / (1024 * 1024):.3g}"


def _unsupported() -> PhotoRejected:
    return PhotoRejected(
        "unsupported_format",
        gettext(
            "This image format is not supported. Please upload a JPEG, PNG, WebP or HEIC photo."
        ),
    )


def _not_image() -> PhotoRejected:
    return PhotoRejected(
        "not_image",
        gettext("This file is not a photo. Please upload a JPEG, PNG, WebP or HEIC image."),
    )


def _truncated() -> PhotoRejected:
    return PhotoRejected(
        "truncated",
        gettext(
            "This photo is incomplete or damaged (perhaps the upload was cut off). "
            "Please try uploading it again."
        ),
    )


def _animated() -> PhotoRejected:
    return PhotoRejected(
        "animated",
        gettext("Animated images are not supported. Please upload a still photo."),
    )


def _too_many_pixels(max_pixels: int) -> PhotoRejected:
    return PhotoRejected(
        "too_many_pixels",
        gettext(
            "The photo's dimensions are too large. Please upload a photo of at most "
            "%(megapixels)s megapixels."
        )
        % {"megapixels": f"{max_pixels / 1_000_000:g}"},
    )


def _too_small(min_side: int) -> PhotoRejected:
    return PhotoRejected(
        "too_small",
        gettext(
            "The photo is too small. Please upload one at least %(size)s pixels on its "
            "shorter side."
        )
        % {"size": min_side},
    )
