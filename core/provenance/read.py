"""Reading a file's provenance back: its C2PA manifest (through c2pa's Reader, validated
against our trust anchors) and its IPTC XMP. Used by the tests and the "check an image" page."""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path
from typing import Any

import c2pa

from core.conf import core_settings
from core.provenance import xmp

logger = logging.getLogger(__name__)
MIMES = {"image/png": "image/png", "png": "image/png", "image/jpeg": "image/jpeg"}
MIMES.update({"jpeg": "image/jpeg", "jpg": "image/jpeg", "image/jpg": "image/jpeg"})
MIMES.update({"image/webp": "image/webp", "webp": "image/webp"})
_contexts = threading.local()


def _trust_context() -> c2pa.Context:
    """A Reader context that checks the signing certificate against C2PA_TRUST_ANCHORS (when
    the file exists), cached per thread and per anchors file version."""
    anchors: Path = core_settings.C2PA_TRUST_ANCHORS
    try:
        key: tuple[str, float] = (str(anchors), anchors.stat().st_mtime)
        pem = anchors.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError):
        key, pem = (str(anchors), -1.0), ""
    cached = getattr(_contexts, "value", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    # Never reach out: a file may name a remote manifest (XMP dcterms:provenance) or an OCSP
    # responder, and a public check page that fetched them would request any address for anyone.
    verify = {"verify_trust": True, "remote_manifest_fetch": False, "ocsp_fetch": False}
    config: dict[str, Any] = {"verify": verify}
    if pem:
        config["trust"] = {"trust_anchors": pem}
    context = c2pa.Context(c2pa.Settings.from_dict(config))
    _contexts.value = (key, context)
    return context


def offline_context() -> c2pa.Context:
    """A Reader context that fetches nothing (no remote manifest, no OCSP), trusts nothing."""
    cached = getattr(_contexts, "offline", None)
    if cached is None:
        verify = {"verify_trust": False, "remote_manifest_fetch": False, "ocsp_fetch": False}
        cached = c2pa.Context(c2pa.Settings.from_dict({"verify": verify}))
        _contexts.offline = cached
    return cached


def _empty(mime: str, xmp_type: str | None) -> dict[str, Any]:
    return {
        "mime": mime,
        "manifest": False,
        "valid": False,
        "trusted": False,
        "validation_state": None,
        "claim_generator": None,
        "title": None,
        "actions": [],
        "digital_source_type": None,
        "software_agent": None,
        "created": None,
        "ingredients": 0,
        "signer": None,
        "errors": [],
        "xmp_digital_source_type": xmp_type,
    }


def provenance_read(data: bytes, mime: str) -> dict[str, Any]:
    """What a PNG or JPEG says about where it came from. Never raises for bad input: hostile
    or broken bytes give `manifest: False` and a reason in `errors`.

    `mime`: "image/png" or "image/jpeg" (also "png", "jpeg", "jpg"); any other raises
    ValueError. Sniff the type yourself (e.g. with Pillow) before calling on an upload.

    Returns a dict with:
      mime: the normalised MIME type
      manifest: bool, a C2PA manifest (any signer's) is embedded
      valid: bool, the manifest's signature and hashes check out (validation state "Valid"
             or "Trusted", no failure codes): the bytes are as signed
      trusted: bool, valid AND the signing certificate chains to one of our trust anchors
             (MINIME_C2PA_TRUST_ANCHORS; by default the development CA)
      validation_state: c2pa's word: "Invalid", "Valid", "Trusted", or None without manifest
      claim_generator: "Name/version" of the first claim_generator_info entry
             (ours: "Mini-Me Merch/<version>")
      title: the manifest's title (the file name it was signed as)
      actions: list of {"action", "digitalSourceType", "softwareAgent", "when",
             "description"} from the active manifest's c2pa.actions assertion(s)
      digital_source_type: the IPTC URI of the first action that names one
      software_agent: that action's software agent name (for renders: "<backend> <model>")
      created: that action's "when" (ISO 8601), or None
      ingredients: how many ingredients the active manifest lists (ours: always 0; never
             the customer's photo)
      signer: {"issuer", "common_name", "alg", "time"} from the signature, or None
      errors: failure codes with explanations ("code: explanation"), e.g.
             "assertion.dataHash.mismatch: ..." for a file changed after signing,
             "signingCredential.untrusted: ..." for someone else's certificate
      xmp_digital_source_type: `Iptc4xmpExt:DigitalSourceType` from the file's own XMP
             (independent of the manifest), or None
    """
    normalised = MIMES.get(mime.lower().strip())
    if normalised is None:
        raise ValueError(f"provenance_read reads PNG and JPEG, not {mime!r}")
    result = _empty(normalised, xmp.digital_source_type(xmp.read_xmp(data, normalised)))
    try:
        reader = c2pa.Reader.try_create(normalised, io.BytesIO(data), None, _trust_context())
    except c2pa.C2paError as error:
        result["errors"].append(f"unreadable: {error}")
        return result
    except Exception as error:  # the native reader on hostile input: report, never crash
        logger.warning("c2pa reader failed", exc_info=True)
        result["errors"].append(f"unreadable: {type(error).__name__}")
        return result
    if reader is None:
        return result
    with reader:
        _fill(result, reader)
    return result


def _fill(result: dict[str, Any], reader: c2pa.Reader) -> None:
    state = reader.get_validation_state()
    results = reader.get_validation_results() or {}
    failures = (results.get("activeManifest") or {}).get("failure") or []
    manifest = reader.get_active_manifest() or {}
    result["manifest"] = bool(manifest)
    result["validation_state"] = state
    result["errors"] = [f"{f.get('code')}: {f.get('explanation', '')}" for f in failures]
    result["valid"] = state in ("Valid", "Trusted") and not failures
    result["trusted"] = state == "Trusted" and not failures
    info = (manifest.get("claim_generator_info") or [{}])[0]
    if info.get("name"):
        result["claim_generator"] = f"{info['name']}/{info.get('version', '')}".rstrip("/")
    else:
        result["claim_generator"] = manifest.get("claim_generator")
    result["title"] = manifest.get("title")
    result["ingredients"] = len(manifest.get("ingredients") or [])
    signature = manifest.get("signature_info") or {}
    if signature:
        keys = ("issuer", "common_name", "alg", "time")
        result["signer"] = {k: signature.get(k) for k in keys}
    for assertion in manifest.get("assertions") or []:
        if str(assertion.get("label", "")).startswith("c2pa.actions"):
            for action in (assertion.get("data") or {}).get("actions") or []:
                agent = action.get("softwareAgent")
                result["actions"].append(
                    {
                        "action": action.get("action"),
                        "digitalSourceType": action.get("digitalSourceType"),
                        "softwareAgent": agent.get("name") if isinstance(agent, dict) else agent,
                        "when": action.get("when"),
                        "description": action.get("description"),
                    }
                )
    for action in result["actions"]:
        if action["digitalSourceType"]:
            result["digital_source_type"] = action["digitalSourceType"]
            result["software_agent"] = action["softwareAgent"]
            result["created"] = action["when"]
            break
