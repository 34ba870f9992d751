"""An append-only record that tests can wait on: `await journal.wait_for(predicate, timeout_s=)`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Waiter(Generic[T]):
    predicate: Callable[[T], bool]
    count: int
    future: asyncio.Future[None]


class Journal(Generic[T]):
    def __init__(self, what: str) -> None:
        self.what = what
        self._entries: list[T] = []
        self._waiters: list[_Waiter[T]] = []

    def append(self, entry: T) -> None:
        self._entries.append(entry)
        for waiter in list(self._waiters):
            if not waiter.future.done() and self._satisfied(waiter):
                waiter.future.set_result(None)

    def clear(self) -> None:
        self._entries.clear()

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._entries))

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, index: int) -> T:
        return self._entries[index]

    def matching(self, predicate: Callable[[T], bool]) -> list[T]:
        return [entry for entry in self._entries if predicate(entry)]

    async def wait_for(
        self, predicate: Callable[[T], bool], *, count: int = 1, timeout_s: float = 30.0
    ) -> list[T]:
        """The first `count` entries matching `predicate`, waiting at most `timeout_s` for them."""
        waiter = _Waiter(predicate, count, asyncio.get_running_loop().create_future())
        if not self._satisfied(waiter):
            self._waiters.append(waiter)
            try:
                await asyncio.wait_for(waiter.future, timeout_s)
            except TimeoutError:
                found = len(self.matching(predicate))
                raise TimeoutError(
                    f"{self.what}: {found} of {count} awaited entries after {timeout_s:g} s"
                ) from None
            finally:
                self._waiters.remove(waiter)
        return self.matching(predicate)[:count]

    def _satisfied(self, waiter: _Waiter[T]) -> bool:
        return sum(1 for entry in self._entries if waiter.predicate(entry)) >= waiter.count
