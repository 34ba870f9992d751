"""What the demo seeds on the simulator and what must come of it. Pure data and pure checks.

Each lot is one auction and our snipe on it. Instants are seconds after seeding; two paces share
one story: the standard one (auctions closing over about 80 s, what `make run` shows) and a fast
one for tests. Every expectation is deterministic:

- a rival's lower maximum placed early: our snipe wins at the rival's maximum plus one increment;
- a rival with a higher maximum bids in the last seconds, after our snipe landed: we lose, and
  the price is our maximum plus one increment;
- two lenses in a group that wants one win: the earlier-closing one wins, so the later one is
  skipped when its executor wakes and never bids;
- someone uses Buy It Now before our snipe is due: it is skipped and never bids.
"""

from __future__ import annotations

from dataclasses import dataclass

from sniper.domain.increments import bid_increment
from sniper.domain.money import Money
from sniper.domain.snipe import SkipReason, SnipeStatus

MARKETPLACE = "EBAY_US"
CURRENCY = "USD"


def proxy_price(winner_max: str, runner_up_max: str) -> str:
    """eBay's price after proxy bidding: the runner-up's maximum plus one increment, capped at
    the winner's maximum."""
    winner = Money.parse(winner_max, CURRENCY)
    runner_up = Money.parse(runner_up_max, CURRENCY)
    return min(winner, runner_up + bid_increment(MARKETPLACE, runner_up)).value


@dataclass(frozen=True)
class Rival:
    """Another bidder's proxy bid, placed by the simulator at its instant."""

    bidder: str
    max_bid: str
    at_s: float


@dataclass(frozen=True)
class Expected:
    status: SnipeStatus
    reason: str | None = None
    final_price: str | None = None  # what the auction closed at
    bids_at_ebay: int = 1  # our bids the simulator must have received
    email: bool = True  # an outcome email (WON, LOST and SKIPPED are on by default)


@dataclass(frozen=True)
class Lot:
    key: str
    title: str
    story: str  # what this lot shows, in a few words
    start_price: str
    closes_s: float
    max_bid: str
    expected: Expected
    rivals: tuple[Rival, ...] = ()
    buy_it_now_price: str | None = None
    bought_at_s: float | None = None  # someone uses Buy It Now then
    buyer: str | None = None
    in_group: bool = False


@dataclass(frozen=True)
class Script:
    ebay_username: str  # the demo user's (simulated) eBay account
    group_id: str
    group_max_wins: int
    lots: tuple[Lot, ...]

    @property
    def lasts_s(self) -> float:
        return max(lot.closes_s for lot in self.lots)


@dataclass(frozen=True)
class Pace:
    """When things happen, in seconds after seeding."""

    rivals_at: float  # the early rivals
    group_first: float  # closes
    early_rival: float
    bought_at: float  # Buy It Now is used
    buy_it_now: float  # would have closed
    # The later lens must close long enough after the first one for the first to be settled
    # (close + 2 s grace) before the second's executor gives up waiting (8 s + offset before its
    # close): 14 s at least.
    group_second: float
    last_second: float


STANDARD = Pace(
    rivals_at=3,
    group_first=40,
    early_rival=48,
    bought_at=25,
    buy_it_now=60,
    group_second=70,
    last_second=80,
)
# Closes from 11 s: a snipe must be due at least 5 s after it is set (the API refuses less).
FAST = Pace(
    rivals_at=1,
    group_first=11,
    early_rival=13,
    bought_at=4.5,
    buy_it_now=19,
    group_second=28,
    last_second=30,
)

LAST_SECOND_RIVAL_S = 1.5  # before the close: after our bid (3 s before), too late to answer


