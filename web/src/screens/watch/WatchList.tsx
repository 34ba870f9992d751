/** The eBay watch list: tick auctions, give each a maximum, and snipe them (optionally as a group). */

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";
import { Link } from "react-router";

import { call } from "../../api/client";
import { ApiError } from "../../api/errors";
import type { WatchedItem } from "../../api/types";
import { useServices } from "../../app/context";
import { SaveKeys, saveSnipes, type SaveOutcome } from "../../app/createSnipes";
import { useProfile, useUpcomingBids } from "../../app/queries";
import { Fact } from "../../components/Fact";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Field } from "../../components/Field";
import { ListingTitle } from "../../components/ListingTitle";
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
  const keys = useRef(new SaveKeys());
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
    const requests = chosen.map((item) => ({
      itemId: item.itemId,
      maxBid: { value: (maxBids[item.itemId] ?? "").trim(), currency: item.currentPrice?.currency ?? "USD" },
      ...(groupOf(group) ? { group: groupOf(group) } : {}),
    }));
    const results = await saveSnipes(api, requests, keys.current, outcomes, setOutcomes);
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
                    <ListingTitle title={item.title} url={item.itemWebUrl} level="h2" />
                    <dl className="snipe-facts">
                      <Fact term="Price">{formatMoney(item.currentPrice)}</Fact>
                      <Fact term="Bids">{item.bidCount}</Fact>
                      <Fact term="Ends">{item.endTime ? <LocalTime iso={item.endTime} /> : "—"}</Fact>
                      {item.endTime ? (
                        <Fact term="Time left"><Countdown end={item.endTime} /></Fact>
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
