"""SparseMSE's methods for sparse lists: extended maximum likelihood where two lists never
overlap, the stepwise choice of Chan, Silverman & Vincent (2021) with its BCa bootstrap, and the
choice among all two-list models by an information criterion (Silverman, Chan & Vincent 2024).

**Lists that never overlap.** When no one is on both lists i and j, a model with the i:j
interaction has an *extended* maximum likelihood estimate: that interaction is minus infinity,
every pattern with both lists has expected count 0 and drops out of the fit, and the rest is
fitted as usual (Chan, Silverman & Vincent 2021, JASA 116:1297, section 2; their R package
``SparseMSE``, ``buildmodel`` and ``modelfit``; Fienberg & Rinaldo 2012). The interaction still
counts as a parameter in AIC and BIC (``SparseMSE``: "the Akaike information criterion is
adjusted to take account of the number of parameters corresponding to non-overlapping pairs";
``MultipleSystemsEstimation``'s ``fit_hier_model`` does the same for BIC). The number unseen
does not change (no unseen person is on both lists), but the fit of the other patterns does.
A model is fitted only when its (extended) estimate exists and is identifiable, checked on the
patterns that remain (:mod:`simulation.inference.mse.checks`; ``SparseMSE``'s ``checkident``).

**Stepwise** (:func:`stepwise`; ``SparseMSE``'s ``stepwisefit``): from main effects, add one
interaction at a time: for each pair not yet in, the number of people on both lists, N*, is
Poisson under the current model with mean the fitted count of those patterns; its p-value is
min(P(X <= N*), P(X >= N*)); a pair whose model would fail the checks gets p = 1. The pair with
the smallest p-value is added while that p-value is below ``pthresh`` (0.02, the threshold
Chan, Silverman & Vincent chose by simulation). The estimate is the chosen model's observed
plus exp(intercept); its Wald interval is that of the intercept on the log scale
(``estimatepopulation.0``).

**BCa bootstrap** (:func:`bca_interval`; ``estimatepopulation``): the observed counts are
resampled as a multinomial with their own proportions, the whole stepwise choice repeated on
each, and the interval is the bias-corrected and accelerated percentile interval (DiCiccio &
Efron 1996), with the acceleration from a delete-one jackknife over the persons (one refit per
observed pattern) and R's type-8 quantiles, as ``SparseMSE`` computes them.

**All models** (:func:`all_models`): every subset of the two-list interactions (1,024 models
for five lists) fitted with the rule above, and the lowest AIC or BIC chosen (BIC's sample size
the number of persons observed, Rcapture's convention, as ``MultipleSystemsEstimation``'s
``fit_hier_model`` with ``bicRcap = TRUE``). Up to five lists. Its BCa bootstrap
(:func:`best_of`) repeats the choice among the best :func:`top_models` models on each resample
and jackknife table, as that package's ``vary_ntop_bca``.

Existence depends only on which patterns have anyone on them (Fienberg & Rinaldo 2012), so the
checks are cached by model and support: a bootstrap whose resamples keep the same empty
patterns solves each linear program once.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from simulation.inference.mse import checks as mse_checks

PTHRESH = 0.02  # Chan, Silverman & Vincent (2021), section 4.3: the threshold they recommend
MAX_ALL_MODELS = 5  # lists; six would be 32,768 models
_ITERATIONS = 100
_TOLERANCE = 1e-10


@functools.lru_cache(maxsize=16)
def patterns(k: int) -> np.ndarray:
    """Every observable pattern of k lists, one row each, the first list the lowest bit (one
    array per k, not to be written to)."""
    codes = np.arange(1, 2 ** k)
    out = ((codes[:, None] >> np.arange(k)) & 1).astype(float)
    out.setflags(write=False)
    return out


def full_counts(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The counts of :func:`patterns` from 0/1 rows ``X`` with counts ``y`` (repeats added)."""
    k = X.shape[1]
    codes = (X.astype(np.int64) << np.arange(k)).sum(axis=1)
    return np.bincount(codes, weights=y, minlength=2 ** k)[1:].astype(float)


