"""What one snipe costs on AWS: a pure model (tests/unit/benchmarks covers it; `cost.py` prints).

A snipe is paid for by the request that creates it, the schedule(s) that wake the executor, the
executor's time in Lambda, the standby's, the notifier, and DynamoDB, KMS, SQS, X-Ray and log
traffic. How the executor is woken decides most of it (`Config.wake`):
- "queue" (what the code does): the scheduler's early invocation relays itself through the wake
  queue (SQS, a delay to the second) and ends; the executor runs from `run_lead_s` before the
  instant until it has settled; the standby, a second later, until the snipe is final.
- "scheduler" (what it did before): the executor waits in Lambda from the scheduler's wake
  (between `lead` and `lead + 60 s` before the close, the grid's window) until the close.
- "precise": a Step Functions Wait state would land it `precise_lead_s` before the close.
Free tiers are left out: a self-hoster's account may have spent them elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# us-east-1, arm64, on-demand list prices as published on AWS's pricing pages (read 2026-11-29;
# DynamoDB on-demand after its November 2024 halving). Check them before relying on a total.
PRICES_AS_OF = "2026-11-29"


@dataclass(frozen=True)
class Prices:
    lambda_gb_s: float = 0.0000133334  # arm64 duration, first tier
    lambda_request: float = 0.20 / 1e6
    http_api_request: float = 1.00 / 1e6
    dynamodb_wru: float = 0.625 / 1e6  # on-demand write request unit
    dynamodb_rru: float = 0.125 / 1e6  # on-demand read request unit
    kms_request: float = 0.03 / 1e4
    secrets_call: float = 0.05 / 1e4
    scheduler_invocation: float = 1.00 / 1e6
    sqs_request: float = 0.40 / 1e6  # standard queue, per 64 KB request
    step_transition: float = 0.025 / 1e3  # Step Functions Standard, for the precise-wake row
    xray_trace: float = 5.00 / 1e6  # Tracing: Active on every function
    logs_gb: float = 0.50  # CloudWatch Logs ingestion


@dataclass(frozen=True)
class Standby:
    """The second, independent invocation that takes over when the primary's heartbeat stops."""

    wake_before_close_s: float = 60.0  # W: its schedule's instant, before the close
    heartbeat_every_s: float = 1.0  # H: the primary writes a heartbeat, the standby reads it
    heartbeat_window_s: float = 30.0  # N: heartbeats only in the last N s before the fire


@dataclass(frozen=True)
class Usage:
    """What one snipe does, as the code does it today (the lead can plug in final numbers)."""

    offset_s: float = 3.0  # the user's offset; the standby leaves once the bid is placed
    init_s: float = 0.6  # billed INIT of a cold executor: imports, secret, clients
    cold_share: float = 1.0  # snipes are minutes apart: assume every container is cold
    grace_s: float = 2.0  # SETTLE_GRACE_SECONDS
    settle_s: float = 0.6  # getBidding after the close, history entry, final move, notify
    lease_renew_every_s: float = 10.0  # lease_ms / 3: the heartbeat renews the lease
    max_invocation_s: float = 295.0  # 300 s timeout less the invocation margin: then a hand-off
    snipe_wru: int = 2  # one write of the snipe item: 1 WRU, +1 for the byAuctionEnd index (ALL)
    history_wru: int = 2  # the history entry with its timing report (1-2 KB)
    reads_rru: int = 3  # strongly consistent: peek, claim's read, the user (token)
    kms_decrypts: int = 1  # the user's access token
    state_writes: int = 4  # ARMED (claim), BIDDING, PLACED, final
    notifier_invocations: int = 2  # PLACED, then the outcome
    notifier_memory_mb: int = 512
    notifier_s: float = 0.4  # a user read and one Postmark call
    notifier_rru: int = 1
    email_marker_wru: int = 1  # idempotency marker per email
    create_s: float = 0.3  # POST /bids: Browse re-read, writes, schedule
    create_memory_mb: int = 512
    create_wru: int = 2
    create_rru: int = 2
    log_kb_per_invocation: float = 2.0


@dataclass(frozen=True)
class Config:
    memory_mb: int
    lead_s: float  # ScheduleLeadSeconds
    standby: Standby | None = field(default_factory=Standby)
    grid_s: float = 60.0  # the scheduler fires within this window after its instant
    # See the module's docstring: "queue" (the code), "scheduler" (waiting in Lambda), "precise".
    wake: str = "queue"
    precise_lead_s: float = 15.0
    run_lead_s: float = 15.0  # instants.Timing.run_lead_s: the run starts this long before
    relay_s: float = 0.3  # an early invocation's work: peek, one SQS send

    def label(self) -> str:
        standby = "standby" if self.standby is not None else "no standby"
        if self.wake == "precise":
            return f"{self.memory_mb} MB, Step Functions wake {self.precise_lead_s:g} s, {standby}"
        if self.wake == "queue":
            return f"{self.memory_mb} MB, lead {self.lead_s:g} s, wake queue, {standby}"
        return f"{self.memory_mb} MB, lead {self.lead_s:g} s, waits in Lambda, {standby}"


