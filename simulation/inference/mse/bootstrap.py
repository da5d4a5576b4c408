"""A parametric bootstrap interval for MSE that repeats the model choice.

An interval from the chosen model alone (profile likelihood) ignores that another set of counts
would often have chosen another model; Silverman (2020, JRSS A 183:691, section 5) recommends a
bootstrap that repeats the choice. Here, as there and in Chan, Silverman & Vincent (2021, JASA
116:1297, section 3.3):

1. the chosen model's fitted expected counts (the observed patterns) are the truth of the
   bootstrap world;
2. ``resamples`` tables of counts are drawn from it, each pattern a Poisson count;
3. on each, every candidate model is fitted and the one with the lowest criterion chosen, and
   its estimated total (observed + unobserved) recorded;
4. the interval is the 2.5% and 97.5% percentiles of those totals.

The candidate models are every subset of the overlapping pairs for up to four lists (as the
main search), and for more lists the models the main (stepwise) search met on the observed
counts: restricting the bootstrap's search to a subset of models chosen on the original data
is the economy Silverman, Chan & Vincent (2023, arXiv:2303.17856) study and find to change the
intervals little. In a resample a model is left out where one of its pairs of lists does not
overlap or its fit runs off to infinity (the estimate does not exist), as in the main search.

**Speed.** The resamples of one model are fitted together: Newton's method for the Poisson
log-linear likelihood (the iteratively reweighted least squares of statsmodels' GLM, which the
main search uses, is the same iteration for this canonical link) on a stack of tables at once,
with numpy's batched solver. ``tests/test_mse_bootstrap.py`` checks it against statsmodels.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from scipy.special import gammaln

from simulation.inference.mse.models import LARGE

_ITERATIONS = 60
_TOLERANCE = 1e-9


def candidate_models(X: np.ndarray, y: np.ndarray, searched=None) -> list[tuple]:
    """The models a resample chooses from: all subsets of the overlapping pairs for up to four
    lists, else ``searched`` (the models the main search met)."""
    pairs = [(i, j) for i, j in itertools.combinations(range(X.shape[1]), 2)
             if y[(X[:, i] == 1) & (X[:, j] == 1)].sum() > 0]
    if X.shape[1] <= 4 or searched is None:
        return [s for r in range(len(pairs) + 1) for s in itertools.combinations(pairs, r)]
    return list(dict.fromkeys(tuple(m) for m in searched))


def fit_many(design: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson log-linear fits of the count tables ``Y`` (one per row) on one ``design``:
    parameters (rows of ``Y`` x columns of design), log-likelihoods, and whether each fit
    converged to finite values within the bound of :mod:`simulation.inference.mse`."""
    B, p = Y.shape[0], design.shape[1]
    # start from least squares on log(y + 0.5), the usual start of the iteration
    beta = np.linalg.lstsq(design, np.log(Y + 0.5).T, rcond=None)[0].T
    done = np.zeros(B, dtype=bool)
    ok = np.ones(B, dtype=bool)
    ridge = 1e-10 * np.eye(p)
    outer = (design[:, :, None] * design[:, None, :]).reshape(len(design), p * p)
    for _ in range(_ITERATIONS):
        active = np.flatnonzero(~done)
        if not len(active):
            break
        b = beta[active]
        mu = np.exp(np.clip(b @ design.T, -60, 60))
        gradient = (Y[active] - mu) @ design
        hessian = (mu @ outer).reshape(len(active), p, p) + ridge  # D' diag(mu) D per table
        try:
            step = np.linalg.solve(hessian, gradient[..., None])[..., 0]
        except np.linalg.LinAlgError:
            step = np.stack([np.linalg.lstsq(h, g, rcond=None)[0]
                             for h, g in zip(hessian, gradient)])
        b = b + step
        beta[active] = b
        size = np.abs(b).max(axis=1)
        converged = np.abs(step).max(axis=1) < _TOLERANCE * (1 + size)
        runaway = size > 2 * LARGE  # off to infinity: stop iterating it
        done[active[converged]] = True
        done[active[runaway]] = True
        ok[active[runaway]] = False
    eta = beta @ design.T
    llf = (Y * eta - np.exp(np.clip(eta, -60, 60)) - gammaln(Y + 1)).sum(axis=1)
    ok &= done & np.all(np.isfinite(beta), axis=1) & (np.abs(beta).max(axis=1) <= LARGE)
    return beta, llf, ok


def resample_totals(X: np.ndarray, y: np.ndarray, chosen, fit, criterion: str = "aic", *,
                    resamples: int = 499, seed: int = 0, searched=None) -> np.ndarray:
    """The estimated totals of ``resamples`` parametric bootstrap tables (NaN where no
    candidate model has an estimate)."""
    from simulation.inference.mse.models import design_columns

    rng = np.random.default_rng(seed)
    mu = np.exp(design_columns(X, chosen) @ np.asarray(fit.params))
    Y = rng.poisson(mu, size=(resamples, len(mu))).astype(float)
    persons = Y.sum(axis=1)
    penalty = 2.0 if criterion == "aic" else np.log(np.maximum(persons, 1.0))
    best = np.full(resamples, np.inf)
    unseen = np.full(resamples, np.nan)
    for model in candidate_models(X, y, searched):
        design = design_columns(X, model)
        usable = np.ones(resamples, dtype=bool)
        for i, j in model:  # a pair that never overlaps in this resample: no finite estimate
            usable &= Y[:, (X[:, i] == 1) & (X[:, j] == 1)].sum(axis=1) > 0
        if not usable.any():
            continue
        beta, llf, ok = fit_many(design, Y[usable])
        score = -2.0 * llf + (penalty if np.isscalar(penalty) else penalty[usable]) \
            * design.shape[1]
        score[~ok] = np.inf
        rows = np.flatnonzero(usable)
        better = score < best[rows]
        best[rows[better]] = score[better]
        unseen[rows[better]] = np.exp(beta[better, 0])
    return persons + unseen


def bootstrap_interval(X: np.ndarray, y: np.ndarray, chosen, fit, criterion: str = "aic", *,
                       resamples: int = 499, seed: int = 0, searched=None
                       ) -> tuple[float, float]:
    """The 95% percentile interval of the total (observed + unobserved)."""
    from simulation.inference.mse.tables import EstimationError

    if not 20 <= int(resamples) <= 100_000:
        raise EstimationError(f"resamples: got {resamples}; allowed: 20 to 100,000 (499 or "
                              "999 are usual)")
    totals = resample_totals(X, y, chosen, fit, criterion, resamples=int(resamples), seed=seed,
                             searched=searched)
    totals = totals[np.isfinite(totals)]
    if len(totals) < 20:
        return 0.0, math.inf
    low, high = np.quantile(totals, [0.025, 0.975])
    return float(low), float(high)


__all__ = ["bootstrap_interval", "candidate_models", "fit_many", "resample_totals"]
