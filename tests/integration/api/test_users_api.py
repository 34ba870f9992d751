"""/users/*: profile on first call, changes, preferences, and removing everything."""

from __future__ import annotations

from sniper.devstack.local.aws import LocalAws
from sniper.domain.snipe import SnipeStatus
from sniper.storage.history import HistoryRepository
from sniper.storage.snipes import SnipesRepository
from sniper.storage.users import UsersRepository
from tests.factories import make_history, make_snipe
from tests.integration.api.conftest import (
    USER_MANAGEMENT,
    ApiApps,
    Sim,
    schedules,
    sniping,
)
from tests.support.http_events import claims_for, http_event


async def test_profile_is_created_from_the_claims(api: ApiApps, user_id: str) -> None:
    claims = claims_for(user_id, email="ada@example.com", name="Ada")
    answer = await api.call(USER_MANAGEMENT, http_event("GET", "/users/profile", claims=claims))
    assert answer.status == 200
    assert answer.body["userId"] == user_id
    assert (answer.body["email"], answer.body["name"]) == ("ada@example.com", "Ada")
    assert answer.body["preferences"]["defaultOffsetSeconds"] == 3.0
    assert answer.body["ebay"] == {"linked": False, "username": None, "broken": False}
    again = await api.call(USER_MANAGEMENT, http_event("GET", "/users/profile", claims=claims))
    assert again.body["createdAt"] == answer.body["createdAt"]


async def test_update_profile_and_preferences(api: ApiApps, user_id: str) -> None:
    renamed = await api.request(
        USER_MANAGEMENT, "PUT", "/users/profile", user=user_id, body={"name": "Grace"}
    )
    assert renamed.status == 200 and renamed.body["name"] == "Grace"
    prefs = await api.request(
        USER_MANAGEMENT,
        "PUT",
        "/users/preferences",
        user=user_id,
        body={"defaultOffsetSeconds": 5.5, "notifications": {"placed": True, "lost": False}},
    )
    assert prefs.status == 200
    assert prefs.body["preferences"]["defaultOffsetSeconds"] == 5.5
    notes = prefs.body["preferences"]["notifications"]
    assert (notes["placed"], notes["lost"], notes["won"]) == (True, False, True)
    assert prefs.body["name"] == "Grace"


async def test_bad_updates_name_the_field(api: ApiApps, user_id: str) -> None:
    for route, body, field in (
        ("/users/preferences", {"defaultOffsetSeconds": 0.1}, "defaultOffsetSeconds"),
        ("/users/preferences", {"defaultOffsetSeconds": "soon"}, "defaultOffsetSeconds"),
        ("/users/preferences", {"notifications": {"sms": True}}, "notifications.sms"),
        ("/users/profile", {"email": "not-an-email"}, "email"),
        ("/users/profile", {"userId": "someone-else"}, "userId"),
    ):
        answer = await api.request(USER_MANAGEMENT, "PUT", route, user=user_id, body=body)
        assert answer.status == 400, body
        assert answer.error()["field"] == field


async def test_delete_account_removes_everything_and_is_idempotent(
    api: ApiApps,
    sim: Sim,
    user_id: str,
    local_aws: LocalAws,
    users_repo: UsersRepository,
    snipes_repo: SnipesRepository,
    history_repo: HistoryRepository,
) -> None:
    await sniping(api, sim, user_id, "leaving_buyer")
    await history_repo.record(
        make_history(await snipes_repo.create(make_snipe(user_id=user_id, status=SnipeStatus.WON)))
    )
    assert len(schedules(local_aws)) == 2  # primary and standby

    answer = await api.request(USER_MANAGEMENT, "DELETE", "/users/account", user=user_id)
    assert answer.status == 200
    assert answer.body == {
        "profileRemoved": True,
        "ebayLinkRemoved": True,
        "bidsRemoved": 2,
        "historyRemoved": 1,
        "schedulesRemoved": 1,
    }
    assert await users_repo.get(user_id) is None
    assert await snipes_repo.all_for_user(user_id) == []
    assert schedules(local_aws) == []

    again = await api.request(USER_MANAGEMENT, "DELETE", "/users/account", user=user_id)
    assert again.status == 200
    # Nothing left to remove: the same report, every figure false or zero.
    assert again.body == {name: type(value)() for name, value in answer.body.items()}


async def test_profile_routes_need_claims_and_unknown_routes_are_404(api: ApiApps) -> None:
    answer = await api.request(USER_MANAGEMENT, "GET", "/users/profile", user=None)
    assert answer.status == 401 and answer.error()["code"] == "unauthenticated"
    assert answer.error()["correlationId"] == answer.headers["X-Correlation-Id"]
    unknown = await api.request(USER_MANAGEMENT, "GET", "/users/nothing", user="u-1")
    assert unknown.status == 404 and unknown.error()["code"] == "route_not_found"


async def test_openapi_document_is_public(api: ApiApps) -> None:
    answer = await api.request(USER_MANAGEMENT, "GET", "/openapi.json", user=None)
    assert answer.status == 200
    assert answer.body["openapi"] == "3.1.0" and "/bids/{bidId}" in answer.body["paths"]
