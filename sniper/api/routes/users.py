"""/users: the caller's profile, preferences and account."""

from typing import Annotated

import msgspec
from aws_lambda_powertools.event_handler import Depends, Response
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from sniper.api.inputs import SignedIn, body
from sniper.api.operations import Operation, RouteTable, json_response
from sniper.api.requests import UpdatePreferencesRequest, UpdateProfileRequest
from sniper.api.views import AccountRemovalView, ProfileView
from sniper.services.account_removal import AccountRemoval
from sniper.services.profiles import Profiles

TAG = "users"
GET_PROFILE = Operation(
    "GET",
    "/users/profile",
    "getProfile",
    "The caller's profile (created from the sign-in claims on first call)",
    TAG,
    response=ProfileView,
)
PUT_PROFILE = Operation(
    "PUT",
    "/users/profile",
    "updateProfile",
    "Change name or email",
    TAG,
    response=ProfileView,
    body=UpdateProfileRequest,
    errors=(400, 409),
)
PUT_PREFERENCES = Operation(
    "PUT",
    "/users/preferences",
    "updatePreferences",
    "Default snipe offset and which emails to send",
    TAG,
    response=ProfileView,
    body=UpdatePreferencesRequest,
    errors=(400, 409),
)
DELETE_ACCOUNT = Operation(
    "DELETE",
    "/users/account",
    "deleteAccount",
    "Remove the profile, eBay tokens, snipes, history and schedules (idempotent)",
    TAG,
    response=AccountRemovalView,
    errors=(409,),
)

OPERATIONS = (GET_PROFILE, PUT_PROFILE, PUT_PREFERENCES, DELETE_ACCOUNT)

ProfileChange = Annotated[UpdateProfileRequest, Depends(body(UpdateProfileRequest))]
PreferencesChange = Annotated[UpdatePreferencesRequest, Depends(body(UpdatePreferencesRequest))]


def build_router(profiles: Profiles, removal: AccountRemoval) -> APIGatewayHttpRouter:
    table = RouteTable(OPERATIONS)

    @table.bind(GET_PROFILE)
    async def get_profile(caller: SignedIn) -> Response[str]:
        return json_response(ProfileView.of(await profiles.get_or_create(caller)))

    @table.bind(PUT_PROFILE)
    async def put_profile(caller: SignedIn, change: ProfileChange) -> Response[str]:
        user = await profiles.update_profile(caller, name=change.name, email=change.email)
        return json_response(ProfileView.of(user))

    @table.bind(PUT_PREFERENCES)
    async def put_preferences(caller: SignedIn, change: PreferencesChange) -> Response[str]:
        notifications = (
            {
                name: value
                for name, value in msgspec.structs.asdict(change.notifications).items()
                if value is not None
            }
            if change.notifications is not None
            else None
        )
        user = await profiles.update_preferences(
            caller,
            default_offset_seconds=change.default_offset_seconds,
            notifications=notifications,
        )
        return json_response(ProfileView.of(user))

    @table.bind(DELETE_ACCOUNT)
    async def delete_account(caller: SignedIn) -> Response[str]:
        return json_response(AccountRemovalView.of(await removal.remove_account(caller.user_id)))

    return table.router()
