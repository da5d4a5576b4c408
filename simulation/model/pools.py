"""Collections the model keeps its agents in: column tables that grow by doubling, pools
with O(1) add and remove, and networks' insertion-ordered sets of victims' rows."""

from __future__ import annotations

from array import array
from typing import Any

import numpy as np

Columns = dict[str, tuple[Any, Any]]
"""A column table's columns: name -> (numpy dtype, value of a new row)."""


def make_columns(table: object, columns: Columns, capacity: int) -> None:
    """Each of ``columns`` becomes an attribute of ``table``: ``capacity`` rows at its default."""
    for name, (dtype, default) in columns.items():
        setattr(table, name, np.full(capacity, default, dtype=dtype))


def grow_columns(table: object, columns: Columns, used: int, capacity: int) -> None:
    """Each of ``columns`` of ``table`` grows to ``capacity`` rows: its first ``used`` rows kept,
    the others at its default (new arrays: a column kept from before no longer belongs to
    ``table``)."""
    for name, (dtype, default) in columns.items():
        new: np.ndarray = np.full(capacity, default, dtype=dtype)
        new[:used] = getattr(table, name)[:used]
        setattr(table, name, new)


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

    def copy_into(self, rows: array, keys: array) -> None:
        """Append the members' rows to ``rows`` (an ``array('q')``) and their keys to ``keys``
        (``array('Q')``), in order: one copy in C, for the week's pass over every pool. (The
        pool hands out no view of its own arrays: an array whose buffer is exported cannot
        grow or shrink, and a view kept a moment too long made a later removal fail.)"""
        rows.extend(self._rows)
        keys.extend(self._keys)

    def add(self, v: int) -> None:
        victims = self.victims
        victims.slot[v] = len(self._rows)
        self._rows.append(v)
        self._keys.append(victims.rkey_of(v))

    def add_many(self, rows: np.ndarray, keys: np.ndarray | None = None) -> None:
        """:meth:`add` for each of ``rows`` (int64) in turn; ``keys``, their episodes' keys
        (``Victims.rkeys(rows)``), if the caller has them already."""
        victims = self.victims
        n = len(self._rows)
        victims.slot[rows] = np.arange(n, n + len(rows))
        self._rows.frombytes(np.asarray(rows, dtype=np.int64).tobytes())
        if keys is None:
            keys = victims.rkeys(rows)
        self._keys.frombytes(np.asarray(keys, dtype=np.uint64).tobytes())

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


class RowSet:
    """A network's victims: rows of the victims' table in the order they joined, kept as a
    32-bit Python array (``array.array``) instead of a set, 4 bytes a member instead of about
    95 (the integer objects and a hash table). Membership, :meth:`add` and :meth:`discard` scan
    the array, which is short (a network controls tens of victims) and scanned in C.
    Iterates in insertion order, so runs never depend on memory addresses."""

    __slots__ = ("_rows",)

    def __init__(self) -> None:
        self._rows = array("i")

    def add(self, row: int) -> None:
        """``row`` joins, last, unless it is a member already."""
        if row not in self._rows:
            self._rows.append(row)

    def update(self, rows: range) -> None:
        """Rows that are not members yet (new victims' rows) join, in order."""
        self._rows.extend(rows)

    def discard(self, row: int) -> None:
        """``row`` leaves, if it is a member; the others keep their order."""
        try:
            self._rows.remove(row)
        except ValueError:
            pass

    def rows(self) -> np.ndarray:
        """The members' rows as int64, in order (a copy)."""
        return np.frombuffer(self._rows, dtype=np.int32).astype(np.int64)

    def __contains__(self, row: object) -> bool:
        return row in self._rows

    def __iter__(self):
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def __bool__(self) -> bool:
        return bool(self._rows)

    def __repr__(self) -> str:
        return f"RowSet({list(self._rows)})"
