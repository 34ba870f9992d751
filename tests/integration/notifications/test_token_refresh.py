"""The daily token refresh against the eBay simulator, end to end on the local stack.

TokenRefreshFunction runs in the local Lambda runtime; its LinkNeedsRenewal events go through
Lambda's Invoke API to NotificationHandlerFunction, which emails through the Postmark sink.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
import pytest

from sniper.devstack.ebaysim import SimulatorServer
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.devstack.local.postmark_sink import PostmarkSink
from sniper.domain.snipe import Snipe, SnipeStatus
from sniper.domain.user import EbayLink, User
from sniper.ebay.client import EbayClient
from sniper.ebay.oauth import USER_SCOPES, UserTokens
from sniper.services.ebay_tokens import EbayTokens
from sniper.storage.snipes import SnipesRepository
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault
from tests.factories import make_snipe, make_user, now_ms

DAY_MS = 86_400_000
HOUR_MS = 3_600_000


@dataclass
class Upkeep:
    """The local stack as the daily run meets it: its functions, tables, vault, the simulator's
    admin API and the Postmark sink."""

    functions: LocalFunctions
    users: UsersRepository
    snipes: SnipesRepository
    vault: TokenVault
    tokens: EbayTokens
    sim: aiohttp.ClientSession
    postmark: PostmarkSink

    async def linked_user(
        self,
        ebay_username: str,
        *,
        access_expires_in_ms: int = 2 * HOUR_MS,
        refresh_expires_in_ms: int = 540 * DAY_MS,
    ) -> tuple[User, UserTokens]:
        """A user linked to a simulator account with real tokens, expiring as the test needs."""
        async with self.sim.post("/sim/users", json={"username": ebay_username}) as answer:
            assert answer.status == 201
        async with self.sim.post("/sim/tokens", json={"username": ebay_username}) as answer:
            issued = await answer.json()
        user = await self.users.create(make_user())
        tokens = UserTokens(
            access_token=issued["access_token"],
            access_expires_ms=now_ms() + access_expires_in_ms,
            refresh_token=issued["refresh_token"],
            refresh_expires_ms=now_ms() + refresh_expires_in_ms,
            scopes=USER_SCOPES,
        )
        linked = await self.tokens.link(user, tokens, username=ebay_username, ebay_user_id=None)
        return linked, tokens

    async def run_refresh(self) -> dict[str, Any]:
        """One daily run (as the schedule invokes it), then every email it caused."""
        summary: dict[str, Any] = await self.functions.invoke("TokenRefreshFunction", {})
        await self.functions.drain()
        return summary

    async def link(self, user_id: str) -> EbayLink:
        link = (await self.users.require(user_id)).ebay_link
        assert link is not None
        return link


@pytest.fixture
async def upkeep(
    functions: LocalFunctions,
    users_repo: UsersRepository,
    snipes_repo: SnipesRepository,
    token_vault: TokenVault,
    ebay_sim: SimulatorServer,
    ebay_client: EbayClient,
    postmark_sink: PostmarkSink,
) -> AsyncIterator[Upkeep]:
    tokens = EbayTokens(users_repo, token_vault, ebay_client.oauth)
    async with aiohttp.ClientSession(base_url=ebay_sim.url) as sim:
        yield Upkeep(functions, users_repo, snipes_repo, token_vault, tokens, sim, postmark_sink)


async def test_access_token_near_expiry_is_refreshed(upkeep: Upkeep) -> None:
    due, due_tokens = await upkeep.linked_user("due_soon", access_expires_in_ms=600_000)
    fresh, _ = await upkeep.linked_user("fresh")
    before_fresh = await upkeep.link(fresh.user_id)

    summary = await upkeep.run_refresh()

    assert summary["checked"] == 2
    assert summary["refreshed"] == 1
    assert summary["warned"] == summary["broken"] == summary["errors"] == 0
    link = await upkeep.link(due.user_id)
    assert link.access_expires_ms > now_ms() + HOUR_MS  # the simulator's new two-hour token
    new_token = await upkeep.vault.open(due.user_id, link.access_token_ciphertext)
    assert new_token != due_tokens.access_token
    assert not link.broken
    # A token that is good for longer than the margin is left alone.
    assert await upkeep.link(fresh.user_id) == before_fresh
    assert upkeep.postmark.messages() == []


async def test_refresh_token_near_its_end_warns_once(upkeep: Upkeep) -> None:
    user, _ = await upkeep.linked_user(
        "ending_soon",
        refresh_expires_in_ms=3 * DAY_MS,
    )  # fmt: skip
    # Only snipes that close after the grant lapses are at risk.
    await upkeep.snipes.create(
        make_snipe(user_id=user.user_id, title="Closes before", auction_end_ms=now_ms() + DAY_MS)
    )
    await upkeep.snipes.create(
        make_snipe(user_id=user.user_id, title="Closes after", auction_end_ms=now_ms() + 9 * DAY_MS)
    )

    first = await upkeep.run_refresh()
    assert first["warned"] == 1 and first["errors"] == 0

    [sent] = upkeep.postmark.messages()
    assert sent["To"] == user.email
    assert sent["Tag"] == "link-expiring"
    assert sent["Subject"].startswith("Link your eBay account again before ")
    assert "ending_soon" in sent["TextBody"]
    assert "Closes after" in sent["TextBody"] and "Closes before" not in sent["TextBody"]
    link = await upkeep.link(user.user_id)
    assert link.renewal_notice == "expiring" and not link.broken

    second = await upkeep.run_refresh()
    assert second["warned"] == 0 and second["errors"] == 0
    assert len(upkeep.postmark.messages()) == 1


async def test_revoked_user_is_marked_broken_emailed_once_and_snipes_listed(upkeep: Upkeep) -> None:
    user, _ = await upkeep.linked_user(
        "revoked_ebay",
        access_expires_in_ms=60_000,
    )  # fmt: skip
    pending: list[Snipe] = [
        await upkeep.snipes.create(
            make_snipe(user_id=user.user_id, title=title, auction_end_ms=now_ms() + hours * HOUR_MS)
        )
        for title, hours in (("Nikon F2 <black>", 5), ("Canon AE-1", 2))
    ]
    await upkeep.snipes.create(
        make_snipe(user_id=user.user_id, title="Settled earlier", status=SnipeStatus.LOST)
    )
    async with upkeep.sim.post("/sim/users/revoked_ebay/revoke") as answer:
        assert (await answer.json())["revoked"] >= 1

    summary = await upkeep.run_refresh()

    assert summary["broken"] == 1 and summary["refreshed"] == 0 and summary["errors"] == 0
    link = await upkeep.link(user.user_id)
    assert link.broken
    assert link.renewal_notice == "broken"
    [sent] = upkeep.postmark.messages()
    assert sent["To"] == user.email
    assert sent["Tag"] == "link-broken"
    text = sent["TextBody"]
    assert "revoked_ebay" in text
    assert "2 scheduled snipes will fail" in text
    assert text.index("Canon AE-1") < text.index("Nikon F2 <black>")
    assert "Settled earlier" not in text
    assert "Nikon F2 &lt;black&gt;" in sent["HtmlBody"]
    # The product decision: pending snipes stay SCHEDULED, so re-linking in time saves them.
    for snipe in pending:
        assert (await upkeep.snipes.get(user.user_id, snipe.bid_id)).status == SnipeStatus.SCHEDULED

    again = await upkeep.run_refresh()
    assert again["broken"] == 0 and again["errors"] == 0
    assert len(upkeep.postmark.messages()) == 1


async def test_one_users_failure_does_not_stop_the_others(upkeep: Upkeep) -> None:
    good, _ = await upkeep.linked_user("good_one", access_expires_in_ms=60_000)
    bad, _ = await upkeep.linked_user("bad_one", access_expires_in_ms=60_000)
    # The bad user's refresh token was sealed for another user: the vault cannot open it.
    bad_link = await upkeep.link(bad.user_id)
    foreign = await upkeep.vault.seal(good.user_id, "someone-elses-token")
    current = await upkeep.users.require(bad.user_id)
    await upkeep.users.save(
        msgspec.structs.replace(
            current,
            ebay_link=msgspec.structs.replace(bad_link, refresh_token_ciphertext=foreign),
            version=current.version + 1,
        ),
        expected_version=current.version,
    )
    before = (await upkeep.link(good.user_id)).access_expires_ms

    summary = await upkeep.run_refresh()

    assert summary["checked"] == 2
    assert summary["errors"] == 1 and summary["failed_user_ids"] == [bad.user_id]
    assert summary["refreshed"] == 1
    assert (await upkeep.link(good.user_id)).access_expires_ms > before
