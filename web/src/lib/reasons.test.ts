import { describe, expect, it } from "vitest";

import { reasonInWords, statusLine } from "./reasons";
import { compare } from "./money";
import { isEditable, lockAtMs } from "./lock";

describe("reasons in words", () => {
  it("says skips and failures as a person would", () => {
    expect(statusLine("SKIPPED", "GROUP_ALREADY_WON")).toBe("skipped: the group already won");
    expect(statusLine("SKIPPED", "ENDED_BY_BUY_IT_NOW")).toBe("skipped: ended by Buy It Now");
    expect(statusLine("FAILED", "BID_REJECTED: 120011")).toBe(
      "failed: eBay refused the bid (120011)",
    );
    expect(statusLine("WON", null)).toBe("won");
  });

  it("gives a generic sentence for a reason code it does not know", () => {
    expect(reasonInWords("SOMETHING_NEW")).toBe(
      "for a reason this version of the app does not know",
    );
    expect(reasonInWords("cancelled by the user")).toBe("cancelled by the user");
  });
});

describe("money", () => {
  it("compares decimal strings exactly", () => {
    expect(compare("17.5", "17.50")).toBe(0);
    expect(compare("0.10", "0.09")).toBe(1);
    expect(compare("100", "100.01")).toBe(-1);
  });
});

describe("the edit lock", () => {
  const timing = { leadSeconds: 120, precisionSeconds: 60 };

  it("falls when the schedule wakes the executor, on the scheduler's grid", () => {
    // 10:05:30 minus 120 s is 10:03:30, rounded down to the minute.
    expect(new Date(lockAtMs("2026-05-01T10:05:30Z", timing)).toISOString()).toBe(
      "2026-05-01T10:03:00.000Z",
    );
  });

  it("locks a snipe that is no longer SCHEDULED, and one past its lock", () => {
    const end = "2026-05-01T10:05:30Z";
    const before = Date.parse("2026-05-01T10:02:00Z");
    expect(isEditable("SCHEDULED", end, before, timing)).toBe(true);
    expect(isEditable("ARMED", end, before, timing)).toBe(false);
    expect(isEditable("SCHEDULED", end, Date.parse("2026-05-01T10:03:00Z"), timing)).toBe(false);
  });
});
