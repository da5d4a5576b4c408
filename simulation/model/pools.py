"""Collections the model keeps its agents in: insertion-ordered, with O(1) add and remove."""

from __future__ import annotations

from typing import Any

import numpy as np


class Pool:
    """The exploited victims of one jurisdiction and form: an unordered collection of victims'
    rows with O(1) add and remove.

    Each member's place is kept in the victims table (``victims.slot``), so removal swaps the
    last member into the hole. The week's draws (:mod:`simulation.model.processes.exploitation`) are
    made for the whole pool at once: ``items`` holds the members' rows and ``keys`` their
    random-stream keys (their ``rkey``), in the same order.
    """

    __slots__ = ("_rows", "_keys", "_n", "victims")

    def __init__(self, victims) -> None:
        self.victims = victims
        self._n = 0
        self._rows = np.zeros(16, dtype=np.int64)
        self._keys = np.zeros(16, dtype=np.uint64)

    @property
    def items(self) -> np.ndarray:
        """The members' rows (a view: read, never keep)."""
        return self._rows[: self._n]

    @property
    def keys(self) -> np.ndarray:
        """The members' stream keys, in the order of ``items`` (a view: read, never keep)."""
        return self._keys[: self._n]

    def add(self, v: int) -> None:
        n = self._n
        if n == len(self._keys):
            self._keys = np.concatenate([self._keys, np.zeros(n, dtype=np.uint64)])
            self._rows = np.concatenate([self._rows, np.zeros(n, dtype=np.int64)])
        victims = self.victims
        self._keys[n] = victims.rkey[v]
        self._rows[n] = v
        victims.slot[v] = n
        self._n = n + 1

    def remove(self, v: int) -> None:
        slot = self.victims.slot
        n = self._n = self._n - 1
        last = self._rows[n]
        if last != v:
            hole = slot[v]
            self._rows[hole] = last
            self._keys[hole] = self._keys[n]
            slot[last] = hole
        slot[v] = -1

    def __len__(self) -> int:
        return self._n


class OrderedSet(dict):
    """A set that iterates in insertion order, so runs never depend on memory addresses."""

    def add(self, item: Any) -> None:
        self[item] = None

    def discard(self, item: Any) -> None:
        self.pop(item, None)
