/** The eBay link in the header: which account, whether its tokens are healthy, and (re-)link. */

import { useMutation, useQuery } from "@tanstack/react-query";

import { call } from "../api/client";
import type { EbayStatus } from "../api/types";
import { useServices } from "../app/context";
import { serverNow } from "../lib/serverClock";
import { ErrorBanner } from "./ErrorBanner";

const RETURN_KEY = "sniper.ebayReturnTo";
const DAY_MS = 86_400_000;

export function useEbayStatus() {
  const { api } = useServices();
  return useQuery({
    queryKey: ["ebay-status"],
    queryFn: () => call(api.GET("/ebay/auth/status")) as Promise<EbayStatus>,
    staleTime: 60_000,
  });
}

export interface LinkHealth {
  level: "ok" | "warn" | "bad" | "none";
  text: string;
}

export function linkHealth(status: EbayStatus | undefined, now: number): LinkHealth {
  if (!status?.linked) return { level: "none", text: "No eBay account linked" };
  if (status.broken) {
    return { level: "bad", text: "eBay no longer accepts this link: link it again" };
  }
  if (status.biddingAccess === "denied") {
    return { level: "bad", text: "eBay does not let this app bid for you yet (application not approved)" };
  }
  const refreshLeft = status.refreshExpiresAt ? Date.parse(status.refreshExpiresAt) - now : Infinity;
  if (refreshLeft <= 0) return { level: "bad", text: "The link has expired: link it again" };
  if (refreshLeft < 30 * DAY_MS) {
    return { level: "warn", text: `The link expires in ${Math.ceil(refreshLeft / DAY_MS)} days: re-link soon` };
  }
  return { level: "ok", text: "Linked and healthy" };
}

/** Send the browser to eBay's consent page; the callback page brings it back here. */
export function useStartLink() {
  const { api } = useServices();
  return useMutation({
    mutationFn: async () => {
      const consent = await call(api.GET("/ebay/auth/url"));
      sessionStorage.setItem(RETURN_KEY, window.location.pathname + window.location.search);
      window.location.assign(consent.url);
    },
  });
}

export function takeReturnPath(): string {
  const path = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  return path && path.startsWith("/") && !path.startsWith("//") ? path : "/snipes";
}

export function EbayLinkBadge() {
  const status = useEbayStatus();
  const link = useStartLink();
  const health = linkHealth(status.data, serverNow());
  if (status.isPending) return <span className="ebay-link muted">eBay…</span>;
  return (
    <div className="ebay-link">
      <span className={`health health-${health.level}`} title={health.text}>
        {status.data?.linked ? (
          <>
            eBay: <strong>{status.data.username ?? "linked"}</strong>
          </>
        ) : (
          "eBay: not linked"
        )}
        <span className="visually-hidden"> ({health.text})</span>
      </span>
      <button type="button" className="link-button" onClick={() => link.mutate()} disabled={link.isPending}>
        {status.data?.linked ? "Re-link" : "Link eBay"}
      </button>
      {link.error ? <ErrorBanner error={link.error} /> : null}
    </div>
  );
}
