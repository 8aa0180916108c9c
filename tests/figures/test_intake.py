"""figures.intake.photo_clean: hostile uploads are refused with a clear reason; good photos
come back upright, sRGB, metadata-free, with one face box. Every file is built in memory."""

import hashlib
import io
import random
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageCms, ImageFile
from skimage import data as skdata

from figures.intake import CleanPhoto, PhotoRejected, detect_faces, photo_clean
from figures.minimise import MinimiseOptions

# Decoding, orientation, colour and metadata are checked on the whole photo: minimisation
# (crop, cut-out) is off here and has its own tests (tests/figures/test_minimise.py).
LIMITS: dict[str, Any] = {
    "max_bytes": 20 * 1024 * 1024,
    "max_pixels": 40_000_000,
    "min_side": 512,
    "minimise": MinimiseOptions(remove_background=False),
}
XMP_PACKET = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Phone"/>'
    b'</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)
METADATA_MARKERS = (b"Exif", b"GPS", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"Phone")


# --- builders ---------------------------------------------------------------------------


@cache
def _astronaut_rgb() -> Image.Image:
    return Image.fromarray(skdata.astronaut()).resize((1024, 1024), Image.Resampling.LANCZOS)


def astronaut(size: int = 1024) -> Image.Image:
    image = _astronaut_rgb().copy()
    return image if size == 1024 else image.resize((size, size), Image.Resampling.LANCZOS)


def encode(image: Image.Image, format: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **params)
    return out.getvalue()


@cache
def astronaut_jpeg() -> bytes:
    return encode(astronaut(), "JPEG", quality=85)


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (52.0, 22.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (4.0, 53.0, 40.0),
        ExifTags.GPS.GPSMapDatum: "WGS-84",
    }
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def rotated_portrait_jpeg_with_metadata() -> bytes:
    """Upright 1024x768 astronaut stored sideways (768x1024) with EXIF orientation 6."""
    upright = astronaut().crop((0, 0, 1024, 768))
    stored = upright.transpose(Image.Transpose.ROTATE_90)
    return encode(
        stored,
        "JPEG",
        quality=90,
        exif=gps_exif(orientation=6),
        icc_profile=srgb_icc(),
        comment=b"shot on Phone",
        xmp=XMP_PACKET,
    )


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height RGB; the pixels are never allocated."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 4096)  # a few rows' worth; decoding must never start
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def minimal_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def two_frames(size: int = 64) -> list[Image.Image]:
    return [Image.new("RGB", (size, size), "red"), Image.new("RGB", (size, size), "blue")]


def animated(format: str) -> bytes:
    first, second = two_frames(600)
    return encode(first, format, save_all=True, append_images=[second], duration=100, loop=0)


def side_by_side(left: Image.Image, right: Image.Image) -> Image.Image:
    canvas = Image.new("RGB", (left.width + right.width, max(left.height, right.height)), "white")
    canvas.paste(left, (0, 0))
    canvas.paste(right, (left.width, 0))
    return canvas


def cat_jpeg() -> bytes:
    cat = Image.fromarray(skdata.chelsea()).resize((1200, 900), Image.Resampling.LANCZOS)
    return encode(cat, "JPEG", quality=90)


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="800" height="800">'
    b'<circle cx="400" cy="400" r="300" fill="peachpuff"/></svg>\n'
)


# --- hostile uploads ----------------------------------------------------------------------

