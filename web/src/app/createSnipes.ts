/**
 * Saving new snipes, one POST /bids each. Each deliberate save sends a fresh Idempotency-Key;
 * retrying a save that failed on the way (network, 5xx) sends the same key again, so the API
 * can tell a retry from a second snipe.
 */

import { call, type ApiClient } from "../api/client";
import { ApiError, existingBidId } from "../api/errors";
import type { Bid, CreateBidRequest } from "../api/types";

export type SaveOutcome =
  | { kind: "saved"; bid: Bid }
  | { kind: "exists"; bidId?: string; message: string }
  | { kind: "failed"; error: unknown; retryable: boolean };

export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A save that failed before the API could decide may be sent again with the same key. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status >= 500;
}

export async function createSnipe(
  api: ApiClient,
  request: CreateBidRequest,
  idempotencyKey: string,
  findLive: (itemId: string) => Promise<Bid | undefined>,
): Promise<SaveOutcome> {
  try {
    const bid = await call(
      api.POST("/bids", { body: request, headers: { "Idempotency-Key": idempotencyKey } }),
    );
    return { kind: "saved", bid };
  } catch (error) {
    if (error instanceof ApiError && error.status === 409 && error.field === "itemId") {
      const bidId = existingBidId(error) ?? (await findLive(request.itemId))?.bidId;
      return { kind: "exists", bidId, message: error.message };
    }
    return { kind: "failed", error, retryable: isRetryable(error) };
  }
}

/**
 * The Idempotency-Key of each item's save while it may still be retried: the same save sent
 * again (the same body) keeps its key; anything changed is a new deliberate save; a save the
 * API has decided is forgotten.
 */
export class SaveKeys {
  private readonly pending = new Map<string, { key: string; body: string }>();

  keyFor(request: CreateBidRequest): string {
    const body = JSON.stringify(request);
    const previous = this.pending.get(request.itemId);
    const key = previous && previous.body === body ? previous.key : newIdempotencyKey();
    this.pending.set(request.itemId, { key, body });
    return key;
  }

  settle(itemId: string, outcome: SaveOutcome): void {
    if (outcome.kind !== "failed" || !outcome.retryable) this.pending.delete(itemId);
  }
}

/**
 * Save each request whose item is not saved yet, one after the other. `progress` sees the
 * outcomes so far after each; the result is all of them.
 */
export async function saveSnipes(
  api: ApiClient,
  requests: CreateBidRequest[],
  keys: SaveKeys,
  before: Record<string, SaveOutcome>,
  progress: (outcomes: Record<string, SaveOutcome>) => void,
): Promise<Record<string, SaveOutcome>> {
  const outcomes = { ...before };
  for (const request of requests) {
    if (outcomes[request.itemId]?.kind === "saved") continue;
    const outcome = await createSnipe(api, request, keys.keyFor(request), (itemId) => liveSnipeOn(api, itemId));
    keys.settle(request.itemId, outcome);
    outcomes[request.itemId] = outcome;
    progress({ ...outcomes });
  }
  return outcomes;
}

/** The caller's live snipe on an item (by item number or RESTful id), read from the API. */
export async function liveSnipeOn(api: ApiClient, itemId: string): Promise<Bid | undefined> {
  const number = /([0-9]{6,19})/.exec(itemId)?.[1];
  const page = await call(
    api.GET("/bids", { params: { query: { status: "SCHEDULED,ARMED,BIDDING,PLACED", limit: 100 } } }),
  );
  return page.items.find((bid) => bid.legacyItemId === number || bid.itemId === itemId);
}
