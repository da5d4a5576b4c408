"""Collections the model keeps its agents in: insertion-ordered, with O(1) add and remove."""

from __future__ import annotations

from typing import Any


class Pool:
    """An unordered collection with O(1) add, remove and indexed draw.

    Each member remembers its slot (attribute ``slot``), so removal swaps the last member into
    the hole. Used for the exploited victims of one jurisdiction and form, from which the
    identification and exit draws pick their victims.
    """

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[Any] = []

    def add(self, item: Any) -> None:
        item.slot = len(self.items)
        self.items.append(item)

    def remove(self, item: Any) -> None:
        last = self.items.pop()
        if last is not item:
            self.items[item.slot] = last
            last.slot = item.slot
        item.slot = -1

    def __len__(self) -> int:
        return len(self.items)


class OrderedSet(dict):
    """A set that iterates in insertion order, so runs never depend on memory addresses."""

    def add(self, item: Any) -> None:
        self[item] = None

    def discard(self, item: Any) -> None:
        self.pop(item, None)
