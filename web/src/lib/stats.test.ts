import { describe, expect, it } from "vitest";

import { landedBeforeCloseMs, median, statsOf, type HistoryLike } from "./stats";

const END = "2026-05-01T10:00:00.000Z";

function entry(outcome: string, sentBeforeMs?: number, roundTripMs?: number): HistoryLike {
  const sent =
    sentBeforeMs === undefined ? null : new Date(Date.parse(END) - sentBeforeMs).toISOString();
  return { outcome, auctionEnd: END, timing: { auctionEnd: END, sent, roundTripMs } };
}

describe("statsOf", () => {
  it("counts outcomes and measures landings before the close", () => {
    const stats = statsOf([
      entry("WON", 3_100, 200), // landed 3.0 s before
      entry("LOST", 2_600, 200), // 2.5 s
      entry("WON", 3_300, 200), // 3.2 s
      entry("SKIPPED"),
      entry("FAILED"),
    ]);
    expect(stats).toMatchObject({ won: 2, lost: 1, skipped: 1, failed: 1, landed: 3 });
    expect(stats.medianLandingMs).toBe(3_000);
    expect(stats.worstLandingMs).toBe(2_500);
  });

  it("has no landing figures without sent bids", () => {
    const stats = statsOf([entry("SKIPPED")]);
    expect(stats.medianLandingMs).toBeUndefined();
    expect(stats.worstLandingMs).toBeUndefined();
  });

  it("falls back to the aiming estimate when no answer came back", () => {
    const e = entry("FAILED", 3_000);
    e.timing!.estimatedLatencyMs = 40;
    expect(landedBeforeCloseMs(e)).toBe(2_960);
  });
});

describe("median", () => {
  it("takes the middle, or the mean of the two middles", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
});
