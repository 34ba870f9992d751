/**
 * Add a snipe: one field that takes item numbers, eBay listing links, or several pasted lines.
 * Each item is previewed from eBay (through the API) before anything is saved; the maximum is
 * checked against the next minimum bid as the API checks it, and the API's own message is shown
 * at the field when it refuses.
 */

import { useQueries, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router";

import { call } from "../../api/client";
import { ApiError } from "../../api/errors";
import type { ItemDetail } from "../../api/types";
import { useServices } from "../../app/context";
import { SaveKeys, saveSnipes, type SaveOutcome } from "../../app/createSnipes";
import { useProfile, useUpcomingBids } from "../../app/queries";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Fact } from "../../components/Fact";
import { Field, OffsetField } from "../../components/Field";
import { LocalTime } from "../../components/time";
import { Thumb } from "../../components/Thumb";
import { isFailure, parseListingInput, type ParsedItem } from "../../lib/listing";
import { compare, formatMoney, isDecimal } from "../../lib/money";
import { statusInWords } from "../../lib/reasons";
import { useTitle } from "../title";
import { GroupPicker, groupOf, NO_GROUP, type GroupChoice } from "./GroupPicker";

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** What the API would say about this maximum, said before it is sent. */
export function maxBidProblem(value: string, item: ItemDetail | undefined): string | undefined {
  if (!value.trim()) return undefined;
  if (!isDecimal(value)) return 'Write the amount like "25.00".';
  const minimum = item?.nextMinimumBid;
  if (minimum && compare(value, minimum.value) < 0) {
    return `the maximum bid must be at least ${minimum.value} ${minimum.currency}`;
  }
  return undefined;
}

export function AddSnipe() {
  useTitle("Add a snipe");
  const { api } = useServices();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const inputId = useId();
  const profile = useProfile();
  const upcoming = useUpcomingBids();
  const [text, setText] = useState("");
  const settled = useDebounced(text, 300);
  const parsed = useMemo(() => parseListingInput(settled), [settled]);
  const items = parsed.filter((result): result is ParsedItem => !isFailure(result));
  const failures = parsed.filter(isFailure);
  const [maxBids, setMaxBids] = useState<Record<string, string>>({});
  const [offset, setOffset] = useState<string>();
  const [group, setGroup] = useState<GroupChoice>(NO_GROUP);
  const [outcomes, setOutcomes] = useState<Record<string, SaveOutcome>>({});
  const [saving, setSaving] = useState(false);
  const keys = useRef(new SaveKeys());

  const defaultOffset = profile.data?.preferences.defaultOffsetSeconds ?? 3;
  const offsetText = offset ?? String(defaultOffset);

  const previews = useQueries({
    queries: items.map((item) => ({
      queryKey: ["item", item.itemId],
      queryFn: (): Promise<ItemDetail> =>
        call(api.GET("/wishlist/items/{itemId}", { params: { path: { itemId: item.itemId } } })),
      retry: false,
      staleTime: 10_000,
    })),
  });

  const members = items.flatMap((item, index) => {
    const detail = previews[index]?.data;
    return detail?.endTime
      ? [{ key: item.itemId, title: detail.title, auctionEnd: detail.endTime, offsetSeconds: Number(offsetText) || defaultOffset }]
      : [];
  });

  async function save(event: FormEvent) {
    event.preventDefault();
    setSaving(true);
    const requests = items.map((item, index) => {
      const detail = previews[index]?.data;
      return {
        itemId: item.itemId,
        maxBid: {
          value: (maxBids[item.itemId] ?? "").trim(),
          currency: detail?.currentBidPrice?.currency ?? detail?.nextMinimumBid?.currency ?? "USD",
        },
        offsetSeconds: Number(offsetText),
        ...(groupOf(group) ? { group: groupOf(group) } : {}),
      };
    });
    const results = await saveSnipes(api, requests, keys.current, outcomes, setOutcomes);
    setSaving(false);
    await queryClient.invalidateQueries({ queryKey: ["bids"] });
    if (items.length > 0 && items.every((item) => results[item.itemId]?.kind === "saved")) {
      navigate("/snipes");
    }
  }

  const offsetError = (() => {
    const fieldErrors = Object.values(outcomes).flatMap((o) =>
      o.kind === "failed" && o.error instanceof ApiError && o.error.field === "offsetSeconds" ? [o.error.message] : [],
    );
    return fieldErrors[0];
  })();

  return (
    <section aria-labelledby="add-heading">
      <h1 id="add-heading">Add a snipe</h1>
      <form onSubmit={save} className="stack" noValidate>
        <div className="field">
          <label htmlFor={inputId}>Item number or eBay listing link</label>
          <textarea
            id={inputId}
            rows={3}
            value={text}
            onChange={(e) => setText(e.target.value)}
            aria-describedby={`${inputId}-hint`}
            placeholder="https://www.ebay.com/itm/123456789012"
          />
          <p id={`${inputId}-hint`} className="hint">
            Paste a link from ebay.com, .co.uk, .de, .com.au, .ca, .fr, .it or .es, or an item
            number. Several on separate lines add several snipes.
          </p>
          {failures.map((failure) => (
            <p key={failure.input} className="field-error" role="alert">
              “{failure.input}”: {failure.error}
            </p>
          ))}
        </div>

        {items.length ? (
          <ul className="previews" aria-label="Items to snipe">
            {items.map((item, index) => (
              <Preview
                key={item.itemId}
                item={item}
                query={previews[index]}
                maxBid={maxBids[item.itemId] ?? ""}
                onMaxBid={(value) => setMaxBids({ ...maxBids, [item.itemId]: value })}
                outcome={outcomes[item.itemId]}
              />
            ))}
          </ul>
        ) : null}

        <OffsetField
          label="Offset (seconds before the close the bid should reach eBay)"
          value={offsetText}
          onChange={(e) => setOffset(e.target.value)}
          hint={`Your default is ${defaultOffset} s (Settings).`}
          error={offsetError}
        />
        <GroupPicker choice={group} onChange={setGroup} upcoming={upcoming.data} newMembers={members} />
        <div className="actions">
          <button type="submit" disabled={saving || items.length === 0}>
            {saving ? "Saving…" : items.length > 1 ? `Snipe these ${items.length} items` : "Save the snipe"}
          </button>
          <Link to="/snipes">Back to snipes</Link>
        </div>
      </form>
    </section>
  );
}

