"""Per-function environment overrides of the local stack: the local timing profile sets the bid
management function's schedule lead and precision, and nothing else."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from sniper.devstack.local.stack import LOCAL_TIMING, LocalStack, StackOptions


def _options(tmp_path: Path, **fields: object) -> StackOptions:
    return StackOptions(
        api_port=0,
        stack_name=f"sniper-ov-{secrets.token_hex(3)}",
        postmark_dir=tmp_path / "mail",
        **fields,  # type: ignore[arg-type]
    )


async def test_the_local_timing_profile_reaches_only_bid_management(tmp_path: Path) -> None:
    async with LocalStack(_options(tmp_path, function_overrides=LOCAL_TIMING)) as stack:
        assert stack.functions is not None and stack.aws is not None
        bids = stack.functions.environment("BidManagementFunction")
        assert (bids["SCHEDULE_LEAD_SECONDS"], bids["SCHEDULE_PRECISION_SECONDS"]) == ("15", "1")
        # What the template says is untouched for the others, and underneath.
        assert "SCHEDULE_LEAD_SECONDS" not in stack.functions.environment("BidExecutorFunction")
        deployed = stack.aws.function_environment("BidManagementFunction")
        assert deployed["SCHEDULE_PRECISION_SECONDS"] == "60"
        assert stack.describe()["snipeTiming"] == {
            "leadSeconds": 15,
            "precisionSeconds": 1,
            "deployed": {"leadSeconds": int(deployed["SCHEDULE_LEAD_SECONDS"]),
                         "precisionSeconds": 60},
        }  # fmt: skip


async def test_without_overrides_the_stack_times_snipes_as_deployed(tmp_path: Path) -> None:
    async with LocalStack(_options(tmp_path)) as stack:
        timing = stack.describe()["snipeTiming"]
        assert timing["precisionSeconds"] == 60
        assert {k: timing[k] for k in ("leadSeconds", "precisionSeconds")} == timing["deployed"]


async def test_an_override_for_a_function_not_in_the_template_is_refused(tmp_path: Path) -> None:
    options = _options(tmp_path, function_overrides={"BidManagmentFunction": {"X": "1"}})
    with pytest.raises(KeyError, match="BidManagmentFunction"):
        async with LocalStack(options):
            pass
