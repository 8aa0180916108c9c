"""Walking a PDF's content streams (pikepdf) with their graphics state, forms included: what
pdf_inspect reports and the PDF/X check judges. Per placed image its size and resolution; per
text run its effective size (font size through the text matrix and the CTM), font and colours;
per stroke its effective width and colour; every colour space painted or set, the device
colour operators (rg / RG / g / G), fonts, spot separations, overprint and ExtGState entries
that PDF/X forbids."""

from __future__ import annotations

import dataclasses
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pikepdf

from printing.press.units import PT

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
# (colour space, components): ("DeviceCMYK", (0, 0, 0, 1)), ("Separation(CutContour)", (1,))
Colour = tuple[str, tuple[float, ...]]
DEFAULT_COLOUR: Colour = ("DeviceGray", (0.0,))  # what PDF paints with before a colour is set

PATH_OPS = frozenset({"m", "l", "c", "v", "y", "h", "re", "W", "W*", "n"})
FILL_OPS = frozenset({"f", "F", "f*", "B", "B*", "b", "b*"})
STROKE_OPS = frozenset({"S", "s", "B", "B*", "b", "b*"})
SHOW_OPS = frozenset({"Tj", "TJ", "'", '"'})
DEVICE_OPS = {"g": "DeviceGray", "G": "DeviceGray", "rg": "DeviceRGB", "RG": "DeviceRGB"}
FILL_MODES = frozenset({0, 2, 4, 6})  # text render modes that fill the glyphs
STROKE_MODES = frozenset({1, 2, 5, 6})  # ... and that stroke them
FORBIDDEN_GSTATE = ("/TR", "/TR2", "/HT", "/HTP")  # transfer functions and halftones
MAX_FORM_DEPTH = 8


def mul(m: Matrix, n: Matrix) -> Matrix:
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


def matrix(values: Any) -> Matrix:
    m = [float(v) for v in values]
    return (m[0], m[1], m[2], m[3], m[4], m[5])


def colorspace_name(obj: Any) -> str:
    """A colour space as a short name: DeviceCMYK, ICCBased(4), Separation(CutContour), ..."""
    if obj is None:
        return "none"
    if isinstance(obj, pikepdf.Name):
        return str(obj)[1:]
    if isinstance(obj, pikepdf.Array) and len(obj):
        kind = str(obj[0])[1:]
        if kind == "ICCBased":
            return f"ICCBased({int(obj[1].get('/N', 0))})"
        if kind == "Separation":
            return f"Separation({str(obj[1])[1:]})"
        if kind == "DeviceN":
            return f"DeviceN({','.join(str(n)[1:] for n in obj[1])})"
        if kind == "Indexed":
            return f"Indexed({colorspace_name(obj[1])})"
        return kind
    return str(obj)


def _initial(space: str) -> tuple[float, ...]:
    """A colour space's initial colour (PDF 32000 8.6.5): black, or full tint for spots."""
    if space == "DeviceCMYK":
        return (0.0, 0.0, 0.0, 1.0)
    if space in ("DeviceRGB", "ICCBased(3)"):
        return (0.0, 0.0, 0.0)
    if space.startswith(("Separation", "DeviceN")):
        return (1.0,)
    if space in ("DeviceGray", "ICCBased(1)"):
        return (0.0,)
    return ()


def font_entry(font: Any) -> dict[str, Any]:
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


def _utf16(hex_digits: str) -> str:
    raw = bytes.fromhex(hex_digits)
    return raw.decode("utf-16-be", errors="replace").replace("\x00", "")


def to_unicode_map(font: Any) -> dict[int, str]:
    """The font's ToUnicode CMap (bfchar and the plain bfrange form) as code -> text."""
    cmap = font.get("/ToUnicode")
    if not isinstance(cmap, pikepdf.Stream):
        return {}
    data = cmap.read_bytes().decode("latin-1")
    mapping: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            mapping[int(src, 16)] = _utf16(dst)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", data, re.S):
        ranges = re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block)
        for lo, hi, dst in ranges:
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(start + offset) if start + offset < 0x110000 else ""
    return mapping


@dataclass
class GState:
    """The part of the graphics state the checks need (saved by q, restored by Q)."""

    ctm: Matrix = IDENTITY
    fill: Colour = DEFAULT_COLOUR
    stroke: Colour = DEFAULT_COLOUR
    line_width: float = 1.0
    font: Any = None
    font_size: float = 0.0
    render_mode: int = 0


def colour_json(colour: Colour) -> dict[str, Any]:
    return {"space": colour[0], "values": [round(v, 4) for v in colour[1]]}


