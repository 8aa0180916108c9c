"""PDF/X-4 (ISO 15930-7) for every print file and batch: `pdfx_finish(data, title=...)` turns
a PDF written by reportlab (or assembled with pikepdf) into PDF/X-4, `pdfx_problems(data)` says
what keeps a PDF from conforming (printing.press.pdfx_check holds the rules).

What conversion does, all from the selected printer profile (printing.press.profiles):
- PDF 1.6; XMP metadata (pdfxid:GTS_PDFXVersion "PDF/X-4", title, dates, producer, Trapped
  False, document and instance IDs) mirrored in the Info dictionary; the document ID is also
  the first half of the trailer /ID. The XMP also says how the content came about (IPTC
  Iptc4xmpExt:DigitalSourceType): every print file composes an AI render with type and art,
  so compositeWithTrainedAlgorithmicMedia (EU AI Act Art. 50(2): machine-readable marking).
- One GTS_PDFX OutputIntent embedding the profile's ICC (N=4) with its condition identifier.
- TrimBox and BleedBox on every page, nested in the MediaBox (a page without TrimBox is
  trimmed at its MediaBox).
- RGB images other code drew (packaging's figure) go through the output profile to CMYK.
- Optional content: every layer (OCG) is registered in /OCProperties with a named default
  configuration that lists it; OCGs of the same name become one (a batch merges many pages
  that each bring their own "CutContour" layer).
"""

from __future__ import annotations

import io
import uuid
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, BinaryIO

import pikepdf
from pikepdf.models.metadata import PdfMetadata, decode_pdf_date
from PIL import ImageCms

from printing.conf import printing_settings
from printing.pdf_content import resource_dicts
from printing.pdf_inspect import pdf_inspect
from printing.press.colour import cmyk_jpeg_bytes
from printing.press.pdfx_check import PDF_VERSION, PDFX_VERSION

LAYERS_CONFIG_NAME = "Print"  # the /D configuration's /Name (PDF/X-4 requires one)

# IPTC Photo Metadata (Extension schema) and its digital source type vocabulary.
IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
IPTC_EXT_PREFIX = "Iptc4xmpExt"
DIGITAL_SOURCE_TYPE_KEY = f"{IPTC_EXT_PREFIX}:DigitalSourceType"
COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA = (
    "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
)
# pikepdf (and lxml) then write the namespace under its usual prefix, not "ns0".
PdfMetadata.register_xml_namespace(IPTC_EXT_NS, IPTC_EXT_PREFIX)


