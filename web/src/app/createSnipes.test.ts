import { describe, expect, it } from "vitest";

import { SaveKeys } from "./createSnipes";

const request = { itemId: "v1|1|0", maxBid: { value: "25.00", currency: "USD" } };
const failed = { kind: "failed" as const, error: new Error("offline"), retryable: true };

describe("SaveKeys", () => {
  it("sends a retried save with the key it was first sent with", () => {
    const keys = new SaveKeys();
    const first = keys.keyFor(request);
    keys.settle(request.itemId, failed);
    expect(keys.keyFor({ ...request, maxBid: { ...request.maxBid } })).toBe(first);
  });

  it("gives a changed save a new key", () => {
    const keys = new SaveKeys();
    const first = keys.keyFor(request);
    keys.settle(request.itemId, failed);
    expect(keys.keyFor({ ...request, maxBid: { value: "26.00", currency: "USD" } })).not.toBe(first);
  });

  it("forgets a save the API decided, so that saving again is a new save", () => {
    const keys = new SaveKeys();
    const first = keys.keyFor(request);
    keys.settle(request.itemId, { kind: "exists", message: "already sniped" });
    expect(keys.keyFor(request)).not.toBe(first);
  });
});
