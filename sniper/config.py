"""Settings: one typed Struct per function kind, decoded from the environment once per process.

Field names are the environment variable names (upper-cased). A missing or malformed variable
is a `ConfigError` naming it. Nothing here reads the environment at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal, TypeVar

import msgspec

from sniper.domain.instants import DEFAULT as DEFAULT_TIMING
from sniper.domain.instants import Timing

EbayEnvironment = Literal["production", "sandbox", "local"]


class ConfigError(Exception):
    """The function's environment is incomplete or malformed; the message names the variable."""


class BaseSettings(msgspec.Struct, rename="upper", frozen=True, kw_only=True):
    aws_region: str = "us-east-1"
    # Set only in local mode and tests: the moto server that stands in for every AWS service.
    aws_endpoint_url: str | None = None
    # Local mode only: the local Lambda runtime's Invoke API (moto's needs Docker).
    lambda_endpoint_url: str | None = None
    environment: str = "dev"
    log_level: str = "INFO"
    # Read by Powertools too; given to sniper.metrics explicitly (the local stack hands a function
    # its environment as a mapping, not as os.environ).
    powertools_metrics_namespace: str = "EbaySniper"
    powertools_service_name: str = "ebay-sniper"

    def endpoint_overrides(self) -> dict[str, str]:
        """Per-service endpoints that differ from AWS_ENDPOINT_URL (local mode's Lambda)."""
        return {"lambda": self.lambda_endpoint_url} if self.lambda_endpoint_url else {}


class EbaySettings(BaseSettings, frozen=True, kw_only=True):
    ebay_secret_arn: str
    ebay_environment: EbayEnvironment = "sandbox"
    # Required when EBAY_ENVIRONMENT=local: the simulator's base URL.
    ebay_base_url: str | None = None
    ebay_timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if self.ebay_environment == "local" and not self.ebay_base_url:
            raise ValueError("EBAY_BASE_URL is required when EBAY_ENVIRONMENT is local")


class EbayTablesSettings(EbaySettings, frozen=True, kw_only=True):
    """A function that talks to eBay about users' snipes."""

    users_table: str
    bids_table: str


class LinkedEbaySettings(EbayTablesSettings, frozen=True, kw_only=True):
    """... and acts as the user on eBay: their tokens are sealed under this key."""

    token_key_id: str


class UserManagementSettings(EbayTablesSettings, frozen=True, kw_only=True):
    bid_history_table: str
    scheduler_group_name: str


class EbayOAuthSettings(LinkedEbaySettings, frozen=True, kw_only=True):
    scheduler_group_name: str
    oauth_state_secret_arn: str
    oauth_state_ttl_seconds: int = 600


class WishlistSettings(LinkedEbaySettings, frozen=True, kw_only=True):
    pass


class BidManagementSettings(EbayTablesSettings, frozen=True, kw_only=True):
    scheduler_group_name: str
    scheduler_role_arn: str
    bid_executor_function_arn: str
    executor_dlq_arn: str
    schedule_lead_seconds: int = 120
    # EventBridge Scheduler fires on the minute; the local scheduler honours seconds (set 1).
    schedule_precision_seconds: int = 60
    # The standby's schedule (a second, independent trigger per snipe): see instants.Timing.
    standby_lead_seconds: int = 75

    def timing(self) -> Timing:
        return replace(
            DEFAULT_TIMING,
            schedule_lead_s=self.schedule_lead_seconds,
            schedule_precision_s=self.schedule_precision_seconds,
            standby_lead_s=self.standby_lead_seconds,
        )


class BidHistorySettings(BaseSettings, frozen=True, kw_only=True):
    bid_history_table: str


class ExecutorSettings(LinkedEbaySettings, frozen=True, kw_only=True):
    bid_history_table: str
    notification_function_name: str
    # The wake queue (SQS): an invocation that came early relays itself there (sniper/wake.py).
    wake_queue_url: str
    # A lease while far from the instant (near it, leases are short: sniper/domain/instants.py).
    lease_seconds: float = 30.0
    settle_grace_seconds: float = 2.0
    history_ttl_days: int = 400
    # How long before its instant the bid is made ready (auction re-read, connection warmed).
    prepare_lead_seconds: float = 8.0
    # How long after the close the executor keeps asking eBay for the outcome.
    settle_timeout_seconds: float = 60.0
    latency_probes: int = 3

    def timing(self) -> Timing:
        return replace(
            DEFAULT_TIMING,
            long_lease_ms=round(self.lease_seconds * 1000),
            settle_grace_s=self.settle_grace_seconds,
            prepare_lead_s=self.prepare_lead_seconds,
            settle_timeout_s=self.settle_timeout_seconds,
        )


class NotificationSettings(BaseSettings, frozen=True, kw_only=True):
    users_table: str
    # A link-renewal email names the user's pending snipes; the notice records live here too.
    bids_table: str
    # The notifier notes when an outcome's email went out on its history entry.
    bid_history_table: str
    postmark_secret_arn: str
    email_from: str
    # Local mode points this at the Postmark sink.
    postmark_base_url: str | None = None
    postmark_timeout_seconds: float = 10.0


class TokenRefreshSettings(LinkedEbaySettings, frozen=True, kw_only=True):
    notification_function_name: str
    token_expiry_threshold: int = 7  # days
    access_refresh_margin_seconds: int = 3600


# Whose settings carry each resource: a sniper.bootstrap method that needs one asks for
# settings of these kinds, so a function cannot ask for what its environment does not give it.
UsersTable = EbayTablesSettings | NotificationSettings
BidsTable = EbayTablesSettings | NotificationSettings
HistoryTable = UserManagementSettings | BidHistorySettings | ExecutorSettings | NotificationSettings
ScheduleGroup = UserManagementSettings | EbayOAuthSettings | BidManagementSettings
NotifiesUsers = ExecutorSettings | TokenRefreshSettings


SettingsT = TypeVar("SettingsT", bound=BaseSettings)


def load_settings(kind: type[SettingsT], environ: Mapping[str, str] | None = None) -> SettingsT:
    env = os.environ if environ is None else environ
    present = {name: env[name] for name in variables_read(kind) if env.get(name)}
    try:
        return msgspec.convert(present, type=kind, strict=False)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"{kind.__name__}: {_describe(exc)}") from None


def variables_read(kind: type[BaseSettings]) -> dict[str, bool]:
    """Every variable a settings kind reads, and whether it is required."""
    return {field.encode_name: field.required for field in msgspec.structs.fields(kind)}


def _describe(exc: msgspec.ValidationError) -> str:
    text = str(exc)
    # msgspec says "Object missing required field `X`" / "... - at `$.X`": name the variable plainly.
    if text.startswith("Object missing required field"):
        name = text.split("`")[1]
        return f"environment variable {name} is not set"
    if " - at `$." in text:
        message, _, where = text.rpartition(" - at `$.")
        return f"environment variable {where.rstrip('`')} is malformed: {message}"
    return text
