"""Signing delivered images: IPTC XMP first (inside the signed bytes), then a C2PA manifest.

Fail safe: without readable credentials, or when c2pa refuses, the image is still delivered,
with its XMP label but no manifest, and the reason is logged (system check minime.W020 warns
about missing credentials when DEBUG is off). Losing a render or a download over a signature
would punish the customer for a configuration mistake."""

from __future__ import annotations

import io
import logging
import threading
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from typing import Any, Literal

import c2pa

from core.conf import core_settings
from core.provenance import xmp

logger = logging.getLogger(__name__)
PRODUCT = "Mini-Me Merch"
_signers = threading.local()
# No thumbnail (the file is its own preview, and it costs a JPEG encode per signature); no
# re-validation after signing (the tests read every kind back).
_BUILD_SETTINGS = {
    "builder": {"thumbnail": {"enabled": False}},
    "verify": {"verify_after_sign": False},
}


class CredentialsMissing(RuntimeError):
    """MINIME_C2PA_CERT_CHAIN or MINIME_C2PA_PRIVATE_KEY is not a readable file."""


@cache
def product_version() -> str:
    try:
        return metadata.version("mini-me-merch")
    except metadata.PackageNotFoundError:
        return "dev"


def claim_generator() -> str:
    """ "Mini-Me Merch/<version>": the XMP CreatorTool and the manifest's claim generator."""
    return f"{PRODUCT}/{product_version()}"


def _signer() -> tuple[c2pa.Signer, c2pa.Context]:
    """A Signer and a build Context per thread, remade when a credentials file changes."""
    chain, key = core_settings.C2PA_CERT_CHAIN, core_settings.C2PA_PRIVATE_KEY
    alg, tsa = core_settings.C2PA_ALGORITHM, core_settings.C2PA_TSA_URL
    try:
        ident = (str(chain), chain.stat().st_mtime, str(key), key.stat().st_mtime, alg, tsa)
    except OSError as error:
        raise CredentialsMissing(str(error)) from error
    cached = getattr(_signers, "value", None)
    if cached is not None and cached[0] == ident:
        return cached[1], cached[2]
    try:
        info = c2pa.C2paSignerInfo(alg.encode(), chain.read_bytes(), key.read_bytes(), tsa)
    except OSError as error:
        raise CredentialsMissing(str(error)) from error
    signer = c2pa.Signer.from_info(info)
    context = c2pa.Context(c2pa.Settings.from_dict(_BUILD_SETTINGS))
    _signers.value = (ident, signer, context)
    return signer, context


def credentials_problem() -> str | None:
    """Why nothing can be signed right now, or None when the credentials load."""
    try:
        _signer()
    except CredentialsMissing as error:
        return f"signing credentials missing: {error}"
    except c2pa.C2paError as error:
        return f"signing credentials refused by c2pa: {error}"
    return None


def _when(created: datetime | None) -> datetime:
    when = created or datetime.now(UTC)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def manifest_definition(
    kind: Literal["render", "composite"],
    *,
    software_agent: str,
    created: datetime,
    title: str,
    description: str = "",
) -> dict[str, Any]:
    """The manifest: claim generator, one c2pa.actions assertion, no ingredients (the
    customer's photo is never an ingredient, not even as a hash). `c2pa.placed` needs an
    ingredient reference, so composites say `c2pa.created` (composite source type) and
    `c2pa.edited` with a description of what was placed."""
    agent = {"name": software_agent}
    when = created.isoformat(timespec="seconds")
    if kind == "render":
        actions = [
            {
                "action": "c2pa.created",
                "digitalSourceType": xmp.TRAINED,
                "softwareAgent": agent,
                "when": when,
            }
        ]
    else:
        actions = [
            {
                "action": "c2pa.created",
                "digitalSourceType": xmp.COMPOSITE,
                "softwareAgent": agent,
                "when": when,
            },
            {
                "action": "c2pa.edited",
                "softwareAgent": agent,
                "when": when,
                "description": description or "AI-generated figure render placed in a layout",
            },
        ]
    return {
        "claim_generator_info": [{"name": PRODUCT, "version": product_version()}],
        "title": title,
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }


def sign_image(
    data: bytes,
    mime: str,
    *,
    kind: Literal["render", "composite"],
    software_agent: str,
    created: datetime | None = None,
    title: str = "",
    description: str = "",
) -> bytes:
    """`data` (PNG or JPEG) with IPTC XMP and a signed C2PA manifest. Renders get
    trainedAlgorithmicMedia, composites compositeWithTrainedAlgorithmicMedia. Without working
    credentials: the XMP-labelled bytes, unsigned (logged)."""
    when = _when(created)
    source_type = xmp.TRAINED if kind == "render" else xmp.COMPOSITE
    packet = xmp.xmp_packet(source_type, creator_tool=claim_generator(), created=when)
    labelled = xmp.with_xmp(data, mime, packet)
    definition = manifest_definition(
        kind,
        software_agent=software_agent,
        created=when,
        title=title or ("image.png" if mime == "image/png" else "image.jpg"),
        description=description,
    )
    try:
        signer, context = _signer()
        out = io.BytesIO()
        with c2pa.Builder(definition, context=context) as builder:
            builder.sign(signer, mime, io.BytesIO(labelled), out)
        return out.getvalue()
    except CredentialsMissing as error:
        logger.warning("Delivering %s unsigned (XMP only): credentials missing: %s", mime, error)
    except c2pa.C2paError:
        logger.exception("Delivering %s unsigned (XMP only): c2pa could not sign", mime)
    return labelled


def render_png_sign(png: bytes, *, backend: str, model: str, created: datetime | None) -> bytes:
    """A render as stored: `c2pa.created`, trainedAlgorithmicMedia, software agent
    "<backend> <model>"."""
    agent = f"{backend} {model}".strip() if model else backend
    return sign_image(
        png, "image/png", kind="render", software_agent=agent, created=created, title="render.png"
    )


def composite_sign(
    data: bytes,
    mime: str,
    *,
    software_agent: str,
    description: str,
    title: str,
    created: datetime | None = None,
) -> bytes:
    """A layout that contains an AI render (digital download, packaging preview, share card)."""
    return sign_image(
        data,
        mime,
        kind="composite",
        software_agent=software_agent,
        created=created,
        title=title,
        description=description,
    )


def has_manifest(data: bytes, mime: str) -> bool:
    """An embedded C2PA manifest (any signer's, valid or not): for idempotent backfills."""
    from core.provenance.read import offline_context

    try:
        reader = c2pa.Reader.try_create(mime, io.BytesIO(data), None, offline_context())
    except c2pa.C2paError:
        return False
    if reader is None:
        return False
    reader.close()
    return True
