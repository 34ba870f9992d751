"""eBay's account-deletion notices: only a body eBay signed removes anything, and then
everything eBay gave us about that eBay user."""

from __future__ import annotations

import json

import pytest

from sniper.devstack.ebaysim.signing import NotificationSigner
from sniper.domain.errors import InvalidInput, SignatureInvalid
from sniper.ebay.errors import EbayRequestRejected
from sniper.services.account_removal import AccountRemoval
from sniper.services.ebay_notices import AccountDeletionNotices
from sniper.services.ebay_public_keys import PublicKey
from tests.factories import make_snipe
from tests.fakes.world import World

SIGNER = NotificationSigner()


class EbayKeys:
    """eBay's Notification API getPublicKey: the simulator's signing key under its kid."""

    async def get(self, kid: str) -> PublicKey:
        if kid != SIGNER.kid:
            raise EbayRequestRejected("no such key", status=404)
        return PublicKey(algorithm="ECDSA", digest="SHA1", key=SIGNER.public_key_pem)


@pytest.fixture
def notices(world: World) -> AccountDeletionNotices:
    removal = AccountRemoval(
        world.stores.users,
        world.stores.snipes,
        world.stores.history,
        world.scheduler,
        clock=world.clock,
    )
    return AccountDeletionNotices(keys=EbayKeys(), users=world.stores.users, removal=removal)


def _notice(username: str) -> bytes:
    data = {"username": username, "userId": f"id-{username}", "eiasToken": "x"}
    return json.dumps(
        {"metadata": {"topic": "MARKETPLACE_ACCOUNT_DELETION"}, "notification": {"data": data}}
    ).encode()


async def test_a_signed_notice_removes_that_ebay_users_data_only(
    notices: AccountDeletionNotices, world: World
) -> None:
    await world.link_user("user-1", "ada_ebay")
    await world.link_user("user-2", "bob_ebay")
    await world.stores.snipes.create(make_snipe(user_id="user-1"))
    body = _notice("ada_ebay")

    assert await notices.handle(SIGNER.signature_header(body), body) == ["user-1"]

    ada = await world.stores.users.require("user-1")
    assert ada.ebay_link is None and await world.stores.snipes.all_for_user("user-1") == []
    bob = await world.stores.users.require("user-2")
    assert bob.ebay_link is not None


@pytest.mark.parametrize(
    "header",
    [None, "", "not base64!", SIGNER.signature_header(_notice("someone else"))],
)
async def test_anything_eBay_did_not_sign_is_refused(
    notices: AccountDeletionNotices, header: str | None, world: World
) -> None:
    await world.link_user("user-1", "ada_ebay")
    with pytest.raises(SignatureInvalid) as caught:
        await notices.handle(header, _notice("ada_ebay"))
    assert caught.value.field == "X-EBAY-SIGNATURE"
    assert (await world.stores.users.require("user-1")).ebay_link is not None


async def test_a_key_eBay_does_not_know_is_refused(notices: AccountDeletionNotices) -> None:
    other = NotificationSigner()
    body = _notice("ada_ebay")
    with pytest.raises(SignatureInvalid):
        await notices.handle(other.signature_header(body), body)


async def test_a_signed_body_that_is_no_notice_is_invalid_input(
    notices: AccountDeletionNotices,
) -> None:
    body = b'{"notification": {}}'
    with pytest.raises(InvalidInput):
        await notices.handle(SIGNER.signature_header(body), body)
