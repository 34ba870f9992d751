"""The demonstration `make run` gives, end to end: `sniper demo --fast` starts its own local stack
(with the local timing profile, so snipes go through the local scheduler), plays the script
through the public API and exits 0 only when every snipe settled as scripted. Real auctions, real
time: about 35 s."""

from __future__ import annotations

import asyncio
import io
import os
import sys
from pathlib import Path

import pytest

from sniper.devstack.demo.driver import Endpoints
from sniper.devstack.demo.script import Expected, Lot, Script
from sniper.devstack.demo.session import run_demo
from sniper.devstack.local.stack import LocalStack
from sniper.domain.snipe import SnipeStatus
from tests.support.screens import console_on

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _results_row(output: str, title: str) -> str:
    """The title's row in the outcomes table (the first table after "Results")."""
    results = output.split("\nResults\n", 1)[1]
    return next(line.rstrip() for line in results.splitlines() if line.startswith(title))


def _email_row(output: str, title: str) -> str:
    """The title's row in the emails table (the last one)."""
    emails = output.rsplit("\nITEM ", 1)[1]
    return next(line.rstrip() for line in emails.splitlines() if line.startswith(title))


@pytest.mark.slow
@pytest.mark.timeout(120)
async def test_sniper_demo_settles_every_snipe_as_scripted() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sniper.cli", "demo", "--port", "0", "--fast",
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        async with asyncio.timeout(90):
            stdout, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = stdout.decode()
    assert process.returncode == 0, output + stderr.decode()

    # Snipes went through the local scheduler's short lead, as the banner says.
    assert "wakes 15 s before each close, on a 1 s grid (the local" in output
    # Not a TTY: a line per state change, no cursor movements.
    assert "\x1b[" not in output
    assert any("Leica M6 body" in line and " ARMED " in line for line in output.splitlines())

    expected = {
        "Summicron 50mm f/2 lens *": ("WON", "18.50"),
        "Leica M6 body": ("WON", "31.00"),
        "Rolleiflex 2.8F": ("SKIPPED ENDED_BY_BUY_IT_NOW", "120.00"),
        "Summilux 35mm f/1.4 lens *": ("SKIPPED GROUP_ALREADY_WON", "15.00"),
        "Hasselblad 500C/M": ("LOST", "61.00"),
    }
    for title, (outcome, price) in expected.items():
        row = _results_row(output, title)
        assert f" {outcome} " in row and f" {price} " in row, row
        assert row.endswith(" ok"), row
        landed = row.split()[-3:-1]
        if outcome in ("WON", "LOST"):
            assert landed[1] == "ms" and 2_500 <= int(landed[0].replace(",", "")) <= 3_100, row
        else:
            assert landed == ["no", "bid"], row
    for title, subject in {
        "Leica M6 body": "You won: Leica M6 body for $31.00",
        "Summicron 50mm f/2 lens *": "You won: Summicron 50mm f/2 lens for $18.50",
        "Hasselblad 500C/M": "Outbid: Hasselblad 500C/M",
        "Rolleiflex 2.8F": "Snipe skipped: Rolleiflex 2.8F",
        "Summilux 35mm f/1.4 lens *": "Snipe skipped: Summilux 35mm f/1.4 lens",
    }.items():
        assert _email_row(output, title).endswith(f"“{subject}”")
    assert "All 5 snipes settled as the script expects." in output


@pytest.mark.slow
async def test_a_snipe_that_settles_otherwise_than_scripted_is_named(
    clean_stack: LocalStack,
) -> None:
    # Nobody else bids, so the snipe wins: a script that expects a loss must say so.
    wrong = Script(
        ebay_username="demo_buyer",
        group_id="none",
        group_max_wins=1,
        lots=(
            Lot(
                key="only", title="Nikon F3 body", story="nobody else bids", start_price="20.00",
                closes_s=9, max_bid="35.00", expected=Expected(status=SnipeStatus.LOST),
            ),
        ),
    )  # fmt: skip
    out = io.StringIO()
    endpoints = Endpoints.from_described(clean_stack.describe())
    assert await run_demo(endpoints, wrong, console_on(out)) is False
    printed = out.getvalue()
    row = _results_row(printed, "Nikon F3 body")
    assert " WON " in row and " 20.00 " in row and row.endswith(" DIFFERS")
    assert "1 of 1 snipes differed from the script:" in printed
    assert "  Nikon F3 body: expected LOST, got WON" in printed
