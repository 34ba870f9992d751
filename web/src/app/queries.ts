/** The server state screens share, as TanStack Query hooks (cached, refetched, deduplicated). */

import { useQuery, type Query } from "@tanstack/react-query";

import { call, type ApiClient } from "../api/client";
import { ApiError } from "../api/errors";
import type { Bid, HistoryEntry, ItemDetail, Profile } from "../api/types";
import { ENDED_STATUSES, LIVE_STATUSES } from "../lib/reasons";
import { serverNow } from "../lib/serverClock";
import { useServices } from "./context";

/** Pages read for one list at most: a user with more sees the first ones and a note. */
const MAX_PAGES = 10;

async function allBids(api: ApiClient, statuses: readonly string[]): Promise<Bid[]> {
  const items: Bid[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const result = await call(
      api.GET("/bids", { params: { query: { status: statuses.join(","), limit: 100, cursor } } }),
    );
    items.push(...result.items);
    if (!result.nextCursor) break;
    cursor = result.nextCursor;
  }
  return items;
}

/** How often a list of live snipes is read again: every second while one is near or in play. */
export function liveInterval(bids: readonly Bid[] | undefined, now: number): number {
  const busy = (bids ?? []).some(
    (bid) =>
      bid.status !== "SCHEDULED" || Date.parse(bid.auctionEnd) - now < 3 * 60_000,
  );
  return busy ? 1000 : 10_000;
}

export function useUpcomingBids() {
  const { api } = useServices();
  return useQuery({
    queryKey: ["bids", "upcoming"],
    queryFn: () => allBids(api, LIVE_STATUSES),
    refetchInterval: (query: Query<Bid[]>) => liveInterval(query.state.data, serverNow()),
  });
}

export function useEndedBids() {
  const { api } = useServices();
  return useQuery({
    queryKey: ["bids", "ended"],
    queryFn: async () =>
      (await allBids(api, ENDED_STATUSES)).sort(
        (a, b) => Date.parse(b.auctionEnd) - Date.parse(a.auctionEnd),
      ),
    refetchInterval: 30_000,
  });
}

export function useBid(bidId: string | undefined, live = true) {
  const { api } = useServices();
  return useQuery({
    queryKey: ["bid", bidId],
    enabled: bidId !== undefined,
    queryFn: () => call(api.GET("/bids/{bidId}", { params: { path: { bidId: bidId! } } })),
    refetchInterval: (query: Query<Bid>) => {
      const bid = query.state.data;
      if (!live || !bid || ENDED_STATUSES.includes(bid.status as never)) return false;
      return liveInterval([bid], serverNow());
    },
  });
}

/** The item as eBay has it now (price, bids), for a snipe's row: more often near the close. */
export function useItem(itemId: string | undefined, auctionEnd?: string) {
  const { api } = useServices();
  return useQuery({
    queryKey: ["item", itemId],
    enabled: Boolean(itemId),
    queryFn: (): Promise<ItemDetail> =>
      call(api.GET("/wishlist/items/{itemId}", { params: { path: { itemId: itemId! } } })),
    staleTime: 5_000,
    refetchInterval: () =>
      auctionEnd && Date.parse(auctionEnd) - serverNow() < 2 * 60_000 ? 3_000 : 20_000,
    retry: false,
  });
}

export function useHistoryEntry(bidId: string | undefined, enabled: boolean) {
  const { api } = useServices();
  return useQuery({
    queryKey: ["history-entry", bidId],
    enabled: enabled && bidId !== undefined,
    queryFn: async (): Promise<HistoryEntry | null> => {
      try {
        return await call(api.GET("/bid-history/{bidId}", { params: { path: { bidId: bidId! } } }));
      } catch (error) {
        // Settled, but the entry is not written yet (or the snipe was cancelled: none is).
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    // The executor writes it just after the final state: look again briefly, then stop.
    refetchInterval: (query) =>
      query.state.data || query.state.dataUpdateCount > 30 ? false : 2_000,
  });
}

export function useRecentHistory() {
  const { api } = useServices();
  return useQuery({
    queryKey: ["history", "recent"],
    queryFn: () => call(api.GET("/bid-history", { params: { query: { limit: 100 } } })),
    refetchInterval: 30_000,
  });
}

export function useProfile() {
  const { api } = useServices();
  return useQuery({
    queryKey: ["profile"],
    queryFn: (): Promise<Profile> => call(api.GET("/users/profile")),
    staleTime: 60_000,
  });
}
