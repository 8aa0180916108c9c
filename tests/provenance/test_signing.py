"""Signed renders and composites read back with c2pa's Reader against the development CA."""

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from core.provenance import (
    COMPOSITE,
    TRAINED,
    composite_sign,
    credentials_problem,
    provenance_read,
    render_png_sign,
)
from core.provenance.credentials import ensure_development_credentials

WHEN = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)


def assert_ours(report: dict, source_type: str) -> None:
    assert report["manifest"] and report["valid"] and report["trusted"], report["errors"]
    assert report["validation_state"] == "Trusted"
    assert report["claim_generator"].startswith("Mini-Me Merch/")
    assert report["digital_source_type"] == source_type
    assert report["xmp_digital_source_type"] == source_type
    assert report["ingredients"] == 0  # never the customer's photo
    assert report["signer"]["issuer"] == "Mini-Me Merch development (untrusted)"
    assert report["errors"] == []


def test_a_render_is_signed_as_trained_algorithmic_media(stylize_png):
    signed = render_png_sign(stylize_png, backend="stylize", model="CPU filter", created=WHEN)
    report = provenance_read(signed, "image/png")

    assert_ours(report, TRAINED)
    [created] = report["actions"]
    assert created["action"] == "c2pa.created"
    assert created["softwareAgent"] == report["software_agent"] == "stylize CPU filter"
    assert datetime.fromisoformat(report["created"]) == WHEN
    with Image.open(io.BytesIO(signed)) as image, Image.open(io.BytesIO(stylize_png)) as before:
        assert image.tobytes() == before.tobytes()  # the pixels are the render's


def test_a_composite_jpeg_says_composite_and_edited():
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (250, 240, 10)).save(buffer, format="JPEG", quality=85)
    signed = composite_sign(
        buffer.getvalue(),
        "image/jpeg",
        software_agent="Mini-Me Merch share card",
        description="render placed on a card",
        title="card.jpg",
    )
    report = provenance_read(signed, "image/jpeg")

    assert_ours(report, COMPOSITE)
    assert [a["action"] for a in report["actions"]] == ["c2pa.created", "c2pa.edited"]
    assert report["actions"][1]["description"] == "render placed on a card"
    assert report["title"] == "card.jpg"


@pytest.mark.parametrize("where", [0.5, 0.97])
def test_bytes_changed_after_signing_are_reported_invalid(stylize_png, where):
    signed = bytearray(render_png_sign(stylize_png, backend="stylize", model="m", created=WHEN))
    signed[int(len(signed) * where)] ^= 0x01

    report = provenance_read(bytes(signed), "image/png")

    assert report["manifest"] and not report["valid"] and not report["trusted"]
    assert report["validation_state"] == "Invalid"
    assert any("mismatch" in error for error in report["errors"]), report["errors"]


def test_another_ca_is_valid_but_not_trusted(settings, tmp_path, stylize_png):
    stranger = ensure_development_credentials(tmp_path / "stranger")
    settings.MINIME_C2PA_CERT_CHAIN = str(stranger.chain)
    settings.MINIME_C2PA_PRIVATE_KEY = str(stranger.key)
    signed = render_png_sign(stylize_png, backend="stylize", model="m", created=WHEN)

    report = provenance_read(signed, "image/png")

    assert report["manifest"] and not report["trusted"]
    assert any(e.startswith("signingCredential.untrusted") for e in report["errors"])


def test_without_credentials_the_image_goes_out_labelled_but_unsigned(
    no_credentials, stylize_png, caplog
):
    assert "missing" in credentials_problem()
    labelled = render_png_sign(stylize_png, backend="stylize", model="m", created=WHEN)

    report = provenance_read(labelled, "image/png")

    assert not report["manifest"] and not report["valid"]
    assert report["xmp_digital_source_type"] == TRAINED
    assert "unsigned" in caplog.text
    Image.open(io.BytesIO(labelled)).load()


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_hostile_bytes_are_reported_not_raised(data):
    report = provenance_read(data, "image/png")
    assert not report["manifest"] and not report["valid"]


def test_only_png_and_jpeg_are_read():
    with pytest.raises(ValueError, match="PNG and JPEG"):
        provenance_read(b"GIF89a", "image/gif")
