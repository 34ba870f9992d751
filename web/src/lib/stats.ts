/** My stats: outcome counts and how long before the close the bids landed, from the history. */

export interface HistoryLike {
  outcome: string;
  auctionEnd: string;
  timing?: {
    auctionEnd: string;
    sent?: string | null;
    roundTripMs?: number | null;
    estimatedLatencyMs?: number | null;
  } | null;
}

export interface Stats {
  won: number;
  lost: number;
  skipped: number;
  failed: number;
  cancelled: number;
  /** Milliseconds before the close, over the snipes whose bid was sent. */
  medianLandingMs?: number;
  /** The landing nearest to (or past) the close. */
  worstLandingMs?: number;
  landed: number;
}

/**
 * When a bid reached eBay, as well as we can tell: sent plus half the observed round trip
 * (the one-way estimate used to aim when no answer came back).
 */
export function landedBeforeCloseMs(entry: HistoryLike): number | undefined {
  const timing = entry.timing;
  if (!timing?.sent) return undefined;
  const oneWay =
    timing.roundTripMs != null ? timing.roundTripMs / 2 : (timing.estimatedLatencyMs ?? 0);
  const landed = Date.parse(timing.sent) + oneWay;
  return Date.parse(timing.auctionEnd) - landed;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function statsOf(entries: readonly HistoryLike[]): Stats {
  const count = (outcome: string) => entries.filter((e) => e.outcome === outcome).length;
  const landings = entries
    .map(landedBeforeCloseMs)
    .filter((ms): ms is number => ms !== undefined);
  return {
    won: count("WON"),
    lost: count("LOST"),
    skipped: count("SKIPPED"),
    failed: count("FAILED"),
    cancelled: count("CANCELLED"),
    medianLandingMs: median(landings),
    worstLandingMs: landings.length ? Math.min(...landings) : undefined,
    landed: landings.length,
  };
}
