"""Collections the model keeps its agents in: insertion-ordered, with O(1) add and remove."""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np


class Pool:
    """The exploited victims of one jurisdiction and form: an unordered collection of victims'
    rows with O(1) add and remove.

    Each member's place is kept in the victims table (``victims.slot``), so removal swaps the
    last member into the hole. The week's draws (:mod:`simulation.model.processes.exploitation`) are
    made for the whole pool at once: ``items`` holds the members' rows and ``keys`` their
    random-stream keys (their ``rkey``), in the same order. Both are kept as Python arrays
    (``array.array``), whose one-element reads and writes cost a fraction of a numpy
    array's, and handed out as numpy copies.
    """

    __slots__ = ("_rows", "_keys", "victims")

    def __init__(self, victims) -> None:
        self.victims = victims
        self._rows = array("q")
        self._keys = array("Q")

    @property
    def items(self) -> np.ndarray:
        """The members' rows (a copy)."""
        return np.frombuffer(self._rows, dtype=np.int64).copy() if self._rows else _NO_ROWS

    @property
    def keys(self) -> np.ndarray:
        """The members' stream keys, in the order of ``items`` (a copy)."""
        return np.frombuffer(self._keys, dtype=np.uint64).copy() if self._keys else _NO_KEYS

    def views(self) -> tuple[np.ndarray, np.ndarray]:
        """``items`` and ``keys`` as views of the pool's own arrays, for a caller that reads
        them at once, before the pool changes (they hold its arrays' buffers: the pool cannot
        grow while they live). The pool must not be empty."""
        return (np.frombuffer(self._rows, dtype=np.int64),
                np.frombuffer(self._keys, dtype=np.uint64))

    def add(self, v: int) -> None:
        victims = self.victims
        victims.slot[v] = len(self._rows)
        self._rows.append(v)
        self._keys.append(victims.rkey[v])

    def add_many(self, rows: np.ndarray) -> None:
        """:meth:`add` for each of ``rows`` (int64) in turn."""
        victims = self.victims
        n = len(self._rows)
        victims.slot[rows] = np.arange(n, n + len(rows))
        self._rows.frombytes(np.asarray(rows, dtype=np.int64).tobytes())
        self._keys.frombytes(victims.rkey[rows].tobytes())

    def remove(self, v: int) -> None:
        slot = self.victims.slot
        rows, keys = self._rows, self._keys
        last = rows.pop()
        key = keys.pop()
        if last != v:
            hole = int(slot[v])
            rows[hole] = last
            keys[hole] = key
            slot[last] = hole
        slot[v] = -1

    def __len__(self) -> int:
        return len(self._rows)


_NO_ROWS = np.zeros(0, dtype=np.int64)
_NO_KEYS = np.zeros(0, dtype=np.uint64)
_NO_ROWS.flags.writeable = _NO_KEYS.flags.writeable = False


class OrderedSet(dict):
    """A set that iterates in insertion order, so runs never depend on memory addresses."""

    def add(self, item: Any) -> None:
        self[item] = None

    def discard(self, item: Any) -> None:
        self.pop(item, None)
