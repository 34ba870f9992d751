"""/ebay/auth/*: the whole link flow against the simulator, status, state checks, unlink."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import parse_qs, urlsplit

from sniper.devstack.local.aws import LOCAL_RU_NAME, LocalAws
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.domain.snipe import SnipeStatus
from sniper.storage.snipes import SnipesRepository
from sniper.storage.users import UsersRepository
from tests.factories import make_snipe
from tests.integration.api.conftest import (
    EBAY_OAUTH,
    ApiApps,
    Sim,
    consent_url,
    grant,
    link_ebay,
    redeem,
    schedules,
    sniping,
)
from tests.support.http_events import claims_for, http_event


async def _consent_code(
    api: ApiApps, sim: Sim, user: str, username: str = "buyer_one"
) -> tuple[str, str]:
    return await grant(sim, (await consent_url(api, user))["url"], username)


async def test_consent_url_asks_ebay_for_our_scopes_with_a_state(
    api: ApiApps, user_id: str
) -> None:
    answer = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/url", user=user_id)
    assert answer.status == 200
    query = parse_qs(urlsplit(answer.body["url"]).query)
    assert query["redirect_uri"] == [LOCAL_RU_NAME]
    assert query["response_type"] == ["code"]
    assert "https://api.ebay.com/oauth/api_scope/buy.offer.auction" in query["scope"][0].split()
    assert query["state"] == [answer.body["state"]]
    assert answer.body["expiresAt"].endswith("Z")
    assert user_id not in answer.body["state"]  # the state names no one
    assert answer.headers["Cache-Control"] == "no-store"


async def test_full_link_flow_then_status_says_linked(
    api: ApiApps, sim: Sim, user_id: str, users_repo: UsersRepository
) -> None:
    before = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/status", user=user_id)
    assert before.status == 200
    assert before.body["linked"] is False and before.body["username"] is None

    linked = await link_ebay(api, sim, user_id, "buyer_one")
    assert linked.body["linked"] is True and linked.body["username"] == "buyer_one"

    status = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/status", user=user_id)
    assert status.body["linked"] is True
    assert status.body["username"] == "buyer_one"
    assert (
        "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly" in status.body["scopes"]
    )
    assert status.body["accessExpiresAt"] < status.body["refreshExpiresAt"]
    assert status.body["broken"] is False
    # Stored sealed: the profile holds ciphertext, never the token itself; nor does the answer.
    stored = await users_repo.require(user_id)
    assert stored.ebay_link is not None and stored.email == f"{user_id}@example.com"
    assert b"." not in stored.ebay_link.access_token_ciphertext[:0]  # bytes, not text
    assert "Ciphertext" not in status.raw and "token" not in status.raw.lower().replace(
        "Tokens", ""
    )


async def test_tampered_state_is_refused(api: ApiApps, sim: Sim, user_id: str) -> None:
    code, state = await _consent_code(api, sim, user_id)
    version, payload, mac = state.split(".")
    tampered = f"{version}.{payload}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"
    answer = await redeem(api, user_id, code, tampered)
    assert answer.status == 400
    assert answer.error()["code"] == "invalid_state" and answer.error()["field"] == "state"


async def test_another_users_state_is_refused(
    api: ApiApps, sim: Sim, user_id: str, other_user_id: str
) -> None:
    code, state = await _consent_code(api, sim, user_id)
    answer = await redeem(api, other_user_id, code, state)
    assert answer.status == 400 and answer.error()["code"] == "invalid_state"
    status = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/status", user=other_user_id)
    assert status.body["linked"] is False


async def test_a_code_used_twice_is_refused(api: ApiApps, sim: Sim, user_id: str) -> None:
    code, state = await _consent_code(api, sim, user_id)
    first = await redeem(api, user_id, code, state)
    assert first.status == 200
    # With a fresh state, so that it is eBay refusing the spent code, not our state check.
    again = await redeem(api, user_id, code, (await consent_url(api, user_id))["state"])
    assert again.status == 422
    assert again.error() == {**again.error(), "code": "authorization_code_refused", "field": "code"}


async def test_a_replayed_state_is_refused_and_the_link_stays(
    api: ApiApps, sim: Sim, user_id: str, users_repo: UsersRepository
) -> None:
    consent = await consent_url(api, user_id)
    victim_code, _ = await grant(sim, consent["url"], "victim_buyer")
    linked = await redeem(api, user_id, victim_code, consent["state"])
    assert linked.status == 200 and linked.body["username"] == "victim_buyer"
    before = await users_repo.require(user_id)

    # The same state, replayed with a fresh code for another eBay account.
    attacker_code, _ = await grant(sim, consent["url"], "attacker_buyer")
    replayed = await redeem(api, user_id, attacker_code, consent["state"])
    assert replayed.status == 400
    assert replayed.error() == {
        **replayed.error(),
        "code": "state_already_used",
        "field": "state",
    }
    status = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/status", user=user_id)
    assert status.body["username"] == "victim_buyer"
    after = await users_repo.require(user_id)
    assert after.version == before.version and after.ebay_link == before.ebay_link


async def test_concurrent_callbacks_with_one_state_link_once(
    api: ApiApps, sim: Sim, user_id: str, functions: LocalFunctions
) -> None:
    consent = await consent_url(api, user_id)
    codes = [(await grant(sim, consent["url"], f"buyer_{n}"))[0] for n in range(8)]
    events = [
        http_event(
            "POST",
            "/ebay/auth/callback",
            claims=claims_for(user_id),
            body={"code": code, "state": consent["state"]},
        )
        for code in codes
    ]
    answers = await asyncio.gather(*(functions.invoke(EBAY_OAUTH, e) for e in events))
    statuses = sorted(a["statusCode"] for a in answers)
    assert statuses == [200] + [400] * 7, answers
    (won,) = [json.loads(a["body"]) for a in answers if a["statusCode"] == 200]
    for refused in (json.loads(a["body"]) for a in answers if a["statusCode"] == 400):
        assert refused["error"]["code"] == "state_already_used"
    status = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/status", user=user_id)
    assert status.body["username"] == won["username"]


async def test_callback_body_is_checked(api: ApiApps, user_id: str) -> None:
    answer = await api.request(
        EBAY_OAUTH, "POST", "/ebay/auth/callback", user=user_id, body={"code": "abc"}
    )
    assert answer.status == 400 and answer.error()["field"] == "state"


async def test_status_reports_a_broken_link(
    api: ApiApps, sim: Sim, user_id: str, users_repo: UsersRepository
) -> None:
    await link_ebay(api, sim, user_id, "buyer_one")
    # What the token refresh does when eBay refuses the refresh token.
    user = await users_repo.require(user_id)
    assert user.ebay_link is not None
    import msgspec

    broken = msgspec.structs.replace(
        user,
        ebay_link=msgspec.structs.replace(
            user.ebay_link, broken=True, broken_reason="invalid_grant"
        ),
        version=user.version + 1,
    )
    await users_repo.save(broken, expected_version=user.version)
    status = await api.request(EBAY_OAUTH, "GET", "/ebay/auth/status", user=user_id)
    assert status.body["linked"] is True and status.body["broken"] is True
    assert status.body["brokenReason"] == "invalid_grant"


async def test_unlink_cancels_pending_snipes_and_lists_them(
    api: ApiApps,
    sim: Sim,
    user_id: str,
    local_aws: LocalAws,
    snipes_repo: SnipesRepository,
    users_repo: UsersRepository,
) -> None:
    created = await sniping(api, sim, user_id, "buyer_one")
    settled = await snipes_repo.create(make_snipe(user_id=user_id, status=SnipeStatus.WON))
    assert len(schedules(local_aws)) == 2  # primary and standby

    answer = await api.request(EBAY_OAUTH, "DELETE", "/ebay/auth/unlink", user=user_id)
    assert answer.status == 200
    assert answer.body["unlinked"] is True
    assert [b["bidId"] for b in answer.body["cancelledBids"]] == [created.body["bidId"]]
    assert answer.body["cancelledBids"][0]["status"] == "CANCELLED"
    assert schedules(local_aws) == []
    assert (await snipes_repo.get(user_id, settled.bid_id)).status == SnipeStatus.WON
    assert (await users_repo.require(user_id)).ebay_link is None

    again = await api.request(EBAY_OAUTH, "DELETE", "/ebay/auth/unlink", user=user_id)
    assert again.status == 200
    assert again.body == {"unlinked": False, "cancelledBids": []}


async def test_routes_need_a_signed_in_user(api: ApiApps) -> None:
    for method, route in (
        ("GET", "/ebay/auth/url"),
        ("GET", "/ebay/auth/status"),
        ("DELETE", "/ebay/auth/unlink"),
    ):
        answer = await api.request(EBAY_OAUTH, method, route, user=None)
        assert answer.status == 401 and answer.error()["code"] == "unauthenticated"