@dataclass(frozen=True)
class Fit:
    """One model's (extended) maximum likelihood fit: ``model`` its pairs of list indices,
    ``empty`` those at minus infinity (no one on both lists), ``abundance`` the estimated total
    (observed + exp(intercept)), ``intercept`` and ``se`` (its standard error), ``llf`` the
    Poisson log-likelihood, ``n_params`` (the pairs at minus infinity counted), ``mu`` the
    fitted count of each pattern (0 where a pair at minus infinity is)."""

    model: tuple
    empty: tuple
    abundance: float
    intercept: float
    se: float
    llf: float
    n_params: int
    mu: np.ndarray

    def score(self, criterion: str, persons: float) -> float:
        penalty = 2.0 if criterion == "aic" else math.log(persons)
        return -2.0 * self.llf + penalty * self.n_params

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """The Wald interval of the total, on the log scale of the number unseen
        (``SparseMSE``'s ``estimatepopulation.0``)."""
        from scipy.stats import norm

        z = norm.ppf(0.5 + level / 2)
        observed = self.abundance - math.exp(self.intercept)
        return (observed + math.exp(self.intercept - z * self.se),
                observed + math.exp(self.intercept + z * self.se))


class Table:
    """A capture-history table of k lists, every pattern a row (:func:`patterns`), with the
    checks and fits of its models. ``cache`` (model, support) -> verdict may be shared by tables
    of the same lists (the resamples of a bootstrap)."""

    def __init__(self, counts: np.ndarray, k: int, cache: dict | None = None):
        self.k = k
        self.P = patterns(k)
        self.c = np.asarray(counts, dtype=float)
        self.persons = float(self.c.sum())
        self.pairs = list(itertools.combinations(range(k), 2))
        both = {p: (self.P[:, p[0]] * self.P[:, p[1]]) for p in self.pairs}
        self.both = both
        self.nstar = {p: float(self.c @ both[p]) for p in self.pairs}
        self.list_sizes = self.c @ self.P
        self.cache = {} if cache is None else cache
        self._support = (self.c > 0).tobytes()
        self._fits: dict = {}

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray, cache: dict | None = None) -> Table:
        return cls(full_counts(X, y), X.shape[1], cache)

    def empty_pairs(self, model) -> tuple:
        return tuple(p for p in model if self.nstar[p] == 0)

    def _reduced(self, model):
        """The patterns that remain, and the design on them: intercept, main effects of lists
        with anyone on them, the model's pairs that overlap."""
        empty = self.empty_pairs(model)
        keep = np.ones(len(self.P), dtype=bool)
        for i, j in empty:
            keep &= self.both[(i, j)] == 0
        lists = [i for i in range(self.k) if self.list_sizes[i] > 0]
        for i in range(self.k):
            if self.list_sizes[i] == 0:  # a list nobody is on (a resample): minus infinity too
                keep &= self.P[:, i] == 0
        live = [p for p in model if p not in empty and all(self.list_sizes[q] > 0 for q in p)]
        P = self.P[keep]
        design = np.column_stack([np.ones(len(P)), P[:, lists]]
                                 + [P[:, i] * P[:, j] for i, j in live])
        return keep, design, empty

    def verdict(self, model) -> str:
        """:data:`simulation.inference.mse.checks.EXISTS` or why the model's extended estimate is
        not fitted, from the linear program and the rank on the patterns that remain."""
        model = tuple(sorted(model))
        key = (model, self._support)
        if key not in self.cache:
            keep, design, _ = self._reduced(model)
            self.cache[key] = mse_checks.check(design, (self.c[keep] > 0).astype(float))
        return self.cache[key]

    def fit(self, model) -> Fit | None:
        """The model's extended maximum likelihood fit (not checked: see :meth:`verdict`), or
        None when Newton's method does not converge."""
        model = tuple(sorted(model))
        if model in self._fits:
            return self._fits[model]
        keep, design, empty = self._reduced(model)
        y = self.c[keep]
        beta = np.linalg.lstsq(design, np.log(y + 0.5), rcond=None)[0]
        done = None
        for _ in range(_ITERATIONS):
            mu = np.exp(np.clip(design @ beta, -700, 700))
            info = design.T @ (mu[:, None] * design)
            try:
                step = np.linalg.solve(info, design.T @ (y - mu))
            except np.linalg.LinAlgError:
                break
            beta = beta + step
            if np.abs(step).max() < _TOLERANCE * (1 + np.abs(beta).max()):
                done = beta
                break
        result = None
        if done is not None and np.all(np.isfinite(done)):
            mu = np.exp(design @ done)
            info = design.T @ (mu[:, None] * design)
            cov = np.linalg.inv(info)
            full_mu = np.zeros(len(self.P))
            full_mu[keep] = mu
            llf = float(np.sum(y * np.log(np.where(mu > 0, mu, 1.0)) - mu - gammaln(y + 1)))
            n_params = 1 + self.k + len(model)
            result = Fit(model=model, empty=empty, abundance=self.persons + math.exp(done[0]),
                         intercept=float(done[0]), se=float(math.sqrt(cov[0, 0])), llf=llf,
                         n_params=n_params, mu=full_mu)
        self._fits[model] = result
        return result


