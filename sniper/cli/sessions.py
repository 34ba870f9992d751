"""Sign-ins kept between commands: one file per stack, readable by the user only (0600 in a
0700 directory), written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from pathlib import Path

import msgspec

from sniper.cli.stacks import Stack

# Refresh a little before the expiry, so a token does not lapse on its way to the API.
EXPIRY_MARGIN_SECONDS = 60.0


class Tokens(msgspec.Struct, frozen=True, kw_only=True):
    id_token: str
    access_token: str
    refresh_token: str
    expires_at: float  # epoch seconds, when the ID and access tokens lapse

    def fresh(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) < self.expires_at - EXPIRY_MARGIN_SECONDS


class SignIn(msgspec.Struct, frozen=True, kw_only=True):
    stack: Stack
    username: str
    tokens: Tokens
    signed_in_at: float


_decode = msgspec.json.Decoder(SignIn).decode
_encode = msgspec.json.Encoder().encode


class SessionStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> SignIn | None:
        """The kept sign-in, or None (none kept, or unreadable: then it is as good as none)."""
        path = self.path(key)
        try:
            mode = path.stat().st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                path.chmod(0o600)  # someone widened it; tokens are for the user alone
            return _decode(path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            return None

    def save(self, key: str, sign_in: SignIn) -> Path:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.directory.chmod(0o700)
        target = self.path(key)
        # mkstemp creates the file 0600; the rename makes the write all-or-nothing.
        handle, scratch = tempfile.mkstemp(dir=self.directory, prefix=f".{key}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(_encode(sign_in))
                file.flush()
                os.fsync(file.fileno())
            os.replace(scratch, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(scratch)
            raise
        return target

    def remove(self, key: str) -> bool:
        try:
            self.path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def kept_keys(self) -> list[str]:
        if not self.directory.is_dir():
            return []
        return sorted(path.stem for path in self.directory.glob("*.json"))
