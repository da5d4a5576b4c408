"""The expected value of information: which research would change the decision, and by how much.

For a batch over parameter draws (:mod:`simulation.studies.uncertainty`), the decision is "which
policy (or the baseline) maximises net benefit" at a threshold *λ*, the cost one is willing to pay
to avert a victim-year of exploitation: net benefit = *λ* × victim-years averted − extra cost,
each against the baseline, per draw (the mean of its paired runs).

- **EVPI**, the expected value of perfect information: what knowing every parameter would be
  worth, ``E[max_d NB_d] − max_d E[NB_d]`` over the draws (Claxton 1999, *J Health Econ* 18).
- **EVPPI** of a parameter or group φ: what knowing φ alone would be worth,
  ``E_φ[max_d E(NB_d | φ)] − max_d E[NB_d]``. The inner conditional expectation is estimated by
  nonparametric regression of each policy's incremental net benefit on φ over the draws (Strong,
  Oakley and Brennan 2014, *Medical Decision Making* 34(3), 311-326, the method of the R
  packages ``voi`` and ``BCEA``): here a penalised cubic regression spline (statsmodels
  ``BSplines`` basis and its second-derivative penalty; one smoothing weight per fit chosen by
  generalised cross-validation, shared by the policies so that net benefit stays linear in
  *λ*), additive over a group's parameters. Its standard error is that of Strong et al.
  (section 2.4): EVPPI recomputed over draws of the spline coefficients from their posterior
  normal distribution.

Values are in the cost unit (CU) for the simulated region over the batch's policy period, per
decision. A value near zero means that research on the parameter would not change the choice.
With few draws the regression's fit to noise biases EVPPI upwards (Strong et al. 2014); the
standard error says how far to trust it, and a parameter whose EVPPI is within two standard
errors of zero is reported as worth nothing that the batch can tell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.errors import UserError

SPLINE_DF = 5          # statsmodels BSplines df: 4 basis columns per parameter after centring
SE_SAMPLES = 300       # coefficient draws for the standard error
_ALPHAS = np.logspace(-6, 4, 41)


@dataclass(frozen=True)
class Fit:
    """A penalised regression on the draws: the fitted values of every column of ``Y`` and
    what sampling the coefficients needs."""

    fitted: np.ndarray      # (n, columns)
    design: np.ndarray      # (n, p)
    coef: np.ndarray        # (p, columns)
    cov_unit: np.ndarray    # (p, p): (X'X + a S)^-1, times each column's residual variance
    sigma2: np.ndarray      # (columns,)
    edf: float


def _basis(phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Design matrix ``[1, splines...]`` and block penalty for the parameters in the columns of
    ``phi`` (each scaled to 0..1): an additive penalised spline. A parameter with too few
    distinct values for a spline enters linearly."""
    from scipy.linalg import block_diag
    from statsmodels.gam.api import BSplines

    n, m = phi.shape
    span = np.ptp(phi, axis=0)
    z = (phi - phi.min(axis=0)) / np.where(span > 0, span, 1.0)
    blocks, penalties = [np.ones((n, 1))], [np.zeros((1, 1))]
    per = SPLINE_DF - 1
    spline_ok = n - 1 - per * m >= 3
    for j in range(m):
        if spline_ok and len(np.unique(z[:, j])) > SPLINE_DF + 1:
            b = BSplines(z[:, [j]], df=[SPLINE_DF], degree=[3])
            blocks.append(b.basis)
            penalties.append(b.penalty_matrices[0])
        else:
            blocks.append(z[:, [j]] - z[:, j].mean())
            penalties.append(np.zeros((1, 1)))
    return np.hstack(blocks), block_diag(*penalties)


def smooth(phi: np.ndarray, y: np.ndarray) -> Fit:
    """Penalised least squares of every column of ``y`` on the parameters ``phi`` (n × m),
    with one smoothing weight chosen by generalised cross-validation summed over the columns."""
    phi = np.asarray(phi, float).reshape(len(y), -1)
    y = np.asarray(y, float).reshape(len(phi), -1)
    X, S = _basis(phi)
    n, p = X.shape
    if p >= n - 1:
        raise ValueError(f"{p} regression terms for {n} draws")
    xtx, xty = X.T @ X, X.T @ y
    best = None
    for alpha in (_ALPHAS if S.any() else [0.0]):
        inv = np.linalg.pinv(xtx + alpha * S)
        hat_trace = float(np.trace(inv @ xtx))
        coef = inv @ xty
        rss = ((y - X @ coef) ** 2).sum(axis=0)
        gcv = float((n * rss / max(n - hat_trace, 1e-9) ** 2).sum())
        if best is None or gcv < best[0]:
            best = (gcv, inv, coef, rss, hat_trace)
    _, inv, coef, rss, edf = cast(tuple, best)  # the loop runs at least once
    sigma2 = rss / max(n - edf, 1.0)
    return Fit(X @ coef, X, coef, inv, sigma2, edf)


