"""Statistics against cases with known answers: bootstrap intervals, differences from the
baseline, cost per victim-year averted, and Sobol / Morris indices of an input that does nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation.inference.analysis import COST_EFFECTIVENESS, _mean_ci, compare, sensitivity
from simulation.model.errors import UserError
from simulation.studies.executors import run_experiment
from simulation.studies.store import load_results

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

EFFECT = {"baseline": 0.0, "strong": 1.5, "inert": 0.0}
EXTRA_COST = {"baseline": 0.0, "strong": 1_000.0, "inert": 50.0}


def policy_model(spec) -> dict:
    """Known effects: 'strong' raises identification by 1.5 and averts 2 victim-years of
    exploitation for 1,000 more; 'inert' changes nothing but costs 50 more. The noise comes from
    the seed alone, so with common random numbers paired differences are exact."""
    noise = np.random.default_rng(spec.seed).normal(size=2)
    name = spec.scenario_name
    return {"victims_identified": 10.0 + EFFECT[name] + noise[0],
            "victim_weeks_exploited": 5_000.0 - 52.0 * 2.0 * (name == "strong") + 30 * noise[1],
            "policy_cost": 20_000.0 + EXTRA_COST[name]}


def sweep_model(spec) -> dict:
    """y = a + 4 b (+ tiny noise); c does nothing. With a ~ U(0.1, 0.9) and b ~ U(0.3, 0.95)
    (their registry ranges) the analytic Sobol indices are S(a) = 0.8^2 / (0.8^2 + 16 * 0.65^2)
    = 0.0865, S(b) = 0.9135, S(c) = 0, all first-order (no interaction); the Morris elementary
    effects (per unit of the scaled range) are 0.8, 4 * 0.65 = 2.6 and 0."""
    x = spec.inputs
    noise = np.random.default_rng(spec.seed).normal(scale=1e-4)
    return {"victims_identified": x["intimidation"] + 4.0 * x["testimony_base"] + noise}


SWEEP = ["intimidation", "testimony_base", "escape_hazard"]
S_A = 0.8**2 / (0.8**2 + 16 * 0.65**2)


def scenario_files(folder: Path, names) -> list[str]:
    paths = []
    for name in names:
        path = folder / f"{name}.toml"
        path.write_text(f'extends = "{BASELINE}"\nname = "{name}"\n')
        paths.append(str(path))
    return paths


def store(tmp_path, run_fn, names=("baseline",), **fields):
    doc = {"name": "known", "scenarios": scenario_files(tmp_path, names), "seed": 7} | fields
    out = tmp_path / "out"
    run_experiment(doc, out, workers=1, run_fn=run_fn, progress=False)
    return load_results(out)


def test_bootstrap_interval_covers_a_known_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(1)
    covered = 0
    for i in range(200):
        _, low, high = _mean_ci(rng.normal(5.0, 2.0, size=30), 0.95, 1000, seed=i)
        covered += low <= 5.0 <= high
    assert 0.88 <= covered / 200 <= 0.99


def row(table, scenario, outcome):
    rows = table[(table["scenario"] == scenario) & (table["outcome"] == outcome)]
    assert len(rows) == 1
    return rows.iloc[0]


@pytest.mark.parametrize("crn", [True, False])
def test_difference_excludes_zero_for_a_clear_effect_and_includes_it_for_none(tmp_path, crn):
    results = store(tmp_path, policy_model, names=("baseline", "strong", "inert"),
                    replications=20, common_random_numbers=crn)
    table = compare(results, outcomes=["victims_identified", "policy_cost"])
    strong = row(table, "strong", "victims_identified")
    inert = row(table, "inert", "victims_identified")
    assert bool(strong["paired"]) is crn
    assert strong["excludes_zero"] and strong["verdict"] == "better"
    assert strong["difference_low"] <= 1.5 <= strong["difference_high"]
    assert not inert["excludes_zero"] and inert["verdict"] == "no clear change"
    assert inert["difference_low"] <= 0 <= inert["difference_high"]
    if crn:  # identical noise: the paired difference is exact
        assert strong["difference"] == pytest.approx(1.5)
        assert inert["difference"] == pytest.approx(0.0, abs=1e-12)
    base = row(table, "baseline", "victims_identified")
    assert base["ci_low"] < base["mean"] < base["ci_high"]
    assert np.isnan(base["difference"])
    assert strong["relative_change"] == pytest.approx(strong["difference"] / base["mean"])
    cost = row(table, "inert", "policy_cost")
    assert cost["difference"] == pytest.approx(50.0) and cost["verdict"] == "worse"


def test_cost_per_victim_year_averted_has_the_known_value(tmp_path):
    results = store(tmp_path, policy_model, names=("baseline", "strong", "inert"),
                    replications=10)
    table = compare(results)
    strong = row(table, "strong", COST_EFFECTIVENESS)
    assert strong["mean"] == pytest.approx(1_000.0 / 2.0)
    assert strong["ci_low"] == pytest.approx(500.0) and strong["ci_high"] == pytest.approx(500.0)
    assert np.isnan(row(table, "inert", COST_EFFECTIVENESS)["mean"])  # averts nothing
    assert not (table["scenario"].eq("baseline") & table["outcome"].eq(COST_EFFECTIVENESS)).any()


def test_compare_refuses_an_unknown_baseline_or_outcome(tmp_path):
    results = store(tmp_path, policy_model, names=("baseline", "strong"), replications=2)
    with pytest.raises(UserError, match="--baseline 'status_quo'.*baseline, strong"):
        compare(results, baseline="status_quo")
    with pytest.raises(UserError, match="--outcomes: arrests"):
        compare(results, outcomes=["arrests"])


def test_sobol_gives_an_inert_input_a_near_zero_index(tmp_path):
    results = store(tmp_path, sweep_model, design={"method": "sobol", "samples": 64,
                                                   "inputs": SWEEP})
    table = sensitivity(results).set_index("input")
    assert table.loc["escape_hazard", "ST"] < 0.05
    assert abs(table.loc["escape_hazard", "S1"]) < 0.05
    assert table.loc["testimony_base", "ST"] == pytest.approx(1 - S_A, abs=0.1)
    assert table.loc["testimony_base", "S1"] == pytest.approx(1 - S_A, abs=0.1)
    assert table.loc["intimidation", "S1"] == pytest.approx(S_A, abs=0.05)
    assert set(table.columns) >= {"S1", "S1_conf", "ST", "ST_conf"}


def test_morris_gives_an_inert_input_zero_mu_star(tmp_path):
    results = store(tmp_path, sweep_model, replications=2,
                    design={"method": "morris", "samples": 10, "inputs": SWEEP})
    table = sensitivity(results).set_index("input")
    assert table.loc["escape_hazard", "mu_star"] < 0.01
    assert table.loc["intimidation", "mu_star"] == pytest.approx(0.8, abs=0.01)
    assert table.loc["testimony_base", "mu_star"] == pytest.approx(2.6, abs=0.01)
    assert table.loc["testimony_base", "sigma"] < 0.01  # linear: no interaction


def test_sensitivity_needs_a_complete_sobol_or_morris_design(tmp_path):
    lhs = store(tmp_path, sweep_model, design={"method": "lhs", "samples": 4, "inputs": SWEEP})
    with pytest.raises(UserError, match="sobol or morris design.*lhs"):
        sensitivity(lhs)
    folder = tmp_path / "m"
    folder.mkdir()
    morris = store(folder, sweep_model, design={"method": "morris", "samples": 2,
                                                "inputs": SWEEP})
    morris.runs = morris.runs.iloc[1:]
    with pytest.raises(UserError, match="lacks 1 of its 8 design points"):
        sensitivity(morris)


def test_cost_per_victim_year_has_an_interval_exactly_when_exploitation_is_clearly_averted(
        tiny_results):
    from simulation.inference.analysis import compare as compare_results

    table = compare_results(tiny_results, outcomes=["victim_weeks_exploited", "policy_cost"])
    for scenario, rows in table[table.scenario != "baseline"].groupby("scenario"):
        weeks = rows[rows.outcome == "victim_weeks_exploited"].iloc[0]
        cost = rows[rows.outcome == "cost_per_victim_year_averted"].iloc[0]
        clearly_averted = bool(weeks.difference_high < 0)
        assert np.isfinite(cost.ci_low) == clearly_averted, scenario
