import { useEffect } from "react";

/** Each screen names itself in the tab title (and for screen readers landing on it). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · eBay Sniper`;
  }, [title]);
}