@dataclass
class Bill:
    """Quantities and dollars per snipe, by line."""

    gb_s: dict[str, float] = field(default_factory=dict)
    requests: dict[str, float] = field(default_factory=dict)  # counts
    dollars: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return sum(self.dollars.values())


def mean_wait_s(config: Config, usage: Usage | None = None) -> float:
    """How long before the close the primary executor starts, on average."""
    if config.wake == "precise":
        return config.precise_lead_s
    if config.wake == "queue":
        return config.run_lead_s + (usage or Usage()).offset_s
    return config.lead_s + config.grid_s / 2  # uniform over the grid's window


def handoff_share(config: Config, usage: Usage) -> float:
    """Share of snipes whose wait does not fit one invocation (one hand-off each)."""
    room = usage.max_invocation_s - usage.grace_s - usage.settle_s
    if config.wake == "queue":
        return 0.0  # relays chain up to 15 minutes each; the run itself fits
    if config.wake == "precise":
        return 0.0 if config.precise_lead_s <= room else 1.0
    earliest, latest = config.lead_s, config.lead_s + config.grid_s
    if latest <= room:
        return 0.0
    if earliest >= room:
        return 1.0
    return (latest - room) / config.grid_s


def cost(config: Config, usage: Usage | None = None, prices: Prices | None = None) -> Bill:
    u, p = usage or Usage(), prices or Prices()
    bill = Bill()
    gb = config.memory_mb / 1024
    wait = mean_wait_s(config, u)
    hops = handoff_share(config, u)
    init = u.init_s * u.cold_share

    # The primary: a cold start per invocation (hand-offs included), the wait, the settle.
    bill.gb_s["primary"] = gb * ((1 + hops) * init + wait + u.grace_s + u.settle_s)
    invocations = {"primary": 1 + hops, "notifier": float(u.notifier_invocations), "create": 1.0}
    renewals = wait / u.lease_renew_every_s
    wru = (u.state_writes + renewals) * u.snipe_wru + u.history_wru
    rru = float(u.reads_rru)
    schedules = 1.0

    relays = 0.0
    if config.wake == "queue":
        relays = 1.0  # the primary's early invocation, which relays and ends
    if config.standby is not None:
        s = config.standby
        if config.wake == "queue":
            relays += 1.0
            # From its wake (a second after the primary's) until the snipe is final.
            watching = wait - 1.0 + u.grace_s + u.settle_s
        else:
            standby_wait = (
                s.wake_before_close_s if config.wake == "precise"
                else s.wake_before_close_s + config.grid_s / 2
            )  # fmt: skip
            # It watches until the primary's bid is placed (the target, about a second after it).
            watching = max(0.0, standby_wait - u.offset_s + 1.0)
        bill.gb_s["standby"] = gb * (init + watching)
        invocations["standby"] = 1.0
        schedules += 1
        beats = min(s.heartbeat_window_s, wait) / s.heartbeat_every_s
        wru += beats * u.snipe_wru
        rru += watching / s.heartbeat_every_s + 2  # its polls, its peek and claim attempt

    if relays:
        bill.gb_s["relays"] = relays * gb * (init + config.relay_s)
        invocations["relays"] = relays
        rru += relays  # each relay's peek
    sqs = 3 * relays  # per relay: the send, the event source's receive, its delete

    bill.gb_s["notifier"] = u.notifier_invocations * u.notifier_memory_mb / 1024 * u.notifier_s
    bill.gb_s["create"] = u.create_memory_mb / 1024 * u.create_s
    wru += u.notifier_invocations * u.email_marker_wru + u.create_wru
    rru += u.notifier_invocations * u.notifier_rru + u.create_rru

    lambda_requests = sum(invocations.values())
    bill.requests = {
        "lambda": lambda_requests, "scheduler": schedules, "dynamodb_wru": wru,
        "dynamodb_rru": rru, "kms": float(u.kms_decrypts), "secrets": (1 + hops) * u.cold_share,
        "http_api": 1.0, "sqs": sqs,
    }  # fmt: skip
    bill.dollars = {
        "lambda duration": sum(bill.gb_s.values()) * p.lambda_gb_s,
        "lambda requests": lambda_requests * p.lambda_request,
        "scheduler": schedules * p.scheduler_invocation,
        "sqs": sqs * p.sqs_request,
        "dynamodb": wru * p.dynamodb_wru + rru * p.dynamodb_rru,
        "kms": u.kms_decrypts * p.kms_request,
        "secrets manager": bill.requests["secrets"] * p.secrets_call,
        "x-ray": lambda_requests * p.xray_trace,
        "logs": lambda_requests * u.log_kb_per_invocation / 1024 / 1024 * p.logs_gb,
        "http api": p.http_api_request,
    }  # fmt: skip
    if config.wake == "precise":
        transitions = 3 + (2 if config.standby is not None else 0)
        bill.requests["step_transitions"] = transitions
        bill.dollars["step functions"] = transitions * p.step_transition
    return bill


def cheapest(
    configs: list[Config],
    meets: dict[int, bool | None],
    usage: Usage | None = None,
    prices: Prices | None = None,
) -> Config | None:
    """The cheapest configuration whose memory size meets the precision targets."""
    eligible = [c for c in configs if meets.get(c.memory_mb)]
    return min(eligible, key=lambda c: cost(c, usage, prices).total) if eligible else None
