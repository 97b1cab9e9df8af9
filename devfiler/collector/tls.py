"""The collector's TLS credentials, from a PEM certificate chain and its private key.

The agent speaks TLS 1.3 unless started with `-disable-tls`; gRPC's server
offers TLS 1.2 and 1.3 and the agent picks 1.3. gRPC reports a bad
certificate or key only as a failed port, so the pair is first loaded with
Python's `ssl` module, which says what is wrong with it.
"""

from __future__ import annotations

import ssl
from pathlib import Path

import grpc


class TlsError(ValueError):
    """The certificate or key cannot be used; the message says which and why."""


def server_credentials(cert: Path, key: Path) -> grpc.ServerCredentials:
    """Server credentials for `Collector(credentials=...)`; TlsError when the pair is unusable."""
    chain = _read(cert, "--tls-cert")
    private_key = _read(key, "--tls-key")
    if b"-----BEGIN CERTIFICATE-----" not in chain:
        raise TlsError(f"--tls-cert {cert} holds no PEM certificate (-----BEGIN CERTIFICATE-----)")
    if b"PRIVATE KEY-----" not in private_key:
        raise TlsError(
            f"--tls-key {key} holds no PEM private key (-----BEGIN ... PRIVATE KEY-----)"
        )
    if b"ENCRYPTED" in private_key:
        raise TlsError(f"--tls-key {key} is encrypted; devfiler needs it without a passphrase")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except ssl.SSLError as error:
        reason = error.reason or str(error)
        raise TlsError(
            f"--tls-cert {cert} and --tls-key {key} do not make a usable pair: {reason}"
        ) from None
    return grpc.ssl_server_credentials([(private_key, chain)])


def _read(path: Path, flag: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise TlsError(f"{flag} {path}: {error.strerror or error}") from None