def pdfx_finish(
    data: bytes,
    *,
    title: str,
    layers: Iterable[str] = (),
    digital_source_type: str = COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
) -> bytes:
    """The PDF as PDF/X-4 (see the module docstring); `layers` names optional-content layers
    to register even where no content uses them yet; `digital_source_type` is the IPTC term
    written to the XMP."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdfx_convert(pdf, title=title, layers=layers, digital_source_type=digital_source_type)
        out = io.BytesIO()
        pdfx_save(pdf, out)
    return out.getvalue()


def pdfx_problems(data: bytes) -> list[str]:
    """Why the PDF is not PDF/X-4 as our printers take it (empty: it conforms)."""
    try:
        return list(pdf_inspect(data)["pdfx_problems"])
    except pikepdf.PasswordError:
        return ["encrypted"]


def pdfx_convert(
    pdf: pikepdf.Pdf,
    *,
    title: str,
    layers: Iterable[str] = (),
    digital_source_type: str = COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
) -> None:
    """Make an open PDF PDF/X-4 in place; save it with pdfx_save (which writes PDF 1.6)."""
    for obj in list(pdf.objects):
        _rgb_image_to_cmyk(obj)
    _boxes(pdf)
    optional_content_register(pdf, layers)
    _output_intent(pdf)
    _metadata(pdf, title, digital_source_type)


def pdfx_save(pdf: pikepdf.Pdf, target: str | Path | BinaryIO, **options: Any) -> None:
    """Save a converted PDF as PDF 1.6 (extra options go to pikepdf's save, e.g.
    object_stream_mode; streams are compressed)."""
    pdf.save(target, compress_streams=True, force_version=PDF_VERSION, **options)


# --- Images -----------------------------------------------------------------------------------


def _rgb_image_to_cmyk(obj: object) -> None:
    """An RGB image drawn by other code (packaging's figure, with its soft mask) -> CMYK JPEG
    through the output profile. The soft mask stays as it is."""
    if not (
        isinstance(obj, pikepdf.Stream)
        and obj.get("/Subtype") == pikepdf.Name.Image
        and obj.get("/ColorSpace") == pikepdf.Name.DeviceRGB
        and int(obj.get("/BitsPerComponent", 8)) == 8
    ):
        return
    image = pikepdf.PdfImage(obj).as_pil_image()
    obj.write(cmyk_jpeg_bytes(image), filter=pikepdf.Name.DCTDecode)
    obj.ColorSpace = pikepdf.Name.DeviceCMYK
    # Pillow writes Adobe-style (inverted) CMYK JPEGs, as reportlab assumes for its own.
    obj.Decode = pikepdf.Array([1, 0, 1, 0, 1, 0, 1, 0])


# --- Boxes ------------------------------------------------------------------------------------

Rect = tuple[float, float, float, float]


def _rect(box: Any) -> Rect:
    x0, y0, x1, y1 = (float(v) for v in box)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _clip(box: Rect, outer: Rect) -> Rect:
    x0, y0, x1, y1 = outer
    return (max(box[0], x0), max(box[1], y0), min(box[2], x1), min(box[3], y1))


def _union(a: Rect, b: Rect) -> Rect:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _array(box: Rect) -> pikepdf.Array:
    return pikepdf.Array([round(v, 4) for v in box])


def _boxes(pdf: pikepdf.Pdf) -> None:
    """TrimBox within BleedBox within MediaBox on every page; ArtBox goes (PDF/X allows a
    TrimBox or an ArtBox, not both: the TrimBox is what the press needs)."""
    for page in pdf.pages:
        obj = page.obj
        media = _rect(page.mediabox)  # pikepdf resolves an inherited MediaBox
        trim = _clip(_rect(obj.get("/TrimBox", obj.get("/ArtBox", media))), media)
        bleed = _clip(_union(_rect(obj.get("/BleedBox", media)), trim), media)
        obj.MediaBox = _array(media)
        obj.TrimBox = _array(trim)
        obj.BleedBox = _array(bleed)
        if "/ArtBox" in obj:
            del obj.ArtBox


# --- Optional content -------------------------------------------------------------------------


def _is_group(value: Any, kind: pikepdf.Name) -> bool:
    return isinstance(value, pikepdf.Dictionary) and value.get("/Type") == kind


def optional_content_register(pdf: pikepdf.Pdf, names: Iterable[str] = ()) -> None:
    """Register every layer the pages use (and those named) in /OCProperties, one OCG per
    name: references to a second OCG of a name are pointed at the first."""
    groups: dict[str, pikepdf.Object] = {}

    def one_per_name(ocg: pikepdf.Object) -> pikepdf.Object:
        name = str(ocg.get("/Name", "")) or "Layer"
        if name not in groups:
            ocg.Name = pikepdf.String(name)
            groups[name] = ocg if ocg.is_indirect else pdf.make_indirect(ocg)
        return groups[name]

    existing = pdf.Root.get("/OCProperties")
    if isinstance(existing, pikepdf.Dictionary):
        for ocg in existing.get("/OCGs", []):
            one_per_name(ocg)
    for resources in resource_dicts(pdf):
        properties = resources.get("/Properties")
        for key, value in list((properties or {}).items()):
            if _is_group(value, pikepdf.Name.OCG):
                properties[key] = one_per_name(value)
            elif _is_group(value, pikepdf.Name.OCMD) and "/OCGs" in value:
                members = value.OCGs
                members = members if isinstance(members, pikepdf.Array) else [members]
                value.OCGs = pikepdf.Array([one_per_name(m) for m in members])
    for name in names:
        if name not in groups:
            one_per_name(pikepdf.Dictionary(Type=pikepdf.Name.OCG, Name=pikepdf.String(name)))
    if not groups:
        if existing is not None:
            del pdf.Root.OCProperties
        return
    ocgs = list(groups.values())
    pdf.Root.OCProperties = pikepdf.Dictionary(
        OCGs=pikepdf.Array(ocgs),
        D=pikepdf.Dictionary(
            Name=pikepdf.String(LAYERS_CONFIG_NAME),
            Order=pikepdf.Array(ocgs),
            BaseState=pikepdf.Name.ON,
        ),
    )


# --- OutputIntent and metadata ----------------------------------------------------------------


@lru_cache(maxsize=4)
def _icc(path: str) -> tuple[bytes, str]:
    """The profile compressed (once per process: ~45 ms of every file otherwise) and its
    description."""
    profile = ImageCms.ImageCmsProfile(path)
    description = ImageCms.getProfileDescription(profile).strip() or Path(path).name
    return zlib.compress(Path(path).read_bytes()), description


def _output_intent(pdf: pikepdf.Pdf) -> None:
    """One GTS_PDFX OutputIntent: the printer profile's ICC (N=4) and print condition."""
    printer = printing_settings.PRINTER_PROFILE
    compressed, description = _icc(printer.icc_profile)
    profile = pikepdf.Stream(pdf, b"")
    profile.write(compressed, filter=pikepdf.Name.FlateDecode)
    profile.N = 4
    profile.Alternate = pikepdf.Name.DeviceCMYK
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String(printer.output_condition_identifier),
        OutputCondition=pikepdf.String(printer.output_condition),
        RegistryName=pikepdf.String(printer.registry_name),
        Info=pikepdf.String(description),
        DestOutputProfile=pdf.make_indirect(profile),
    )
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(intent)])


