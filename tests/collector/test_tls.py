"""The collector serves TLS 1.3 with a self-signed certificate to clients that verify it."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from opentelemetry.proto.collector.profiles.v1development.profiles_service_pb2_grpc import (
    ProfilesServiceStub,
)

from devfiler.collector.server import Collector
from devfiler.collector.tls import TlsError, server_credentials
from devfiler.storage.store import Store
from tests.collector.sent_requests import BASE_NS, agent_request, assert_stored_exactly
from tests.conftest import Certificate

TIMEOUT_S = 30


@pytest.fixture
def tls_collector(store: Store, self_signed: Certificate) -> Iterator[Collector]:
    running = Collector(store, credentials=server_credentials(self_signed.cert, self_signed.key))
    running.start("127.0.0.1:0")
    yield running
    running.stop(5.0)


def test_a_verifying_grpc_client_sends_and_the_request_is_stored(
    tls_collector: Collector, store: Store, self_signed: Certificate
) -> None:
    trusted = grpc.ssl_channel_credentials(root_certificates=self_signed.cert.read_bytes())
    request = agent_request(BASE_NS)
    with grpc.secure_channel(
        f"localhost:{tls_collector.port}", trusted, compression=grpc.Compression.Gzip
    ) as channel:
        ProfilesServiceStub(channel).Export(request, timeout=TIMEOUT_S)
    assert_stored_exactly(store, [request])


def test_the_handshake_is_tls_1_3_with_http2_and_the_certificate_verifies(
    tls_collector: Collector, self_signed: Certificate
) -> None:
    """What the agent requires: TLS 1.3 only, gRPC's ALPN, a certificate for the host."""
    context = ssl.create_default_context(cafile=self_signed.cert)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.set_alpn_protocols(["h2"])
    with (
        socket.create_connection(("127.0.0.1", tls_collector.port), timeout=TIMEOUT_S) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.version() == "TLSv1.3"
        assert tls.selected_alpn_protocol() == "h2"
        peer = tls.getpeercert()
    assert dict(entry[0] for entry in peer["subject"]) == {"commonName": "localhost"}


def test_clients_that_do_not_trust_the_certificate_or_speak_plaintext_fail(
    tls_collector: Collector, store: Store
) -> None:
    request = agent_request(BASE_NS)
    with (
        grpc.secure_channel(
            f"localhost:{tls_collector.port}", grpc.ssl_channel_credentials()
        ) as untrusting,
        pytest.raises(grpc.RpcError) as refused,
    ):
        ProfilesServiceStub(untrusting).Export(request, timeout=TIMEOUT_S)
    assert refused.value.code() is grpc.StatusCode.UNAVAILABLE
    with (
        grpc.insecure_channel(f"127.0.0.1:{tls_collector.port}") as plain,
        pytest.raises(grpc.RpcError),
    ):
        ProfilesServiceStub(plain).Export(request, timeout=TIMEOUT_S)
    assert store.read_events(BASE_NS - 1, BASE_NS + 10**12).timestamps.size == 0


def test_unusable_certificates_and_keys_say_what_is_wrong(
    tmp_path: Path, self_signed: Certificate
) -> None:
    cases = [
        (tmp_path / "missing.pem", self_signed.key, "--tls-cert .*missing.pem: No such file"),
        (self_signed.cert, tmp_path / "missing.pem", "--tls-key .*missing.pem: No such file"),
        (self_signed.key, self_signed.key, "holds no PEM certificate"),
        (self_signed.cert, self_signed.cert, "holds no PEM private key"),
    ]
    for cert, key, message in cases:
        with pytest.raises(TlsError, match=message):
            server_credentials(cert, key)


def test_a_key_of_another_certificate_is_refused(tmp_path: Path, self_signed: Certificate) -> None:
    other_key = tmp_path / "other-key.pem"
    subprocess.run(
        [
            "openssl",
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-out",
            str(other_key),
        ],
        check=True,
        capture_output=True,
    )
    with pytest.raises(TlsError, match="do not make a usable pair: KEY_VALUES_MISMATCH"):
        server_credentials(self_signed.cert, other_key)
