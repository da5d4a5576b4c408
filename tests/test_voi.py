"""The expected value of (partial) perfect information against known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulation.inference.voi import default_groups, evpi, evppi


def _analytic(a: float, b: float) -> float:
    """EVPPI of phi when INB = a + b phi + noise, phi ~ N(0, 1), two options: E[max(0, Y)] -
    max(0, a) for Y ~ N(a, b^2)."""
    s = abs(b)
    return a * stats.norm.cdf(a / s) + s * stats.norm.pdf(a / s) - max(0.0, a)


@pytest.mark.parametrize("a, b", [(0.3, 1.0), (-0.5, 0.8), (2.0, 0.5)])
def test_evppi_matches_the_linear_gaussian_answer(a, b):
    rng = np.random.default_rng(11)
    n = 1500
    phi = rng.standard_normal(n)
    psi = rng.standard_normal(n)  # another parameter, irrelevant to phi's value
    inb = a + b * phi + 1.0 * psi
    value, se = evppi(inb[:, None], phi[:, None], seed=1)
    true = _analytic(a, b)
    assert abs(value - true) < 3 * se + 0.01, (value, se, true)
    # knowing everything is worth at least knowing phi; psi alone adds less than both
    assert evpi(inb[:, None]) >= value - 3 * se
    both, _ = evppi(inb[:, None], np.column_stack([phi, psi]), seed=1)
    assert abs(both - evpi(inb[:, None])) < 0.05


def test_a_parameter_that_does_not_matter_is_worth_nothing():
    rng = np.random.default_rng(12)
    phi, noise = rng.standard_normal(400), rng.standard_normal(400)
    value, se = evppi((0.5 + noise)[:, None], phi[:, None], seed=2)
    assert value < 2 * se + 0.02


def test_lever_effects_are_grouped_by_their_lever():
    groups = default_groups(["awareness_recruitment", "awareness_self_referral",
                             "permit_self_referral", "permit_testimony_conditional",
                             "mla_effect"])
    assert groups == {"effects of awareness": ["awareness_recruitment",
                                               "awareness_self_referral"],
                      "effects of residence_permit": ["permit_self_referral",
                                                      "permit_testimony_conditional"]}


@pytest.mark.slow
def test_evppi_of_a_small_tipsim_batch_agrees_with_nested_monte_carlo():
    """Prevention against the baseline; phi = awareness_recruitment, the other awareness effect
    drawn too. Regression on 40 draws against brute force: 6 values of phi, each over 12 draws
    of the other parameter (common random numbers in both scenarios)."""
    from simulation.model.runner import run
    from simulation.model.scenario import load_scenario, with_overrides

    short = {"run.scale": 0.05, "run.weeks": 52, "run.burn_in_weeks": 26}
    base = with_overrides(load_scenario("scenarios/baseline.toml"), short)
    policy = with_overrides(load_scenario("scenarios/prevention.toml"), short)

    def pair(phi: float, psi: float, seed: int) -> tuple[float, float]:
        over = {"parameters.awareness_recruitment": phi,
                "parameters.awareness_self_referral": psi}
        b = run(with_overrides(base, over), seed=seed).outcomes
        p = run(with_overrides(policy, over), seed=seed).outcomes
        return ((b["victim_weeks_exploited"] - p["victim_weeks_exploited"]) / 52,
                p["policy_cost"] - b["policy_cost"])

    rng = np.random.default_rng(7)
    n = 40
    phis = rng.uniform(-0.2, 0.8, n)
    psis = rng.uniform(0.0, 4.0, n)
    averted, extra = np.array([pair(f, s, 100 + i) for i, (f, s) in
                               enumerate(zip(phis, psis))]).T
    lam = float(extra.mean() / averted.mean())  # break-even: where information matters most
    inb = lam * averted - extra
    value, se = evppi(inb[:, None], phis[:, None], seed=3)

    outer = np.quantile(phis, (np.arange(6) + 0.5) / 6)
    inner = np.array([[lam * a - c for a, c in (pair(f, s, 500 + 20 * j + i) for i, s in
                                                enumerate(rng.uniform(0.0, 4.0, 12)))]
                      for j, f in enumerate(outer)])
    cond = inner.mean(axis=1)
    nested = float(np.maximum(cond, 0).mean() - max(0.0, cond.mean()))
    boot = []
    for _ in range(400):
        pick = rng.integers(0, 12, inner.shape)
        c = np.take_along_axis(inner, pick, axis=1).mean(axis=1)
        boot.append(np.maximum(c, 0).mean() - max(0.0, c.mean()))
    se_nested = float(np.std(boot, ddof=1))
    assert value > 0 and nested > 0
    assert abs(value - nested) < 2 * math.hypot(se, se_nested), (value, se, nested, se_nested)


def test_value_of_information_of_a_stored_batch(tmp_path):
    """Results built from known per-draw effects: the policy is worth its cost in some draws
    only, and what it averts depends on one parameter; the other is irrelevant."""
    import pandas as pd

    from simulation.inference.voi import value_of_information

    rng = np.random.default_rng(3)
    k = 60
    phi, psi = rng.uniform(0, 1, k), rng.uniform(0, 1, k)
    rows = []
    for d in range(k):
        for r in range(2):
            base = 10_000 + rng.normal(0, 50)
            rows.append({"scenario": "baseline", "point": d, "replication": r,
                         "victim_weeks_exploited": base, "policy_cost": 0.0,
                         "parameters.awareness_recruitment": phi[d],
                         "parameters.trust_partnership": psi[d]})
            rows.append({"scenario": "prevention", "point": d, "replication": r,
                         "victim_weeks_exploited": base - 52 * 100 * phi[d],
                         "policy_cost": 50 * 100.0,
                         "parameters.awareness_recruitment": phi[d],
                         "parameters.trust_partnership": psi[d]})
    runs = pd.DataFrame(rows)
    results = _FakeResults(tmp_path, runs)
    out = value_of_information(results, thresholds=[100.0])
    # INB = 100 * (100 phi) - 5000: positive when phi > 0.5; EVPI = E[max(0, INB)] - max(0, E)
    inb = 100 * 100 * phi - 5000
    assert abs(out["evpi"][0] - (np.maximum(inb, 0).mean() - max(0, inb.mean()))) < 1e-6
    by = {r["parameter"]: r for r in out["parameters"]}
    assert abs(by["awareness_recruitment"]["evppi"][0] - out["evpi"][0]) < \
        3 * by["awareness_recruitment"]["se"][0] + 50
    assert by["trust_partnership"]["evppi"][0] < 2 * by["trust_partnership"]["se"][0] + 50
    assert any("awareness" in line for line in out["summary"])


class _FakeResults:
    """The parts of :class:`simulation.studies.store.Results` the value of information reads."""

    def __init__(self, path, runs):
        self.path, self.runs = path, runs
        self.manifest = {"uncertainty": {"draws": int(runs["point"].nunique())}}
        self.scenarios = ["baseline", "prevention"]
