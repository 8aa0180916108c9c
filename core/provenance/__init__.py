"""Provenance of every image the suite delivers: a signed C2PA manifest (c2pa-python) plus
IPTC `Iptc4xmpExt:DigitalSourceType` in the file's own XMP (EU AI Act Art. 50(2)).

    render_png_sign(png, backend=..., model=..., created=...)   # a render, at creation
    composite_sign(data, mime, software_agent=..., description=..., title=...)  # layouts
    provenance_read(data, mime) -> dict                          # read back and validate

Settings: MINIME_C2PA_DIR, _CERT_CHAIN, _PRIVATE_KEY, _ALGORITHM, _TSA_URL, _TRUST_ANCHORS
(core.conf); development credentials: `manage.py minime_c2pa_credentials`."""

from core.provenance.read import provenance_read
from core.provenance.sign import (
    claim_generator,
    composite_sign,
    credentials_problem,
    has_manifest,
    render_png_sign,
    sign_image,
)
from core.provenance.xmp import COMPOSITE, TRAINED, xmp_packet

__all__ = [
    "COMPOSITE",
    "TRAINED",
    "claim_generator",
    "composite_sign",
    "credentials_problem",
    "has_manifest",
    "provenance_read",
    "render_png_sign",
    "sign_image",
    "xmp_packet",
]