class ContentWalker:
    """Walks pages (`walk_page`) and collects what it finds in its attributes."""

    def __init__(self) -> None:
        self.images: list[dict[str, Any]] = []
        self.text: list[dict[str, Any]] = []
        self.strokes: Counter[tuple[float, str, tuple[float, ...]]] = Counter()
        self.fonts: dict[tuple[int, int], dict[str, Any]] = {}
        self.separations: set[str] = set()
        self.overprint = False
        self.spaces: set[str] = set()  # colour spaces set or painted with
        self.device_operators: set[str] = set()  # rg / RG / g / G
        self.gstate_keys: set[str] = set()  # forbidden ExtGState entries found
        self._unicode: dict[tuple[int, int], dict[int, str]] = {}
        self._forms_walked: set[tuple[Any, ...]] = set()

    def walk_page(self, page: pikepdf.Page) -> None:
        group = page.obj.get("/Group")
        if group is not None and "/CS" in group:
            self.spaces.add(colorspace_name(group.CS))
        self.walk(page.obj, page.obj.get("/Resources"), GState())

    # --- resources ---

    def resources(self, resources: Any) -> None:
        if resources is None:
            return
        for font in (resources.get("/Font") or {}).values():
            self.fonts[font.objgen] = font_entry(font)
        for cs in (resources.get("/ColorSpace") or {}).values():
            name = colorspace_name(cs)
            if name.startswith("Separation("):
                self.separations.add(name[len("Separation(") : -1])
            elif name.startswith("DeviceN("):
                self.separations.update(name[len("DeviceN(") : -1].split(","))
        for gs in (resources.get("/ExtGState") or {}).values():
            if bool(gs.get("/OP", False)):
                self.overprint = True
            for key in FORBIDDEN_GSTATE:
                if key in gs and not (key == "/TR2" and gs.get(key) == pikepdf.Name.Default):
                    self.gstate_keys.add(key[1:])
        shadings = list((resources.get("/Shading") or {}).values())
        for pattern in (resources.get("/Pattern") or {}).values():
            if "/Shading" in pattern:  # a shading pattern (tiling patterns are not walked)
                shadings.append(pattern.Shading)
        for shading in shadings:
            self.spaces.add(colorspace_name(shading.get("/ColorSpace")))

    def _space(self, name: Any, resources: Any) -> str:
        key = str(name)
        if key in ("/DeviceCMYK", "/DeviceRGB", "/DeviceGray", "/Pattern"):
            return key[1:]
        spaces = resources.get("/ColorSpace") if resources is not None else None
        found = spaces.get(key) if spaces is not None else None
        return colorspace_name(found) if found is not None else f"unknown {key}"

    # --- the content stream ---

    def walk(self, owner: Any, resources: Any, state: GState, depth: int = 0) -> None:
        self.resources(resources)
        stack: list[GState] = []
        tm = IDENTITY
        for instruction in pikepdf.parse_content_stream(owner):
            if isinstance(instruction, pikepdf.ContentStreamInlineImage):
                continue  # reportlab never writes inline images; our builders neither
            operands, op = instruction.operands, str(instruction.operator)
            if op in PATH_OPS:
                continue  # the most frequent operators: nothing to track
            if op in FILL_OPS or op in STROKE_OPS:
                self._paint(op, state)
            elif op == "q":
                stack.append(state)
                state = dataclasses.replace(state)
            elif op == "Q":
                state = stack.pop() if stack else GState()
            elif op == "cm":
                state.ctm = mul(matrix(operands), state.ctm)
            elif op == "BT":
                tm = IDENTITY
            elif op == "Tm":
                tm = matrix(operands)
            elif op in SHOW_OPS:
                self._show(operands, state, tm)
            elif op == "Do":
                self._do(str(operands[0]), resources, state, depth)
            else:
                self._state_op(op, operands, state, resources)

    def _state_op(self, op: str, operands: Any, state: GState, resources: Any) -> None:
        if op in ("k", "K", "rg", "RG", "g", "G"):
            space = {"k": "DeviceCMYK", "K": "DeviceCMYK"}.get(op) or DEVICE_OPS[op]
            if op in DEVICE_OPS:
                self.device_operators.add(op)
            colour = (space, tuple(float(v) for v in operands))
            self.spaces.add(space)
            if op.islower():
                state.fill = colour
            else:
                state.stroke = colour
        elif op in ("cs", "CS"):
            space = self._space(operands[0], resources)
            self.spaces.add(space)
            if op == "cs":
                state.fill = (space, _initial(space))
            else:
                state.stroke = (space, _initial(space))
        elif op in ("sc", "scn", "SC", "SCN"):
            values = tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name))
            if op.islower():
                state.fill = (state.fill[0], values)
            else:
                state.stroke = (state.stroke[0], values)
        elif op == "w":
            state.line_width = float(operands[0])
        elif op == "Tf":
            fonts = resources.get("/Font") if resources is not None else None
            state.font = fonts.get(str(operands[0])) if fonts is not None else None
            state.font_size = float(operands[1])
        elif op == "Tr":
            state.render_mode = int(operands[0])
        elif op == "gs":
            states = resources.get("/ExtGState") if resources is not None else None
            gs = states.get(str(operands[0])) if states is not None else None
            if gs is not None and "/LW" in gs:
                state.line_width = float(gs.LW)

    def _paint(self, op: str, state: GState) -> None:
        if op in FILL_OPS:
            self.spaces.add(state.fill[0])
        if op in STROKE_OPS:
            self.spaces.add(state.stroke[0])
            a, b, c, d, _e, _f = state.ctm
            width = state.line_width * math.sqrt(abs(a * d - b * c))
            self.strokes[(round(width, 3), state.stroke[0], state.stroke[1])] += 1

    def _show(self, operands: Any, state: GState, tm: Matrix) -> None:
        mode = state.render_mode
        if mode in (3, 7):
            return  # invisible (or clip-only) text prints nothing
        trm = mul(tm, state.ctm)
        size = abs(state.font_size) * math.hypot(trm[2], trm[3])
        fill = state.fill if mode in FILL_MODES else None
        stroke = state.stroke if mode in STROKE_MODES else None
        for colour in (fill, stroke):
            if colour is not None:
                self.spaces.add(colour[0])
        font = state.font
        self.text.append(
            {
                "text": self._decode(operands, font),
                "font": str(font.get("/BaseFont", ""))[1:] if font is not None else "",
                "size_pt": round(size, 3),
                "mode": mode,
                "fill": colour_json(fill) if fill is not None else None,
                "stroke": colour_json(stroke) if stroke is not None else None,
            }
        )

    def _decode(self, operands: Any, font: Any) -> str:
        strings: list[bytes] = []
        for operand in operands:
            if isinstance(operand, pikepdf.String):
                strings.append(bytes(operand))
            elif isinstance(operand, pikepdf.Array):
                strings.extend(bytes(s) for s in operand if isinstance(s, pikepdf.String))
        raw = b"".join(strings)
        if font is None:
            return raw.decode("latin-1")
        if font.objgen not in self._unicode:
            self._unicode[font.objgen] = to_unicode_map(font)
        mapping = self._unicode[font.objgen]
        if not mapping:
            return raw.decode("latin-1")
        width = 2 if font.get("/Subtype") == pikepdf.Name.Type0 else 1
        codes = [int.from_bytes(raw[i : i + width], "big") for i in range(0, len(raw), width)]
        return "".join(mapping.get(code, "\ufffd") for code in codes)

    def _do(self, name: str, resources: Any, state: GState, depth: int) -> None:
        xobjects = resources.get("/XObject") if resources is not None else None
        xobject = xobjects.get(name) if xobjects is not None else None
        if xobject is None:
            return
        subtype = xobject.get("/Subtype")
        if subtype == pikepdf.Name.Image:
            self.image(name, xobject, state)
        elif subtype == pikepdf.Name.Form and depth < MAX_FORM_DEPTH:
            group = xobject.get("/Group")
            if group is not None and "/CS" in group:
                self.spaces.add(colorspace_name(group.CS))
            form = dataclasses.replace(state)
            form.ctm = mul(matrix(xobject.get("/Matrix", IDENTITY)), state.ctm)
            # A batch places one piece many times, moved but not scaled: what the walk finds
            # is the same each time (sizes, colours), so the form is walked once per scale.
            font = state.font.objgen if state.font is not None else None
            scale = tuple(round(v, 4) for v in form.ctm[:4])
            key = (xobject.objgen, scale, state.fill, state.stroke, state.line_width, font)
            if xobject.is_indirect and key in self._forms_walked:
                return
            self._forms_walked.add(key)
            self.walk(xobject, xobject.get("/Resources", resources), form, depth + 1)

    def image(self, name: str, xobject: Any, state: GState) -> None:
        a, b, c, d, _e, _f = state.ctm
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
        mask = bool(xobject.get("/ImageMask", False))
        space = "ImageMask" if mask else colorspace_name(xobject.get("/ColorSpace"))
        if mask:
            self.spaces.add(state.fill[0])  # a stencil mask paints with the fill colour
        self.images.append(
            {
                "name": name.lstrip("/"),
                "px": list(px),
                "placed_mm": [round(w_mm, 2), round(h_mm, 2)],
                "ppi": [round(ppi[0], 1), round(ppi[1], 1)],
                "colorspace": space,
                "filter": "+".join(filter_names),
                "smask": "/SMask" in xobject,
                "_seen": False,
            }
        )

    def strokes_json(self) -> list[dict[str, Any]]:
        return [
            {"width_pt": width, "colour": colour_json((space, values)), "count": count}
            for (width, space, values), count in sorted(self.strokes.items())
        ]


def resource_dicts(pdf: pikepdf.Pdf) -> Iterator[Any]:
    """Every resource dictionary reachable from the pages: their own, and those of the form
    XObjects and tiling patterns they use (each shared form once)."""
    seen: set[tuple[int, int]] = set()
    stack = [page.obj.get("/Resources") for page in pdf.pages]
    while stack:
        resources = stack.pop()
        if not isinstance(resources, pikepdf.Dictionary):
            continue
        yield resources
        owners = list((resources.get("/XObject") or {}).values())
        owners += list((resources.get("/Pattern") or {}).values())
        for owner in owners:
            if owner.is_indirect:
                if owner.objgen in seen:
                    continue
                seen.add(owner.objgen)
            if isinstance(owner, pikepdf.Stream | pikepdf.Dictionary) and "/Resources" in owner:
                stack.append(owner.Resources)
