"""The Users table: profiles, preferences and the (encrypted) eBay link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sniper.domain.errors import Conflict
from sniper.domain.user import User
from sniper.services.ports.stores import StaleWrite, UserStore
from sniper.storage.codec import from_builtins, from_item, to_builtins, to_item
from sniper.storage.table import DynamoTable, translated_errors


def _to_item(user: User) -> dict[str, Any]:
    data = to_builtins(user)
    # Top-level copy for the byEbayUsername index (eBay's deletion notices name the eBay user).
    data["ebayUsername"] = user.ebay_link.username if user.ebay_link else None
    return to_item(data)


def _from_item(item: dict[str, Any]) -> User:
    data = from_item(item)
    data.pop("ebayUsername", None)
    return from_builtins(data, User)


class UsersRepository(UserStore):
    def __init__(self, table: DynamoTable) -> None:
        self.table = table

    async def get(self, user_id: str) -> User | None:
        item = await self.table.get_item({"userId": {"S": user_id}})
        return _from_item(item) if item else None

    async def create(self, user: User) -> User:
        """Insert a new profile; a profile that already exists is a conflict."""
        if not await self.table.put_if(_to_item(user), "attribute_not_exists(userId)"):
            raise Conflict("this user already exists")
        return user

    async def save(self, user: User, *, expected_version: int) -> User:
        """Replace the profile if nobody changed it since `expected_version`."""
        if not await self.table.put_version(_to_item(user), user.version, expected_version):
            raise StaleWrite("the profile changed meanwhile; read it again")
        return user

    async def delete(self, user_id: str) -> bool:
        with translated_errors():
            result = await self.table.client.delete_item(
                TableName=self.table.name,
                Key={"userId": {"S": user_id}},
                ReturnValues="ALL_OLD",
            )
        return "Attributes" in result

    async def ids_for_ebay_username(self, username: str) -> list[str]:
        return [
            item["userId"]["S"]
            async for item in self.table.query_all(
                IndexName="byEbayUsername",
                KeyConditionExpression="ebayUsername = :u",
                ExpressionAttributeValues={":u": {"S": username}},
            )
        ]

    async def linked_users(self) -> AsyncIterator[User]:
        """Every user with an eBay link (the daily token refresh walks these)."""
        request: dict[str, Any] = {
            "TableName": self.table.name,
            "FilterExpression": "attribute_exists(ebayUsername)",
        }
        while True:
            with translated_errors():
                page = await self.table.client.scan(**request)
            for item in page.get("Items", []):
                yield _from_item(item)
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
