"""The messages between the local runtime and a process container: one JSON document a line over
a socket pair (the child's end is passed as a file descriptor)."""

from __future__ import annotations

from typing import Any

import msgspec

# An invocation's event and result travel whole: Lambda's synchronous payload limit is 6 MB.
MAX_LINE_BYTES = 8 * 1024 * 1024


class _Message(msgspec.Struct, tag_field="kind", kw_only=True, frozen=True):
    pass


# ---------------------------------------------------------------- runtime -> container
class Init(_Message, tag="init", frozen=True):
    """Import the handler and build the app (Lambda's init phase)."""

    function: str  # logical id
    function_name: str  # physical name, the context's function_name
    handler: str  # module.attribute, as in template.yaml
    environment: dict[str, str]


class Invoke(_Message, tag="invoke", frozen=True):
    request_id: str
    event: Any
    timeout_s: float


class Proceed(_Message, tag="proceed", frozen=True):
    """Go on from the step numbered `seq`."""

    seq: int


# ---------------------------------------------------------------- container -> runtime
class Ready(_Message, tag="ready", frozen=True):
    init_ms: float
    reports_steps: bool


class InitFailed(_Message, tag="init_failed", frozen=True):
    error_type: str
    message: str


class Returned(_Message, tag="returned", frozen=True):
    request_id: str
    value: Any


class Raised(_Message, tag="raised", frozen=True):
    request_id: str
    error_type: str
    message: str


class StepReport(_Message, tag="step", frozen=True):
    """The executor reached a step; it waits for `Proceed(seq)` (or for its end)."""

    seq: int
    request_id: str
    step: str
    bid_id: str
    user_id: str
    status: str


ToContainer = Init | Invoke | Proceed
FromContainer = Ready | InitFailed | Returned | Raised | StepReport

_encoder = msgspec.json.Encoder()
_to_container = msgspec.json.Decoder(ToContainer)
_from_container = msgspec.json.Decoder(FromContainer)


def encode(message: _Message) -> bytes:
    return _encoder.encode(message) + b"\n"


def decode_to_container(line: bytes) -> ToContainer:
    message: ToContainer = _to_container.decode(line)
    return message


def decode_from_container(line: bytes) -> FromContainer:
    message: FromContainer = _from_container.decode(line)
    return message