function Preview({
  item,
  query,
  maxBid,
  onMaxBid,
  outcome,
}: {
  item: ParsedItem;
  query: { data?: ItemDetail; error: unknown; isPending: boolean } | undefined;
  maxBid: string;
  onMaxBid: (value: string) => void;
  outcome: SaveOutcome | undefined;
}) {
  const detail = query?.data;
  const hint = maxBidProblem(maxBid, detail);
  const apiError =
    outcome?.kind === "failed" && outcome.error instanceof ApiError && outcome.error.isFieldError
      ? outcome.error
      : undefined;
  const currency = detail?.currentBidPrice?.currency ?? detail?.nextMinimumBid?.currency ?? "";
  return (
    <li className="preview" data-item-id={item.itemNumber}>
      {query?.isPending ? <p role="status">Looking up item {item.itemNumber}…</p> : null}
      {query?.error ? (
        <ErrorBanner error={query.error} title={`Item ${item.itemNumber}:`} />
      ) : null}
      {detail ? (
        <>
          <Thumb src={detail.imageUrl} />
          <div className="preview-body">
            <h2 className="preview-title">{detail.title}</h2>
            <dl className="snipe-facts">
              <Fact term="Current price">{formatMoney(detail.currentBidPrice)}</Fact>
              <Fact term="Next minimum bid">{formatMoney(detail.nextMinimumBid)}</Fact>
              <Fact term="Ends">{detail.endTime ? <LocalTime iso={detail.endTime} /> : "—"}</Fact>
              <Fact term="Currency">{currency || "—"}</Fact>
            </dl>
            {!detail.isAuction ? <p className="field-error">This listing is not an auction.</p> : null}
            {detail.ended ? <p className="field-error">This auction has ended.</p> : null}
            {detail.snipe ? (
              <p className="banner banner-info">
                You already have a snipe on this item ({statusInWords(detail.snipe.status)}, maximum{" "}
                {formatMoney(detail.snipe.maxBid)}).{" "}
                <Link to={`/snipes/${encodeURIComponent(detail.snipe.bidId)}`}>Open it</Link>
              </p>
            ) : null}
            <Field
              label={`Your maximum bid${currency ? ` (${currency})` : ""} for ${detail.title}`}
              inputMode="decimal"
              value={maxBid}
              onChange={(e) => onMaxBid(e.target.value)}
              hint={hint && !apiError ? `${hint[0]!.toUpperCase()}${hint.slice(1)}.` : undefined}
              error={apiError?.message}
            />
          </div>
        </>
      ) : null}
      <OutcomeNote outcome={outcome} apiFieldError={Boolean(apiError)} />
    </li>
  );
}

function OutcomeNote({ outcome, apiFieldError }: { outcome: SaveOutcome | undefined; apiFieldError: boolean }) {
  if (!outcome) return null;
  if (outcome.kind === "saved") {
    return (
      <p className="banner banner-ok" role="status">
        Saved. <Link to={`/snipes/${encodeURIComponent(outcome.bid.bidId)}`}>Open the snipe</Link>
      </p>
    );
  }
  if (outcome.kind === "exists") {
    return (
      <p className="banner banner-info" role="alert">
        You already have a snipe on this item.{" "}
        {outcome.bidId ? <Link to={`/snipes/${encodeURIComponent(outcome.bidId)}`}>Open the existing snipe</Link> : null}
      </p>
    );
  }
  if (apiFieldError) return null;
  return (
    <>
      <ErrorBanner error={outcome.error} />
      {outcome.retryable ? <p className="hint">Saving again retries the same request.</p> : null}
    </>
  );
}
