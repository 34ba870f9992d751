/**
 * The server's clock, as seen from a browser whose own clock may be wrong.
 *
 * A countdown to an auction's close must count on real time, not on the device's clock. The
 * host's HTTP Date header gives real time to the second. One sample bounds the offset
 * (server minus local) to [Date − received, Date + 1 s − sent]; samples taken at other
 * sub-second phases narrow the bounds, and their intersection is the estimate.
 */

export interface ClockSample {
  /** Local clock (Date.now()) when the request left. */
  sentAt: number;
  /** Local clock when the answer arrived. */
  receivedAt: number;
  /** The Date header, in epoch ms (whole seconds). */
  serverDate: number;
}

export interface OffsetBounds {
  low: number;
  high: number;
}

const DATE_RESOLUTION_MS = 1000;

export function boundsOf(sample: ClockSample): OffsetBounds {
  return {
    low: sample.serverDate - sample.receivedAt,
    high: sample.serverDate + DATE_RESOLUTION_MS - sample.sentAt,
  };
}

/**
 * The offset to add to the local clock to read the server's. Samples whose bounds do not meet
 * the others' (the device's clock was changed between them) give way to the newest ones.
 */
export function estimateOffset(samples: readonly ClockSample[]): number {
  let bounds: OffsetBounds | undefined;
  for (const sample of [...samples].reverse()) {
    const next = boundsOf(sample);
    if (bounds === undefined) {
      bounds = next;
      continue;
    }
    const low = Math.max(bounds.low, next.low);
    const high = Math.min(bounds.high, next.high);
    if (low > high) break; // older samples disagree with newer ones: keep the newer
    bounds = { low, high };
  }
  return bounds === undefined ? 0 : Math.round((bounds.low + bounds.high) / 2);
}

/** Milliseconds left until `endIso`, on the server's clock. */
export function remainingMs(endIso: string, localNow: number, offsetMs: number): number {
  return Date.parse(endIso) - (localNow + offsetMs);
}

/** "3 d 04 h", "2 h 05 min", "04:59", "0:09.4": finer as the close comes nearer. */
export function formatCountdown(ms: number): string {
  if (ms <= 0) return "ended";
  const totalSeconds = Math.floor(ms / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const two = (n: number) => String(n).padStart(2, "0");
  if (days > 0) return `${days} d ${two(hours)} h`;
  if (hours > 0) return `${hours} h ${two(minutes)} min`;
  if (totalSeconds >= 10) return `${two(minutes)}:${two(seconds)}`;
  return `0:0${seconds}.${Math.floor((ms % 1000) / 100)}`;
}

/** A countdown spoken to screen readers once in a while, not every tick. */
export function spokenCountdown(ms: number): string {
  if (ms <= 0) return "ended";
  const minutes = Math.round(ms / 60_000);
  if (minutes >= 2) return `about ${minutes} minutes left`;
  return `${Math.max(1, Math.round(ms / 1000))} seconds left`;
}
