/** Short names for the API's schemas (generated from its OpenAPI document into schema.d.ts). */

import type { components } from "./schema";

type Schemas = components["schemas"];

export type Bid = Schemas["BidView"];
export type BidPage = Schemas["BidPage"];
export type ItemDetail = Schemas["ItemDetailView"];
export type WatchedItem = Schemas["WishlistItemView"];
export type HistoryEntry = Schemas["HistoryView"];
export type Profile = Schemas["ProfileView"];
export type EbayStatus = Schemas["EbayStatusView"] & {
  /** Added by a newer API: whether eBay lets this app bid for the user. Shown when present. */
  biddingAccess?: "granted" | "denied" | "unknown" | null;
};
export type MoneyView = Schemas["MoneyView"];
export type CreateBidRequest = Schemas["CreateBidRequest"];
export type ErrorDetail = Schemas["ErrorDetail"];
