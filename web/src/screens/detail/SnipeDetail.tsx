/**
 * One snipe and its timeline: from the snipe itself while it is live, then from its history
 * entry and timing report once it has settled. Instants the API does not record are shown as
 * planned or estimated, and say so.
 */

import { Link, useParams } from "react-router";

import type { Bid, HistoryEntry, Profile } from "../../api/types";
import { useServices } from "../../app/context";
import { useBid, useHistoryEntry, useProfile } from "../../app/queries";
import { Fact } from "../../components/Fact";
import { ErrorBanner } from "../../components/ErrorBanner";
import { StatusBadge } from "../../components/Status";
import { Countdown, LocalTime, useServerNow } from "../../components/time";
import { Thumb } from "../../components/Thumb";
import { lockAtMs, type SnipeTiming } from "../../lib/lock";
import { formatMoney } from "../../lib/money";
import { isLive, statusLine } from "../../lib/reasons";
import { landedBeforeCloseMs } from "../../lib/stats";
import { useTitle } from "../title";

const ORDER = ["SCHEDULED", "ARMED", "BIDDING", "PLACED"];

export interface Step {
  key: string;
  label: string;
  at?: string | undefined;
  detail?: string | undefined;
  state: "done" | "pending" | "skipped";
  estimated?: boolean;
}

function secondsBefore(end: string, iso: string): string {
  const ms = Date.parse(end) - Date.parse(iso);
  return `T${ms >= 0 ? "−" : "+"}${(Math.abs(ms) / 1000).toFixed(3)} s`;
}

const EMAIL_CHOICE: Record<string, keyof Profile["preferences"]["notifications"]> = {
  WON: "won",
  LOST: "lost",
  SKIPPED: "skipped",
  FAILED: "failed",
};

export function timeline(
  bid: Bid,
  entry: HistoryEntry | null | undefined,
  timing: SnipeTiming,
  now: number,
  profile: Profile | undefined,
): Step[] {
  const reached = (status: string) => {
    const at = ORDER.indexOf(bid.status);
    return at === -1 ? undefined : at >= ORDER.indexOf(status);
  };
  const settled = !isLive(bid.status);
  const wake = new Date(lockAtMs(bid.auctionEnd, timing)).toISOString();
  const report = entry?.timing ?? undefined;
  const steps: Step[] = [
    { key: "created", label: "Created", at: bid.createdAt, state: "done" },
    {
      key: "checked",
      label: "Checked with eBay",
      at: bid.createdAt,
      detail: `a live auction in ${bid.maxBid.currency}; your maximum at least the next minimum bid`,
      state: "done",
    },
    {
      key: "scheduled",
      label: "Scheduled",
      at: wake,
      detail: "the sniper wakes at this time; changes close then",
      state: bid.status === "CANCELLED" ? "skipped" : "done",
    },
  ];
  const armed = reached("ARMED") || (settled && report !== undefined);
  steps.push({
    key: "armed",
    label: "Armed",
    at: armed || Date.parse(wake) > now ? wake : undefined,
    detail: armed ? "the sniper claimed the snipe and prepared the bid" : "planned",
    state: armed ? "done" : settled ? "skipped" : "pending",
    estimated: true,
  });
  if (report) {
    steps.push({
      key: "target",
      label: "Aimed at",
      at: report.target,
      detail: `${secondsBefore(report.auctionEnd, report.target)} (your offset)`,
      state: "done",
    });
    if (report.sent) {
      steps.push({
        key: "sent",
        label: `Sent at ${secondsBefore(report.auctionEnd, report.sent)}`,
        at: report.sent,
        detail:
          report.sentAfterTargetMs != null
            ? `${report.sentAfterTargetMs.toFixed(3)} ms after the aim; ${report.attempts} attempt(s)`
            : undefined,
        state: "done",
      });
    }
    if (report.answered) {
      steps.push({
        key: "answered",
        label: "Answered by eBay",
        at: report.answered,
        detail: report.roundTripMs != null ? `round trip ${report.roundTripMs.toFixed(1)} ms` : undefined,
        state: "done",
      });
    }
    const landed = entry ? landedBeforeCloseMs(entry) : undefined;
    if (landed !== undefined && report.sent) {
      steps.push({
        key: "landed",
        label: `Landed at T−${(landed / 1000).toFixed(3)} s`,
        at: new Date(Date.parse(report.auctionEnd) - landed).toISOString(),
        detail: "sent plus half the round trip",
        state: "done",
        estimated: true,
      });
    }
  } else if (!settled) {
    steps.push({
      key: "target",
      label: "Bid due",
      at: bid.fireAt,
      detail: `T−${bid.offsetSeconds} s`,
      state: "pending",
    });
  }
  steps.push({
    key: "outcome",
    label: settled ? `Outcome: ${statusLine(bid.status, bid.reason)}` : "Outcome",
    at: entry?.settledAt ?? (settled ? bid.updatedAt : undefined),
    detail: settled ? undefined : "known shortly after the close",
    state: settled ? "done" : "pending",
  });
  if (entry?.finalPrice || (settled && bid.status !== "CANCELLED")) {
    steps.push({
      key: "price",
      label: `Final price: ${formatMoney(entry?.finalPrice)}`,
      state: entry?.finalPrice ? "done" : "pending",
    });
  }
  const choice = EMAIL_CHOICE[bid.status];
  if (choice && profile) {
    const wanted = profile.preferences.notifications[choice];
    steps.push({
      key: "email",
      label: wanted ? `Email to ${profile.email}` : "No email",
      detail: wanted
        ? "owed with the outcome and sent once (the API does not report delivery)"
        : `you turned off “${choice}” emails in Settings`,
      state: wanted ? "done" : "skipped",
    });
  }
  return steps;
}