def _value(nb_hat: np.ndarray) -> float:
    """``E[max_d g_d] − max_d E[g_d]`` over the rows, the baseline (0) being one option."""
    full = np.column_stack([np.zeros(len(nb_hat)), nb_hat])
    return float(full.max(axis=1).mean() - max(0.0, float(nb_hat.mean(axis=0).max())))


def evpi(inb: np.ndarray) -> float:
    """EVPI from the draws' incremental net benefits (n × policies) against the baseline."""
    return _value(np.asarray(inb, float).reshape(len(inb), -1))


def evppi(inb: np.ndarray, phi: np.ndarray, *, seed: int = 0) -> tuple[float, float]:
    """EVPPI of the parameters ``phi`` (n × m) and its standard error (Strong et al. 2014)."""
    inb = np.asarray(inb, float).reshape(len(inb), -1)
    fit = smooth(phi, inb)
    value = _value(fit.fitted)
    rng = np.random.default_rng(seed)
    chol = np.linalg.cholesky(fit.cov_unit + 1e-12 * np.eye(len(fit.cov_unit)))
    samples = []
    for _ in range(SE_SAMPLES):
        z = rng.standard_normal((chol.shape[0], inb.shape[1]))
        coef = fit.coef + (chol @ z) * np.sqrt(fit.sigma2)
        samples.append(_value(fit.design @ coef))
    return value, float(np.std(samples, ddof=1))


# -- a batch ----------------------------------------------------------------------------------


def draw_table(results, baseline: str = "baseline") -> tuple[pd.DataFrame, pd.DataFrame,
                                                            pd.DataFrame]:
    """Per draw: victim-years averted and extra cost of each policy against the baseline (the
    mean of the draw's paired runs), and the draw's varied parameters."""
    from simulation.inference.batch_runs import as_results
    from simulation.inference.conclusions import draw_setting
    from simulation.studies.uncertainty import PREFIX

    results = as_results(results)
    if not (results.manifest or {}).get("uncertainty"):
        raise UserError(f"{results.path}: this batch did not draw parameters (no [uncertainty] "
                        "table); the value of information needs draws over the parameters")
    runs = results.runs
    if "design_point" in runs.columns:
        raise UserError(f"{results.path}: a batch with both [design] and [uncertainty]; "
                        "compute the value of information on one design point's draws")
    missing = {"policy_cost", "victim_weeks_exploited"} - set(runs.columns)
    if missing:
        raise UserError(f"{results.path}: no {', '.join(sorted(missing))} in the results")
    scenarios = [s for s in results.scenarios if s in set(runs["scenario"])]
    if baseline not in scenarios:
        raise UserError(f"--baseline {baseline!r}: no such scenario in {results.path} "
                        f"(scenarios: {', '.join(scenarios)})")
    wide, complete, draws, _ = draw_setting(runs, scenarios)
    averted, extra = {}, {}
    base = wide[baseline]
    for s in scenarios:
        if s == baseline:
            continue
        d = (wide[s][["policy_cost", "victim_weeks_exploited"]]
             - base[["policy_cost", "victim_weeks_exploited"]]).dropna()
        d = d[d.index.isin(complete)].groupby(level="point").mean()
        averted[s] = -d["victim_weeks_exploited"] / WEEKS_PER_YEAR
        extra[s] = d["policy_cost"]
    averted, extra = pd.DataFrame(averted).dropna(), pd.DataFrame(extra).dropna()
    params = draws.loc[averted.index]
    params = params.loc[:, params.nunique() > 1]
    params.columns = [c.removeprefix(PREFIX) for c in params.columns]
    return averted, extra, params


LEVER_KEYWORDS = (
    ("awareness", "awareness"), ("non_punishment", "non_punishment"),
    ("trust_victim_centred", "victim_centred"), ("witness", "witness_protection"),
    ("partnership", "ngo_police_partnership"), ("recognition", "training"),
    ("corruption", "anti_corruption"), ("digital", "digital_forensics"),
    ("financial", "financial_investigation"), ("undercover", "undercover"),
    ("mla", "mutual_legal_assistance"), ("extradition", "extradition"),
    ("joint", "joint_investigations"), ("specialised", "specialised_prosecution"),
    ("online", "online_monitoring"), ("permit", "residence_permit"),
    ("compensation", "compensation"))
"""Which lever a lever-effect parameter belongs to: the first keyword its name contains."""


