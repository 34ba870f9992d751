import { describe, expect, it } from "vitest";

import { boundsOf, estimateOffset, formatCountdown, remainingMs, type ClockSample } from "./clock";

/** A sample as a device whose clock is `skew` ms off would take it at real time `real`. */
function sampleAt(real: number, skew: number, oneWayMs = 40): ClockSample {
  const sentAt = real + skew;
  const serverReads = real + oneWayMs;
  return {
    sentAt,
    receivedAt: sentAt + 2 * oneWayMs,
    serverDate: Math.floor(serverReads / 1000) * 1000,
  };
}

describe("estimateOffset", () => {
  it("finds a device clock that runs 90 s fast to within the Date header's resolution", () => {
    const offset = estimateOffset([sampleAt(1_700_000_000_300, 90_000)]);
    expect(Math.abs(offset - -90_000)).toBeLessThanOrEqual(600);
  });

  it("narrows to a few tens of ms with samples at other sub-second phases", () => {
    const skew = -37_123; // the device is 37 s slow
    const base = 1_700_000_000_000;
    const samples = [0, 230, 460, 690, 920].map((phase, i) => sampleAt(base + i * 1000 + phase, skew));
    const offset = estimateOffset(samples);
    expect(Math.abs(offset - 37_123)).toBeLessThanOrEqual(100);
    for (const sample of samples) {
      const { low, high } = boundsOf(sample);
      expect(low).toBeLessThanOrEqual(37_123);
      expect(high).toBeGreaterThanOrEqual(37_123);
    }
  });

  it("follows the newer samples when the device clock was changed in between", () => {
    const base = 1_700_000_000_000;
    const before = sampleAt(base, 0);
    const after = [sampleAt(base + 5_250, 3_600_000), sampleAt(base + 6_700, 3_600_000)];
    const offset = estimateOffset([before, ...after]);
    expect(Math.abs(offset - -3_600_000)).toBeLessThanOrEqual(600);
  });

  it("is zero without samples", () => {
    expect(estimateOffset([])).toBe(0);
  });
});

describe("a countdown under clock skew", () => {
  it("counts on the server's time, not the device's", () => {
    const realNow = Date.parse("2026-03-01T12:00:00.000Z");
    const deviceNow = realNow + 120_000; // two minutes fast
    const end = "2026-03-01T12:01:30.000Z";
    const offset = estimateOffset([
      sampleAt(realNow - 3000, 120_000, 25),
      sampleAt(realNow - 1700, 120_000, 25),
    ]);
    const left = remainingMs(end, deviceNow, offset);
    expect(Math.abs(left - 90_000)).toBeLessThan(600);
    expect(formatCountdown(left)).toMatch(/^01:(29|30)$/);
    // Uncorrected, the device would say the auction had ended half a minute ago.
    expect(formatCountdown(remainingMs(end, deviceNow, 0))).toBe("ended");
  });
});

describe("formatCountdown", () => {
  it.each([
    [3 * 86_400_000 + 4 * 3_600_000 + 5, "3 d 04 h"],
    [2 * 3_600_000 + 5 * 60_000, "2 h 05 min"],
    [4 * 60_000 + 59_000, "04:59"],
    [10_000, "00:10"],
    [9_450, "0:09.4"],
    [0, "ended"],
    [-5, "ended"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatCountdown(ms)).toBe(text);
  });
});
