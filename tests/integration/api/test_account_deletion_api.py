"""eBay's Marketplace Account Deletion endpoint, driven by the simulator over real HTTP.

The simulator calls the endpoint through the local gateway (the real path: gateway -> local
Lambda runtime -> UserManagementFunction), as eBay calls the deployed API.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from sniper.devstack.ebaysim import SimulatorServer
from sniper.devstack.local.aws import ACCOUNT_ID, LocalAws
from sniper.devstack.local.gateway import GatewayRoutes, LocalGateway
from sniper.devstack.local.jwt_auth import JwtAuthorizer
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.domain.snipe import SnipeStatus
from sniper.services.ports.stores import HistoryListing
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.users import UsersRepository
from tests.factories import make_history, make_snipe
from tests.integration.api.conftest import ApiApps, Sim, link_ebay, schedules, snipe_via_api


@pytest_asyncio.fixture(loop_scope="session")
async def endpoint(api: ApiApps, local_aws: LocalAws) -> AsyncIterator[str]:
    """The deletion endpoint's URL on a running local gateway."""
    async with aiohttp.ClientSession() as http:
        functions = LocalFunctions(local_aws)
        gateway = LocalGateway(
            routes=GatewayRoutes.from_template(local_aws.template),
            invoker=functions,
            authorizer=JwtAuthorizer.for_local_aws(local_aws, http),
            cors=local_aws.template.cors(),
            account_id=ACCOUNT_ID,
        )
        url = await gateway.start()
        yield f"{url}/ebay/account-deletion"
        await gateway.stop()
        await functions.retire_containers()  # the built containers' clients


def _verification_token(aws: LocalAws) -> str:
    secret = aws.client("secretsmanager").get_secret_value(SecretId=aws.refs["EbayCredentials"])
    return str(json.loads(secret["SecretString"])["verification_token"])


async def test_the_endpoint_answers_ebays_challenge(
    endpoint: str, sim: Sim, local_aws: LocalAws
) -> None:
    status, outcome = await sim.admin(
        "POST",
        "/sim/account-deletion/challenge",
        {"endpoint": endpoint, "verificationToken": _verification_token(local_aws)},
    )
    assert status == 200
    assert outcome["status"] == 200 and outcome["ok"] is True, outcome
    assert outcome["received"] == outcome["expected"]


async def test_a_signed_notice_removes_that_ebay_users_data(
    endpoint: str,
    api: ApiApps,
    sim: Sim,
    user_id: str,
    other_user_id: str,
    local_aws: LocalAws,
    users_repo: UsersRepository,
    snipes_repo: SnipesRepository,
    history_repo: HistoryRepository,
) -> None:
    await link_ebay(api, sim, user_id, "deleted_buyer")
    await link_ebay(api, sim, other_user_id, "staying_buyer")
    for who in (user_id, other_user_id):
        auction = await sim.auction()
        await snipe_via_api(api, who, auction["itemId"])
    await history_repo.record(
        make_history(await snipes_repo.create(make_snipe(user_id=user_id, status=SnipeStatus.WON)))
    )
    assert len(schedules(local_aws)) == 4  # two per snipe

    status, outcome = await sim.admin(
        "POST", "/sim/account-deletion/notify", {"endpoint": endpoint, "username": "deleted_buyer"}
    )
    assert status == 200 and outcome["status"] == 204, outcome

    gone = await users_repo.require(user_id)
    assert gone.ebay_link is None  # eBay's data is gone; our own sign-up profile stays
    assert await snipes_repo.all_for_user(user_id) == []
    assert (await history_repo.list_for_user(user_id, HistoryListing())).items == []
    kept = await users_repo.require(other_user_id)
    assert kept.ebay_link is not None and len(await snipes_repo.all_for_user(other_user_id)) == 1
    assert len(schedules(local_aws)) == 2  # the other user's snipe: its primary and standby

    again = await sim.admin(
        "POST", "/sim/account-deletion/notify", {"endpoint": endpoint, "username": "deleted_buyer"}
    )
    assert again[1]["status"] == 204  # eBay redelivers; nothing left is still success


def _signature(kid: str, signature: bytes) -> str:
    envelope = {
        "alg": "ECDSA",
        "kid": kid,
        "signature": base64.b64encode(signature).decode(),
        "digest": "SHA1",
    }
    return base64.b64encode(json.dumps(envelope).encode()).decode()


async def test_unsigned_or_forged_notices_get_412(
    endpoint: str,
    ebay_sim: SimulatorServer,
    api: ApiApps,
    sim: Sim,
    user_id: str,
    users_repo: UsersRepository,
) -> None:
    await link_ebay(api, sim, user_id, "target_buyer")
    body = json.dumps(
        {
            "metadata": {"topic": "MARKETPLACE_ACCOUNT_DELETION"},
            "notification": {"notificationId": "n-1", "data": {"username": "target_buyer"}},
        }
    ).encode()
    forged_der = bytes.fromhex("3006020101020101")  # a well-formed but wrong ECDSA signature
    headers_cases = [
        {},
        {"X-EBAY-SIGNATURE": "not base64 json"},
        {"X-EBAY-SIGNATURE": _signature(ebay_sim.state.signer.kid, forged_der)},
        {"X-EBAY-SIGNATURE": _signature("no-such-kid", forged_der)},
    ]
    async with aiohttp.ClientSession() as http:
        for headers in headers_cases:
            async with http.post(
                endpoint, data=body, headers={"Content-Type": "application/json", **headers}
            ) as answer:
                assert answer.status == 412, headers
                error = (await answer.json())["error"]
                assert error["code"] == "signature_invalid"
    assert (await users_repo.require(user_id)).ebay_link is not None
