"""Marketplace account deletion: the endpoint challenge and a signed notification, verified."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import jsonschema
import pytest
import pytest_asyncio
import yaml
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.integration.ebaysim.sim_client import Sim
from tests.support.contract_files import find, note_skipped

TOKEN = "a-verification-token-of-32-to-80-chars-123456"


class Endpoint:
    """A receiving endpoint, like the one the sniper exposes, on a real socket."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.url = ""
        self.token = TOKEN

    async def challenge(self, request: web.Request) -> web.Response:
        digest = hashlib.sha256(
            (request.query["challenge_code"] + self.token + self.url).encode()
        ).hexdigest()
        return web.json_response({"challengeResponse": digest})

    async def notify(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(status=204)


@pytest_asyncio.fixture(loop_scope="session")
async def endpoint() -> AsyncIterator[Endpoint]:
    receiver = Endpoint()
    app = web.Application()
    app.router.add_get("/ebay/deletion", receiver.challenge)
    app.router.add_post("/ebay/deletion", receiver.notify)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    receiver.url = f"http://127.0.0.1:{port}/ebay/deletion"
    yield receiver
    await runner.cleanup()


async def test_challenge_passes_with_the_right_hash_and_fails_otherwise(
    sim: Sim, endpoint: Endpoint
) -> None:
    status, outcome = await sim.admin(
        "POST",
        "/sim/account-deletion/challenge",
        {"endpoint": endpoint.url, "verificationToken": TOKEN},
    )
    assert status == 200 and outcome["ok"] is True
    endpoint.token = "another-token"
    _, outcome = await sim.admin(
        "POST",
        "/sim/account-deletion/challenge",
        {"endpoint": endpoint.url, "verificationToken": TOKEN},
    )
    assert outcome["ok"] is False and outcome["received"] != outcome["expected"]


ASYNCAPI = "marketplace-account-deletion.asyncapi.yaml"


def asyncapi_payload_schema() -> dict[str, Any] | None:
    """The notification payload's schema, closed; None (check noted as skipped) if not here."""
    path = find(ASYNCAPI)
    if path is None:
        note_skipped(ASYNCAPI)
        return None
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    schemas = document["components"]["schemas"]
    for schema in schemas.values():
        schema["additionalProperties"] = False
    return {
        **document["components"]["messages"]["message"]["payload"],
        "additionalProperties": False,
        "components": {"schemas": schemas},
    }


async def test_signed_notification_verifies_with_the_served_public_key(
    sim: Sim, endpoint: Endpoint
) -> None:
    await sim.admin("POST", "/sim/users", {"username": "leaving_user"})
    status, sent = await sim.admin(
        "POST",
        "/sim/account-deletion/notify",
        {"endpoint": endpoint.url, "username": "leaving_user"},
    )
    assert status == 200 and sent["status"] == 204
    [(headers, body)] = endpoint.received
    payload = json.loads(body)
    schema = asyncapi_payload_schema()
    if schema is not None:
        jsonschema.validate(payload, schema)
    assert payload["metadata"] == {"topic": "MARKETPLACE_ACCOUNT_DELETION", "schemaVersion": "1.0",
                                   "deprecated": False}  # fmt: skip
    assert payload["notification"]["data"]["username"] == "leaving_user"
    assert payload["notification"]["notificationId"] == sent["notificationId"]

    signature = json.loads(base64.b64decode(headers["X-EBAY-SIGNATURE"]))
    assert signature["alg"] == "ECDSA" and signature["digest"] == "SHA1"
    async with sim.http.get(
        f"{sim.url}/commerce/notification/v1/public_key/{signature['kid']}",
        headers={"Authorization": f"Bearer {await sim.token()}"},
    ) as r:
        assert r.status == 200
        served = await r.json()
    assert served["algorithm"] == "ECDSA" and served["digest"] == "SHA1"
    key = serialization.load_pem_public_key(served["key"].encode())
    assert isinstance(key, ec.EllipticCurvePublicKey)
    der = base64.b64decode(signature["signature"])
    eckey_sha1 = ec.ECDSA(hashes.SHA1())  # noqa: S303 - eBay signs with SHA1
    key.verify(der, body, eckey_sha1)  # raises if the signature is wrong
    with pytest.raises(InvalidSignature):
        key.verify(der, body + b" ", eckey_sha1)
