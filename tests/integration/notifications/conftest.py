"""A Postmark sink on a real port, and the local AWS pointed at it (and at the eBay simulator)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from sniper.devstack.ebaysim import SimulatorServer
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.devstack.local.postmark_sink import PostmarkSink


@pytest.fixture
async def postmark_sink(tmp_path: Path) -> AsyncIterator[PostmarkSink]:
    sink = PostmarkSink(tmp_path / "postmark")
    await sink.start()
    yield sink
    await sink.stop()


@pytest.fixture
def mail_aws(local_aws: LocalAws, postmark_sink: PostmarkSink) -> Iterator[LocalAws]:
    """The (session's) local AWS, whose functions send email to this test's sink."""
    previous = local_aws.postmark_base_url
    local_aws.postmark_base_url = postmark_sink.url
    yield local_aws
    local_aws.postmark_base_url = previous


@pytest.fixture
def stack_aws(mail_aws: LocalAws, ebay_sim: SimulatorServer) -> Iterator[LocalAws]:
    """... and whose functions talk to the eBay simulator."""
    previous = mail_aws.ebay_base_url
    mail_aws.ebay_base_url = ebay_sim.url
    yield mail_aws
    mail_aws.ebay_base_url = previous


@pytest.fixture
async def functions(stack_aws: LocalAws) -> AsyncIterator[LocalFunctions]:
    """The template's functions run in-process, with Lambda's Invoke API on a real port."""
    runtime = LocalFunctions(stack_aws)
    await runtime.start()
    yield runtime
    await runtime.drain()
    await runtime.stop()
