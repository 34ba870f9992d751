"""Nothing secret reaches the logs: a whole link + snipe run, every logger at DEBUG, captured."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from sniper.devstack.local.aws import LOCAL_CLIENT_SECRET, LocalAws
from sniper.storage.users import UsersRepository
from sniper.vault import TokenVault
from tests.integration.api.conftest import (
    BIDS,
    EBAY_OAUTH,
    WISHLIST,
    ApiApps,
    Sim,
    consent_url,
    grant,
    redeem,
    snipe_via_api,
)


class Everything(logging.Handler):
    """Keeps every record in every form a log sink could see it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())
        self.texts.append(repr(record.__dict__))
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


# Our code's loggers run at DEBUG (as in the dev stage); libraries keep their level, since at
# DEBUG botocore itself logs whole responses (decrypted KMS plaintext included).
OURS = (
    "sniper",
    "aws_lambda_powertools",
    "user-management",
    "ebay-oauth",
    "wishlist-sync",
    "bid-management",
    "bid-history",
)


@pytest.fixture
def everything() -> Iterator[Everything]:
    handler = Everything()
    root = logging.getLogger()
    loggers = [root] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.level) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        if logger.name.split(".")[0] in OURS:
            logger.setLevel(logging.DEBUG)
    root.setLevel(logging.INFO)
    yield handler
    for logger, level in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)


async def test_link_and_snipe_log_no_secret(
    api: ApiApps,
    sim: Sim,
    user_id: str,
    local_aws: LocalAws,
    users_repo: UsersRepository,
    token_vault: TokenVault,
    capfd: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    state_key = local_aws.client("secretsmanager").get_secret_value(
        SecretId=local_aws.refs["OAuthStateKey"]
    )["SecretString"]
    for function in (EBAY_OAUTH, BIDS, WISHLIST):
        await api.app(function)  # built first, so their loggers exist when the handler is added
    handler = request.getfixturevalue("everything")

    code, state = await grant(sim, (await consent_url(api, user_id))["url"], "quiet_buyer")
    linked = await redeem(api, user_id, code, state)
    assert linked.status == 200
    auction = await sim.auction()
    await sim.watch("quiet_buyer", [auction["legacyItemId"]])
    await snipe_via_api(api, user_id, auction["itemId"], max_bid="30.00")
    watched = await api.request(WISHLIST, "GET", "/wishlist/items", user=user_id)
    assert watched.status == 200
    # Error paths log too: a replayed state (refused by us), a spent code (refused by eBay).
    assert (await redeem(api, user_id, code, state)).status == 400
    fresh = await consent_url(api, user_id)
    assert (await redeem(api, user_id, code, fresh["state"])).status == 422

    link = (await users_repo.require(user_id)).ebay_link
    assert link is not None
    secrets = {
        "auth code": code,
        "state": state,
        "state mac": state.rsplit(".", 1)[-1],
        "fresh state": fresh["state"],
        "access token": await token_vault.open(user_id, link.access_token_ciphertext),
        "refresh token": await token_vault.open(user_id, link.refresh_token_ciphertext),
        "client secret": LOCAL_CLIENT_SECRET,
    }
    # Every token eBay (the simulator) handed out in this test, application tokens included.
    for exchange in sim.server.exchanges:
        if exchange.path == "/identity/v1/oauth2/token" and exchange.status == 200:
            answer = json.loads(exchange.response_body)
            secrets[f"token {len(secrets)}"] = answer["access_token"]
            if "refresh_token" in answer:
                secrets[f"token {len(secrets)}"] = answer["refresh_token"]
    state_key = local_aws.client("secretsmanager").get_secret_value(
        SecretId=local_aws.refs["OAuthStateKey"]
    )["SecretString"]
    secrets["state key"] = state_key

    captured = capfd.readouterr()
    logged = "\n".join([*handler.texts, captured.out, captured.err])
    assert len(handler.texts) > 10  # the run did log (requests, eBay calls)
    assert "POST /bids" in logged
    for name, value in secrets.items():
        where = [
            text[:300] for text in [*handler.texts, captured.out, captured.err] if value in text
        ]
        assert value and not where, f"the {name} was logged: {where}"