def p_value(table: Table, current: Fit, pair) -> float:
    """``SparseMSE``'s p-value for adding ``pair``: the number on both lists against its Poisson
    distribution under the current fit, min(P(X <= N*), P(X >= N*))."""
    return float(_p_values(np.array([current.mu @ table.both[pair]]),
                           np.array([table.nstar[pair]]))[0])


def _p_values(expected: np.ndarray, n: np.ndarray) -> np.ndarray:
    from scipy.special import pdtr, pdtrc

    at_most = pdtr(n, expected)  # P(X <= n)
    at_least = np.where(n >= 1, pdtrc(np.maximum(n - 1, 0), expected), 1.0)  # P(X >= n)
    return np.minimum(at_most, at_least)


def stepwise(table: Table, pthresh: float = PTHRESH, *, path: list | None = None) -> Fit:
    """Chan, Silverman & Vincent's (2021) stepwise choice (``SparseMSE``'s ``stepwisefit``).
    ``path``, if given, receives each model on the way as (model, p-value of its last pair,
    fit)."""
    path = [] if path is None else path
    full = tuple(table.pairs)
    if pthresh == 1 and table.verdict(full) == mse_checks.EXISTS:
        path.append((full, float("nan"), _fitted(table, full)))
        return path[-1][2]
    model: tuple = ()
    current = _fitted(table, model)
    path.append((model, float("nan"), current))
    if pthresh == 0:
        return current
    both = np.array([table.both[p] for p in table.pairs])
    nstar = np.array([table.nstar[p] for p in table.pairs])
    for _ in range(len(table.pairs)):
        best, best_p = None, 1.0
        p_values = _p_values(both @ current.mu, nstar)
        for pair, p in zip(table.pairs, p_values):
            if pair in model:
                continue
            if p < best_p and p < pthresh and \
                    table.verdict(model + (pair,)) != mse_checks.EXISTS:
                p = 1.0
            if p < best_p:  # strictly smaller: the first of equal p-values wins, as in R
                best, best_p = pair, float(p)
        if best is None or best_p >= pthresh:
            return current
        model = model + (best,)
        current = _fitted(table, model)
        path.append((model, best_p, current))
    return current


def _fitted(table: Table, model) -> Fit:
    fit = table.fit(model)
    if fit is None:
        from simulation.inference.mse.tables import EstimationError

        raise EstimationError("the fit of a model that passed the existence checks did not "
                              "converge")
    return fit


def all_models(table: Table, criterion: str = "bic") -> tuple[list, list]:
    """Every subset of the two-list interactions whose extended estimate exists and is
    identifiable, as (model, score, fit) sorted by score, and the models left out with the
    reason. A model's checks are those of the largest model with the same pairs at minus
    infinity when that one passes (dropping an overlapping pair keeps the estimate in
    existence and the design of full rank: Chan, Silverman & Vincent 2021, section 2.7)."""
    from simulation.inference.mse.tables import EstimationError

    if table.k > MAX_ALL_MODELS:
        raise EstimationError(f"every two-list model of {table.k} lists is "
                              f"{2 ** len(table.pairs):,} models; allowed: up to "
                              f"{MAX_ALL_MODELS} lists (use the stepwise method, or merge lists)")
    overlapping = tuple(p for p in table.pairs if table.nstar[p] > 0)
    fits, left_out = [], []
    for r in range(len(table.pairs) + 1):
        for model in itertools.combinations(table.pairs, r):
            top = tuple(sorted(set(overlapping) | set(table.empty_pairs(model))))
            verdict = table.verdict(top)
            if verdict != mse_checks.EXISTS:
                verdict = table.verdict(model)
            if verdict != mse_checks.EXISTS:
                left_out.append((model, verdict))
                continue
            fit = table.fit(model)
            if fit is None:
                left_out.append((model, "the fit did not converge"))
                continue
            fits.append((model, fit.score(criterion, table.persons), fit))
    fits.sort(key=lambda f: f[1])
    return fits, left_out


