"""The PDF/X-4 rules (ISO 15930-7) that apply to our print files, checked on a finished PDF.

`document_problems(pdf)` checks the file's structure: PDF 1.6, XMP with GTS_PDFXVersion
"PDF/X-4" matching the Info dictionary, Trapped True or False in both, the document and
instance IDs, a trailer /ID, a title, exactly one GTS_PDFX OutputIntent embedding a CMYK output
profile with an identifier, TrimBox (or ArtBox) on every page nested in BleedBox and MediaBox,
no encryption, JavaScript, actions or embedded files, and well-formed optional content.
`content_problems(info)` judges what the content walk found (printing.pdf_content): fonts
embedded; no DeviceRGB, DeviceGray or ICC-based RGB (the house rule is stricter than PDF/X-4:
CMYK and spot colours only, nothing for the RIP to convert); no transfer functions or
halftones in an ExtGState.
"""

from __future__ import annotations

from typing import Any

import pikepdf

from printing.pdf_content import resource_dicts

PDFX_VERSION = "PDF/X-4"
PDF_VERSION = "1.6"
BOX_TOLERANCE_PT = 0.01
# Colour spaces a CMYK print file must not use (the RIP would convert them).
FORBIDDEN_SPACES = ("DeviceRGB", "DeviceGray", "ICCBased(3)", "ICCBased(1)", "CalRGB", "CalGray")


def _text(value: Any) -> str:
    return str(value) if value is not None else ""


def _xmp(meta: Any, key: str) -> str:
    try:
        value = meta[key]
    except KeyError:
        return ""
    return value if isinstance(value, str) else ", ".join(str(v) for v in value)


def _metadata_problems(pdf: pikepdf.Pdf) -> list[str]:
    problems = []
    if pdf.pdf_version != PDF_VERSION:
        problems.append(f"PDF version {pdf.pdf_version}, PDF/X-4 files are PDF {PDF_VERSION}")
    info = pdf.trailer.get("/Info")
    info = info if isinstance(info, pikepdf.Dictionary) else pikepdf.Dictionary()
    meta = pdf.open_metadata()
    if "/Metadata" not in pdf.Root:
        problems.append("no XMP metadata")
    if _xmp(meta, "pdfxid:GTS_PDFXVersion") != PDFX_VERSION:
        problems.append(f"XMP pdfxid:GTS_PDFXVersion is not {PDFX_VERSION!r}")
    if _text(info.get("/GTS_PDFXVersion")) not in ("", _xmp(meta, "pdfxid:GTS_PDFXVersion")):
        problems.append("Info GTS_PDFXVersion differs from the XMP")
    if _xmp(meta, "pdf:Trapped") not in ("True", "False"):
        problems.append("XMP pdf:Trapped is not True or False")
    if info.get("/Trapped") not in (pikepdf.Name("/True"), pikepdf.Name("/False")):
        problems.append("Info Trapped is not /True or /False")
    elif str(info.get("/Trapped"))[1:] != _xmp(meta, "pdf:Trapped"):
        problems.append("Info Trapped differs from the XMP")
    title = _xmp(meta, "dc:title")
    if not title:
        problems.append("no title (XMP dc:title)")
    elif _text(info.get("/Title")) != title:
        problems.append("Info Title differs from the XMP dc:title")
    for key in ("xmp:CreateDate", "xmp:ModifyDate", "xmpMM:DocumentID", "xmpMM:VersionID"):
        if not _xmp(meta, key):
            problems.append(f"XMP {key} missing")
    ids = pdf.trailer.get("/ID")
    if not isinstance(ids, pikepdf.Array) or len(ids) != 2:
        problems.append("no trailer /ID")
    return problems


def _output_intent_problems(pdf: pikepdf.Pdf) -> list[str]:
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
    if len(intents) != 1:
        return [f"{len(intents)} GTS_PDFX OutputIntents, PDF/X needs exactly one"]
    intent = intents[0]
    problems = []
    if not _text(intent.get("/OutputConditionIdentifier")).strip():
        problems.append("OutputIntent without OutputConditionIdentifier")
    profile = intent.get("/DestOutputProfile")
    if not isinstance(profile, pikepdf.Stream):
        return [*problems, "OutputIntent without an embedded DestOutputProfile"]
    header = profile.read_bytes()[:40]
    if int(profile.get("/N", 0)) != 4 or header[16:20] != b"CMYK" or header[36:40] != b"acsp":
        problems.append("the OutputIntent's profile is not a CMYK ICC profile (N=4)")
    elif header[12:16] != b"prtr":
        problems.append("the OutputIntent's profile is not an output (printer) profile")
    return problems


