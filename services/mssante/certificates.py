"""A self-signed TLS certificate for the MSSanté SMTP/IMAP STARTTLS (spec digest §3.2; issue 15).

The real space runs SMTP and IMAP with STARTTLS (digest §3.2); the sandbox has no CA, so at start it makes
one key and one self-signed certificate for ``localhost`` and ``127.0.0.1`` (valid a year) and keeps them in
a directory the caller gives, so that a vendor trusts the file once and keeps trusting it across restarts.
A cached pair is reused while it is readable, matches, covers the names and has more than a day to live;
otherwise it is made again. ECDSA P-256: generated in a millisecond, accepted by every current mail client.
The files are written atomically (temporary file + rename), the key readable only by its owner.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_FILE = "mssante-tls.crt"
KEY_FILE = "mssante-tls.key"
VALIDITY = timedelta(days=365)
RENEW_BEFORE = timedelta(days=1)
DEFAULT_DNS = ("localhost",)
DEFAULT_IPS = ("127.0.0.1",)


@dataclass(frozen=True)
class TlsFiles:
    """The PEM files of a certificate and its key."""

    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        """An SSL context for the server side of STARTTLS (TLS 1.2 or later, no client certificate asked)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """An SSL context for a client that trusts this certificate only (tests, vendors' examples)."""
        context = ssl.create_default_context(cafile=str(self.cert))
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context


def ensure_self_signed(
    directory: Path | str,
    *,
    dns_names: tuple[str, ...] = DEFAULT_DNS,
    ip_addresses: tuple[str, ...] = DEFAULT_IPS,
    now: datetime | None = None,
) -> TlsFiles:
    """The cached certificate of ``directory`` if still good for these names, else a new one written there."""
    directory = Path(directory)
    files = TlsFiles(directory / CERT_FILE, directory / KEY_FILE)
    moment = now or datetime.now(UTC)
    if _usable(files, dns_names, ip_addresses, moment):
        return files
    directory.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _self_signed(key, dns_names, ip_addresses, moment)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_atomically(files.key, key_pem, mode=0o600)
    _write_atomically(files.cert, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return files


def _self_signed(
    key: ec.EllipticCurvePrivateKey, dns_names: tuple[str, ...], ip_addresses: tuple[str, ...], moment: datetime
) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0] if dns_names else ip_addresses[0]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "e-sante sandbox (MSSante stand-in)"),
        ]
    )
    alt_names: list[x509.GeneralName] = [x509.DNSName(d) for d in dns_names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(i)) for i in ip_addresses]
    public = key.public_key()
    # The extensions a strict verifier (Python 3.13's VERIFY_X509_STRICT) wants of a directly trusted leaf.
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(moment - timedelta(minutes=5))
        .not_valid_after(moment + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _usable(files: TlsFiles, dns_names: tuple[str, ...], ip_addresses: tuple[str, ...], moment: datetime) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(files.cert.read_bytes())
        key = serialization.load_pem_private_key(files.key.read_bytes(), password=None)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    same_key = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) == cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    covered = set(dns_names) <= set(sans.get_values_for_type(x509.DNSName)) and {
        ipaddress.ip_address(i) for i in ip_addresses
    } <= set(sans.get_values_for_type(x509.IPAddress))
    fresh = cert.not_valid_before_utc <= moment and moment + RENEW_BEFORE < cert.not_valid_after_utc
    return same_key and covered and fresh


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
