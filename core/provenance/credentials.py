"""Local development signing credentials: an ES256 CA and a leaf certificate signed by it,
labelled O="Mini-Me Merch development (untrusted)". c2pa refuses self-signed leaf certificates,
hence the two. Nobody outside this installation trusts them: production sets
MINIME_C2PA_CERT_CHAIN / MINIME_C2PA_PRIVATE_KEY to the merchant's own certificate (README,
"Provenance")."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

DEVELOPMENT_ORGANIZATION = "Mini-Me Merch development (untrusted)"
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")  # id-kp-documentSigning (RFC 9336)
CHAIN, KEY, CA = "chain.pem", "signing-key.pem", "ca.pem"


@dataclass(frozen=True)
class DevelopmentCredentials:
    folder: Path
    created: bool

    @property
    def chain(self) -> Path:
        return self.folder / CHAIN

    @property
    def key(self) -> Path:
        return self.folder / KEY

    @property
    def ca(self) -> Path:
        return self.folder / CA


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEVELOPMENT_ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificates(now: dt.datetime) -> tuple[x509.Certificate, x509.Certificate, bytes]:
    """(CA, leaf, leaf key PEM)."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Mini-Me Merch development CA (untrusted)")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name("Mini-Me Merch development signer (untrusted)"))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=825))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True, ca=False), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return ca, leaf, key_pem


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def ensure_development_credentials(folder: Path, *, force: bool = False) -> DevelopmentCredentials:
    """Creates the development CA, leaf chain and key in `folder` unless all three are there
    (or `force`). Idempotent: a second call changes nothing and says created=False."""
    folder = Path(folder)
    existing = DevelopmentCredentials(folder, created=False)
    if not force and all(p.is_file() for p in (existing.chain, existing.key, existing.ca)):
        return existing
    folder.mkdir(parents=True, exist_ok=True)
    ca, leaf, key_pem = _certificates(dt.datetime.now(dt.UTC))
    pem = serialization.Encoding.PEM
    _write(folder / KEY, key_pem, 0o600)
    _write(folder / CHAIN, leaf.public_bytes(pem) + ca.public_bytes(pem), 0o644)
    _write(folder / CA, ca.public_bytes(pem), 0o644)
    return DevelopmentCredentials(folder, created=True)


def is_development_certificate(chain_pem: bytes) -> bool:
    """The chain's leaf is one of ours from ensure_development_credentials (untrusted)."""
    try:
        leaf = x509.load_pem_x509_certificates(chain_pem)[0]
    except (ValueError, IndexError):
        return False
    names = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return any(attr.value == DEVELOPMENT_ORGANIZATION for attr in names)
