"""The API end to end: HTTP through the local gateway, a real (local) Cognito token, the functions
as template.yaml wires them, DynamoDB/KMS/Scheduler in moto and eBay in the simulator. Handlers
are tested directly elsewhere; this proves the whole path holds together."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest_asyncio

from sniper.devstack.local.stack import LocalStack
from tests.fixtures.stack import ApiUser, ApiUserFactory, link_ebay, sim_call


async def _json(response: aiohttp.ClientResponse, status: int) -> Any:
    body = await response.json(content_type=None)
    assert response.status == status, body
    return body


async def _auction(stack: LocalStack, *, price: str = "10.00", ends_in: float = 3600) -> str:
    auction = await sim_call(
        stack,
        "POST",
        "/sim/auctions",
        {"title": "A Leica M6 in its box", "startPrice": price, "endsInSeconds": ends_in},
    )
    item_id: str = auction["itemId"]
    return item_id


@pytest_asyncio.fixture(loop_scope="session")
async def linked_user(clean_stack: LocalStack, api_user: ApiUserFactory) -> ApiUser:
    user = await api_user()
    await link_ebay(clean_stack, user)
    return user


async def _snipe_on_a_new_auction(
    stack: LocalStack, user: ApiUser, *, price: str = "10.00", max_bid: str = "25.00"
) -> tuple[int, Any]:
    """POST /bids on a new auction starting at `price`: the status and the body."""
    request = {
        "itemId": await _auction(stack, price=price),
        "maxBid": {"value": max_bid, "currency": "USD"},
    }
    async with user.client.post("/bids", json=request) as response:
        return response.status, await response.json(content_type=None)


async def test_the_openapi_document_is_public(anonymous_client: aiohttp.ClientSession) -> None:
    async with anonymous_client.get("/openapi.json") as response:
        document = await _json(response, 200)
    assert document["openapi"].startswith("3.")
    assert "/bids/{bidId}" in document["paths"]


async def test_the_profile_is_created_from_the_token_on_first_call(
    api_user: ApiUserFactory,
) -> None:
    user = await api_user(name="Ada Sniper")
    async with user.client.get("/users/profile") as response:
        first = await _json(response, 200)
    assert first["userId"] == user.user_id
    assert first["ebay"]["linked"] is False
    # The email and name are the sign-in's.
    assert first["email"] == f"{user.username}@example.com"
    assert first["name"] == "Ada Sniper"
    async with user.client.get("/users/profile") as response:
        again = await _json(response, 200)
    assert again["createdAt"] == first["createdAt"]


async def test_preferences_are_kept_and_validated(api_user: ApiUserFactory) -> None:
    user = await api_user()
    change = {"defaultOffsetSeconds": 6.5, "notifications": {"won": False, "placed": True}}
    async with user.client.put("/users/preferences", json=change) as response:
        await _json(response, 200)
    async with user.client.get("/users/profile") as response:
        preferences = (await _json(response, 200))["preferences"]
    assert preferences["defaultOffsetSeconds"] == 6.5
    assert preferences["notifications"]["won"] is False
    assert preferences["notifications"]["placed"] is True
    assert preferences["notifications"]["lost"] is True

    async with user.client.put("/users/preferences", json={"defaultOffsetSeconds": -1}) as bad:
        error = (await _json(bad, 400))["error"]
    assert error["field"] == "defaultOffsetSeconds"


async def test_an_ebay_account_is_linked_through_the_simulator(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    ebay_username = await link_ebay(clean_stack, user)
    async with user.client.get("/ebay/auth/status") as response:
        status = await _json(response, 200)
    assert status["linked"] is True and status["broken"] is False
    assert status["username"] == ebay_username
    async with user.client.get("/users/profile") as response:
        assert (await _json(response, 200))["ebay"] == {
            "linked": True,
            "username": ebay_username,
            "broken": False,
        }


async def test_a_replayed_consent_is_refused(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    async with user.client.get("/ebay/auth/url") as response:
        consent = await _json(response, 200)
    forged = {"code": "not-a-code", "state": consent["state"] + "x"}
    async with user.client.post("/ebay/auth/callback", json=forged) as response:
        assert 400 <= response.status < 500
    async with user.client.get("/ebay/auth/status") as response:
        assert (await _json(response, 200))["linked"] is False


async def test_a_snipe_is_created_scheduled_and_listed(
    clean_stack: LocalStack, linked_user: ApiUser
) -> None:
    user = linked_user
    status, created = await _snipe_on_a_new_auction(clean_stack, user)
    assert status == 201, created
    assert created["status"] == "SCHEDULED"
    assert created["maxBid"] == {"value": "25.00", "currency": "USD"}
    assert created["title"] == "A Leica M6 in its box"

    async with user.client.get("/bids") as response:
        listed = await _json(response, 200)
    assert [bid["bidId"] for bid in listed["items"]] == [created["bidId"]]
    async with user.client.get(f"/bids/{created['bidId']}") as response:
        assert (await _json(response, 200))["bidId"] == created["bidId"]

    # The schedule EventBridge Scheduler would fire exists in the template's group.
    assert clean_stack.aws is not None
    scheduler = clean_stack.aws.client("scheduler")
    group = clean_stack.aws.refs["ScheduleGroup"]
    assert scheduler.list_schedules(GroupName=group)["Schedules"]


async def test_a_snipe_below_the_next_minimum_bid_is_refused(
    clean_stack: LocalStack, linked_user: ApiUser
) -> None:
    status, _ = await _snipe_on_a_new_auction(
        clean_stack, linked_user, price="50.00", max_bid="20.00"
    )
    assert 400 <= status < 500
    async with linked_user.client.get("/bids") as response:
        assert (await _json(response, 200))["items"] == []


async def test_another_users_snipe_is_not_found(
    clean_stack: LocalStack, api_user: ApiUserFactory, linked_user: ApiUser
) -> None:
    owner = linked_user
    status, created = await _snipe_on_a_new_auction(clean_stack, owner)
    assert status == 201, created
    bid_id = created["bidId"]

    stranger = await api_user()
    async with stranger.client.get(f"/bids/{bid_id}") as response:
        assert response.status == 404
    change = {"maxBid": {"value": "99.00", "currency": "USD"}}
    async with stranger.client.put(f"/bids/{bid_id}", json=change) as response:
        assert response.status == 404
    async with stranger.client.delete(f"/bids/{bid_id}") as response:
        assert response.status == 404
    async with stranger.client.get("/bids") as response:
        assert (await _json(response, 200))["items"] == []

    async with owner.client.get(f"/bids/{bid_id}") as response:
        untouched = await _json(response, 200)
    assert untouched["status"] == "SCHEDULED"
    assert untouched["maxBid"]["value"] == "25.00"


def _verification_token(stack: LocalStack) -> str:
    assert stack.aws is not None
    manager = stack.aws.client("secretsmanager")
    secret = manager.get_secret_value(SecretId=stack.aws.refs["EbayCredentials"])
    token: str = json.loads(secret["SecretString"])["verification_token"]
    return token


async def test_ebay_validates_the_account_deletion_endpoint_through_the_gateway(
    clean_stack: LocalStack,
) -> None:
    # eBay hashes the endpoint URL it called; the function rebuilds it from the gateway's event
    # (domainName, X-Forwarded-Proto), so this holds only if the event says where it was called.
    endpoint = f"{clean_stack.api_url}/ebay/account-deletion"
    challenge = {"endpoint": endpoint, "verificationToken": _verification_token(clean_stack)}
    result = await sim_call(clean_stack, "POST", "/sim/account-deletion/challenge", challenge)
    assert result["ok"] is True, result
    assert result["status"] == 200


async def test_an_ebay_account_deletion_notice_unlinks_the_user(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    ebay_username = await link_ebay(clean_stack, user)
    endpoint = f"{clean_stack.api_url}/ebay/account-deletion"
    notice = {"endpoint": endpoint, "username": ebay_username}
    result = await sim_call(clean_stack, "POST", "/sim/account-deletion/notify", notice)
    assert 200 <= result["status"] < 300, result
    async with user.client.get("/ebay/auth/status") as response:
        assert (await _json(response, 200))["linked"] is False
