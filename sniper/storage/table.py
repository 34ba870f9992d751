"""What every repository shares: a DynamoDB client, a table name, one error translation, and the
few request shapes they all make (a read by key, a page of a partition, a claim)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from sniper.domain.errors import Conflict, UpstreamUnavailable
from sniper.services.ports.stores import Page
from sniper.storage.codec import Item
from sniper.storage.cursor import cursor_for, start_key

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


T = TypeVar("T")
_CLAIM_ATTEMPTS = 3


@contextmanager
def translated_errors(
    conflict_message: str = "the item changed meanwhile", conflict: type[Conflict] = Conflict
) -> Iterator[None]:
    """botocore's failures as domain errors: a refused condition is `conflict`."""
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
            raise conflict(conflict_message) from None
        raise UpstreamUnavailable(f"DynamoDB refused the request ({code})") from exc
    except BotoCoreError as exc:
        raise UpstreamUnavailable("DynamoDB is unreachable") from exc


def is_in(attribute: str, values: Iterable[str], request: dict[str, Any]) -> str:
    """A filter `attribute IN (...)` for a query `request`, its names and values added to it."""
    names = request.setdefault("ExpressionAttributeNames", {})
    bound = request.setdefault("ExpressionAttributeValues", {})
    name = f"#{attribute}"
    names[name] = attribute
    placeholders = []
    for index, value in enumerate(sorted(values)):
        placeholder = f":{attribute}{index}"
        bound[placeholder] = {"S": value}
        placeholders.append(placeholder)
    return f"{name} IN ({', '.join(placeholders)})"


class DynamoTable:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self.client = client
        self.name = table_name

    async def get_item(self, key: Item) -> Item | None:
        """The item at `key` (a consistent read), or None."""
        with translated_errors():
            result = await self.client.get_item(TableName=self.name, Key=key, ConsistentRead=True)
        item = result.get("Item")
        return dict(item) if item else None

    async def read(self, key: Item, decode: Callable[[Item], T]) -> T | None:
        """The item at `key`, decoded, or None."""
        item = await self.get_item(key)
        return decode(item) if item is not None else None

    async def query_all(self, **request: Any) -> AsyncIterator[Item]:
        request["TableName"] = self.name
        while True:
            with translated_errors():
                page = await self.client.query(**request)
            for item in page.get("Items", []):
                yield item
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def page(
        self,
        user_id: str,
        listing: str,
        cursor: str | None,
        decode: Callable[[Item], T],
        **request: Any,
    ) -> Page[T]:
        """One query of the caller's partition, resumed from `cursor` (bound to the caller and to
        `listing`, which names the query's filters)."""
        request["TableName"] = self.name
        start = start_key(user_id, listing, cursor)
        if start:
            request["ExclusiveStartKey"] = start
        with translated_errors():
            page = await self.client.query(**request)
        items = [decode(item) for item in page.get("Items", [])]
        return Page(items, cursor_for(user_id, listing, page.get("LastEvaluatedKey")))

    async def put_unless_held(self, item: Item, condition: str, **expression: Any) -> Item | None:
        """Put `item` if `condition` holds. None when written; otherwise the item that stood in
        the way, as DynamoDB returned it with the refusal ({} if it has gone since).
        `expression`: ExpressionAttributeNames / ExpressionAttributeValues."""
        with translated_errors():
            try:
                await self.client.put_item(
                    TableName=self.name,
                    Item=item,
                    ConditionExpression=condition,
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                    **expression,
                )
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                held: Any = exc.response.get("Item")  # ALL_OLD: what stood in the way
                return dict(held or {})
        return None

    async def put_if(self, item: Item, condition: str, **expression: Any) -> bool:
        """Put `item` if `condition` holds; whether it was written."""
        return await self.put_unless_held(item, condition, **expression) is None

    async def put_version(self, item: Item, version: int, expected_version: int) -> bool:
        """Put `item`, the record's `version`, if `expected_version` is the one stored (a record
        that is not there has none); whether it was written."""
        if version != expected_version + 1:
            raise ValueError("a record is saved exactly one version ahead of the one read")
        return await self.put_if(
            item,
            "#v = :expected",
            ExpressionAttributeNames={"#v": "version"},
            ExpressionAttributeValues={":expected": {"N": str(expected_version)}},
        )

    async def update_if(self, key: Item, update: str, condition: str, **expression: Any) -> bool:
        """Update the item at `key` if `condition` holds; whether it was."""
        try:
            with translated_errors():
                await self.client.update_item(
                    TableName=self.name,
                    Key=key,
                    UpdateExpression=update,
                    ConditionExpression=condition,
                    **expression,
                )
        except Conflict:
            return False
        return True

    async def delete_if(self, key: Item, condition: str, **expression: Any) -> bool:
        """Delete the item at `key` if `condition` holds; whether it was."""
        try:
            with translated_errors():
                await self.client.delete_item(
                    TableName=self.name, Key=key, ConditionExpression=condition, **expression
                )
        except Conflict:
            return False
        return True

    async def claim(
        self,
        key: Item,
        attributes: Item,
        decode: Callable[[Item], T],
        *,
        now_s: int,
        or_when: str | None = None,
        values: dict[str, Any] | None = None,
    ) -> T | None:
        """Put the record at `key` where none is, or an expired one (its `ttl` passed: DynamoDB's
        TTL may not have removed it yet), or `or_when` holds. None when claimed, else the record
        that holds it, decoded. A refusal that returned nothing (the holder went meanwhile)
        reads what stands there now, and tries again if nothing does."""
        # Every table's partition key is userId: where it is absent, no record is.
        condition = "attribute_not_exists(userId) OR #ttl < :now_s"
        if or_when:
            condition += f" OR ({or_when})"
        names = {"#ttl": "ttl"}
        bound = {":now_s": {"N": str(now_s)}, **(values or {})}
        for _ in range(_CLAIM_ATTEMPTS):
            held = await self.put_unless_held(
                {**key, **attributes},
                condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=bound,
            )
            if held is None:
                return None
            standing = held or await self.get_item(key)
            if standing:
                return decode(standing)
        raise Conflict("the record kept changing hands; try again")

    async def delete_partition(self, user_id: str, sort_key: str) -> list[str]:
        """Delete every item of the caller's partition; returns their sort keys."""
        keys = [
            item
            async for item in self.query_all(
                KeyConditionExpression="userId = :u",
                ExpressionAttributeValues={":u": {"S": user_id}},
                ProjectionExpression=f"userId, {sort_key}",
            )
        ]
        for start in range(0, len(keys), 25):
            requests: list[Any] = [
                {"DeleteRequest": {"Key": key}} for key in keys[start : start + 25]
            ]
            pending: dict[str, Any] = {self.name: requests}
            while pending:
                with translated_errors():
                    result = await self.client.batch_write_item(RequestItems=pending)
                pending = dict(result.get("UnprocessedItems", {}))
        return [key[sort_key]["S"] for key in keys]
