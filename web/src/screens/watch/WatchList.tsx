/** The eBay watch list: tick auctions, give each a maximum, and snipe them (optionally as a group). */

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";

import { call } from "../../api/client";
import { ApiError } from "../../api/errors";
import type { WatchedItem } from "../../api/types";
import { useServices } from "../../app/context";
import { createSnipe, liveSnipeOn, newIdempotencyKey, type SaveOutcome } from "../../app/createSnipes";
import { useProfile, useUpcomingBids } from "../../app/queries";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Field } from "../../components/Field";
import { LocalTime, Countdown } from "../../components/time";
import { Thumb } from "../../components/Thumb";
import { formatMoney, isDecimal } from "../../lib/money";
import { statusInWords } from "../../lib/reasons";
import { GroupPicker, groupOf, NO_GROUP, type GroupChoice } from "../add/GroupPicker";
import { useTitle } from "../title";

export function WatchList() {
  useTitle("Watch list");
  const { api } = useServices();
  const queryClient = useQueryClient();
  const profile = useProfile();
  const upcoming = useUpcomingBids();
  const watched = useQuery({
    queryKey: ["watchlist"],
    queryFn: () => call(api.GET("/wishlist/items", { params: { query: { limit: 100 } } })),
    refetchInterval: 30_000,
  });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [maxBids, setMaxBids] = useState<Record<string, string>>({});
  const [group, setGroup] = useState<GroupChoice>(NO_GROUP);
  const [outcomes, setOutcomes] = useState<Record<string, SaveOutcome>>({});
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const keys = useRef(new Map<string, { key: string; body: string }>());
  const offset = profile.data?.preferences.defaultOffsetSeconds ?? 3;

  const items = watched.data?.items ?? [];
  const chosen = items.filter((item) => selected.has(item.itemId));
  const members = chosen.flatMap((item) =>
    item.endTime ? [{ key: item.itemId, title: item.title, auctionEnd: item.endTime, offsetSeconds: offset }] : [],
  );

  function toggle(item: WatchedItem, on: boolean) {
    const next = new Set(selected);
    if (on) next.add(item.itemId);
    else next.delete(item.itemId);
    setSelected(next);
  }

  async function snipeSelected(event: FormEvent) {
    event.preventDefault();
    const missing: Record<string, string> = {};
    for (const item of chosen) {
      const value = (maxBids[item.itemId] ?? "").trim();
      if (!isDecimal(value)) missing[item.itemId] = 'Give a maximum bid like "25.00".';
    }
    setProblems(missing);
    if (Object.keys(missing).length) return;
    setSaving(true);
    const results: Record<string, SaveOutcome> = { ...outcomes };
    for (const item of chosen) {
      if (results[item.itemId]?.kind === "saved") continue;
      const body = {
        itemId: item.itemId,
        maxBid: { value: (maxBids[item.itemId] ?? "").trim(), currency: item.currentPrice?.currency ?? "USD" },
        ...(groupOf(group) ? { group: groupOf(group) } : {}),
      };
      const signature = JSON.stringify(body);
      const previous = keys.current.get(item.itemId);
      const key = previous && previous.body === signature ? previous.key : newIdempotencyKey();
      keys.current.set(item.itemId, { key, body: signature });
      const outcome = await createSnipe(api, body, key, (itemId) => liveSnipeOn(api, itemId));
      if (outcome.kind !== "failed" || !outcome.retryable) keys.current.delete(item.itemId);
      results[item.itemId] = outcome;
      setOutcomes({ ...results });
    }
    setSaving(false);
    setSelected(new Set(chosen.filter((item) => results[item.itemId]?.kind !== "saved").map((item) => item.itemId)));
    await queryClient.invalidateQueries({ queryKey: ["bids"] });
    await queryClient.invalidateQueries({ queryKey: ["watchlist"] });
  }

  return (
    <section aria-labelledby="watch-heading">
      <h1 id="watch-heading">Watch list</h1>
      <p className="muted">The auctions you watch on eBay. Tick the ones to snipe and give each your maximum.</p>
      {watched.error ? <ErrorBanner error={watched.error} title="The watch list could not be loaded." /> : null}
      {watched.error instanceof ApiError && watched.error.code === "ebay_link_required" ? (
        <p>Link your eBay account (at the top of the page) to see your watch list.</p>
      ) : null}
      {watched.isPending ? <p role="status">Loading your watch list…</p> : null}
      {watched.data && items.length === 0 ? <p className="empty">Your eBay watch list is empty.</p> : null}
      {items.length ? (
        <form onSubmit={snipeSelected} className="stack" noValidate>
          <ul className="watch-list" aria-label="Watched items">
            {items.map((item) => {
              const outcome = outcomes[item.itemId];
              const apiError =
                outcome?.kind === "failed" && outcome.error instanceof ApiError && outcome.error.isFieldError
                  ? outcome.error.message
                  : undefined;
              const disabled = !item.isAuction || Boolean(item.snipe);
              return (
                <li key={item.itemId} className="watch-row" data-item-id={item.legacyItemId}>
                  <input
                    type="checkbox"
                    id={`pick-${item.legacyItemId}`}
                    checked={selected.has(item.itemId)}
                    disabled={disabled}
                    onChange={(e) => toggle(item, e.target.checked)}
                    aria-label={`Snipe ${item.title}`}
                  />
                  <Thumb src={item.imageUrl} />
                  <div className="snipe-main">
                    <h2 className="snipe-title">
                      {item.itemWebUrl ? (
                        <a href={item.itemWebUrl} target="_blank" rel="noopener noreferrer">
                          {item.title}
                          <span className="visually-hidden"> (opens eBay)</span>
                        </a>
                      ) : (
                        item.title
                      )}
                    </h2>
                    <dl className="snipe-facts">
                      <div>
                        <dt>Price</dt>
                        <dd>{formatMoney(item.currentPrice)}</dd>
                      </div>
                      <div>
                        <dt>Bids</dt>
                        <dd>{item.bidCount}</dd>
                      </div>
                      <div>
                        <dt>Ends</dt>
                        <dd>{item.endTime ? <LocalTime iso={item.endTime} /> : "—"}</dd>
                      </div>
                      {item.endTime ? (
                        <div>
                          <dt>Time left</dt>
                          <dd>
                            <Countdown end={item.endTime} />
                          </dd>
                        </div>
                      ) : null}
                    </dl>
                    {!item.isAuction ? <p className="muted">Not an auction ({item.listingType}).</p> : null}
                    {item.snipe ? (
                      <p>
                        Sniped ({statusInWords(item.snipe.status)}, maximum {formatMoney(item.snipe.maxBid)}).{" "}
                        <Link to={`/snipes/${encodeURIComponent(item.snipe.bidId)}`}>Open it</Link>
                      </p>
                    ) : null}
                  </div>
                  {!disabled ? (
                    <Field
                      className="max-field"
                      label={`Maximum bid for ${item.title}${item.currentPrice ? ` (${item.currentPrice.currency})` : ""}`}
                      inputMode="decimal"
                      value={maxBids[item.itemId] ?? ""}
                      onChange={(e) => setMaxBids({ ...maxBids, [item.itemId]: e.target.value })}
                      error={problems[item.itemId] ?? apiError}
                    />
                  ) : null}
                  {outcome?.kind === "saved" ? (
                    <p className="banner banner-ok" role="status">
                      Sniped. <Link to={`/snipes/${encodeURIComponent(outcome.bid.bidId)}`}>Open the snipe</Link>
                    </p>
                  ) : null}
                  {outcome?.kind === "exists" ? (
                    <p className="banner banner-info" role="alert">
                      You already have a snipe on this item.{" "}
                      {outcome.bidId ? (
                        <Link to={`/snipes/${encodeURIComponent(outcome.bidId)}`}>Open the existing snipe</Link>
                      ) : null}
                    </p>
                  ) : null}
                  {outcome?.kind === "failed" && !apiError ? <ErrorBanner error={outcome.error} /> : null}
                </li>
              );
            })}
          </ul>
          <GroupPicker choice={group} onChange={setGroup} upcoming={upcoming.data} newMembers={members} />
          <div className="actions sticky-actions">
            <button type="submit" disabled={saving || chosen.length === 0}>
              {saving ? "Saving…" : `Snipe selected (${chosen.length})`}
            </button>
            <span className="muted">Offset: your default, {offset} s.</span>
          </div>
        </form>
      ) : null}
    </section>
  );
}
