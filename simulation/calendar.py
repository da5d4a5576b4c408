"""A week-indexed event calendar.

Events whose timing is known when they are created (a border crossing, a trial date, a prison
release, the end of a shelter stay) are scheduled here instead of being checked every week, so
the cost of a run follows the number of events, not agents x weeks.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np


class Calendar:
    """Events for each future week; ``due(week)`` hands them over in the order they were made."""

    def __init__(self) -> None:
        self._weeks: defaultdict[int, list[Any]] = defaultdict(list)

    def schedule(self, week: int, event: Any) -> None:
        self._weeks[week].append(event)

    def week(self, week: int) -> list[Any]:
        """The list of events for ``week``, to append many at once."""
        return self._weeks[week]

    def due(self, week: int) -> list[Any]:
        return self._weeks.pop(week, [])

    def __len__(self) -> int:
        return sum(len(v) for v in self._weeks.values())


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

    def __getitem__(self, i: int) -> Any:
        return self.items[i]


def sample_indices(rng, n: int, k: int) -> list[int]:
    """``k`` distinct indices from ``range(n)`` (fast for the small ``k`` a week produces)."""
    if k <= 0:
        return []
    if k == 1:
        return [int(rng.integers(n))]
    if k * 4 < n:
        chosen: set[int] = set()
        while len(chosen) < k:
            chosen.update(rng.integers(n, size=k - len(chosen)).tolist())
        return sorted(chosen)[:k] if len(chosen) > k else sorted(chosen)
    return rng.choice(n, size=k, replace=False).tolist()


def geometric(u: float, p: float) -> int:
    """Trials up to the first success, each succeeding with chance ``p`` (1, 2, ...), from one
    uniform number ``u`` in [0, 1) by inversion: P(X > k) = (1 - p) ** k."""
    return 1 + int(math.log(1.0 - u) / math.log(1.0 - p))


def cumulative(weights) -> list[float]:
    """Cumulative probabilities in proportion to ``weights``, computed as numpy's
    ``Generator.choice(n, p=weights / weights.sum())`` does: ``bisect_right(cdf, u)`` for a
    uniform ``u`` picks index ``i`` with chance ``weights[i] / sum(weights)`` at a tenth of that
    call's cost (with ``u = rng.random()`` it is the very same draw)."""
    if len(weights) == 0:
        return []
    w = np.asarray(weights, dtype=float)
    cdf = (w / w.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf.tolist()


class OrderedSet(dict):
    """A set that iterates in insertion order, so runs never depend on memory addresses."""

    def add(self, item: Any) -> None:
        self[item] = None

    def discard(self, item: Any) -> None:
        self.pop(item, None)
