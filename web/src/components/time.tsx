/** Live time: a ticking clock on the server's time, countdowns and local end times. */

import { useEffect, useState } from "react";

import { formatCountdown, remainingMs, spokenCountdown } from "../lib/clock";
import { serverNow, serverOffsetMs } from "../lib/serverClock";

/** The server's now, re-read every `intervalMs`. */
export function useServerNow(intervalMs = 1000): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const timer = setInterval(() => setNow(serverNow()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

export function Countdown({ end }: { end: string }) {
  const [left, setLeft] = useState(() => remainingMs(end, Date.now(), serverOffsetMs()));
  const fast = left < 10_000 && left > -1000;
  useEffect(() => {
    const timer = setInterval(
      () => setLeft(remainingMs(end, Date.now(), serverOffsetMs())),
      fast ? 100 : 1000,
    );
    return () => clearInterval(timer);
  }, [end, fast]);
  return (
    <span className={left <= 0 ? "countdown ended" : left < 60_000 ? "countdown soon" : "countdown"}>
      <span aria-hidden="true">{formatCountdown(left)}</span>
      <span className="visually-hidden">{spokenCountdown(left)}</span>
    </span>
  );
}

const LOCAL = new Intl.DateTimeFormat(undefined, {
  weekday: "short",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  timeZoneName: "short",
});

const LOCAL_TIME = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

export function LocalTime({ iso, timeOnly = false }: { iso: string; timeOnly?: boolean }) {
  const date = new Date(iso);
  return <time dateTime={iso}>{(timeOnly ? LOCAL_TIME : LOCAL).format(date)}</time>;
}

export function localTimeText(epochMs: number): string {
  return LOCAL_TIME.format(new Date(epochMs));
}
