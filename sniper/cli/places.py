"""Where the CLI keeps things: sign-ins in the user's config directory, the running local stack's
description in the user's state directory (XDG on Linux, the platform's own places elsewhere)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_config_path, user_state_path

APP_NAME = "sniper"


def config_dir() -> Path:
    return user_config_path(APP_NAME)


def sessions_dir() -> Path:
    """One file per stack, readable by the user only (it holds Cognito tokens)."""
    return config_dir() / "sessions"


def local_state_file() -> Path:
    """Written by `sniper local` while it runs; the CLI finds the local stack here."""
    return user_state_path(APP_NAME) / "local-stack.json"