def contest(
    key: str, title: str, story: str, *, start_price: str, closes_s: float, max_bid: str,
    rival: Rival, in_group: bool = False,
) -> Lot:  # fmt: skip
    """A snipe against one rival's proxy bid: the higher maximum wins, at the lower maximum
    plus one increment."""
    won = Money.parse(max_bid, CURRENCY) > Money.parse(rival.max_bid, CURRENCY)
    high, low = (max_bid, rival.max_bid) if won else (rival.max_bid, max_bid)
    return Lot(
        key=key, title=title, story=story, start_price=start_price, closes_s=closes_s,
        max_bid=max_bid, rivals=(rival,), in_group=in_group,
        expected=Expected(
            status=SnipeStatus.WON if won else SnipeStatus.LOST,
            final_price=proxy_price(high, low),
        ),
    )  # fmt: skip


def script(pace: Pace = STANDARD) -> Script:
    lots = (
        contest(
            "lens-1", "Summicron 50mm f/2 lens", "the group (win 1 of 2): closes first",
            start_price="12.00", closes_s=pace.group_first, max_bid="40.00", in_group=True,
            rival=Rival("early_edna", "18.00", pace.rivals_at),
        ),
        contest(
            "body", "Leica M6 body", "a rival's lower maximum, bid early",
            start_price="10.00", closes_s=pace.early_rival, max_bid="45.00",
            rival=Rival("patient_pete", "30.00", pace.rivals_at),
        ),
        Lot(
            key="rollei", title="Rolleiflex 2.8F", story="someone buys it now first",
            start_price="50.00", closes_s=pace.buy_it_now, max_bid="90.00",
            buy_it_now_price="120.00", bought_at_s=pace.bought_at, buyer="impatient_ivy",
            expected=Expected(
                status=SnipeStatus.SKIPPED, reason=SkipReason.ENDED_BY_BUY_IT_NOW,
                final_price="120.00", bids_at_ebay=0,
            ),
        ),
        Lot(
            key="lens-2", title="Summilux 35mm f/1.4 lens",
            story="the group (win 1 of 2): closes second",
            start_price="15.00", closes_s=pace.group_second, max_bid="45.00",
            rivals=(Rival("lens_larry", "22.00", pace.rivals_at),), in_group=True,
            expected=Expected(
                status=SnipeStatus.SKIPPED, reason=SkipReason.GROUP_ALREADY_WON,
                final_price="15.00",  # the rival alone: the start price
                bids_at_ebay=0,
            ),
        ),
        contest(
            "hasselblad", "Hasselblad 500C/M", "a rival's higher maximum, last-second",
            start_price="20.00", closes_s=pace.last_second, max_bid="60.00",
            rival=Rival("last_second_sam", "80.00", pace.last_second - LAST_SECOND_RIVAL_S),
        ),
    )  # fmt: skip
    return Script(ebay_username="demo_buyer", group_id="lenses", group_max_wins=1, lots=lots)


@dataclass(frozen=True)
class Observed:
    """What became of one snipe, as the API, the simulator and the mailbox tell it."""

    status: str
    reason: str | None
    final_price: str | None
    bids_at_ebay: int
    email_subject: str | None


def differences(lot: Lot, seen: Observed) -> list[str]:
    """How what happened differs from the script; empty when it went as scripted."""
    want = lot.expected
    found: list[str] = []
    if (seen.status, seen.reason) != (want.status.value, want.reason):
        found.append(f"expected {_outcome(want.status.value, want.reason)}, got "
                     f"{_outcome(seen.status, seen.reason)}")  # fmt: skip
    if want.final_price is not None and seen.final_price != want.final_price:
        found.append(f"expected a final price of {want.final_price}, got {seen.final_price}")
    if seen.bids_at_ebay != want.bids_at_ebay:
        found.append(f"expected {want.bids_at_ebay} bid(s) at eBay, got {seen.bids_at_ebay}")
    if want.email and seen.email_subject is None:
        found.append("expected an email, none was sent")
    return found


def _outcome(status: str, reason: str | None) -> str:
    return f"{status} ({reason})" if reason else status