export function SnipeDetail() {
  const { bidId } = useParams();
  const { config } = useServices();
  const bid = useBid(bidId);
  const settled = bid.data !== undefined && !isLive(bid.data.status);
  const writesHistory = settled && bid.data?.status !== "CANCELLED";
  const entry = useHistoryEntry(bidId, writesHistory);
  const profile = useProfile();
  const now = useServerNow(1000);
  useTitle(bid.data ? `Snipe: ${bid.data.title}` : "Snipe");

  if (bid.error) {
    return (
      <section>
        <h1>Snipe</h1>
        <ErrorBanner error={bid.error} title="This snipe could not be loaded." />
        <Link to="/snipes">Back to snipes</Link>
      </section>
    );
  }
  if (!bid.data) return <p role="status">Loading the snipe…</p>;
  const data = bid.data;
  const steps = timeline(data, entry.data, config.snipeTiming, now, profile.data);

  return (
    <section aria-labelledby="detail-heading" className="detail">
      <p>
        <Link to="/snipes">← Snipes</Link>
      </p>
      <div className="detail-head">
        <Thumb src={data.imageUrl} />
        <div>
          <h1 id="detail-heading">{data.title}</h1>
          <StatusBadge status={data.status} reason={data.reason} />
          <dl className="snipe-facts">
            <Fact term="Your maximum">{formatMoney(data.maxBid)}</Fact>
            <Fact term="Ends"><LocalTime iso={data.auctionEnd} /></Fact>
            {isLive(data.status) ? (
              <Fact term="Time left"><Countdown end={data.auctionEnd} /></Fact>
            ) : null}
            <Fact term="Offset">{data.offsetSeconds} s</Fact>
            {data.group ? (
              <Fact term="Group">{data.group.groupId} (win {data.group.maxWins})</Fact>
            ) : null}
            <div>
              <dt>Item</dt>
              <dd>
                {data.itemWebUrl ? (
                  <a href={data.itemWebUrl} target="_blank" rel="noopener noreferrer">
                    {data.legacyItemId} on eBay
                  </a>
                ) : (
                  data.legacyItemId
                )}
              </dd>
            </div>
          </dl>
        </div>
      </div>
      <h2>Timeline</h2>
      {entry.error ? <ErrorBanner error={entry.error} title="The timing report could not be loaded." /> : null}
      <ol className="timeline" aria-label="Timeline">
        {steps.map((step) => (
          <li key={step.key} className={`step step-${step.state}`} data-step={step.key}>
            <span className="step-label">{step.label}</span>
            {step.at ? (
              <span className="step-time">
                {step.estimated ? "≈ " : ""}
                <LocalTime iso={step.at} timeOnly />
                {step.at.includes(".") ? <span className="ms">.{step.at.split(".")[1]!.slice(0, 3)}</span> : null}
              </span>
            ) : null}
            {step.detail ? <span className="step-detail">{step.detail}</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
