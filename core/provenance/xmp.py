"""IPTC XMP in the image file itself: `Iptc4xmpExt:DigitalSourceType` in a PNG iTXt chunk
("XML:com.adobe.xmp") or a JPEG APP1 segment ("http://ns.adobe.com/xap/1.0/").

Written by splicing bytes, never by re-encoding: the pixels stay exactly as they were, and it
costs microseconds. core.provenance.sign writes it before signing, so the C2PA manifest's hash
covers it. Standard library only."""

from __future__ import annotations

import re
import struct
import zlib
from datetime import datetime
from xml.sax.saxutils import quoteattr

IPTC_SOURCE_TYPES = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC_SOURCE_TYPES + "trainedAlgorithmicMedia"
COMPOSITE = IPTC_SOURCE_TYPES + "compositeWithTrainedAlgorithmicMedia"

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_XMP_KEYWORD = b"XML:com.adobe.xmp"
JPEG_XMP_NAMESPACE = b"http://ns.adobe.com/xap/1.0/\x00"
_SOURCE_TYPE = re.compile(
    rb"Iptc4xmpExt:DigitalSourceType(?:=[\"']([^\"']+)[\"']|>([^<]+)<)", re.IGNORECASE
)


class XmpError(ValueError):
    """The bytes are not a PNG or JPEG this module can splice (truncated or malformed)."""


def xmp_packet(source_type: str, *, creator_tool: str, created: datetime | None = None) -> bytes:
    """An XMP packet saying how the image was made (IPTC digital source type), which tool made
    it and when. Also usable in a PDF's metadata stream."""
    attributes = [
        f"Iptc4xmpExt:DigitalSourceType={quoteattr(source_type)}",
        f"xmp:CreatorTool={quoteattr(creator_tool)}",
    ]
    if created is not None:
        attributes.append(f"xmp:CreateDate={quoteattr(created.isoformat(timespec='seconds'))}")
    body = "\n    ".join(attributes)
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        '    xmlns:xmp="http://ns.adobe.com/xap/1.0/"\n'
        f"    {body}/>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    ).encode()


def _png_chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(type, start, end) of each chunk, end exclusive (length + type + data + CRC)."""
    if not data.startswith(PNG_SIGNATURE):
        raise XmpError("not a PNG")
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            raise XmpError("truncated PNG chunk")
        chunks.append((kind, pos, end))
        pos = end
        if kind == b"IEND":
            break
    if not chunks or chunks[0][0] != b"IHDR":
        raise XmpError("PNG without IHDR")
    return chunks


def _is_png_xmp(data: bytes, start: int) -> bool:
    return data[start + 8 : start + 8 + len(PNG_XMP_KEYWORD) + 1] == PNG_XMP_KEYWORD + b"\x00"


def png_with_xmp(data: bytes, packet: bytes) -> bytes:
    """The PNG with `packet` as its only XMP iTXt chunk, placed right after IHDR."""
    chunks = _png_chunks(data)
    payload = PNG_XMP_KEYWORD + b"\x00\x00\x00\x00\x00" + packet  # uncompressed, no language
    chunk = struct.pack(">I", len(payload)) + b"iTXt" + payload
    chunk += struct.pack(">I", zlib.crc32(b"iTXt" + payload) & 0xFFFFFFFF)
    parts = [PNG_SIGNATURE]
    for kind, start, end in chunks:
        if kind == b"iTXt" and _is_png_xmp(data, start):
            continue
        parts.append(data[start:end])
        if kind == b"IHDR":
            parts.append(chunk)
    parts.append(data[chunks[-1][2] :])  # anything after IEND stays
    return b"".join(parts)


def _jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """(marker, start, end) of each segment before the scan data (SOS and on not included)."""
    if not data.startswith(b"\xff\xd8"):
        raise XmpError("not a JPEG")
    segments, pos = [], 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise XmpError("malformed JPEG segment")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA or 0xD0 <= marker <= 0xD9:
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            raise XmpError("truncated JPEG segment")
        segments.append((marker, pos, end))
        pos = end
    return segments


def jpeg_with_xmp(data: bytes, packet: bytes) -> bytes:
    """The JPEG with `packet` as its only XMP APP1 segment, after the JFIF/Exif headers."""
    payload = JPEG_XMP_NAMESPACE + packet
    if len(payload) + 2 > 0xFFFF:
        raise XmpError("XMP packet too large for one APP1 segment")
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    segments = _jpeg_segments(data)
    kept = [
        (marker, start, end)
        for marker, start, end in segments
        if not (marker == 0xE1 and data[start + 4 : start + 4 + 29] == JPEG_XMP_NAMESPACE)
    ]
    # After APP0 (JFIF) and an Exif APP1, which readers expect first.
    insert_at = 0
    for index, (marker, start, _end) in enumerate(kept):
        if marker == 0xE0 or (marker == 0xE1 and data[start + 4 : start + 10] == b"Exif\x00\x00"):
            insert_at = index + 1
        else:
            break
    tail_start = segments[-1][2] if segments else 2
    parts = [b"\xff\xd8"]
    for index, (_marker, start, end) in enumerate(kept):
        if index == insert_at:
            parts.append(segment)
        parts.append(data[start:end])
    if insert_at == len(kept):
        parts.append(segment)
    parts.append(data[tail_start:])
    return b"".join(parts)


def with_xmp(data: bytes, mime: str, packet: bytes) -> bytes:
    if mime == "image/png":
        return png_with_xmp(data, packet)
    if mime == "image/jpeg":
        return jpeg_with_xmp(data, packet)
    raise XmpError(f"no XMP embedding for {mime}")


def read_xmp(data: bytes, mime: str) -> bytes | None:
    """The image's embedded XMP packet, or None (also for bytes this module cannot parse)."""
    try:
        if mime == "image/png":
            for kind, start, end in _png_chunks(data):
                if kind == b"iTXt" and _is_png_xmp(data, start):
                    return _itxt_text(data[start + 8 : end - 4])
        elif mime == "image/jpeg":
            for marker, start, end in _jpeg_segments(data):
                if marker == 0xE1 and data[start + 4 : start + 33] == JPEG_XMP_NAMESPACE:
                    return data[start + 33 : end]
    except XmpError:
        return None
    return None


def _itxt_text(payload: bytes) -> bytes | None:
    """The text of an iTXt chunk: keyword, flags, language and translated keyword skipped."""
    try:
        rest = payload.split(b"\x00", 1)[1]
        compressed, rest = rest[0], rest[2:]
        _language, _translated, text = rest.split(b"\x00", 2)
        # Bounded: a hostile zTXt/iTXt chunk cannot inflate into gigabytes.
        return zlib.decompressobj().decompress(text, 1 << 20) if compressed else text
    except (IndexError, ValueError, zlib.error):
        return None


def digital_source_type(packet: bytes | None) -> str | None:
    """`Iptc4xmpExt:DigitalSourceType` of an XMP packet (attribute or element form)."""
    if not packet:
        return None
    found = _SOURCE_TYPE.search(packet)
    if not found:
        return None
    return (found.group(1) or found.group(2)).decode("utf-8", "replace").strip()
