"""Who is asking: the verified identity an API request carries, as the services see it."""

from __future__ import annotations

import msgspec


class Caller(msgspec.Struct, frozen=True, kw_only=True):
    user_id: str  # the Cognito `sub`: stable, never taken from a path or body
    email: str = ""
    name: str = ""
