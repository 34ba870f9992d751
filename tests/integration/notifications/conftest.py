"""A Postmark sink on a real port, and the local AWS pointed at it (and at the eBay simulator)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from sniper.devstack.ebaysim import SimulatorServer
from sniper.devstack.local.aws import LocalAws
from sniper.devstack.local.lambdas import LocalFunctions
from sniper.devstack.local.postmark_sink import PostmarkSink
from tests.fixtures.aws import serving


@pytest.fixture
def stack_aws(
    local_aws: LocalAws,
    postmark_sink: PostmarkSink,
    ebay_sim: SimulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> LocalAws:
    """The (session's) local AWS, whose functions email this test's sink and talk to the eBay
    simulator."""
    monkeypatch.setattr(local_aws, "postmark_base_url", postmark_sink.url)
    monkeypatch.setattr(local_aws, "ebay_base_url", ebay_sim.url)
    return local_aws


@pytest.fixture
async def functions(stack_aws: LocalAws) -> AsyncIterator[LocalFunctions]:
    async with serving(LocalFunctions(stack_aws)) as runtime:
        yield runtime