def bootstrap_totals(table: Table, pthresh: float = PTHRESH, *, resamples: int = 1000,
                     seed: int = 1234, estimator=None) -> np.ndarray:
    """The estimate (default: the stepwise choice's) of ``resamples`` multinomial resamples of
    the observed counts (NaN for a resample whose fit does not converge, e.g. one where
    everyone is on one list)."""
    from simulation.inference.mse.tables import EstimationError

    estimator = estimator or (lambda t: stepwise(t, pthresh).abundance)
    rng = np.random.default_rng(seed)
    n = int(round(table.persons))
    draws = rng.multinomial(n, table.c / table.persons, size=resamples)
    totals = np.full(resamples, np.nan)
    for b, counts in enumerate(draws):
        try:
            totals[b] = estimator(Table(counts, table.k, table.cache))
        except EstimationError:
            pass
    return totals


def jackknife_acceleration(table: Table, pthresh: float = PTHRESH, *, estimator=None) -> float:
    """The BCa acceleration from the delete-one jackknife over persons, one refit per observed
    pattern weighted by its count (``SparseMSE``'s ``estimatepopulation``;
    ``MultipleSystemsEstimation``'s ``.jackknife_ahat``)."""
    estimator = estimator or (lambda t: stepwise(t, pthresh).abundance)
    seen = np.flatnonzero(table.c > 0)
    jack = np.empty(len(seen))
    for n, cell in enumerate(seen):
        counts = table.c.copy()
        counts[cell] -= 1
        jack[n] = estimator(Table(counts, table.k, table.cache))
    weights = table.c[seen]
    residual = np.sum(weights * jack) / np.sum(weights) - jack
    spread = np.sum(weights * residual ** 2)
    if spread == 0:
        return 0.0
    return float(np.sum(weights * residual ** 3) / (6 * spread ** 1.5))


def bca_interval(table: Table, pthresh: float = PTHRESH, *, resamples: int = 1000,
                 seed: int = 1234, alpha=(0.025, 0.975), estimator=None,
                 estimate: float | None = None) -> tuple[float, ...]:
    """The BCa bootstrap quantiles ``alpha`` of an estimate that repeats its model choice on
    every resample: by default the stepwise choice (``SparseMSE``'s ``estimatepopulation`` and
    ``bcaconfvalues``); ``estimator`` (a function of a :class:`Table`) and ``estimate`` (its
    value on ``table``) for another (:func:`best_of`). The resamples are numpy's, not R's, so
    the bounds agree with the R packages' to within the bootstrap's own Monte Carlo error."""
    from scipy.stats import norm

    estimator = estimator or (lambda t: stepwise(t, pthresh).abundance)
    estimate = estimator(table) if estimate is None else estimate
    totals = bootstrap_totals(table, pthresh, resamples=resamples, seed=seed,
                              estimator=estimator)
    totals = totals[np.isfinite(totals)]
    acceleration = jackknife_acceleration(table, pthresh, estimator=estimator)
    z0 = norm.ppf(np.mean(totals < estimate))
    za = norm.ppf(np.asarray(alpha, dtype=float))
    shifted = za + z0
    levels = norm.cdf(z0 + shifted / (1 - acceleration * shifted))
    return tuple(float(q) for q in np.quantile(totals, levels, method="median_unbiased"))


def top_models(k: int) -> int | None:
    """How many of the best models (by the criterion on the observed counts) a bootstrap of
    :func:`all_models` chooses among, as ``MultipleSystemsEstimation``'s defaults: every one for
    up to three lists, 20 for four, 100 for five (Silverman, Chan & Vincent 2024 find a few
    dozen enough)."""
    return None if k <= 3 else 20 if k == 4 else 100


def best_of(models, criterion: str = "bic"):
    """An estimator for :func:`bca_interval`: the total of the model among ``models`` with the
    lowest criterion whose extended estimate exists on the table given (Silverman, Chan &
    Vincent 2024: ``bootstrapcal`` and ``jackknifecal``)."""
    from simulation.inference.mse.tables import EstimationError

    def estimator(table: Table) -> float:
        best, best_score = None, math.inf
        for model in models:
            if table.verdict(model) != mse_checks.EXISTS:
                continue
            fit = table.fit(model)
            if fit is None:
                continue
            score = fit.score(criterion, table.persons)
            if score < best_score:
                best, best_score = fit, score
        if best is None:
            raise EstimationError("no candidate model has an estimate for this resample")
        return best.abundance

    return estimator


# -- as an Estimate --------------------------------------------------------------------------------


SPARSE_METHODS = ("stepwise", "allmodels")
SPARSE_INTERVALS = {"stepwise": ("wald", "bca"), "allmodels": ("wald", "bca")}


