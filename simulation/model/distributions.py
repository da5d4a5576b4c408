"""Prior distributions of parameters: what is believed about a value, not only its range.

A parameter drawn under an experiment's ``[uncertainty]`` table, or fitted by ``tipsim
calibrate``, takes its prior from one of these, written in TOML as a small table::

    { distribution = "uniform" }                                   # over the registry range
    { distribution = "uniform", low = 0.0, high = 0.5 }
    { distribution = "triangular", low = 0.0, mode = 0.3, high = 0.8 }
    { distribution = "pert", low = 0.0, mode = 0.3, high = 0.8 }   # lambda = 4 (Vose 2008)
    { distribution = "beta", alpha = 2, beta = 5 }                  # on low..high (the range)
    { distribution = "lognormal", median = 0.0005, sigma = 0.7 }    # sigma of log(value)

Every distribution is truncated to its *support*: the parameter's registry range unless the
table gives ``low`` and ``high`` (which must lie inside the parameter's hard bounds). A draw maps
a uniform number through the inverse CDF (``ppf``) of the truncated distribution, so a Latin
hypercube over (0, 1) becomes a Latin hypercube over the prior, and the same uniforms give the
same values in any process.

PERT is the beta distribution with mean ``(low + 4 mode + high) / 6`` (Malcolm et al. 1959;
Vose 2008, *Risk Analysis*, 3rd ed., section 9.1.2): a triangular's smoother cousin for three-point
estimates. :class:`Mixture` is a weighted sum of distributions: what linear pooling of several
experts' beliefs gives (:mod:`simulation.studies.elicitation`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
from scipy import stats

from simulation.model.errors import UserError

KINDS = ("uniform", "triangular", "pert", "beta", "lognormal")
_FIELDS = {"uniform": set(), "triangular": {"mode"}, "pert": {"mode"},
           "beta": {"alpha", "beta"}, "lognormal": {"median", "sigma"}}
PERT_LAMBDA = 4.0


class DistributionError(UserError, ValueError):
    """A prior that cannot be used: unknown kind, missing or impossible numbers."""


@dataclass(frozen=True)
class Distribution:
    """One prior, truncated to ``low``..``high``."""

    kind: str
    low: float
    high: float
    mode: float | None = None
    alpha: float | None = None
    beta: float | None = None
    median: float | None = None
    sigma: float | None = None

    def base(self):
        """The scipy distribution before truncation."""
        lo, hi = self.low, self.high
        if self.kind == "uniform":
            return stats.uniform(lo, hi - lo)
        if self.kind == "triangular":
            return stats.triang((self.mode - lo) / (hi - lo), lo, hi - lo)
        if self.kind == "pert":
            a = 1 + PERT_LAMBDA * (self.mode - lo) / (hi - lo)
            b = 1 + PERT_LAMBDA * (hi - self.mode) / (hi - lo)
            return stats.beta(a, b, lo, hi - lo)
        if self.kind == "beta":
            return stats.beta(self.alpha, self.beta, lo, hi - lo)
        return stats.lognorm(self.sigma, scale=self.median)

    def cdf(self, x) -> np.ndarray:
        d = self.base()
        a, b = d.cdf(self.low), d.cdf(self.high)
        return np.clip((d.cdf(np.asarray(x, float)) - a) / (b - a), 0.0, 1.0)

    def ppf(self, u) -> np.ndarray:
        """Values at the uniform numbers ``u`` (inverse CDF of the truncated distribution)."""
        u = np.asarray(u, float)
        if self.kind == "uniform":  # exactly low + u (high - low), as draws always were
            return self.low + u * (self.high - self.low)
        d = self.base()
        a, b = d.cdf(self.low), d.cdf(self.high)
        return np.clip(d.ppf(a + u * (b - a)), self.low, self.high)

    def mean(self) -> float:
        return float(np.mean(self.ppf((np.arange(4000) + 0.5) / 4000)))

    def spec(self) -> dict[str, Any]:
        """The TOML table that gives this distribution back."""
        out: dict[str, Any] = {"distribution": self.kind, "low": self.low, "high": self.high}
        for key in sorted(_FIELDS[self.kind]):
            out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Mixture:
    """A weighted sum of distributions (linear opinion pool), on the union of their supports.

    Its inverse CDF is found on a fine grid (4,001 points) by interpolation, so draws are the
    same numbers in any process."""

    parts: tuple[Distribution, ...]
    weights: tuple[float, ...]
    kind: str = field(default="mixture")

    @property
    def low(self) -> float:
        return min(p.low for p in self.parts)

    @property
    def high(self) -> float:
        return max(p.high for p in self.parts)

    def cdf(self, x) -> np.ndarray:
        return cast(np.ndarray, sum(w * p.cdf(x) for p, w in zip(self.parts, self.weights)))

    def ppf(self, u) -> np.ndarray:
        grid = np.linspace(self.low, self.high, 4001)
        cdf = np.maximum.accumulate(self.cdf(grid))
        cdf[0], cdf[-1] = 0.0, 1.0
        keep = np.concatenate([[True], np.diff(cdf) > 0])
        return np.interp(np.asarray(u, float), cdf[keep], grid[keep])

    def mean(self) -> float:
        return float(sum(w * p.mean() for p, w in zip(self.parts, self.weights)))

    def spec(self) -> dict[str, Any]:
        return {"distribution": "mixture", "weights": list(self.weights),
                "parts": [p.spec() for p in self.parts]}


Prior = Distribution | Mixture


def parse(spec: Any, where: str, *, low: float, high: float,
          bounds: tuple[float, float] | None = None) -> Distribution:
    """A :class:`Distribution` from a TOML table, or one :class:`DistributionError` naming
    ``where`` (e.g. ``"experiment.toml: uncertainty.priors.awareness_recruitment"``).

    ``low``/``high``: the support when the table gives none (the registry range); ``bounds``:
    the hard limits a given support must respect."""
    if not isinstance(spec, dict):
        raise DistributionError(f"{where}: got {spec!r}; allowed: a table such as "
                                '{ distribution = "pert", low = 0, mode = 0.3, high = 0.8 }')
    kind = spec.get("distribution")
    if kind not in KINDS:
        raise DistributionError(f"{where}.distribution: got {kind!r}; allowed: "
                                f"{', '.join(KINDS)}")
    allowed = {"distribution", "low", "high"} | _FIELDS[kind]
    extra = sorted(set(spec) - allowed)
    if extra:
        raise DistributionError(f"{where}: unknown field {extra[0]!r} for a {kind} prior; "
                                f"allowed: {', '.join(sorted(allowed))}")
    missing = sorted(_FIELDS[kind] - set(spec))
    if missing:
        raise DistributionError(f"{where}: a {kind} prior needs {', '.join(missing)}")
    values: dict[str, float] = {}
    for key in set(spec) - {"distribution"}:
        v = spec[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise DistributionError(f"{where}.{key}: got {v!r}; allowed: a finite number")
        values[key] = float(v)
    lo, hi = values.get("low", float(low)), values.get("high", float(high))
    if not lo < hi:
        raise DistributionError(f"{where}: low ({lo:g}) must be below high ({hi:g})")
    if bounds is not None and (lo < bounds[0] or hi > bounds[1]):
        raise DistributionError(f"{where}: support [{lo:g}, {hi:g}] leaves the parameter's "
                                f"hard bounds [{bounds[0]:g}, {bounds[1]:g}]")
    if kind in ("triangular", "pert") and not lo <= values["mode"] <= hi:
        raise DistributionError(f"{where}.mode: {values['mode']:g} is outside "
                                f"[{lo:g}, {hi:g}]; allowed: low <= mode <= high")
    for key in ("alpha", "beta", "sigma", "median"):
        if key in values and values[key] <= 0:
            raise DistributionError(f"{where}.{key}: got {values[key]:g}; allowed: a positive "
                                    "number")
    if kind == "lognormal" and hi <= 0:
        raise DistributionError(f"{where}: a lognormal prior lives above zero but the support "
                                f"is [{lo:g}, {hi:g}]; allowed: high > 0")
    dist = Distribution(kind, lo, hi, **{k: values[k] for k in _FIELDS[kind]})
    d = dist.base()
    if not d.cdf(hi) - d.cdf(lo) > 1e-9:
        raise DistributionError(f"{where}: the {kind} prior puts no probability on "
                                f"[{lo:g}, {hi:g}]")
    return dist


def uniform(low: float, high: float) -> Distribution:
    return Distribution("uniform", float(low), float(high))


__all__ = ["KINDS", "Distribution", "DistributionError", "Mixture", "Prior", "parse", "uniform"]
