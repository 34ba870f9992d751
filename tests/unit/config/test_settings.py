from __future__ import annotations

import pytest

from sniper.config import (
    BidHistorySettings,
    BidManagementSettings,
    ConfigError,
    ExecutorSettings,
    WishlistSettings,
    load_settings,
)


def test_missing_variable_is_named() -> None:
    with pytest.raises(ConfigError, match="BID_HISTORY_TABLE is not set"):
        load_settings(BidHistorySettings, {})


def test_malformed_variable_is_named() -> None:
    env = {"EBAY_SECRET_ARN": "arn", "USERS_TABLE": "u", "BIDS_TABLE": "b",
           "SCHEDULER_GROUP_NAME": "g", "SCHEDULER_ROLE_ARN": "r",
           "BID_EXECUTOR_FUNCTION_ARN": "f", "EXECUTOR_DLQ_ARN": "q",
           "SCHEDULE_LEAD_SECONDS": "soon"}  # fmt: skip
    with pytest.raises(ConfigError, match="SCHEDULE_LEAD_SECONDS is malformed"):
        load_settings(BidManagementSettings, env)
    env["SCHEDULE_LEAD_SECONDS"] = "150"
    assert load_settings(BidManagementSettings, env).schedule_lead_seconds == 150


def test_ebay_environment_is_checked() -> None:
    env = {"EBAY_SECRET_ARN": "arn", "USERS_TABLE": "u", "BIDS_TABLE": "b", "TOKEN_KEY_ID": "k"}
    with pytest.raises(ConfigError, match="EBAY_ENVIRONMENT"):
        load_settings(WishlistSettings, {**env, "EBAY_ENVIRONMENT": "staging"})
    with pytest.raises(ConfigError, match="EBAY_BASE_URL"):
        load_settings(WishlistSettings, {**env, "EBAY_ENVIRONMENT": "local"})
    local = load_settings(WishlistSettings, {**env, "EBAY_ENVIRONMENT": "local",
                                             "EBAY_BASE_URL": "http://127.0.0.1:1"})  # fmt: skip
    assert local.ebay_base_url == "http://127.0.0.1:1"


def test_defaults_and_endpoint_override() -> None:
    env = {"EBAY_SECRET_ARN": "a", "USERS_TABLE": "u", "BIDS_TABLE": "b", "BID_HISTORY_TABLE": "h",
           "TOKEN_KEY_ID": "k", "NOTIFICATION_FUNCTION_NAME": "n", "WAKE_QUEUE_URL": "q",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}  # fmt: skip
    settings = load_settings(ExecutorSettings, env)
    assert settings.aws_endpoint_url == "http://127.0.0.1:5000"
    assert settings.ebay_environment == "sandbox"
    assert settings.lease_seconds > 0
