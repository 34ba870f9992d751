"""WarmConnection over TLS, as it talks to api.ebay.com: a local HTTPS server with a certificate
made for the test; the connection verifies it, keeps it warm, and refuses one it cannot trust."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sniper.ebay.errors import EbayUnavailable
from sniper.ebay.wire import WarmConnection
from tests.support.raw_http import LoopbackServer, ok


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class TlsServer(LoopbackServer):
    """Answers every request on a connection with 200 and the request's first line."""

    async def respond(self, request: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(ok(request.split(b"\r\n", 1)[0], content_type="text/plain"))
        await writer.drain()
        return True


@pytest.fixture
async def tls(tmp_path: Path) -> AsyncIterator[tuple[TlsServer, Path]]:
    cert, key = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = TlsServer()
    await server.start(context)
    yield server, cert
    await server.stop()


async def test_a_verified_tls_connection_is_kept_warm(tls: tuple[TlsServer, Path]) -> None:
    server, cert = tls
    trusting = ssl.create_default_context(cafile=str(cert))
    connection = WarmConnection(f"https://localhost:{server.port}", ssl_context=trusting)
    try:
        probe = connection.prepare("GET", "/buy/offer/v1_beta/bidding/v1%7C1%7C0", {})
        bid = connection.prepare(
            "POST", "/buy/offer/v1_beta/bidding/v1%7C1%7C0/place_proxy_bid",
            {"Content-Type": "application/json"}, b'{"maxAmount":{"value":"1.00","currency":"USD"}}',
        )  # fmt: skip
        first = await connection.send(probe)
        second = await connection.send(bid)
    finally:
        await connection.close()
    assert first.status == second.status == 200
    assert second.body.startswith(b"POST /buy/offer/v1_beta/bidding/v1%7C1%7C0/place_proxy_bid")
    assert second.sent_ns <= second.answered_ns
    assert connection.connects == 1  # the handshake is paid once, not on the bid
    assert server.connections == 1


async def test_a_certificate_it_cannot_verify_is_refused(tls: tuple[TlsServer, Path]) -> None:
    server, _ = tls
    # The system's trust store, as in production: a self-made certificate is not in it.
    connection = WarmConnection(f"https://localhost:{server.port}")
    with pytest.raises(EbayUnavailable):
        await connection.send(connection.prepare("GET", "/", {}))
    await connection.close()
