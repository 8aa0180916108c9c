"""The development credentials command and the system checks around signing identity."""

import io

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import call_command

from core import checks
from core.provenance.credentials import DEVELOPMENT_ORGANIZATION, is_development_certificate


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("minime_c2pa_credentials", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_labelled_development_credentials_once(settings, tmp_path):
    settings.MINIME_C2PA_DIR = str(tmp_path / "c2pa")
    assert "Created UNTRUSTED development" in run()
    files = {p.name: p.read_bytes() for p in (tmp_path / "c2pa").iterdir()}
    assert set(files) == {"chain.pem", "signing-key.pem", "ca.pem"}
    assert (tmp_path / "c2pa" / "signing-key.pem").stat().st_mode & 0o077 == 0

    assert "Kept existing" in run()
    assert {p.name: p.read_bytes() for p in (tmp_path / "c2pa").iterdir()} == files

    leaf, ca = x509.load_pem_x509_certificates(files["chain.pem"])
    for cert in (leaf, ca):
        [org] = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        assert org.value == DEVELOPMENT_ORGANIZATION == "Mini-Me Merch development (untrusted)"
    assert is_development_certificate(files["chain.pem"])
    assert not is_development_certificate(b"not a certificate")
    assert leaf.issuer == ca.subject != leaf.subject  # c2pa refuses self-signed leaves
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert ExtendedKeyUsageOID.EMAIL_PROTECTION in eku
    assert files["ca.pem"] == ca.public_bytes(serialization.Encoding.PEM)

    assert "Created" in run("--force")
    assert (tmp_path / "c2pa" / "chain.pem").read_bytes() != files["chain.pem"]


def test_missing_credentials_warn_when_debug_is_off(settings, tmp_path):
    settings.DEBUG = False
    settings.MINIME_C2PA_DIR = str(tmp_path / "nothing")
    [warning] = checks.provenance_check()
    assert warning.id == "minime.W020"
    settings.DEBUG = True
    assert checks.provenance_check() == []
