"""Experts' beliefs about parameters, from an elicitation file, fitted and pooled.

The file follows the SHELF protocol's record of an elicitation (Oakley and O'Hagan 2019,
*SHELF: the Sheffield Elicitation Framework*, version 4): each expert gives, for each parameter,
plausible limits and a few quantiles; each expert's judgements are fitted to a distribution by
least squares on the cumulative probabilities (SHELF's ``fitdist``), and the experts'
distributions are pooled linearly with stated weights (Stone 1961; O'Hagan et al. 2006,
*Uncertain Judgements*, section 9.2)::

    title = "..."
    illustrative = false        # true: the numbers are made up, and every report says so

    [experts]                   # name = weight (normalised to sum to 1)
    A = 0.5
    B = 0.5

    [parameters.awareness_recruitment]
    limits = [-0.3, 0.9]        # the experts' plausible range (the fit's support)
    probabilities = [0.25, 0.5, 0.75]
    family = "beta"             # "beta" (on the limits; default) or "lognormal" (limits >= 0)
    A = [0.05, 0.2, 0.4]        # each expert's quantiles at those probabilities
    B = [0.0, 0.1, 0.3]

An experiment uses it as ``elicitation = "FILE"`` in its ``[uncertainty]`` table, or
``tipsim batch EXPERIMENT --elicitation FILE``: the pooled distribution replaces the prior of
each parameter the file names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from simulation.model.distributions import Distribution, Mixture
from simulation.model.errors import UserError
from simulation.model.files import read_toml
from simulation.model.parameters import PARAMETERS

FAMILIES = ("beta", "lognormal")


class ElicitationError(UserError, ValueError):
    """A mistake in an elicitation file."""


@dataclass(frozen=True)
class Judgement:
    """One expert's quantiles for one parameter, and the distribution fitted to them."""

    expert: str
    parameter: str
    probabilities: tuple[float, ...]
    values: tuple[float, ...]
    fitted: Distribution
    misfit: float  # root mean square of fitted CDF - elicited probability at the values


@dataclass(frozen=True)
class Elicitation:
    path: str
    title: str
    illustrative: bool
    weights: dict[str, float]
    judgements: tuple[Judgement, ...]

    @cached_property
    def pooled(self) -> dict[str, Mixture]:
        """Each parameter's linear pool of the experts' fitted distributions."""
        out: dict[str, Mixture] = {}
        for name in dict.fromkeys(j.parameter for j in self.judgements):
            own = [j for j in self.judgements if j.parameter == name]
            total = sum(self.weights[j.expert] for j in own)
            out[name] = Mixture(tuple(j.fitted for j in own),
                                tuple(self.weights[j.expert] / total for j in own))
        return out

    def describe(self) -> dict[str, Any]:
        return {"path": self.path, "title": self.title, "illustrative": self.illustrative,
                "weights": self.weights,
                "fits": [{"expert": j.expert, "parameter": j.parameter,
                          "probabilities": list(j.probabilities), "values": list(j.values),
                          "fitted": j.fitted.spec(), "misfit": j.misfit}
                         for j in self.judgements]}


def fit(probabilities, values, limits: tuple[float, float], family: str) -> tuple[Distribution,
                                                                                   float]:
    """The distribution of ``family`` on ``limits`` whose CDF is closest (least squares) to the
    elicited ``probabilities`` at ``values``, and the root mean square misfit."""
    from scipy.optimize import least_squares

    p, x = np.asarray(probabilities, float), np.asarray(values, float)
    lo, hi = limits
    if family == "beta":
        def make(theta):
            return Distribution("beta", lo, hi, alpha=math.exp(theta[0]),
                                beta=math.exp(theta[1]))
        # start from the method of moments on the quantiles' spread
        m = float(np.clip((np.interp(0.5, p, x) - lo) / (hi - lo), 0.05, 0.95))
        start = np.log([2 * m + 0.5, 2 * (1 - m) + 0.5])
    else:
        def make(theta):
            return Distribution("lognormal", lo, hi, median=math.exp(theta[0]),
                                sigma=math.exp(theta[1]))
        median = max(float(np.interp(0.5, p, x)), 1e-12)
        start = np.array([math.log(median), math.log(0.5)])

    def residuals(theta):
        return make(theta).base().cdf(x) - p

    result = least_squares(residuals, start, method="lm" if len(p) >= 2 else "trf")
    dist = make(result.x)
    return dist, float(np.sqrt(np.mean(residuals(result.x) ** 2)))


