"""What every repository shares: a DynamoDB client, a table name, and one error translation."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from botocore.exceptions import BotoCoreError, ClientError

from sniper.domain.errors import Conflict, UpstreamUnavailable
from sniper.storage.codec import Item

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


T = TypeVar("T")


class Page(Generic[T]):
    """One page of a listing and the cursor for the next (None on the last page)."""

    __slots__ = ("items", "next_cursor")

    def __init__(self, items: list[T], next_cursor: str | None) -> None:
        self.items = items
        self.next_cursor = next_cursor


@contextmanager
def translated_errors(conflict_message: str = "the item changed meanwhile") -> Iterator[None]:
    try:
        yield
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("ConditionalCheckFailedException", "TransactionCanceledException"):
            raise Conflict(conflict_message) from None
        raise UpstreamUnavailable(f"DynamoDB refused the request ({code})") from exc
    except BotoCoreError as exc:
        raise UpstreamUnavailable("DynamoDB is unreachable") from exc


class DynamoTable:
    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self.client = client
        self.name = table_name

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

    async def put_unless_held(
        self,
        item: Item,
        condition: str,
        *,
        names: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> Item | None:
        """Put `item` if `condition` holds. None when written; otherwise the item that stood in
        the way, as DynamoDB returned it with the refusal ({} if it has gone since)."""
        request: dict[str, Any] = {
            "TableName": self.name,
            "Item": item,
            "ConditionExpression": condition,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if names:
            request["ExpressionAttributeNames"] = names
        if values:
            request["ExpressionAttributeValues"] = values
        with translated_errors():
            try:
                await self.client.put_item(**request)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                    raise
                held: Any = exc.response.get("Item")  # ALL_OLD: what stood in the way
                return dict(held or {})
        return None

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
