"""The log-linear models of multiple systems estimation: fitting, the search over models and
the intervals (the machinery behind :func:`simulation.inference.mse.estimate`, which documents the
method; split out of :mod:`simulation.inference.mse` to keep each file to one idea).

Each model is a Poisson GLM fitted with statsmodels (log link): an intercept (the log of the
expected number on no list), a main effect per list and an interaction per included pair.
Before a model is fitted its estimate is checked to exist and to be identifiable
(:mod:`simulation.inference.mse.checks`).
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulation.inference.mse import checks as mse_checks

CHI2_95 = 3.841458820694124  # chi-square(1) 0.95 quantile: the profile-likelihood cut-off
# Models with a parameter beyond this size (on the log scale) have run off to infinity: the data
# cannot fix that parameter (an empty margin, or a pair that never overlaps).
LARGE = 25.0


def model_name(names, pairs) -> str:
    return " ".join(f"{names[i]}:{names[j]}" for i, j in pairs) or "independence"


@dataclass
class Fitted:
    """Every admissible model of a table, and the models left out with the reason."""

    fits: list
    left_out: list  # (pairs, reason)
    never_overlap: list  # pairs of list indices no one is on together

    @property
    def best(self):
        return min(self.fits, key=lambda f: f[1])

    def excluded(self, names) -> pd.DataFrame:
        rows = [(f"{names[i]}:{names[j]}", "the two lists never overlap: left out of every "
                 "model") for i, j in self.never_overlap]
        rows += [(model_name(names, m), reason) for m, reason in self.left_out]
        return pd.DataFrame(rows, columns=["model", "reason"])


def fit_models(X: np.ndarray, y: np.ndarray, criterion: str = "aic") -> Fitted:
    """The search of :func:`estimate` on 0/1 patterns ``X`` (one row per observable pattern)
    with counts ``y``: every admissible model, each checked before it is fitted."""
    all_pairs = list(itertools.combinations(range(X.shape[1]), 2))
    pairs = [(i, j) for i, j in all_pairs
             if y[(X[:, i] == 1) & (X[:, j] == 1)].sum() > 0]  # pairs that overlap at all
    left_out: list = []
    fits = search_models(X, y, pairs, criterion, left_out)
    return Fitted(fits, left_out, [p for p in all_pairs if p not in pairs])


def design_columns(X: np.ndarray, pairs) -> np.ndarray:
    """Intercept, main effects, then one column per included pair."""
    columns = [np.ones(len(X)), *X.T] + [X[:, i] * X[:, j] for i, j in pairs]
    return np.column_stack(columns)


def fit_model(design: np.ndarray, y: np.ndarray, offset: np.ndarray | None = None):
    """A Poisson GLM fit, or None when it fails or a parameter runs off to infinity."""
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PerfectSeparationWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            fit = sm.GLM(y, design, family=sm.families.Poisson(), offset=offset).fit()
        except (ValueError, np.linalg.LinAlgError, FloatingPointError):
            return None
    params = np.asarray(fit.params)
    if not np.all(np.isfinite(params)) or np.abs(params).max() > LARGE:
        return None
    return fit


def model_score(fit, n_params: int, n_persons: int, criterion: str) -> float:
    # BIC's sample size is the number of persons observed, as in Rcapture and SparseMSE (the
    # cells are counts of persons, not independent observations)
    penalty = 2.0 if criterion == "aic" else math.log(n_persons)
    return -2.0 * fit.llf + penalty * n_params


def search_models(X, y, pairs, criterion, left_out: list | None = None):
    """Every admissible model as (pairs, score, fit): all subsets of ``pairs`` for up to 4
    lists, forward stepwise beyond. A model whose estimate does not exist or is not
    identifiable is not fitted; nor is one whose fit runs off to infinity; each is appended to
    ``left_out`` with the reason."""
    left_out = [] if left_out is None else left_out

    def scored(subset):
        design = design_columns(X, subset)
        verdict = mse_checks.check(design, y)
        if verdict != mse_checks.EXISTS:
            left_out.append((tuple(subset), verdict))
            return None
        fit = fit_model(design, y)
        if fit is None:
            left_out.append((tuple(subset), "the fit ran off to infinity"))
            return None
        return (tuple(subset), model_score(fit, design.shape[1], int(y.sum()), criterion), fit)

    if X.shape[1] <= 4:
        candidates = (scored(s) for r in range(len(pairs) + 1)
                      for s in itertools.combinations(pairs, r))
        return [c for c in candidates if c is not None]
    current = scored(())
    fits = [current] if current else []
    while current:
        steps = [scored(current[0] + (p,)) for p in pairs if p not in current[0]]
        steps = [s for s in steps if s is not None]
        fits += steps
        better = min(steps, key=lambda s: s[1], default=None)
        current = better if better and better[1] < current[1] else None
    return fits


def profile_interval(design: np.ndarray, y: np.ndarray, fit) -> tuple[float, float]:
    """The 95% profile-likelihood interval of the unobserved count exp(intercept)."""
    b0 = float(fit.params[0])
    top = fit.llf
    rest = design[:, 1:]

    def drop(value: float) -> float:
        """Twice the log-likelihood lost by holding the intercept at ``value``, less 3.84."""
        refit = fit_model(rest, y, offset=np.full(len(y), value)) if rest.shape[1] else None
        if refit is None and rest.shape[1]:
            return math.inf
        llf = refit.llf if refit is not None else poisson_llf(y, np.full(len(y), value))
        return 2.0 * (top - llf) - CHI2_95

    from scipy.optimize import brentq

    bounds = []
    for direction in (-1.0, 1.0):
        step, inside = 0.25, b0
        edge: float | None = b0 + direction * step
        while edge is not None and drop(edge) < 0:
            inside, step = edge, step * 2
            edge = b0 + direction * step
            if step > 40:  # the likelihood never falls far enough: no finite bound
                edge = None
                break
        if edge is None:
            bounds.append(-math.inf if direction < 0 else math.inf)
        else:
            lo, hi = sorted((inside, edge))
            bounds.append(brentq(drop, lo, hi, xtol=1e-6))
    return safe_exp(bounds[0]), safe_exp(bounds[1])


def averaged_interval(fits) -> tuple[float, float]:
    """The model-averaged tail-area (MATA) 95% interval of the unobserved count: the bounds
    where the information-criterion-weighted mixture of the models' normal distributions for
    log(unobserved) puts 2.5% below and 2.5% above (Turek & Fletcher 2012, Comput. Stat. Data
    Anal. 56:2809; weights as Buckland, Burnham & Augustin 1997, Biometrics 53:603)."""
    from scipy.optimize import brentq
    from scipy.stats import norm

    scores = np.array([s for _, s, _ in fits])
    weights = np.exp(-(scores - scores.min()) / 2)
    weights /= weights.sum()
    centres = np.array([float(f.params[0]) for _, _, f in fits])
    spreads = np.array([float(f.bse[0]) for _, _, f in fits])
    if not np.all(np.isfinite(spreads)) or np.any(spreads <= 0):
        return 0.0, math.inf
    a, b = (centres - 12 * spreads).min(), (centres + 12 * spreads).max()

    def below(theta, p):
        return float(np.sum(weights * norm.cdf((theta - centres) / spreads))) - p

    return (safe_exp(brentq(below, a, b, args=(0.025,))),
            safe_exp(brentq(below, a, b, args=(0.975,))))


def safe_exp(x: float) -> float:
    """exp, but infinite (no bound) where a weakly identified model's log-scale bound is beyond
    what a float holds."""
    return math.inf if x > 700 else float(math.exp(x))


def poisson_llf(y, log_mu):
    from scipy.special import gammaln

    return float(np.sum(y * log_mu - np.exp(log_mu) - gammaln(y + 1)))


__all__ = ["CHI2_95", "Fitted", "fit_models"]


@dataclass(frozen=True)
class Estimate:
    """One MSE estimate.

    ``total`` = ``observed`` + ``unobserved``; ``low``, ``high``: its 95% interval
    (model-averaged, profile likelihood or bootstrap, ``interval``; ``high`` may be infinite when
    the data cannot bound it); ``model``: the pairwise interactions of the chosen model
    (``"police:ngo"``), empty for independence; ``criterion`` and ``score``: how it was chosen;
    ``models``: every model fitted, with its score; ``excluded``: the models left out before
    fitting and why (:mod:`simulation.inference.mse.checks`), and the pairs of lists that never
    overlap; ``notes``: lists dropped or merged on the way in."""

    lists: tuple[str, ...]
    observed: int
    unobserved: float
    total: float
    low: float
    high: float
    model: tuple[str, ...]
    criterion: str
    score: float
    interval: str
    models: pd.DataFrame = field(repr=False)
    cells: pd.DataFrame = field(repr=False)
    excluded: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["model", "reason"]), repr=False)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"lists": "+".join(self.lists), "observed": self.observed,
                "estimate": self.total, "low": self.low, "high": self.high,
                "model": " ".join(self.model) or "independence", "criterion": self.criterion,
                "interval": self.interval}
