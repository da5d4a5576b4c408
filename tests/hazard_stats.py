"""Statistics shared by the tests of hazard-driven draws (tests/test_exit_sampler.py,
tests/test_formulas.py): chances from hazards and chi-square tests of Bernoulli counts."""

from __future__ import annotations

import numpy as np
from scipy import stats

STRICT = 1e-3
"""Significance level: a correct draw fails one of these tests with chance about 1e-3."""


def chance(hazard):
    """Chance of an event with hazard ``hazard`` over one period: ``1 - exp(-hazard)``."""
    return -np.expm1(-np.asarray(hazard, float))


def bernoulli_p_value(counts, chances, cells, n_cells: int, trials: int = 1) -> float:
    """p-value that ``counts[i]`` successes of row i in ``trials`` trials with chance
    ``chances[i]`` are independent Bernoulli draws, by the chi-square of the cells' totals
    (each cell's variance is its sum of ``q (1 - q)``); cells are ``0..n_cells-1``."""
    chances = np.asarray(chances, float)
    observed = np.bincount(cells, counts, n_cells)
    expected = trials * np.bincount(cells, chances, n_cells)
    variance = trials * np.bincount(cells, chances * (1 - chances), n_cells)
    used = variance > 0
    x2 = float(np.sum((observed - expected)[used] ** 2 / variance[used]))
    return float(stats.chi2.sf(x2, used.sum()))


def chance_bins(chances, n: int = 10) -> np.ndarray:
    """``n`` cells of rows of about equal size, from the lowest chance to the highest."""
    chances = np.asarray(chances, float)
    order = np.argsort(chances, kind="stable")
    cells = np.empty(len(chances), int)
    cells[order] = np.arange(len(chances)) * n // len(chances)
    return cells
