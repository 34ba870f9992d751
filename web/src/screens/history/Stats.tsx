/** My stats: the signed-in user's outcomes and landing times, computed from their history. */

import { useQuery } from "@tanstack/react-query";

import { call } from "../../api/client";
import type { HistoryEntry } from "../../api/types";
import { useServices } from "../../app/context";
import { Fact } from "../../components/Fact";
import { ErrorBanner } from "../../components/ErrorBanner";
import { statsOf } from "../../lib/stats";
import { useTitle } from "../title";

const MAX_PAGES = 20;

function seconds(ms: number | undefined): string {
  return ms === undefined ? "—" : `${(ms / 1000).toFixed(3)} s`;
}

export function Stats() {
  useTitle("My stats");
  const { api } = useServices();
  const history = useQuery({
    queryKey: ["history", "all"],
    queryFn: async () => {
      const entries: HistoryEntry[] = [];
      let cursor: string | undefined;
      let complete = false;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await call(api.GET("/bid-history", { params: { query: { limit: 100, cursor } } }));
        entries.push(...result.items);
        if (!result.nextCursor) {
          complete = true;
          break;
        }
        cursor = result.nextCursor;
      }
      return { entries, complete };
    },
  });
  const stats = history.data ? statsOf(history.data.entries) : undefined;
  return (
    <section aria-labelledby="stats-heading">
      <h1 id="stats-heading">My stats</h1>
      {history.error ? <ErrorBanner error={history.error} title="Your history could not be loaded." /> : null}
      {history.isPending ? <p role="status">Counting…</p> : null}
      {stats ? (
        <>
          <dl className="stats">
            <Fact term="Won">{stats.won}</Fact>
            <Fact term="Lost">{stats.lost}</Fact>
            <Fact term="Skipped">{stats.skipped}</Fact>
            <Fact term="Failed">{stats.failed}</Fact>
            <Fact term="Median landing before the close">{seconds(stats.medianLandingMs)}</Fact>
            <Fact term="Latest landing (nearest the close)">{seconds(stats.worstLandingMs)}</Fact>
          </dl>
          <p className="muted">
            Over {history.data!.entries.length} settled snipes
            {history.data!.complete ? "" : " (the most recent ones)"}; landing times over the {stats.landed} bids
            that were sent, each estimated as sent plus half its round trip.
          </p>
        </>
      ) : null}
    </section>
  );
}