def load_elicitation(path: str | Path) -> Elicitation:
    """Read, fit and check an elicitation file; one :class:`ElicitationError` per mistake."""
    path = Path(path)
    where = str(path)
    doc = read_toml(path, "an elicitation file", ElicitationError)
    unknown = sorted(set(doc) - {"title", "illustrative", "experts", "parameters"})
    if unknown:
        raise ElicitationError(f"{where}: unknown field {unknown[0]!r}; allowed: title, "
                               "illustrative, experts, parameters")
    experts = doc.get("experts")
    if not isinstance(experts, dict) or not experts:
        raise ElicitationError(f"{where}: experts: missing; allowed: a table of expert = weight "
                               "(e.g. [experts] A = 0.5, B = 0.5)")
    for name, w in experts.items():
        if isinstance(w, bool) or not isinstance(w, (int, float)) or not w >= 0 \
                or not math.isfinite(w):
            raise ElicitationError(f"{where}: experts.{name}: got {w!r}; allowed: a weight >= 0")
    total = float(sum(experts.values()))
    if total <= 0:
        raise ElicitationError(f"{where}: experts: the weights sum to 0; allowed: at least one "
                               "positive weight")
    weights = {k: float(v) / total for k, v in experts.items()}
    params = doc.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ElicitationError(f"{where}: parameters: missing; allowed: one table per "
                               "parameter ([parameters.NAME])")
    judgements = []
    for name, spec in params.items():
        w = f"{where}: parameters.{name}"
        if name not in PARAMETERS:
            from simulation.model.scenario_schema import did_you_mean

            raise ElicitationError(f"{w}: unknown parameter{did_you_mean(name, list(PARAMETERS))}"
                                   "; allowed: a parameter of `tipsim levers`")
        if not isinstance(spec, dict):
            raise ElicitationError(f"{w}: allowed: a table with limits, probabilities and each "
                                   "expert's quantiles")
        bounds = PARAMETERS[name].bounds
        limits = spec.get("limits")
        if (not isinstance(limits, list) or len(limits) != 2
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                           for v in limits) or not limits[0] < limits[1]):
            raise ElicitationError(f"{w}.limits: got {limits!r}; allowed: [lower, upper] with "
                                   "lower < upper")
        if limits[0] < bounds[0] or limits[1] > bounds[1]:
            raise ElicitationError(f"{w}.limits: {limits} leave the parameter's hard bounds "
                                   f"[{bounds[0]:g}, {bounds[1]:g}]")
        family = spec.get("family", "beta")
        if family not in FAMILIES:
            raise ElicitationError(f"{w}.family: got {family!r}; allowed: {', '.join(FAMILIES)}")
        if family == "lognormal" and limits[1] <= 0:
            raise ElicitationError(f"{w}.family: lognormal needs an upper limit above 0")
        probs = spec.get("probabilities")
        if (not isinstance(probs, list) or len(probs) < 2
                or not all(isinstance(q, (int, float)) and 0 < q < 1 for q in probs)
                or list(probs) != sorted(set(probs))):
            raise ElicitationError(f"{w}.probabilities: got {probs!r}; allowed: at least two "
                                   "increasing probabilities strictly between 0 and 1")
        given = {k: v for k, v in spec.items() if k not in ("limits", "family", "probabilities")}
        stray = [k for k in given if k not in weights]
        if stray:
            raise ElicitationError(f"{w}: {stray[0]!r} is not an expert; allowed: "
                                   f"{', '.join(weights)}, limits, probabilities, family")
        if not given:
            raise ElicitationError(f"{w}: no expert's quantiles; allowed: EXPERT = [...]")
        for expert, values in given.items():
            if (not isinstance(values, list) or len(values) != len(probs)
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                               for v in values)
                    or any(b <= a for a, b in zip(values, values[1:]))):
                raise ElicitationError(f"{w}.{expert}: got {values!r}; allowed: {len(probs)} "
                                       "increasing numbers, one per probability")
            if values[0] <= limits[0] or values[-1] >= limits[1]:
                raise ElicitationError(f"{w}.{expert}: quantiles {values} must lie strictly "
                                       f"inside the limits {limits}")
            dist, misfit = fit(probs, values, (float(limits[0]), float(limits[1])), family)
            judgements.append(Judgement(expert, name, tuple(map(float, probs)),
                                        tuple(map(float, values)), dist, misfit))
    return Elicitation(where, str(doc.get("title", "")), bool(doc.get("illustrative", False)),
                       weights, tuple(judgements))


__all__ = ["Elicitation", "ElicitationError", "fit", "load_elicitation"]