def _created(value: Any, default: datetime) -> datetime:
    try:
        return decode_pdf_date(str(value)) if value else default
    except ValueError:
        return default


def _pdf_date(moment: datetime) -> str:
    """A PDF 1.6 date string, D:YYYYMMDDHHmmSS+HH'mm' (pikepdf leaves off the last quote)."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{moment:D:%Y%m%d%H%M%S}{sign}{minutes // 60:02d}'{minutes % 60:02d}'"


def _metadata(pdf: pikepdf.Pdf, title: str, digital_source_type: str) -> None:
    """XMP and Info together (pikepdf syncs the Info entries that have an XMP twin; Trapped
    and GTS_PDFXVersion are set in both by hand). The IPTC digital source type is XMP only
    (the Info dictionary has no such entry)."""
    info = pdf.docinfo
    now = datetime.now(UTC).replace(microsecond=0)
    created = _created(info.get("/CreationDate"), now)
    meta_before = pdf.open_metadata()
    document_id = str(meta_before.get("xmpMM:DocumentID", "")) or f"uuid:{uuid.uuid4()}"
    producer = str(info.get("/Producer", "")).strip()
    if "pikepdf" not in producer:  # a file finished again keeps its producer line
        producer = f"{producer}; pikepdf {pikepdf.__version__}".lstrip("; ")
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:title"] = title
        if str(info.get("/Author", "")):
            meta["dc:creator"] = [str(info.Author)]
        if str(info.get("/Subject", "")):
            meta["dc:description"] = str(info.Subject)
        if str(info.get("/Creator", "")):
            meta["xmp:CreatorTool"] = str(info.Creator)
        meta["pdf:Producer"] = producer
        meta["xmp:CreateDate"] = created.isoformat()
        meta["xmp:ModifyDate"] = now.isoformat()
        meta["xmp:MetadataDate"] = now.isoformat()
        meta["pdf:Trapped"] = "False"
        meta["pdfxid:GTS_PDFXVersion"] = PDFX_VERSION
        meta["xmpMM:DocumentID"] = document_id
        meta["xmpMM:InstanceID"] = f"uuid:{uuid.uuid4()}"
        meta["xmpMM:VersionID"] = "1"
        meta["xmpMM:RenditionClass"] = "default"
        meta[DIGITAL_SOURCE_TYPE_KEY] = digital_source_type
    info = pdf.docinfo  # rewritten by the sync
    info.Title = pikepdf.String(title)
    info.Trapped = pikepdf.Name("/False")
    info.CreationDate = pikepdf.String(_pdf_date(created))
    info.ModDate = pikepdf.String(_pdf_date(now))
    info.GTS_PDFXVersion = pikepdf.String(PDFX_VERSION)
    # The trailer /ID's first half is the document ID (qpdf writes a new second half).
    try:
        id_bytes = uuid.UUID(document_id.removeprefix("uuid:")).bytes
    except ValueError:  # an ID another tool wrote, not a UUID
        id_bytes = uuid.uuid5(uuid.NAMESPACE_URL, document_id).bytes
    pdf.trailer.ID = pikepdf.Array([pikepdf.String(id_bytes), pikepdf.String(id_bytes)])
