/** Statuses and reasons in words. Unknown reasons (newer than this build) get a plain sentence. */

const REASONS: Record<string, string> = {
  PRICE_ABOVE_MAX: "the price had passed your maximum",
  AUCTION_ENDED_EARLY: "the seller ended the auction early",
  ENDED_BY_BUY_IT_NOW: "ended by Buy It Now",
  GROUP_ALREADY_WON: "the group already won",
  GROUP_UNRESOLVED: "an earlier snipe in the group had no outcome yet",
  EBAY_LINK_BROKEN: "eBay no longer accepts your account link",
  EBAY_UNAVAILABLE: "eBay kept failing until the close",
  TOKEN_REVOKED: "eBay no longer accepts your account link; link it again",
  NOT_LINKED: "no eBay account was linked",
  BID_REJECTED: "eBay refused the bid",
  TOO_LATE: "the sniper started too late to bid safely",
  OUTCOME_UNKNOWN: "eBay never said how the auction ended; check the item on eBay",
  INTERNAL: "something went wrong on our side",
  EBAY_APP_NOT_APPROVED: "this sniper's eBay application is not approved for bidding yet",
  EXECUTOR_LATE: "the sniper woke too late to bid",
};

const GENERIC = "for a reason this version of the app does not know";

/** "ENDED_BY_BUY_IT_NOW" or "CODE: detail" in words; free text (e.g. "cancelled by the user") as is. */
export function reasonInWords(reason: string | null | undefined): string | undefined {
  if (!reason) return undefined;
  const [code = "", ...rest] = reason.split(":");
  const detail = rest.join(":").trim();
  const words = REASONS[code.trim()];
  if (words !== undefined) return detail ? `${words} (${detail})` : words;
  if (/^[A-Z][A-Z0-9_]+$/.test(code.trim())) return GENERIC;
  return reason.trim();
}

const STATUS_WORDS: Record<string, string> = {
  SCHEDULED: "scheduled",
  ARMED: "armed",
  BIDDING: "bidding",
  PLACED: "bid placed",
  WON: "won",
  LOST: "lost",
  CANCELLED: "cancelled",
  SKIPPED: "skipped",
  FAILED: "failed",
};

export function statusInWords(status: string): string {
  return STATUS_WORDS[status] ?? status.toLowerCase();
}

/** "skipped: the group already won", "won", "failed: eBay refused the bid". */
export function statusLine(status: string, reason: string | null | undefined): string {
  const words = reasonInWords(reason);
  return words ? `${statusInWords(status)}: ${words}` : statusInWords(status);
}

export const LIVE_STATUSES = ["SCHEDULED", "ARMED", "BIDDING", "PLACED"] as const;
export const ENDED_STATUSES = ["WON", "LOST", "CANCELLED", "SKIPPED", "FAILED"] as const;

export function isLive(status: string): boolean {
  return (LIVE_STATUSES as readonly string[]).includes(status);
}