def _rect(box: Any) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in box)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _within(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    t = BOX_TOLERANCE_PT
    return (
        inner[0] >= outer[0] - t
        and inner[1] >= outer[1] - t
        and inner[2] <= outer[2] + t
        and inner[3] <= outer[3] + t
    )


def _box_problems(pdf: pikepdf.Pdf) -> list[str]:
    problems = []
    for number, page in enumerate(pdf.pages, start=1):
        obj = page.obj
        media = _rect(page.mediabox)
        if "/TrimBox" not in obj and "/ArtBox" not in obj:
            problems.append(f"page {number}: no TrimBox")
            continue
        if "/TrimBox" in obj and "/ArtBox" in obj:
            problems.append(f"page {number}: both TrimBox and ArtBox")
        trim = _rect(obj.get("/TrimBox", obj.get("/ArtBox")))
        bleed = _rect(obj.BleedBox) if "/BleedBox" in obj else media
        if not _within(bleed, media):
            problems.append(f"page {number}: BleedBox outside the MediaBox")
        if not _within(trim, bleed):
            problems.append(f"page {number}: TrimBox outside the BleedBox")
        if "/AA" in obj:
            problems.append(f"page {number}: page actions (/AA)")
        for annot in obj.get("/Annots", []):
            if "/A" in annot or "/AA" in annot:
                problems.append(f"page {number}: an annotation with an action")
    return problems


def _forbidden_content_problems(pdf: pikepdf.Pdf) -> list[str]:
    problems = []
    if pdf.is_encrypted:
        problems.append("encrypted")
    names = pdf.Root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        if "/JavaScript" in names:
            problems.append("JavaScript")
        if "/EmbeddedFiles" in names:
            problems.append("embedded files")
    if "/AA" in pdf.Root or isinstance(pdf.Root.get("/OpenAction"), pikepdf.Dictionary):
        problems.append("document actions (/AA or an /OpenAction action)")
    return problems


def _flatten(order: Any) -> list[Any]:
    found: list[Any] = []
    for item in order if isinstance(order, pikepdf.Array) else []:
        found.extend(_flatten(item) if isinstance(item, pikepdf.Array) else [item])
    return found


def _config_problems(config: Any, label: str, ocgs: list[Any]) -> list[str]:
    problems = []
    if not _text(config.get("/Name")):
        problems.append(f"optional content: the {label} configuration has no /Name")
    if "/AS" in config:
        problems.append(f"optional content: the {label} configuration has /AS")
    listed = {o.objgen for o in _flatten(config.get("/Order")) if isinstance(o, pikepdf.Object)}
    for ocg in ocgs:
        if ocg.objgen not in listed:
            problems.append(
                f"optional content: layer {_text(ocg.get('/Name'))!r} is not in the "
                f"{label} configuration's /Order"
            )
    return problems


def _used_ocgs(pdf: pikepdf.Pdf) -> list[Any]:
    used = []
    for resources in resource_dicts(pdf):
        for value in (resources.get("/Properties") or {}).values():
            if value.get("/Type") == pikepdf.Name.OCG:
                used.append(value)
            elif value.get("/Type") == pikepdf.Name.OCMD:
                members = value.get("/OCGs")
                used.extend(members if isinstance(members, pikepdf.Array) else [members])
    return [ocg for ocg in used if isinstance(ocg, pikepdf.Dictionary)]


def _optional_content_problems(pdf: pikepdf.Pdf) -> list[str]:
    used = _used_ocgs(pdf)
    properties = pdf.Root.get("/OCProperties")
    if properties is None:
        return ["optional content used without /OCProperties"] if used else []
    ocgs = list(properties.get("/OCGs", []))
    problems = []
    registered = {ocg.objgen for ocg in ocgs}
    names = [_text(ocg.get("/Name")) for ocg in ocgs]
    for ocg in used:
        if ocg.objgen not in registered:
            problems.append(f"optional content: layer {_text(ocg.get('/Name'))!r} not in /OCGs")
    if not all(names):
        problems.append("optional content: a layer without /Name")
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"optional content: {names.count(name)} layers named {name!r}")
    default = properties.get("/D")
    if not isinstance(default, pikepdf.Dictionary):
        return [*problems, "optional content: no default configuration /D"]
    problems += _config_problems(default, "default", ocgs)
    for number, config in enumerate(properties.get("/Configs", []), start=1):
        problems += _config_problems(config, f"alternate #{number}", ocgs)
    return problems


def document_problems(pdf: pikepdf.Pdf) -> list[str]:
    """What in the file's structure breaks PDF/X-4 (empty: nothing)."""
    return [
        *_metadata_problems(pdf),
        *_output_intent_problems(pdf),
        *_box_problems(pdf),
        *_forbidden_content_problems(pdf),
        *_optional_content_problems(pdf),
    ]


def content_problems(info: dict[str, Any]) -> list[str]:
    """What the content walk (pdf_inspect's info) found that breaks PDF/X-4 or the house
    rule of CMYK and spot colours only."""
    problems = [f"font {f['name']} is not embedded" for f in info["fonts"] if not f["embedded"]]
    spaces = set(info["colour_spaces"])
    spaces.update(img["colorspace"] for page in info["pages"] for img in page["images"])
    for space in sorted(spaces):
        if any(bad in space for bad in FORBIDDEN_SPACES) or space.startswith("unknown"):
            problems.append(f"colour space {space} (CMYK and spot colours only)")
    for op in info["device_operators"]:
        problems.append(f"device colour operator {op} in a content stream")
    for key in info["gstate_keys"]:
        problems.append(f"ExtGState with {key} (transfer functions and halftones are the RIP's)")
    return problems
