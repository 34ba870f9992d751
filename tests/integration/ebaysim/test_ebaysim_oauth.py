"""OAuth over HTTP: consent redirect, the three grants, their errors, and revocation."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from sniper.devstack.ebaysim import SimConfig, SimulatorServer
from tests.integration.ebaysim.sim_client import Sim

OFFER_SCOPE = "https://api.ebay.com/oauth/api_scope/buy.offer.auction"
IDENTITY_SCOPE = "https://api.ebay.com/oauth/api_scope/commerce.identity.readonly"
BASIC = {"Authorization": aiohttp.encode_basic_auth("my-app", "my-secret")}
RU_NAME = "My_App-MyApp-PRD-abc"


async def consent(sim: Sim, **params: str) -> dict[str, list[str]]:
    query = {"client_id": "my-app", "redirect_uri": RU_NAME, "response_type": "code",
             "scope": f"{OFFER_SCOPE} {IDENTITY_SCOPE}", **params}  # fmt: skip
    async with sim.http.get(sim.url + "/oauth2/authorize", params=query,
                            allow_redirects=False) as response:  # fmt: skip
        assert response.status == 302
        location = response.headers["Location"]
    parts = urlsplit(location)
    return {"_target": [f"{parts.scheme}://{parts.netloc}{parts.path}"], **parse_qs(parts.query)}


async def grant(
    sim: Sim, form: dict[str, str], headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    async with sim.http.post(sim.url + "/identity/v1/oauth2/token", data=form,
                             headers=BASIC if headers is None else headers) as response:  # fmt: skip
        return response.status, await response.json()


async def code_grant(sim: Sim, code: str, redirect_uri: str = RU_NAME) -> tuple[int, Any]:
    """The authorization-code grant for `code`."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return await grant(sim, form)


async def consented_code(sim: Sim, username: str = "alice") -> str:
    """The code the consent page gives `username`."""
    return (await consent(sim, username=username))["code"][0]


async def test_consent_redirects_at_once_with_code_and_state(sim: Sim) -> None:
    redirect = await consent(sim, state="xyz-123", username="alice")
    assert redirect["_target"] == ["http://localhost:3000/ebay/callback"]  # a RuName: fallback
    assert redirect["state"] == ["xyz-123"]
    assert redirect["code"][0].startswith("v^1.1#")
    redirect = await consent(sim, redirect_uri="http://127.0.0.1:9999/cb")
    assert redirect["_target"] == ["http://127.0.0.1:9999/cb"]


async def test_accept_url_from_config_wins() -> None:
    config = SimConfig(accept_url="http://127.0.0.1:1234/accepted")
    async with SimulatorServer(config=config) as server, aiohttp.ClientSession() as http:
        redirect = await consent(Sim(server, http), state="s")
    assert redirect["_target"] == ["http://127.0.0.1:1234/accepted"]


async def test_code_grant_returns_user_tokens_and_the_code_is_single_use(sim: Sim) -> None:
    code = await consented_code(sim)
    status, tokens = await code_grant(sim, code)
    assert status == 200
    assert tokens["token_type"] == "User Access Token"
    assert tokens["expires_in"] == 7200
    assert tokens["refresh_token_expires_in"] == 47_304_000
    async with sim.http.get(
        sim.url + "/commerce/identity/v1/user/",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ) as r:
        assert (await r.json())["username"] == "alice"
    status, error = await code_grant(sim, code)
    assert (status, error["error"]) == (400, "invalid_grant")


async def test_code_for_another_redirect_uri_is_refused(sim: Sim) -> None:
    status, error = await code_grant(sim, await consented_code(sim), redirect_uri="Other-RuName")
    assert (status, error["error"]) == (400, "invalid_grant")


async def test_refresh_grant_gives_a_new_access_token_but_no_refresh_token(sim: Sim) -> None:
    _, tokens = await code_grant(sim, await consented_code(sim, "bob"))
    status, refreshed = await grant(sim, {"grant_type": "refresh_token",
                                          "refresh_token": tokens["refresh_token"],
                                          "scope": OFFER_SCOPE})  # fmt: skip
    assert status == 200
    assert "refresh_token" not in refreshed
    assert refreshed["access_token"] != tokens["access_token"]
    status, error = await grant(
        sim,
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": "https://api.ebay.com/oauth/api_scope/sell.account",
        },
    )
    assert (status, error["error"]) == (400, "invalid_scope")


async def test_client_credentials_gives_an_application_token(sim: Sim) -> None:
    status, tokens = await grant(sim, {"grant_type": "client_credentials",
                                       "scope": "https://api.ebay.com/oauth/api_scope"})  # fmt: skip
    assert status == 200
    assert tokens["token_type"] == "Application Access Token"
    assert "refresh_token" not in tokens


@pytest.mark.ebay_invalid_requests
async def test_bad_client_credentials_and_grant_types(sim: Sim) -> None:
    status, error = await grant(sim, {"grant_type": "client_credentials", "scope": "x"}, headers={})
    assert (status, error["error"]) == (401, "invalid_client")
    status, error = await grant(sim, {"grant_type": "password"})
    assert (status, error["error"]) == (400, "unsupported_grant_type")
    status, error = await grant(sim, {"grant_type": "refresh_token", "refresh_token": "nope"})
    assert (status, error["error"]) == (400, "invalid_grant")


@pytest.mark.ebay_invalid_requests
async def test_configured_client_secret_is_enforced() -> None:
    config = SimConfig(client_id="my-app", client_secret="right")
    async with SimulatorServer(config=config) as server, aiohttp.ClientSession() as http:
        sim = Sim(server, http)
        status, error = await grant(sim, {"grant_type": "client_credentials", "scope": "s"})
        assert (status, error["error"]) == (401, "invalid_client")
        good = {"Authorization": aiohttp.encode_basic_auth("my-app", "right")}
        status, _ = await grant(sim, {"grant_type": "client_credentials", "scope": "s"}, good)
        assert status == 200


async def test_expired_code_is_invalid_grant() -> None:
    async with SimulatorServer(config=SimConfig(auth_code_ttl_s=0)) as server, \
            aiohttp.ClientSession() as http:  # fmt: skip
        sim = Sim(server, http)
        status, error = await code_grant(sim, await consented_code(sim))
    assert (status, error["error"]) == (400, "invalid_grant")


async def test_revoked_user_tokens_stop_working_and_cannot_refresh(sim: Sim) -> None:
    _, tokens = await code_grant(sim, await consented_code(sim, "carol"))
    status, body = await sim.admin("POST", "/sim/users/carol/revoke")
    assert status == 200 and body["revoked"] == 2
    async with sim.http.get(
        sim.url + "/commerce/identity/v1/user/",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    ) as r:
        assert r.status == 401
    status, error = await grant(sim, {"grant_type": "refresh_token",
                                      "refresh_token": tokens["refresh_token"]})  # fmt: skip
    assert (status, error["error"]) == (400, "invalid_grant")


async def test_expired_access_token_is_401_until_refreshed(sim: Sim) -> None:
    access, refresh = sim.server.state.user_tokens("dave")
    await sim.admin("POST", "/sim/users/dave/expire-tokens")
    headers = {"Authorization": f"Bearer {access}"}
    async with sim.http.get(sim.url + "/commerce/identity/v1/user/", headers=headers) as r:
        assert r.status == 401
    status, refreshed = await grant(sim, {"grant_type": "refresh_token", "refresh_token": refresh})
    assert status == 200
    headers = {"Authorization": f"Bearer {refreshed['access_token']}"}
    async with sim.http.get(sim.url + "/commerce/identity/v1/user/", headers=headers) as r:
        assert r.status == 200
