/**
 * Snipes: Upcoming and Ended. Upcoming is read again every second while a snipe is near its
 * close or in play, so rows follow a snipe through ARMED, BIDDING, PLACED and its outcome; a
 * snipe that leaves the upcoming list while it is on screen stays, with its outcome, until the
 * user leaves the tab.
 */

import { useQueries } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { Link, NavLink } from "react-router";

import { call } from "../../api/client";
import type { Bid, HistoryEntry } from "../../api/types";
import { useServices } from "../../app/context";
import { useEndedBids, useRecentHistory, useUpcomingBids } from "../../app/queries";
import { ErrorBanner } from "../../components/ErrorBanner";
import { useTitle } from "../title";
import { SnipeRow } from "./SnipeRow";

function Header() {
  return (
    <>
      <div className="screen-head">
        <h1 id="snipes-heading">Snipes</h1>
        <Link className="button" to="/add">
          Add a snipe
        </Link>
      </div>
      <nav className="tabs" aria-label="Snipes">
        <NavLink to="/snipes" end>
          Upcoming
        </NavLink>
        <NavLink to="/snipes/ended">Ended</NavLink>
      </nav>
    </>
  );
}

/** Snipes seen live on this screen that have since left the upcoming list. */
function useFollowed(upcoming: Bid[] | undefined): Bid[] {
  const { api } = useServices();
  const seen = useRef(new Set<string>());
  const [gone, setGone] = useState<string[]>([]);
  useEffect(() => {
    if (!upcoming) return;
    const current = new Set(upcoming.map((bid) => bid.bidId));
    const left = [...seen.current].filter((id) => !current.has(id));
    seen.current = current;
    if (left.length) setGone((previous) => [...new Set([...previous, ...left])]);
  }, [upcoming]);
  const followed = useQueries({
    queries: gone.map((bidId) => ({
      queryKey: ["bid", bidId],
      queryFn: () => call(api.GET("/bids/{bidId}", { params: { path: { bidId } } })),
      staleTime: 5_000,
    })),
  });
  return followed.flatMap((query) => (query.data ? [query.data] : []));
}

function historyByBid(items: HistoryEntry[] | undefined): Map<string, HistoryEntry> {
  return new Map((items ?? []).map((entry) => [entry.bidId, entry]));
}

export function UpcomingSnipes() {
  useTitle("Upcoming snipes");
  const upcoming = useUpcomingBids();
  const followed = useFollowed(upcoming.data);
  const history = useRecentHistory();
  const rows = useMemo(() => {
    const live = upcoming.data ?? [];
    const ids = new Set(live.map((bid) => bid.bidId));
    return [...live, ...followed.filter((bid) => !ids.has(bid.bidId))].sort(
      (a, b) => Date.parse(a.auctionEnd) - Date.parse(b.auctionEnd),
    );
  }, [upcoming.data, followed]);
  const byBid = historyByBid(history.data?.items);

  return (
    <section aria-labelledby="snipes-heading">
      <Header />
      {upcoming.error ? (
        <ErrorBanner error={upcoming.error} title="The snipes could not be loaded." />
      ) : null}
      {upcoming.isPending ? (
        <p role="status">Loading your snipes…</p>
      ) : rows.length === 0 ? (
        <p className="empty">
          No upcoming snipes. <Link to="/add">Add one</Link> or pick auctions from your{" "}
          <Link to="/watch-list">watch list</Link>.
        </p>
      ) : (
        <ul className="snipe-list" aria-label="Upcoming snipes">
          {rows.map((bid) => (
            <SnipeRow key={bid.bidId} bid={bid} history={byBid.get(bid.bidId)} />
          ))}
        </ul>
      )}
    </section>
  );
}

export function EndedSnipes() {
  useTitle("Ended snipes");
  const ended = useEndedBids();
  const history = useRecentHistory();
  const byBid = historyByBid(history.data?.items);
  return (
    <section aria-labelledby="snipes-heading">
      <Header />
      {ended.error ? <ErrorBanner error={ended.error} title="The snipes could not be loaded." /> : null}
      {ended.isPending ? (
        <p role="status">Loading your snipes…</p>
      ) : ended.data?.length === 0 ? (
        <p className="empty">No ended snipes yet.</p>
      ) : (
        <ul className="snipe-list" aria-label="Ended snipes">
          {ended.data?.map((bid) => (
            <SnipeRow key={bid.bidId} bid={bid} history={byBid.get(bid.bidId)} />
          ))}
        </ul>
      )}
    </section>
  );
}
