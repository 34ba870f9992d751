/**
 * When the API stops accepting changes to a snipe. Edits are taken while it is SCHEDULED; the
 * schedule wakes the executor, which claims (ARMS) it, `leadSeconds` before the close rounded
 * down to the scheduler's grid (`precisionSeconds`), as sniper/scheduling.py computes it.
 */

export interface SnipeTiming {
  leadSeconds: number;
  precisionSeconds: number;
}

export function lockAtMs(auctionEnd: string, timing: SnipeTiming): number {
  const earliest = Date.parse(auctionEnd) - timing.leadSeconds * 1000;
  const grid = timing.precisionSeconds * 1000;
  return earliest - (((earliest % grid) + grid) % grid);
}

/** A second of slack: a request sent just before the lock may arrive just after it. */
const SLACK_MS = 1000;

export function isEditable(
  status: string,
  auctionEnd: string,
  serverNow: number,
  timing: SnipeTiming,
): boolean {
  return status === "SCHEDULED" && serverNow < lockAtMs(auctionEnd, timing) - SLACK_MS;
}
