"""Reading a finished PDF back (pikepdf), independently of the code that drew it: per page the
boxes and every placed image (walking the content streams with their transformation matrices,
printing.pdf_content), the text runs with their effective size, font and colours, the stroke
widths with their colours, the fonts and whether they are embedded, spot colour separations,
overprint, the OutputIntent, the optional-content layers and what keeps the file from being
PDF/X-4 (printing.press.pdfx_check). Preflight checks a print file with it; tests read their
PDFs with it too."""

from __future__ import annotations

import io
from typing import Any

import pikepdf

from printing.pdf_content import ContentWalker
from printing.press.pdfx_check import content_problems, document_problems
from printing.press.units import PT

BOXES = (("/MediaBox", "media"), ("/TrimBox", "trim"), ("/BleedBox", "bleed"), ("/ArtBox", "art"))


def _output_intent(pdf: pikepdf.Pdf) -> dict[str, Any]:
    intents = pdf.Root.get("/OutputIntents")
    if not intents:
        return {}
    intent = intents[0]
    profile = intent.get("/DestOutputProfile")
    return {
        "subtype": str(intent.get("/S", ""))[1:],
        "condition": str(intent.get("/OutputCondition", "")),
        "identifier": str(intent.get("/OutputConditionIdentifier", "")),
        "profile_components": int(profile.get("/N", 0)) if profile is not None else 0,
    }


def _layers(pdf: pikepdf.Pdf) -> list[str]:
    properties = pdf.Root.get("/OCProperties")
    if not isinstance(properties, pikepdf.Dictionary):
        return []
    return [str(ocg.get("/Name", "")) for ocg in properties.get("/OCGs", [])]


def pdf_inspect(data: bytes) -> dict[str, Any]:
    """What a PDF contains, read with pikepdf: per page the boxes (mm) and placed images; the
    text runs (effective size in pt, font, fill and stroke colour), strokes (effective width
    in pt, colour, count), fonts (embedded or not), colour spaces, spot colour names,
    overprint, the OutputIntent, the layers and the PDF/X-4 problems (empty: it conforms)."""
    walker = ContentWalker()
    pages = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            first = len(walker.images)
            walker.walk_page(page)
            boxes = {}
            for key, label in BOXES:
                box = page.obj.get(key)
                if box is not None:
                    boxes[label] = [round(float(v) * PT, 2) for v in box]
            if "media" not in boxes:  # inherited from the page tree
                boxes["media"] = [round(float(v) * PT, 2) for v in page.mediabox]
            pages.append({"boxes": boxes, "images": walker.images[first:]})
        info: dict[str, Any] = {
            "pdf_version": pdf.pdf_version,
            "pages": pages,
            "fonts": sorted(walker.fonts.values(), key=lambda f: f["name"]),
            "text": walker.text,
            "strokes": walker.strokes_json(),
            "colour_spaces": sorted(walker.spaces),
            "device_operators": sorted(walker.device_operators),
            "gstate_keys": sorted(walker.gstate_keys),
            "separations": sorted(walker.separations),
            "overprint": walker.overprint,
            "output_intent": _output_intent(pdf),
            "layers": _layers(pdf),
        }
        info["pdfx_problems"] = document_problems(pdf) + content_problems(info)
    return info
