/**
 * Samples the host's Date header (same origin, so the browser may read it) and keeps the
 * estimated offset between the server's clock and this device's. See clock.ts for the maths.
 */

import { estimateOffset, type ClockSample } from "./clock";

const SAMPLES = 5;
const SPACING_MS = 230; // not a divisor of 1000: samples fall at other sub-second phases
const RESAMPLE_MS = 10 * 60_000;

let samples: ClockSample[] = [];
let offsetMs = 0;

export function serverOffsetMs(): number {
  return offsetMs;
}

export function serverNow(): number {
  return Date.now() + offsetMs;
}

async function sampleOnce(): Promise<ClockSample | undefined> {
  const sentAt = Date.now();
  const response = await fetch(`/config.json?clock=${sentAt}`, { cache: "no-store" });
  const receivedAt = Date.now();
  const date = response.headers.get("Date");
  const serverDate = date ? Date.parse(date) : Number.NaN;
  return Number.isNaN(serverDate) ? undefined : { sentAt, receivedAt, serverDate };
}

async function sampleRound(): Promise<void> {
  const fresh: ClockSample[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    try {
      const sample = await sampleOnce();
      if (sample) fresh.push(sample);
    } catch {
      return; // offline: keep the last estimate
    }
    await new Promise((resolve) => setTimeout(resolve, SPACING_MS));
  }
  samples = [...samples, ...fresh].slice(-3 * SAMPLES);
  offsetMs = estimateOffset(samples);
}

export function startServerClock(): void {
  void sampleRound();
  setInterval(() => void sampleRound(), RESAMPLE_MS);
}