def lever_of(name: str) -> str:
    return next((lever for key, lever in LEVER_KEYWORDS if key in name), "other")


def default_groups(names: list[str]) -> dict[str, list[str]]:
    """Parameter groups for EVPPI: the registry's groups among the varied parameters, with the
    lever effects split by the lever they belong to (a group's regression needs fewer terms than
    draws). Groups of one parameter are left out (their EVPPI is the parameter's)."""
    from simulation.model.registry import PARAMETERS

    groups: dict[str, list[str]] = {}
    for name in names:
        p = PARAMETERS[name]
        key = f"effects of {lever_of(name)}" if p.group == "lever_effects" else p.group
        groups.setdefault(key, []).append(name)
    return {k: v for k, v in groups.items() if len(v) > 1}


def value_of_information(results, baseline: str = "baseline", thresholds=None,
                         *, seed: int = 0) -> dict[str, Any]:
    """EVPI and EVPPI (of every varied parameter and group) over a range of thresholds, and the
    plain-words summary. JSON-ready."""
    from simulation.inference.conclusions import default_thresholds
    from simulation.model.evidence import kind_phrase
    from simulation.model.registry import PARAMETERS

    averted, extra, params = draw_table(results, baseline)
    n = len(averted)
    if n < 8:
        raise UserError(f"{getattr(results, 'path', 'results')}: {n} complete draws; the value "
                        "of information needs at least 8")
    if thresholds is None:
        ratios = (extra / averted.where(averted > 0)).to_numpy().ravel()
        thresholds = default_thresholds(ratios[np.isfinite(ratios)], n=9)
    thresholds = np.asarray(thresholds, float)
    A, C = averted.to_numpy(float), extra.to_numpy(float)

    def inb(lam: float) -> np.ndarray:
        return lam * A - C

    out: dict[str, Any] = {
        "baseline": baseline, "policies": list(averted.columns), "draws": n,
        "unit": "CU over the policy period, for the simulated region, per decision",
        "thresholds": thresholds.tolist(),
        "evpi": [evpi(inb(lam)) for lam in thresholds],
        "best": [([baseline] + list(averted.columns))[int(np.argmax(
            np.concatenate([[0.0], inb(lam).mean(axis=0)])))] for lam in thresholds],
        "parameters": [], "groups": []}
    for name in params.columns:
        values, ses, note = _curve(inb, thresholds, params[[name]].to_numpy(float), seed)
        out["parameters"].append({"parameter": name, "label": PARAMETERS[name].label,
                                  "evidence": kind_phrase(name), "evppi": values, "se": ses,
                                  "note": note})
    for group, names in default_groups(list(params.columns)).items():
        values, ses, note = _curve(inb, thresholds, params[names].to_numpy(float), seed)
        out["groups"].append({"group": group, "parameters": names, "evppi": values,
                              "se": ses, "note": note})
    out["summary"] = summary(out)
    return out


def _curve(inb, thresholds, phi, seed) -> tuple[list[float], list[float], str]:
    values, ses = [], []
    try:
        for lam in thresholds:
            v, se = evppi(inb(lam), phi, seed=seed)
            values.append(v)
            ses.append(se)
    except ValueError as exc:
        return ([math.nan] * len(thresholds), [math.nan] * len(thresholds),
                f"not estimable: {exc}")
    return values, ses, ""


def summary(voi: dict[str, Any], at: int | None = None) -> list[str]:
    """Plain words: what research on each parameter is worth at the middle threshold."""
    k = len(voi["thresholds"]) // 2 if at is None else at
    lam = voi["thresholds"][k]
    lines = [f"At {lam:,.0f} CU per victim-year averted the best choice on current knowledge "
             f"is {voi['best'][k]}; perfect information on every parameter would be worth up to "
             f"{voi['evpi'][k]:,.0f} CU over the policy period for the simulated region."]
    rows = [r for r in voi["parameters"] if math.isfinite(r["evppi"][k])]
    worth = sorted((r for r in rows if r["evppi"][k] > 2 * r["se"][k]),
                   key=lambda r: -r["evppi"][k])
    for r in worth[:5]:
        lines.append(f"Research on {r['label'].lower()} ({r['parameter']}; evidence: "
                     f"{r['evidence']}) is worth up to {r['evppi'][k]:,.0f} CU "
                     f"(standard error {r['se'][k]:,.0f}).")
    nothing = [r["parameter"] for r in rows if r not in worth]
    if nothing:
        lines.append(f"On {', '.join(nothing[:8])}{' and others' if len(nothing) > 8 else ''}: "
                     "nothing the batch can tell apart from zero; research on them would not "
                     "change the choice.")
    return lines


__all__ = ["evpi", "evppi", "smooth", "summary", "value_of_information"]
