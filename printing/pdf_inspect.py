"""Reading a finished PDF back (pikepdf), independently of the code that drew it: per page the
boxes and every placed image (walking the content streams with their transformation matrices),
the fonts and whether they are embedded, spot colour separations, overprint and the
OutputIntent. Preflight checks a print file with it; tests read their PDFs with it too."""

from __future__ import annotations

import io
import math
from typing import Any

import pikepdf

from printing.press.units import PT

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _mul(m: Matrix, n: Matrix) -> Matrix:
    """m then n (PDF row-vector convention: m x n)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _colorspace(obj: Any) -> str:
    if obj is None:
        return "none"
    if isinstance(obj, pikepdf.Name):
        return str(obj)[1:]
    if isinstance(obj, pikepdf.Array) and len(obj):
        kind = str(obj[0])[1:]
        if kind == "ICCBased":
            return f"ICCBased({int(obj[1].get('/N', 0))})"
        if kind in ("Separation", "DeviceN"):
            return f"{kind}({obj[1]})"
        return kind
    return str(obj)


def _font_entry(font: Any) -> dict[str, Any]:
    subtype = str(font.get("/Subtype", ""))[1:]
    base = str(font.get("/BaseFont", ""))[1:]
    descriptor_owner = font
    if subtype == "Type0" and "/DescendantFonts" in font:
        descriptor_owner = font.DescendantFonts[0]
    descriptor = descriptor_owner.get("/FontDescriptor")
    embedded = subtype == "Type3" or (
        descriptor is not None
        and any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    )
    return {"name": base, "type": subtype, "embedded": bool(embedded)}


class _Walker:
    def __init__(self) -> None:
        self.images: list[dict[str, Any]] = []
        self.fonts: dict[tuple[int, int], dict[str, Any]] = {}
        self.separations: set[str] = set()
        self.overprint = False

    def resources(self, resources: Any) -> None:
        if resources is None:
            return
        for font in (resources.get("/Font") or {}).values():
            self.fonts[font.objgen] = _font_entry(font)
        for cs in (resources.get("/ColorSpace") or {}).values():
            if isinstance(cs, pikepdf.Array) and len(cs) > 1:
                if cs[0] == pikepdf.Name.Separation:
                    self.separations.add(str(cs[1])[1:])
                elif cs[0] == pikepdf.Name.DeviceN:
                    self.separations.update(str(n)[1:] for n in cs[1])
        for gs in (resources.get("/ExtGState") or {}).values():
            if bool(gs.get("/OP", False)):
                self.overprint = True

    def walk(self, owner: Any, resources: Any, ctm: Matrix, depth: int = 0) -> None:
        self.resources(resources)
        stack: list[Matrix] = []
        xobjects = resources.get("/XObject") if resources is not None else None
        for instruction in pikepdf.parse_content_stream(owner):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue  # reportlab never writes inline images; our builders neither
            operands, op = instruction.operands, str(instruction.operator)
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop() if stack else IDENTITY
            elif op == "cm":
                m = tuple(float(v) for v in operands)
                ctm = _mul((m[0], m[1], m[2], m[3], m[4], m[5]), ctm)
            elif op == "Do" and xobjects is not None:
                name = str(operands[0])
                xobject = xobjects.get(name)
                if xobject is None:
                    continue
                subtype = xobject.get("/Subtype")
                if subtype == pikepdf.Name.Image:
                    self.image(name, xobject, ctm)
                elif subtype == pikepdf.Name.Form and depth < 8:
                    matrix = tuple(float(v) for v in xobject.get("/Matrix", IDENTITY))
                    form_ctm = _mul(
                        (matrix[0], matrix[1], matrix[2], matrix[3], matrix[4], matrix[5]), ctm
                    )
                    self.walk(xobject, xobject.get("/Resources", resources), form_ctm, depth + 1)

    def image(self, name: str, xobject: Any, ctm: Matrix) -> None:
        a, b, c, d, _e, _f = ctm
        w_mm = math.hypot(a, b) * PT
        h_mm = math.hypot(c, d) * PT
        px = (int(xobject.Width), int(xobject.Height))
        filters = xobject.get("/Filter")
        if isinstance(filters, pikepdf.Array):
            filter_names = [str(f)[1:] for f in filters]
        else:
            filter_names = [str(filters)[1:]] if filters is not None else []
        ppi = (
            px[0] / (w_mm / 25.4) if w_mm else 0.0,
            px[1] / (h_mm / 25.4) if h_mm else 0.0,
        )
        self.images.append(
            {
                "name": name.lstrip("/"),
                "px": list(px),
                "placed_mm": [round(w_mm, 2), round(h_mm, 2)],
                "ppi": [round(ppi[0], 1), round(ppi[1], 1)],
                "colorspace": _colorspace(xobject.get("/ColorSpace")),
                "filter": "+".join(filter_names),
                "smask": "/SMask" in xobject,
                "_seen": False,
            }
        )


def pdf_inspect(data: bytes) -> dict[str, Any]:
    """What a PDF contains, read with pikepdf: per page the boxes (mm) and placed images; the
    fonts (embedded or not), spot colour names, overprint and the OutputIntent."""
    walker = _Walker()
    pages = []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            first = len(walker.images)
            walker.walk(page.obj, page.obj.get("/Resources"), IDENTITY)
            boxes = {}
            for key, label in (
                ("/MediaBox", "media"),
                ("/TrimBox", "trim"),
                ("/BleedBox", "bleed"),
            ):
                box = page.obj.get(key)
                if box is not None:
                    boxes[label] = [round(float(v) * PT, 2) for v in box]
            pages.append({"boxes": boxes, "images": walker.images[first:]})
        output_intent: dict[str, Any] = {}
        intents = pdf.Root.get("/OutputIntents")
        if intents:
            intent = intents[0]
            profile = intent.get("/DestOutputProfile")
            output_intent = {
                "subtype": str(intent.get("/S", ""))[1:],
                "condition": str(intent.get("/OutputCondition", "")),
                "profile_components": int(profile.get("/N", 0)) if profile is not None else 0,
            }
    return {
        "pages": pages,
        "fonts": sorted(walker.fonts.values(), key=lambda f: f["name"]),
        "separations": sorted(walker.separations),
        "overprint": walker.overprint,
        "output_intent": output_intent,
    }
