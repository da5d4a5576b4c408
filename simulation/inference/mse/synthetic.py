"""Synthetic lists with a known total: how each MSE method fares when its assumptions hold or not.

A closed population of ``total`` people; list ``i`` sees each person with probability
``probabilities[i]``, independently of the other lists, unless:

- ``referral=(i, j, share)``: a referral partnership, list ``i`` passes ``share`` of the people
  it sees to list ``j`` (positive dependence between the two lists, as between an NGO and the
  police under a national referral mechanism);
- ``hidden=(share, factor)``: unequal visibility, ``share`` of the population is seen by every
  list with ``factor`` times the probability (e.g. 0.5 and 0.25: half the victims are four times
  harder to see), which makes the lists positively dependent through the person
  (heterogeneity; the main reason MSE undercounts, Bales, Hesketh & Silverman 2015,
  Significance 12(3):16).

:func:`shaped_like` takes the capture probabilities of a real table from its own estimate, so
the synthetic lists have the same number of lists and similar sizes and overlaps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def synthetic_lists(total: int, probabilities, *, referral: tuple[int, int, float] | None = None,
                    hidden: tuple[float, float] | None = None, seed=None,
                    names=None) -> pd.DataFrame:
    """A capture-history table (a 0/1 column per list and ``count``, every observable pattern)
    of one synthetic population.

    >>> table = synthetic_lists(1000, [0.3, 0.2], seed=1)
    >>> list(table.columns), int(table["count"].sum()) < 1000
    (['L1', 'L2', 'count'], True)
    """
    rng = np.random.default_rng(seed)
    p = np.asarray(probabilities, dtype=float)
    k = len(p)
    names = list(names) if names is not None else [f"L{i + 1}" for i in range(k)]
    visibility = np.ones(total)
    if hidden is not None:
        share, factor = hidden
        visibility[rng.random(total) < share] = factor
    seen = rng.random((total, k)) < np.clip(visibility[:, None] * p[None, :], 0, 1)
    if referral is not None:
        i, j, share = referral
        seen[:, j] |= seen[:, i] & (rng.random(total) < share)
    code = (seen.astype(np.int64) << np.arange(k)).sum(axis=1)
    counts = np.bincount(code, minlength=2 ** k)[1:]
    patterns = np.arange(1, 2 ** k)
    out = pd.DataFrame({n: (patterns >> b) & 1 for b, n in enumerate(names)})
    out["count"] = counts
    return out


def shaped_like(table: pd.DataFrame, **options) -> tuple[int, list[float], list[str]]:
    """The estimated total, each list's capture probability (its size over that total) and the
    list names of a real capture-history table: synthetic lists of the same shape."""
    from simulation.inference.mse import estimate

    est = estimate(table, **options)
    cells = est.cells
    count = cells.columns[-1]
    sizes = [float((cells[n] * cells[count]).sum()) for n in est.lists]
    total = int(round(est.total))
    return total, [s / total for s in sizes], list(est.lists)


__all__ = ["shaped_like", "synthetic_lists"]
