"""The public "check an image" page: anyone uploads an image and learns whether it carries
Content Credentials (a C2PA manifest), whether their signature is valid against this shop's
trust anchors, who signed them and what they say (made by AI, a composite with AI, which
software, when), and the IPTC digital source type in the image's XMP.

Nothing is stored: the upload is held in memory by MemoryOnlyUploadHandler (never a temporary
file, at most MINIME_MAX_UPLOAD_BYTES), goes through photo intake's checks (format from the
bytes, the pixel limit against decompression bombs, a full decode), is read and dropped.
Every attempt counts against MINIME_UPLOADS_PER_HOUR per client address (no account needed).

Answers: 200 with the report; 400 with the page and the error next to the field for a bad
upload (not an image, damaged, too large, too many pixels, a control character in its name);
429 with Retry-After when the address has checked too many images; 403 on a CSRF failure.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from allauth.core.internal.ratelimit import get_ip
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from core.provenance import provenance_read
from core.ratelimit import Rate, RateLimited, limit_hit, rate_limited_response
from figures.conf import figures_settings
from figures.forms import ProvenanceCheckForm
from figures.intake import PhotoRejected, _decode, _open  # intake's own checks, not a copy

TEMPLATE = "figures/provenance_check.html"
MIME_BY_FORMAT = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
RATE_SCOPE = "figures.provenance_check"

IPTC_SOURCE_TYPES = "http://cv.iptc.org/newscodes/digitalsourcetype/"
# IPTC digital source types in words (the terms a generator or camera is likely to write).
SOURCE_TYPE_LABELS = {
    "trainedAlgorithmicMedia": gettext_lazy("Created by generative AI"),
    "compositeWithTrainedAlgorithmicMedia": gettext_lazy(
        "A composite that includes AI-generated content"
    ),
    "algorithmicMedia": gettext_lazy("Created by an algorithm without training data"),
    "compositeSynthetic": gettext_lazy("A composite that includes synthetic content"),
    "composite": gettext_lazy("A composite of several images"),
    "digitalCapture": gettext_lazy("A photo taken with a digital camera"),
    "digitalCreation": gettext_lazy("Made by a person with digital tools"),
    "algorithmicallyEnhanced": gettext_lazy("A photo enhanced by an algorithm"),
    "minorHumanEdits": gettext_lazy("A photo with minor edits by a person"),
    "screenCapture": gettext_lazy("A screenshot"),
}
# A context: these short words mean something else elsewhere in the merged catalogs.
ACTION_LABELS = {
    "c2pa.created": pgettext_lazy("C2PA action", "Created"),
    "c2pa.placed": pgettext_lazy("C2PA action", "Placed into the image"),
    "c2pa.edited": pgettext_lazy("C2PA action", "Edited"),
    "c2pa.opened": pgettext_lazy("C2PA action", "Opened"),
    "c2pa.converted": pgettext_lazy("C2PA action", "Converted to another format"),
    "c2pa.resized": pgettext_lazy("C2PA action", "Resized"),
    "c2pa.cropped": pgettext_lazy("C2PA action", "Cropped"),
    "c2pa.color_adjustments": pgettext_lazy("C2PA action", "Colours adjusted"),
    "c2pa.drawing": pgettext_lazy("C2PA action", "Drawn on"),
    "c2pa.published": pgettext_lazy("C2PA action", "Published"),
}


# --- Holding the upload in memory ---------------------------------------------------------


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Every uploaded file of the request in memory, together at most `limit` bytes; a file
    that would go past it is skipped (too_large says so), so an upload never reaches a
    temporary file on disk and never holds more than `limit` bytes."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.total = 0
        self.too_large = False
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.total += len(raw_data)
        if self.total > self.limit:
            self.too_large = True
            self.buffer = io.BytesIO()
            raise SkipFile
        self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


# --- The page ---------------------------------------------------------------------------------


@csrf_exempt  # the upload handler must be in place before the CSRF check reads the body
@require_http_methods(["GET", "POST"])
def provenance_check(request: HttpRequest) -> HttpResponse:
    handler = MemoryOnlyUploadHandler(request, limit=figures_settings.MAX_UPLOAD_BYTES)
    if request.method == "POST":
        request.upload_handlers = [handler]
    return _provenance_check(request, handler)


@csrf_protect
def _provenance_check(request: HttpRequest, handler: MemoryOnlyUploadHandler) -> HttpResponse:
    if request.method != "POST":
        return _page(request, ProvenanceCheckForm())
    try:
        _count_check(request)
    except RateLimited as exc:  # the page shows exc.message ("message") above the form
        page = {"form": ProvenanceCheckForm(), "report": None}
        return rate_limited_response(request, error=exc, template_name=TEMPLATE, context=page)
    form = ProvenanceCheckForm(request.POST, request.FILES, upload_too_large=handler.too_large)
    if form.is_valid():
        data = form.cleaned_data["image"].read()
        try:
            mime = image_mime(data)
        except PhotoRejected as exc:
            form.add_error("image", exc.message)
        else:
            return _page(request, ProvenanceCheckForm(), report=provenance_report(data, mime))
    # 400: the page again with the reason next to the field; nothing was kept.
    return _page(request, form, status=400)


def image_mime(data: bytes) -> str:
    """The MIME type of an uploaded image that passes photo intake's checks (the format from
    the bytes, the pixel limit before any decoding, then a full strict decode); PhotoRejected
    with a message for the visitor otherwise."""
    image = _open(data, max_pixels=figures_settings.MAX_UPLOAD_PIXELS)
    try:
        image_format = str(image.format)
        _decode(image)
    finally:
        image.close()
    return MIME_BY_FORMAT.get(image_format, "application/octet-stream")


def _count_check(request: HttpRequest) -> None:
    """One hit per attempt and client address (IPv6 per /64, as the sign-in limits count),
    counted before the image is looked at."""
    per_hour = figures_settings.UPLOADS_PER_HOUR
    if per_hour <= 0:
        return
    limit_hit(
        scope=RATE_SCOPE,
        key=get_ip(request),
        rate=Rate(amount=per_hour, seconds=3600),
        message=_("You have checked many images in the last hour."),
    )


def _page(
    request: HttpRequest,
    form: ProvenanceCheckForm,
    *,
    report: Report | None = None,
    status: int = 200,
) -> HttpResponse:
    response = render(request, TEMPLATE, {"form": form, "report": report}, status=status)
    response["Cache-Control"] = "no-store"  # a report about someone's image: never cached
    return response


# --- The report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    action: str
    label: str
    source_type: str
    source_type_label: str
    software_agent: str
    when: str
    description: str


@dataclass(frozen=True)
class Report:
    """What the page says about one image. `state`:
    - "none": no Content Credentials;
    - "trusted": the file is as signed, by a signer our trust anchors vouch for;
    - "untrusted": the file is as signed, but by a signer we do not know;
    - "invalid": changed after signing, or a broken signature or manifest;
    - "unreadable": there seem to be credentials, but they could not be read;
    - "unsupported": credentials in this format cannot be checked here."""

    state: str
    claim_generator: str = ""
    signer: str = ""
    issuer: str = ""
    signed_at: str = ""
    algorithm: str = ""
    title: str = ""
    actions: list[Action] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    iptc_source_type: str = ""
    iptc_source_type_label: str = ""
    ingredients: int = 0

    @property
    def has_manifest(self) -> bool:
        return self.state in ("trusted", "untrusted", "invalid")

    @property
    def says_ai(self) -> bool:
        """The manifest or the XMP says AI made the image or a part of it."""
        terms = [a.source_type for a in self.actions] + [self.iptc_source_type]
        return any(t.rsplit("/", 1)[-1] in AI_TERMS for t in terms if t)


AI_TERMS = frozenset({"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia"})


def source_type_label(uri: str) -> str:
    """An IPTC digital source type in words; an unknown term as it is written."""
    term = uri.removeprefix(IPTC_SOURCE_TYPES) if uri.startswith(IPTC_SOURCE_TYPES) else ""
    label = SOURCE_TYPE_LABELS.get(term)
    return str(label) if label else uri


def provenance_report(data: bytes, mime: str) -> Report:
    """The page's report on an image that passed the intake checks: core.provenance reads
    the manifest (validated against MINIME_C2PA_TRUST_ANCHORS) and the XMP."""
    try:
        found = provenance_read(data, mime)
    except ValueError:  # a format provenance_read does not read
        return Report(state="unsupported")
    iptc = str(found.get("xmp_digital_source_type") or "")
    common: dict[str, Any] = {
        "iptc_source_type": iptc,
        "iptc_source_type_label": source_type_label(iptc) if iptc else "",
        "problems": [str(error) for error in found.get("errors") or []],
    }
    if not found.get("manifest"):
        return Report(state="unreadable" if common["problems"] else "none", **common)
    signer = found.get("signer") or {}
    return Report(
        state=_state(found.get("validation_state")),
        claim_generator=str(found.get("claim_generator") or ""),
        signer=str(signer.get("common_name") or ""),
        issuer=str(signer.get("issuer") or ""),
        signed_at=str(signer.get("time") or ""),
        algorithm=str(signer.get("alg") or ""),
        title=str(found.get("title") or ""),
        actions=[_action(item) for item in found.get("actions") or []],
        ingredients=int(found.get("ingredients") or 0),
        **common,
    )


def _state(validation_state: object) -> str:
    """c2pa's validation state: Trusted, Valid (intact, signer unknown to us) or Invalid."""
    state = str(validation_state or "").lower()
    return {"trusted": "trusted", "valid": "untrusted"}.get(state, "invalid")


def _action(item: dict[str, Any]) -> Action:
    name = str(item.get("action") or "")
    source = str(item.get("digitalSourceType") or "")
    label = ACTION_LABELS.get(name)
    return Action(
        action=name,
        label=str(label) if label else name,
        source_type=source,
        source_type_label=source_type_label(source) if source else "",
        software_agent=str(item.get("softwareAgent") or ""),
        when=str(item.get("when") or ""),
        description=str(item.get("description") or ""),
    )
