"""Collections the model keeps its agents in: insertion-ordered, with O(1) add and remove."""

from __future__ import annotations

from typing import Any

import numpy as np


class Pool:
    """An unordered collection with O(1) add, remove and indexed draw.

    Each member remembers its slot (attribute ``slot``), so removal swaps the last member into
    the hole. Used for the exploited victims of one jurisdiction and form, whose weekly draws
    (:mod:`simulation.processes.exploitation`) are made for the whole pool at once: ``keys``
    holds each member's random-stream key (its ``rkey``) in the same order as ``items``.
    """

    __slots__ = ("items", "_keys")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._keys = np.zeros(16, dtype=np.uint64)

    @property
    def keys(self) -> np.ndarray:
        """The members' stream keys, in the order of ``items`` (a view: read, never keep)."""
        return self._keys[: len(self.items)]

    def add(self, item: Any) -> None:
        n = len(self.items)
        if n == len(self._keys):
            self._keys = np.concatenate([self._keys, np.zeros(n, dtype=np.uint64)])
        self._keys[n] = item.rkey
        item.slot = n
        self.items.append(item)

    def remove(self, item: Any) -> None:
        last = self.items.pop()
        if last is not item:
            self.items[item.slot] = last
            self._keys[item.slot] = self._keys[len(self.items)]
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