def sparse_estimate(lists, X: np.ndarray, y: np.ndarray, cells, notes=(), *,
                    method: str = "stepwise", interval: str | None = None,
                    criterion: str = "aic", pthresh: float = PTHRESH, resamples: int = 1000,
                    seed: int = 1234):
    """:func:`stepwise` (``method="stepwise"``) or :func:`all_models` (``"allmodels"``) as a
    :class:`simulation.inference.mse.Estimate`. ``interval``: ``"wald"`` (default; the chosen
    model's, as ``SparseMSE``'s ``estimatepopulation.0``) or ``"bca"``: the BCa bootstrap that
    repeats the choice on ``resamples`` resamples, the stepwise choice, or the choice among the
    :func:`top_models` best models by ``criterion`` (Silverman, Chan & Vincent 2024)."""
    import pandas as pd

    from simulation.inference.mse.models import Estimate
    from simulation.inference.mse.tables import EstimationError

    allowed = SPARSE_INTERVALS[method]
    interval = allowed[0] if interval is None else interval
    if interval not in allowed:
        raise EstimationError(f"interval {interval!r} with method {method}; allowed: "
                              f"{', '.join(allowed)}")
    if not 0 <= float(pthresh) <= 1:
        raise EstimationError(f"pthresh: got {pthresh}; allowed: a p-value from 0 (main effects "
                              "only) to 1 (every pair), 0.02 by default")
    table = Table.of(X, y)

    def name(model) -> str:
        return " ".join(f"{lists[i]}:{lists[j]}" for i, j in model) or "independence"

    if method == "stepwise":
        path: list = []
        fit = stepwise(table, float(pthresh), path=path)
        models = pd.DataFrame({"model": [name(m) for m, _, _ in path],
                               "p_value": [p for _, p, _ in path],
                               "unobserved": [f.abundance - table.persons for _, _, f in path]})
        criterion_name, score = f"stepwise p<{pthresh:g}", fit.score("aic", table.persons)
        left_out = [(m, v) for (m, support), v in table.cache.items()
                    if support == table._support and v != mse_checks.EXISTS]
    else:
        fits, left_out = all_models(table, criterion)
        if not fits:
            raise EstimationError(f"no two-list model of these lists ({', '.join(lists)}) has "
                                  "an estimate that exists and is identifiable")
        models = pd.DataFrame({"model": [name(m) for m, _, _ in fits],
                               criterion: [s for _, s, _ in fits],
                               "unobserved": [f.abundance - table.persons for _, _, f in fits]})
        _, score, fit = fits[0]
        criterion_name = criterion
    if interval == "bca":
        if not 20 <= int(resamples) <= 100_000:
            raise EstimationError(f"resamples: got {resamples}; allowed: 20 to 100,000 (1000 "
                                  "as SparseMSE)")
        if method == "stepwise":
            low, high = bca_interval(table, float(pthresh), resamples=int(resamples),
                                     seed=seed)
        else:
            ntop = top_models(table.k)
            candidates = [m for m, _, _ in fits][:ntop]
            low, high = bca_interval(table, resamples=int(resamples), seed=seed,
                                     estimator=best_of(candidates, criterion),
                                     estimate=fit.abundance)
    else:
        low, high = fit.interval()
    never = [p for p in table.pairs if table.nstar[p] == 0]
    rows = [(name(m), v) for m, v in left_out]
    notes = tuple(notes)
    if never:
        notes += (f"lists that never overlap: {', '.join(name([p]) for p in never)}; in a model "
                  "such an interaction is minus infinity and the patterns with both drop out "
                  "(extended estimate, as SparseMSE)",)
    if fit.empty:
        notes += (f"the chosen model's {name(fit.empty)} at minus infinity (the lists never "
                  "overlap)",)
    return Estimate(lists=tuple(lists), observed=int(table.persons),
                    unobserved=fit.abundance - table.persons, total=fit.abundance, low=low,
                    high=high, model=tuple(name(fit.model).split()) if fit.model else (),
                    criterion=criterion_name, score=float(score), interval=interval,
                    models=models, cells=cells,
                    excluded=pd.DataFrame(rows, columns=["model", "reason"]), notes=notes)


__all__ = ["MAX_ALL_MODELS", "PTHRESH", "SPARSE_METHODS", "Fit", "Table", "all_models",
           "bca_interval", "best_of", "bootstrap_totals", "full_counts",
           "jackknife_acceleration", "p_value", "patterns", "sparse_estimate", "stepwise",
           "top_models"]
