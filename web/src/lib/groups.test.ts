import { describe, expect, it } from "vitest";

import { describeWarning, neededGapSeconds, spacingWarnings, type GroupMember } from "./groups";

function member(key: string, end: string, offsetSeconds = 3): GroupMember {
  return { key, title: `Lens ${key}`, auctionEnd: end, offsetSeconds };
}

describe("spacingWarnings", () => {
  it("warns when the second close comes before the first outcome can be known", () => {
    const warnings = spacingWarnings([
      member("b", "2026-05-01T10:00:10Z"),
      member("a", "2026-05-01T10:00:00Z"),
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ gapSeconds: 10, neededSeconds: neededGapSeconds({ offsetSeconds: 3 }) });
    expect(warnings[0]!.earlier.key).toBe("a");
    expect(describeWarning(warnings[0]!)).toContain("closes 10 s after “Lens a”");
  });

  it("is quiet when the closes are far enough apart", () => {
    const needed = neededGapSeconds({ offsetSeconds: 3 });
    expect(
      spacingWarnings([
        member("a", "2026-05-01T10:00:00Z"),
        member("b", new Date(Date.parse("2026-05-01T10:00:00Z") + needed * 1000).toISOString()),
      ]),
    ).toEqual([]);
  });

  it("counts the later snipe's own offset: a bid sent earlier needs a wider gap", () => {
    const members = [member("a", "2026-05-01T10:00:00Z"), member("b", "2026-05-01T10:00:25Z", 15)];
    expect(spacingWarnings(members)).toHaveLength(1);
    expect(spacingWarnings([members[0]!, { ...members[1]!, offsetSeconds: 3 }])).toEqual([]);
  });

  it("checks only neighbours in closing order", () => {
    const warnings = spacingWarnings([
      member("a", "2026-05-01T10:00:00Z"),
      member("b", "2026-05-01T10:00:05Z"),
      member("c", "2026-05-01T10:00:07Z"),
      member("d", "2026-05-01T11:00:00Z"),
    ]);
    expect(warnings.map((w) => `${w.earlier.key}${w.later.key}`)).toEqual(["ab", "bc"]);
  });

  it("has nothing to say about a single snipe", () => {
    expect(spacingWarnings([member("a", "2026-05-01T10:00:00Z")])).toEqual([]);
  });
});
