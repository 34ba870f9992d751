"""Trust, end to end over HTTP through the local gateway: one live snipe per item however many
requests race for it, one answer per Idempotency-Key, a consent state used once, bodies that are
JSON or refused, and eBay listing URLs taken as items.

The gateway serialises API calls for now (its `_api_lock`); once it runs them concurrently these
same tests race for real. The race in separate containers is also held at the function level
(tests/integration/api/test_one_live_snipe.py, test_idempotency.py).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp

from sniper.devstack.local.stack import LocalStack
from tests.e2e.test_routes import link_ebay
from tests.fixtures.stack import ApiUser, ApiUserFactory, sim_call

PARALLEL = 20


async def _auction(stack: LocalStack, **fields: Any) -> dict[str, Any]:
    body = {"title": "A Leica M6 in its box", "startPrice": "10.00", "endsInSeconds": 3600}
    auction: dict[str, Any] = await sim_call(stack, "POST", "/sim/auctions", {**body, **fields})
    return auction


def _bid(item_id: str, value: str = "25.00", currency: str = "USD") -> dict[str, Any]:
    return {"itemId": item_id, "maxBid": {"value": value, "currency": currency}}


async def _post(
    user: ApiUser, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    async with user.client.post("/bids", json=body, headers=headers) as response:
        return response.status, dict(response.headers), await response.text()


async def test_parallel_snipes_on_one_item_leave_one(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    await link_ebay(clean_stack, user)
    auction = await _auction(clean_stack)
    answers = await asyncio.gather(*(_post(user, _bid(auction["itemId"])) for _ in range(PARALLEL)))
    created = [json.loads(text) for status, _, text in answers if status == 201]
    assert len(created) == 1, answers
    refused = [json.loads(text)["error"] for status, _, text in answers if status != 201]
    assert {(e["code"], e["bidId"]) for e in refused} == {("already_sniped", created[0]["bidId"])}
    assert len(refused) == PARALLEL - 1
    async with user.client.get("/bids") as response:
        listed = await response.json()
    assert [b["bidId"] for b in listed["items"]] == [created[0]["bidId"]]


async def test_one_idempotency_key_sets_one_snipe_and_gives_one_answer(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    await link_ebay(clean_stack, user)
    auction = await _auction(clean_stack)
    key = {"Idempotency-Key": secrets.token_hex(16)}
    answers = await asyncio.gather(
        *(_post(user, _bid(auction["itemId"]), key) for _ in range(PARALLEL))
    )
    assert {status for status, _, _ in answers} == {201}
    assert len({text for _, _, text in answers}) == 1
    assert sum(h.get("Idempotent-Replayed") == "true" for _, h, _ in answers) == PARALLEL - 1
    other_status, _, other = await _post(user, _bid(auction["itemId"], "26.00"), key)
    assert other_status == 422 and "idempotency_key_reused" in other
    async with user.client.get("/bids") as response:
        assert len((await response.json())["items"]) == 1


async def test_a_cancelled_snipe_frees_its_item(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    await link_ebay(clean_stack, user)
    auction = await _auction(clean_stack)
    status, _, first = await _post(user, _bid(auction["itemId"]))
    assert status == 201
    bid_id = json.loads(first)["bidId"]
    async with user.client.delete(f"/bids/{bid_id}") as response:
        assert response.status == 200
    status, _, second = await _post(user, _bid(auction["itemId"], "30.00"))
    assert status == 201, second
    assert json.loads(second)["bidId"] != bid_id


async def test_a_listing_url_is_accepted_and_a_lookalike_refused(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    await link_ebay(clean_stack, user)
    auction = await _auction(clean_stack, marketplaceId="EBAY_DE", currency="EUR")
    url = f"https://www.ebay.de/itm/Leica-M6/{auction['legacyItemId']}?hash=item12ab:g:xyz"
    status, _, text = await _post(user, _bid(url, currency="EUR"))
    assert status == 201, text
    assert auction["itemId"] in text and '"marketplaceId":"EBAY_DE"' in text
    lookalike = f"https://www.ebay.de.evil.example/itm/{auction['legacyItemId']}"
    status, _, text = await _post(user, _bid(lookalike, currency="EUR"))
    assert status == 400 and '"field":"itemId"' in text


async def test_a_replayed_consent_state_cannot_relink(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    async with user.client.get("/ebay/auth/url") as response:
        consent = await response.json()

    async def code_for(username: str) -> str:
        await sim_call(clean_stack, "POST", "/sim/users", {"username": username})
        async with (
            aiohttp.ClientSession() as browser,
            browser.get(f"{consent['url']}&username={username}", allow_redirects=False) as page,
        ):
            return parse_qs(urlsplit(page.headers["Location"]).query)["code"][0]

    victim = f"victim_{secrets.token_hex(3)}"
    grant = {"code": await code_for(victim), "state": consent["state"]}
    async with user.client.post("/ebay/auth/callback", json=grant) as response:
        assert response.status == 200
    replay = {"code": await code_for(f"attacker_{secrets.token_hex(3)}"), "state": consent["state"]}
    async with user.client.post("/ebay/auth/callback", json=replay) as response:
        refused = await response.json()
        assert response.status == 400
    assert refused["error"]["code"] == "state_already_used"
    async with user.client.get("/ebay/auth/status") as response:
        assert (await response.json())["username"] == victim


async def test_every_body_route_refuses_a_body_that_is_not_json(
    clean_stack: LocalStack, api_user: ApiUserFactory
) -> None:
    user = await api_user()
    for method, path in (
        ("POST", "/bids"),
        ("PUT", "/bids/01JAAAAAAAAAAAAAAAAAAAAAAA"),
        ("PUT", "/users/profile"),
        ("PUT", "/users/preferences"),
        ("POST", "/ebay/auth/callback"),
    ):
        for content_type in ("text/plain", "application/xml", "application/x-www-form-urlencoded"):
            async with user.client.request(
                method, path, data=b'{"name": "Ada"}', headers={"Content-Type": content_type}
            ) as response:
                body = await response.json()
                assert response.status == 415, (method, path, content_type, body)
            assert body["error"]["code"] == "unsupported_media_type"
