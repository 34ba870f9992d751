"""What clients send: request bodies and query strings, strict (unknown fields are refused).

The same Structs generate the OpenAPI document's request schemas, so bounds written here as
`Meta` constraints are both enforced and documented.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import Meta

from sniper.domain.snipe import MAX_OFFSET_SECONDS, MIN_OFFSET_SECONDS

OffsetSeconds = Annotated[
    float,
    Meta(
        ge=MIN_OFFSET_SECONDS,
        le=MAX_OFFSET_SECONDS,
        description="How many seconds before the close the bid should reach eBay",
    ),
]
PageLimit = Annotated[int, Meta(ge=1, le=100, description="Items per page")]
Cursor = Annotated[str, Meta(max_length=2048, description="From the previous page's nextCursor")]
NonEmpty = Annotated[str, Meta(min_length=1, max_length=2048)]
Email = Annotated[str, Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)]


class _Request(
    msgspec.Struct, frozen=True, kw_only=True, rename="camel", forbid_unknown_fields=True
):
    pass


class MoneyIn(_Request, frozen=True, kw_only=True):
    """An amount as eBay writes it: a decimal string in a currency."""

    value: Annotated[str, Meta(examples=["25.00"], description='A decimal string like "25.00"')]
    currency: Annotated[str, Meta(min_length=3, max_length=3, examples=["USD"])]


class GroupIn(_Request, frozen=True, kw_only=True):
    group_id: Annotated[str, Meta(min_length=1, max_length=64)]
    max_wins: Annotated[int, Meta(ge=1, le=100)] = 1


class CreateBidRequest(_Request, frozen=True, kw_only=True):
    item_id: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=2048,
            description=(
                "The item number, the RESTful id v1|<n>|<variation>, or the listing's https URL "
                "on ebay.com, ebay.co.uk, ebay.de, ebay.com.au, ebay.ca, ebay.fr, ebay.it or "
                "ebay.es (…/itm/<n> or …/itm/<title>/<n>, var=<variation> kept)"
            ),
            examples=["123456789012", "https://www.ebay.co.uk/itm/123456789012"],
        ),
    ]
    max_bid: MoneyIn
    offset_seconds: OffsetSeconds | None = None
    group: GroupIn | None = None


class UpdateBidRequest(_Request, frozen=True, kw_only=True):
    max_bid: MoneyIn | None = None
    offset_seconds: OffsetSeconds | None = None


class BidsQuery(_Request, frozen=True, kw_only=True):
    status: (
        Annotated[
            str, Meta(max_length=200, description="Comma-separated statuses, e.g. SCHEDULED,PLACED")
        ]
        | None
    ) = None
    cursor: Cursor | None = None
    limit: PageLimit = 25


class HistoryQuery(_Request, frozen=True, kw_only=True):
    outcome: (
        Annotated[str, Meta(max_length=200, description="Comma-separated outcomes, e.g. WON,LOST")]
        | None
    ) = None
    from_: (
        Annotated[
            str,
            Meta(max_length=40, description="Settled at or after this ISO 8601 date or instant"),
        ]
        | None
    ) = msgspec.field(default=None, name="from")
    to: (
        Annotated[
            str,
            Meta(max_length=40, description="Settled at or before this ISO 8601 date or instant"),
        ]
        | None
    ) = None
    cursor: Cursor | None = None
    limit: PageLimit = 25


class WishlistQuery(_Request, frozen=True, kw_only=True):
    marketplace_id: Annotated[
        str, Meta(max_length=20, description="The eBay site of the watch list")
    ] = "EBAY_US"
    cursor: Cursor | None = None
    limit: PageLimit = 25


class UpdateProfileRequest(_Request, frozen=True, kw_only=True):
    name: Annotated[str, Meta(max_length=200)] | None = None
    email: Email | None = None


class NotificationsIn(_Request, frozen=True, kw_only=True):
    placed: bool | None = None
    won: bool | None = None
    lost: bool | None = None
    skipped: bool | None = None
    failed: bool | None = None
    link_renewal: bool | None = None


class UpdatePreferencesRequest(_Request, frozen=True, kw_only=True):
    default_offset_seconds: OffsetSeconds | None = None
    notifications: NotificationsIn | None = None


class AuthCallbackRequest(_Request, frozen=True, kw_only=True):
    code: NonEmpty
    state: NonEmpty


class ChallengeQuery(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """eBay's endpoint validation: its parameter name, as eBay sends it."""

    challenge_code: NonEmpty
