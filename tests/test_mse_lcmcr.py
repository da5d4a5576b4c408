"""Manrique-Vallier's (2016) latent-class model (simulation.inference.mse.lcmcr) on lists with a
known total: a population of two classes of visibility, which the log-linear models cannot describe
with two-list interactions alone, and independent lists."""

from __future__ import annotations

import numpy as np
import pytest

import simulation.model.datasets as datasets
import simulation.inference.mse as mse
from simulation.inference.mse import lcmcr as mse_lcmcr
from simulation.inference.mse.synthetic import synthetic_lists

PATTERNS = ((np.arange(1, 32)[:, None] >> np.arange(5)) & 1).astype(float)


def two_classes(total: int, seed: int) -> np.ndarray:
    """Half the people seen mostly by lists 1 and 3, half mostly by lists 2 and 4; list 5 sees
    both halves alike."""
    rng = np.random.default_rng(seed)
    first = rng.random(total) < 0.5
    seeing = np.where(first[:, None], [0.5, 0.1, 0.4, 0.1, 0.3], [0.1, 0.5, 0.1, 0.4, 0.3])
    caught = rng.random((total, 5)) < seeing
    codes = (caught.astype(np.int64) << np.arange(5)).sum(axis=1)
    return np.bincount(codes, minlength=32)[1:].astype(float)


def test_two_classes_of_visibility_are_recovered():
    counts = two_classes(5000, seed=5)
    post = mse_lcmcr.sample(PATTERNS, counts, burn_in=2000, draws=600, thin=5, seed=1)
    assert post.low < 5000 < post.high
    assert abs(post.median - 5000) < 150
    assert np.bincount(post.classes).argmax() >= 2  # more than one class in use


def test_independent_lists_are_covered_and_the_draws_are_reproducible():
    table = synthetic_lists(2000, [0.3, 0.25, 0.2, 0.3, 0.25], seed=0)
    X, y = table.iloc[:, :5].to_numpy(float), table["count"].to_numpy(float)
    post = mse_lcmcr.sample(X, y, burn_in=1000, draws=400, thin=4, seed=3)
    again = mse_lcmcr.sample(X, y, burn_in=1000, draws=400, thin=4, seed=3)
    other = mse_lcmcr.sample(X, y, burn_in=1000, draws=400, thin=4, seed=4)
    assert post.low < 2000 < post.high
    assert np.array_equal(post.totals, again.totals)
    assert not np.array_equal(post.totals, other.totals)


def test_the_estimate_on_a_shipped_table():
    data = datasets.load("us_western_site_five_lists")
    est = mse.estimate(data, method="lcmcr")
    assert est.observed == 345 and est.low < est.total < est.high
    assert est.interval == "credible"
    assert est.models["posterior"].sum() == pytest.approx(1.0)
    # two chains of the default length (seeds 0 and 1) disagree on this sparse table
    assert any("chains disagree" in n for n in est.notes)
    with pytest.raises(mse.EstimationError, match="method lcmcr gives its own 95% credible"):
        mse.estimate(data, method="lcmcr", interval="profile")


def test_chains_that_disagree_are_flagged():
    rng = np.random.default_rng(0)
    same = rng.normal(0, 1, size=(2, 500))
    assert mse_lcmcr.r_hat(same) < 1.01
    apart = same + np.array([[0.0], [2.0]])
    assert mse_lcmcr.r_hat(apart) > 1.1
