"""Fast random draws the processes share, each the same draw as the numpy call it replaces.

Every draw uses one of the model's own generators, passed in: numpy's (``model.rng``) or
Python's (``model.random``), both seeded from the run's seed (ODD 4, "Stochasticity").
"""

from __future__ import annotations

import math

import numpy as np


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
