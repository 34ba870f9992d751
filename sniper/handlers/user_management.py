"""UserManagementFunction: /users/*, eBay's account-deletion endpoint, /openapi.json."""

from __future__ import annotations

from collections.abc import Mapping

from sniper.api.app import HttpApp
from sniper.api.routes import account_deletion, openapi, users
from sniper.bootstrap import Root
from sniper.config import UserManagementSettings, load_settings
from sniper.runtime import App, Entrypoint


async def build(environ: Mapping[str, str]) -> App:
    root = Root(load_settings(UserManagementSettings, environ), service="user-management")
    routers = [
        users.build_router(await root.profiles(), await root.account_removal()),
        account_deletion.build_router(
            await root.account_deletion_notices(), await root.verification_token()
        ),
        openapi.build_router(),
    ]
    return HttpApp(routers, root.logger, root.aclose)


handler = Entrypoint(build)