HOSTILE: list[object] = [
    pytest.param(lambda: b"", {}, "empty", id="empty-bytes"),
    pytest.param(lambda: random.Random(7).randbytes(4096), {}, "not_image", id="random-bytes"),
    pytest.param(lambda: b"Dear shop, here is my photo.\n" * 40, {}, "not_image", id="text"),
    pytest.param(
        lambda: astronaut_jpeg()[: len(astronaut_jpeg()) // 2], {}, "truncated", id="jpeg-cut-half"
    ),
    pytest.param(
        lambda: encode(astronaut(), "PNG", compress_level=1)[:200_000],
        {},
        "truncated",
        id="png-cut-short",
    ),
    pytest.param(lambda: SVG, {}, "unsupported_format", id="svg"),
    pytest.param(minimal_pdf, {}, "not_image", id="pdf-named-jpg"),
    pytest.param(lambda: animated("GIF"), {}, "animated", id="gif-animated"),
    pytest.param(
        lambda: encode(astronaut(), "GIF"), {}, "unsupported_format", id="gif-single-frame"
    ),
    pytest.param(lambda: animated("PNG"), {}, "animated", id="apng"),
    pytest.param(lambda: animated("WEBP"), {}, "animated", id="webp-animated"),
    pytest.param(lambda: encode(astronaut(), "BMP"), {}, "unsupported_format", id="bmp"),
    pytest.param(lambda: encode(astronaut(), "TIFF"), {}, "unsupported_format", id="tiff"),
    pytest.param(astronaut_jpeg, {"max_bytes": 10_000}, "too_large_bytes", id="over-max-bytes"),
    pytest.param(
        lambda: png_declaring(60_000, 60_000), {}, "too_many_pixels", id="png-60000x60000"
    ),
    pytest.param(
        # Over our limit but under Pillow's own bomb threshold: our check must catch it.
        lambda: png_declaring(8_000, 6_000),
        {},
        "too_many_pixels",
        id="png-48mp-header",
    ),
    pytest.param(
        # A limit above Pillow's: Pillow's DecompressionBombWarning still means no.
        lambda: png_declaring(10_000, 10_000),
        {"max_pixels": 500_000_000},
        "too_many_pixels",
        id="png-100mp-pillow-warning",
    ),
    pytest.param(
        astronaut_jpeg, {"max_pixels": 1_000_000}, "too_many_pixels", id="real-jpeg-over-limit"
    ),
    pytest.param(lambda: encode(astronaut(400), "JPEG"), {}, "too_small", id="portrait-400x400"),
    pytest.param(cat_jpeg, {}, "no_face", id="cat-no-human-face"),
    pytest.param(
        lambda: encode(side_by_side(astronaut(), astronaut()), "JPEG", quality=90),
        {},
        "several_faces",
        id="two-astronauts",
    ),
]


@pytest.mark.parametrize(("build", "limits", "code"), HOSTILE)
def test_photo_clean_rejects_hostile_upload(
    build: Callable[[], bytes], limits: dict[str, int], code: str
) -> None:
    # given
    upload = build()

    # when
    with pytest.raises(PhotoRejected) as rejected:
        photo_clean(upload, **{**LIMITS, **limits})

    # then
    assert rejected.value.code == code
    assert rejected.value.message.strip()


def test_rejection_messages_state_limits() -> None:
    with pytest.raises(PhotoRejected) as too_big:
        photo_clean(b"\xff" * (2 * 1024 * 1024 + 1), **{**LIMITS, "max_bytes": 2 * 1024 * 1024})
    with pytest.raises(PhotoRejected) as no_face:
        photo_clean(cat_jpeg(), **LIMITS)
    with pytest.raises(PhotoRejected) as gif:
        photo_clean(animated("GIF"), **LIMITS)

    assert "2 MB" in too_big.value.message
    assert no_face.value.message == (
        "No face found. Please upload a clear, front-facing photo of one person."
    )
    assert gif.value.message.startswith("Animated images are not supported")


def test_truncated_file_is_rejected_even_if_pillow_was_told_to_tolerate_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    half = astronaut_jpeg()[: len(astronaut_jpeg()) // 2]

    with pytest.raises(PhotoRejected) as rejected:
        photo_clean(half, **LIMITS)

    assert rejected.value.code == "truncated"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the process-wide flag is restored


def test_pillow_global_pixel_limit_is_untouched() -> None:
    before = Image.MAX_IMAGE_PIXELS

    with pytest.raises(PhotoRejected):
        photo_clean(png_declaring(60_000, 60_000), **LIMITS)

    assert before == Image.MAX_IMAGE_PIXELS


# --- good photos --------------------------------------------------------------------------


def assert_metadata_free(photo: CleanPhoto) -> None:
    for marker in METADATA_MARKERS:
        assert marker not in photo.jpeg, marker
    with Image.open(io.BytesIO(photo.jpeg)) as image:
        assert image.format == "JPEG"
        assert image.mode == "RGB"
        assert image.size == (photo.width, photo.height)
        assert not set(image.info) & {"exif", "icc_profile", "comment", "xmp", "photoshop"}
        assert not image.getexif()


def assert_face_inside(photo: CleanPhoto) -> None:
    x, y, w, h = photo.face_box
    assert w > 0 and h > 0
    assert x >= 0 and x + w <= photo.width
    assert y >= 0 and y + h <= photo.height


def test_phone_jpeg_is_uprighted_and_stripped_of_all_metadata() -> None:
    # given a sideways-stored JPEG with GPS, orientation 6, ICC, comment and XMP
    upload = rotated_portrait_jpeg_with_metadata()
    with Image.open(io.BytesIO(upload)) as original:
        assert original.size == (768, 1024)
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"icc_profile", "comment", "xmp"} <= set(original.info)

    # when
    photo = photo_clean(upload, **LIMITS)

    # then the orientation is applied (sides swapped) and the face is found
    assert (photo.width, photo.height) == (1024, 768)
    assert_face_inside(photo)
    assert_metadata_free(photo)
    assert photo.sha256 == hashlib.sha256(photo.jpeg).hexdigest()


def test_face_box_is_on_the_astronauts_face() -> None:
    photo = photo_clean(astronaut_jpeg(), **LIMITS)

    x, y, w, h = photo.face_box
    # skimage's astronaut: the face sits around x 330..520, y 80..330 at 1024 px.
    assert 300 < x + w / 2 < 550
    assert 100 < y + h / 2 < 330
    assert 120 < w < 320


def test_png_with_alpha_is_flattened_onto_white() -> None:
    image = astronaut().convert("RGBA")
    alpha = Image.new("L", image.size, 255)
    alpha.paste(0, (0, 0, 1024, 40))  # a transparent strip along the top
    image.putalpha(alpha)

    photo = photo_clean(encode(image, "PNG", compress_level=1, exif=gps_exif()), **LIMITS)

    assert_metadata_free(photo)
    assert_face_inside(photo)
    with Image.open(io.BytesIO(photo.jpeg)) as cleaned:
        top = np.asarray(cleaned)[:30].reshape(-1, 3)
    assert top.mean() > 245  # white, not black


def test_webp_is_accepted() -> None:
    photo = photo_clean(encode(astronaut(), "WEBP", quality=90, exif=gps_exif()), **LIMITS)

    assert (photo.width, photo.height) == (1024, 1024)
    assert_metadata_free(photo)
    assert_face_inside(photo)


def test_jpeg_with_a_second_picture_is_not_taken_for_an_animation() -> None:
    # Phones write MPO JPEGs (depth or gain map as a second picture).
    upload = encode(astronaut(), "MPO", save_all=True, append_images=[astronaut(512)])
    with Image.open(io.BytesIO(upload)) as opened:
        assert (opened.format, getattr(opened, "n_frames", 1)) == ("MPO", 2)

    photo = photo_clean(upload, **LIMITS)

    assert (photo.width, photo.height) == (1024, 1024)
    assert_metadata_free(photo)


@pytest.mark.parametrize(
    "icc",
    [
        pytest.param(b"definitely not an ICC profile", id="garbage"),
        pytest.param(
            ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes(), id="wrong-space"
        ),
    ],
)
def test_unusable_icc_profile_falls_back_to_plain_rgb(icc: bytes) -> None:
    photo = photo_clean(encode(astronaut(), "JPEG", quality=90, icc_profile=icc), **LIMITS)

    assert_metadata_free(photo)
    assert_face_inside(photo)


def test_cmyk_jpeg_is_converted_to_rgb() -> None:
    photo = photo_clean(encode(astronaut().convert("CMYK"), "JPEG", quality=90), **LIMITS)

    assert_metadata_free(photo)
    assert_face_inside(photo)


def test_sixteen_bit_grayscale_png_is_accepted() -> None:
    gray = np.asarray(astronaut().convert("L"), dtype=np.uint16) * 257
    photo = photo_clean(encode(Image.fromarray(gray), "PNG"), **LIMITS)

    assert_face_inside(photo)
    with Image.open(io.BytesIO(photo.jpeg)) as cleaned:
        assert 60 < np.asarray(cleaned).mean() < 200  # scaled, not clipped to white


def test_heic_is_accepted() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()

    photo = photo_clean(encode(astronaut(640), "HEIF", quality=70, exif=gps_exif()), **LIMITS)

    assert (photo.width, photo.height) == (640, 640)
    assert_metadata_free(photo)
    assert_face_inside(photo)


def test_small_background_face_does_not_count() -> None:
    # given a close-up of the subject plus a much smaller person to the side
    close_up = astronaut().crop((200, 20, 700, 520)).resize((1024, 1024), Image.Resampling.LANCZOS)
    upload = encode(side_by_side(close_up, astronaut(512)), "JPEG", quality=90)
    assert len(detect_faces(Image.open(io.BytesIO(upload)))) == 2

    # when
    photo = photo_clean(upload, **LIMITS)

    # then the subject's face is the one kept
    assert photo.face_box[0] + photo.face_box[2] <= 1024


def test_detect_faces_maps_boxes_to_full_size() -> None:
    big = astronaut().resize((2048, 2048), Image.Resampling.BICUBIC)

    (small_box,) = detect_faces(astronaut())
    (big_box,) = detect_faces(big)

    for small, large in zip(small_box, big_box, strict=True):
        assert abs(large - 2 * small) <= 12


def test_importing_intake_does_not_load_opencv() -> None:
    code = "import sys, figures.intake; sys.exit('cv2' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
