"""IPTC XMP spliced into PNG and JPEG bytes: pixels untouched, one packet, readable back."""

import io

import pytest
from PIL import Image

from core.provenance import xmp


def _encoded(fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    if params.pop("exif", False):
        exif = Image.Exif()
        exif[0x0131] = "camera"  # Software
        params["exif"] = exif.tobytes()
    Image.new("RGB", (40, 30), (10, 200, 90)).save(buffer, format=fmt, **params)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("fmt", "mime", "params"),
    [("PNG", "image/png", {}), ("JPEG", "image/jpeg", {}), ("JPEG", "image/jpeg", {"exif": True})],
)
def test_xmp_is_spliced_in_once_and_pixels_stay(fmt, mime, params):
    original = _encoded(fmt, **params)
    packet = xmp.xmp_packet(xmp.TRAINED, creator_tool="Mini-Me Merch/test")
    once = xmp.with_xmp(original, mime, packet)
    twice = xmp.with_xmp(once, mime, xmp.xmp_packet(xmp.COMPOSITE, creator_tool="x"))

    assert xmp.digital_source_type(xmp.read_xmp(once, mime)) == xmp.TRAINED
    assert xmp.digital_source_type(xmp.read_xmp(twice, mime)) == xmp.COMPOSITE  # replaced
    assert twice.count(b"Iptc4xmpExt:DigitalSourceType=") == 1
    assert xmp.read_xmp(original, mime) is None
    with Image.open(io.BytesIO(twice)) as image:
        image.load()
        assert image.tobytes() == Image.open(io.BytesIO(original)).tobytes()
        if mime == "image/jpeg":  # Pillow finds the APP1 packet; Exif stays readable
            assert b"compositeWithTrainedAlgorithmicMedia" in image.info["xmp"]
            assert ("exif" in params) == (image.getexif().get(0x0131) == "camera")


def test_pillow_reads_our_png_packet():
    png = xmp.with_xmp(_encoded("PNG"), "image/png", xmp.xmp_packet(xmp.TRAINED, creator_tool="t"))
    with Image.open(io.BytesIO(png)) as image:
        assert "trainedAlgorithmicMedia" in str(image.info.get("XML:com.adobe.xmp"))


def test_broken_bytes_are_refused_not_mangled():
    with pytest.raises(xmp.XmpError):
        xmp.with_xmp(b"GIF89a....", "image/png", b"<x/>")
    with pytest.raises(xmp.XmpError):
        xmp.with_xmp(_encoded("PNG")[:20], "image/png", b"<x/>")
    assert xmp.read_xmp(b"\xff\xd8\xff\xe1\xff", "image/jpeg") is None
