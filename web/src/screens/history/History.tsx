/** History of settled snipes, newest first, filtered by outcome and settle date (in the URL). */

import { useInfiniteQuery } from "@tanstack/react-query";
import { useId, type FormEvent } from "react";
import { Link, useSearchParams } from "react-router";

import { call } from "../../api/client";
import { useServices } from "../../app/context";
import { Fact } from "../../components/Fact";
import { ErrorBanner } from "../../components/ErrorBanner";
import { StatusBadge } from "../../components/Status";
import { LocalTime } from "../../components/time";
import { formatMoney } from "../../lib/money";
import { landedBeforeCloseMs } from "../../lib/stats";
import { useTitle } from "../title";

const OUTCOMES = ["WON", "LOST", "SKIPPED", "FAILED"] as const;

export function History() {
  useTitle("History");
  const { api } = useServices();
  const id = useId();
  const [params, setParams] = useSearchParams();
  const outcome = params.get("outcome") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const history = useInfiniteQuery({
    queryKey: ["history", { outcome, from, to }],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/bid-history", {
          params: {
            query: {
              limit: 25,
              cursor: pageParam,
              ...(outcome ? { outcome } : {}),
              ...(from ? { from } : {}),
              ...(to ? { to } : {}),
            },
          },
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });

  function applyFilters(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const name of ["outcome", "from", "to"]) {
      const value = String(form.get(name) ?? "");
      if (value) next.set(name, value);
    }
    setParams(next);
  }

  const entries = history.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section aria-labelledby="history-heading">
      <h1 id="history-heading">History</h1>
      <form className="filters" onSubmit={applyFilters} aria-label="Filter the history">
        <div className="field">
          <label htmlFor={`${id}-outcome`}>Outcome</label>
          <select id={`${id}-outcome`} name="outcome" defaultValue={outcome}>
            <option value="">Any</option>
            {OUTCOMES.map((value) => (
              <option key={value} value={value}>
                {value.toLowerCase()}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-from`}>Settled from</label>
          <input id={`${id}-from`} name="from" type="date" defaultValue={from} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-to`}>to</label>
          <input id={`${id}-to`} name="to" type="date" defaultValue={to} />
        </div>
        <button type="submit">Filter</button>
      </form>
      {history.error ? <ErrorBanner error={history.error} title="The history could not be loaded." /> : null}
      {history.isPending ? <p role="status">Loading the history…</p> : null}
      {history.data && entries.length === 0 ? <p className="empty">Nothing settled matches.</p> : null}
      {entries.length ? (
        <ul className="history-list" aria-label="Settled snipes">
          {entries.map((entry) => {
            const landed = landedBeforeCloseMs(entry);
            return (
              <li key={entry.bidId} className="history-row">
                <div className="snipe-main">
                  <h2 className="snipe-title">
                    <Link to={`/snipes/${encodeURIComponent(entry.bidId)}`}>{entry.title}</Link>
                  </h2>
                  <StatusBadge status={entry.outcome} reason={entry.reason} />
                </div>
                <dl className="snipe-facts">
                  <Fact term="Final price">{formatMoney(entry.finalPrice)}</Fact>
                  <Fact term="Your maximum">{formatMoney(entry.maxBid)}</Fact>
                  <Fact term="Ended"><LocalTime iso={entry.auctionEnd} /></Fact>
                  <Fact term="Landed">{landed !== undefined ? `${(landed / 1000).toFixed(3)} s before the close` : "no bid"}</Fact>
                </dl>
              </li>
            );
          })}
        </ul>
      ) : null}
      {history.hasNextPage ? (
        <button type="button" className="secondary" onClick={() => void history.fetchNextPage()} disabled={history.isFetchingNextPage}>
          Load more
        </button>
      ) : null}
    </section>
  );
}
