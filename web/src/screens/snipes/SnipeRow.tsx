/** One snipe in the list: the item, price against the maximum, time left, status, edit/cancel. */

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";

import { call } from "../../api/client";
import { ApiError } from "../../api/errors";
import type { Bid, HistoryEntry } from "../../api/types";
import { useServices } from "../../app/context";
import { useHistoryEntry, useItem } from "../../app/queries";
import { Fact } from "../../components/Fact";
import { ErrorBanner } from "../../components/ErrorBanner";
import { Field, OffsetField } from "../../components/Field";
import { ListingTitle } from "../../components/ListingTitle";
import { StatusBadge } from "../../components/Status";
import { Countdown, LocalTime, localTimeText, useServerNow } from "../../components/time";
import { Thumb } from "../../components/Thumb";
import { isEditable, lockAtMs } from "../../lib/lock";
import { compare, formatMoney, isDecimal } from "../../lib/money";
import { isLive } from "../../lib/reasons";

export function SnipeRow({ bid, history }: { bid: Bid; history?: HistoryEntry | undefined }) {
  const { config } = useServices();
  const live = isLive(bid.status);
  const item = useItem(live ? bid.legacyItemId : undefined, bid.auctionEnd);
  const now = useServerNow(1000);
  const [editing, setEditing] = useState(false);
  const [confirmCancel, setConfirmCancel] = useState(false);
  const editable = isEditable(bid.status, bid.auctionEnd, now, config.snipeTiming);
  const lockAt = lockAtMs(bid.auctionEnd, config.snipeTiming);
  // A snipe that settled while on screen: its entry is written just after, so look it up.
  const settledHere = !live && bid.status !== "CANCELLED" && history === undefined;
  const entry = useHistoryEntry(bid.bidId, settledHere);
  const price = (history ?? entry.data)?.finalPrice ?? item.data?.currentBidPrice ?? null;
  const passed = price !== null && live && compare(price.value, bid.maxBid.value) > 0;

  return (
    <li className={`snipe-row status-${bid.status.toLowerCase()}`} data-bid-id={bid.bidId}>
      <Thumb src={bid.imageUrl} />
      <div className="snipe-main">
        <ListingTitle title={bid.title} url={bid.itemWebUrl} level="h3" />
        <StatusBadge status={bid.status} reason={bid.reason} announce />
        {bid.group ? (
          <span className="group">
            group <strong>{bid.group.groupId}</strong> (win {bid.group.maxWins})
          </span>
        ) : null}
      </div>
      <dl className="snipe-facts">
        <div>
          <dt>{live ? "Price" : "Final price"}</dt>
          <dd className={passed ? "price-passed" : undefined}>
            {formatMoney(price)}
            {passed ? <span className="flag"> above your maximum</span> : null}
          </dd>
        </div>
        <Fact term="Your maximum">{formatMoney(bid.maxBid)}</Fact>
        {live ? (
          <Fact term="Bids">{item.data ? item.data.bidCount : "—"}</Fact>
        ) : null}
        <Fact term="Ends"><LocalTime iso={bid.auctionEnd} /></Fact>
        {live ? (
          <Fact term="Time left"><Countdown end={bid.auctionEnd} /></Fact>
        ) : null}
        <Fact term="Offset">{bid.offsetSeconds} s</Fact>
      </dl>
      <div className="snipe-actions">
        <Link to={`/snipes/${encodeURIComponent(bid.bidId)}`}>
          Details<span className="visually-hidden"> of {bid.title}</span>
        </Link>
        {live ? (
          editable ? (
            <>
              <button
                type="button"
                className="secondary"
                onClick={() => setEditing(!editing)}
                aria-expanded={editing}
              >
                Edit<span className="visually-hidden"> {bid.title}</span>
              </button>
              <button type="button" className="secondary danger" onClick={() => setConfirmCancel(true)}>
                Cancel snipe<span className="visually-hidden"> on {bid.title}</span>
              </button>
              <p className="lock-note">Changes close at {localTimeText(lockAt)}</p>
            </>
          ) : (
            <p className="lock-note">
              Locked{bid.status === "SCHEDULED" ? ` since ${localTimeText(lockAt)}` : ""}: the
              sniper has it now
            </p>
          )
        ) : null}
      </div>
      {editing && editable ? <EditForm bid={bid} onDone={() => setEditing(false)} /> : null}
      {confirmCancel && live ? <CancelConfirm bid={bid} onDone={() => setConfirmCancel(false)} /> : null}
    </li>
  );
}

function EditForm({ bid, onDone }: { bid: Bid; onDone: () => void }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [maxBid, setMaxBid] = useState(bid.maxBid.value);
  const [offset, setOffset] = useState(String(bid.offsetSeconds));
  const [localError, setLocalError] = useState<string>();
  const save = useMutation({
    mutationFn: () =>
      call(
        api.PUT("/bids/{bidId}", {
          params: { path: { bidId: bid.bidId } },
          body: {
            maxBid: { value: maxBid.trim(), currency: bid.maxBid.currency },
            offsetSeconds: Number(offset),
          },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["bids"] });
      onDone();
    },
  });
  const error = save.error instanceof ApiError && save.error.isFieldError ? save.error : undefined;

  function submit(event: FormEvent) {
    event.preventDefault();
    setLocalError(undefined);
    if (!isDecimal(maxBid)) {
      setLocalError('Write the amount like "25.00".');
      return;
    }
    save.mutate();
  }

  return (
    <form className="edit-form" onSubmit={submit} aria-label={`Edit the snipe on ${bid.title}`}>
      <Field
        label={`Maximum bid (${bid.maxBid.currency})`}
        inputMode="decimal"
        value={maxBid}
        onChange={(e) => setMaxBid(e.target.value)}
        error={localError ?? (error?.field?.startsWith("maxBid") ? error.message : undefined)}
        required
      />
      <OffsetField
        label="Offset (seconds before the close)"
        value={offset}
        onChange={(e) => setOffset(e.target.value)}
        error={error?.field === "offsetSeconds" ? error.message : undefined}
        required
      />
      {save.error && !error ? <ErrorBanner error={save.error} /> : null}
      <div className="actions">
        <button type="submit" disabled={save.isPending}>
          Save changes
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Keep as it was
        </button>
      </div>
    </form>
  );
}

function CancelConfirm({ bid, onDone }: { bid: Bid; onDone: () => void }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => call(api.DELETE("/bids/{bidId}", { params: { path: { bidId: bid.bidId } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ["bids"] });
      onDone();
    },
  });
  return (
    <div className="confirm" role="group" aria-label={`Cancel the snipe on ${bid.title}?`}>
      <p>Cancel this snipe? No bid will be placed.</p>
      {cancel.error ? <ErrorBanner error={cancel.error} /> : null}
      <div className="actions">
        <button type="button" className="danger" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
          Yes, cancel it
        </button>
        <button type="button" className="secondary" onClick={onDone}>
          Keep it
        </button>
      </div>
    </div>
  );
}
