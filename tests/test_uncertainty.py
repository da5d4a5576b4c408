"""Experiments over parameter uncertainty (simulation.studies.uncertainty) and the conclusions drawn
from them (simulation.inference.conclusions): draws, pairing, records, reproducibility, and known
answers."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulation
from simulation.inference.analysis import compare
from simulation.inference.conclusions import (acceptability, conclusions, decompose, depends_on,
                                              probability_beats, probability_better,
                                              rank_probabilities)
from simulation.model.errors import UserError
from simulation.studies.executors import run_experiment
from simulation.studies.experiment import Experiment, run_spec
from simulation.studies.store import Results, load_results

ROOT = Path(__file__).resolve().parent.parent
ENSEMBLE = ROOT / "scenarios" / "calibration" / "baseline_ensemble"


def experiment(tmp_path: Path, uncertainty: str, *, replications: int = 2,
               scenarios=("baseline", "prevention"), extra: str = "") -> Path:
    files = ", ".join(f'"{ROOT / "scenarios" / (s + ".toml")}"' for s in scenarios)
    path = tmp_path / "unc.toml"
    path.write_text(f"""
name = "unc"
scenarios = [{files}]
replications = {replications}
seed = 5
{extra}
[run]
scale = 0.1
weeks = 52
burn_in_weeks = 26
[uncertainty]
{uncertainty}
""")
    return path


FULL = f'ensemble = "{ENSEMBLE}"\nsample = ["lever_effects.*"]\ndraws = 3'


# -- the draws --------------------------------------------------------------------------------


def test_draws_depend_only_on_the_seed_and_the_settings(tmp_path):
    a = Experiment.load(experiment(tmp_path, FULL)).draws
    b = Experiment.load(experiment(tmp_path, FULL)).draws
    pd.testing.assert_frame_equal(a, b)
    other = Experiment.load(experiment(tmp_path, FULL, extra="")).model_copy(update={"seed": 6})
    other._base_dir = tmp_path
    assert not np.allclose(other.uncertainty.draw_table(6).iloc[:, 1:].to_numpy(),
                           a.iloc[:, 1:].to_numpy())


def test_sampled_parameters_cover_each_range_evenly(tmp_path):
    exp = Experiment.load(experiment(tmp_path, 'sample = ["lever_effects.*"]\ndraws = 20'))
    table = exp.draws
    ranges = exp.uncertainty.sampled_ranges
    assert len(ranges) >= 30 and list(table.columns) == [f"parameters.{n}" for n in ranges]
    for name, prior in exp.uncertainty.sampled_priors.items():
        # a Latin hypercube over each prior: one draw per stratum of its probability
        bins = np.floor(prior.cdf(table[f"parameters.{name}"]) * 20 - 1e-9).astype(int)
        assert sorted(bins) == list(range(20)), name
        assert (prior.low, prior.high) == ranges[name]


def test_ensemble_members_are_drawn_in_proportion_to_their_weights(tmp_path):
    exp = Experiment.load(experiment(tmp_path, f'ensemble = "{ENSEMBLE}"\ndraws = 500'))
    weights = pd.read_parquet(ENSEMBLE / "ensemble.parquet")["weight"].to_numpy()
    weights = weights / weights.sum()
    counts = np.bincount(exp.draws["ensemble_member"], minlength=len(weights))
    # systematic resampling: each member drawn floor or ceil of 500 times its weight
    assert np.all(np.abs(counts - 500 * weights) < 1)
    members = pd.read_parquet(ENSEMBLE / "ensemble.parquet")
    row = exp.draws.iloc[7]
    for name in exp.uncertainty.fitted:
        assert row[f"parameters.{name}"] == members[name].iloc[int(row["ensemble_member"])]


@pytest.mark.parametrize("table, replications, extra, words", [
    ("draws = 3", 2, "", ["uncertainty", "nothing to draw", "ensemble", "sample"]),
    ('sample = ["lever_effects.no_such"]\ndraws = 3', 2, "",
     ["uncertainty.sample", "no_such", "allowed"]),
    ('sample = ["nogroup.*"]\ndraws = 3', 2, "", ["uncertainty.sample", "nogroup"]),
    ('ensemble = "no/such/folder"\ndraws = 3', 2, "",
     ["uncertainty.ensemble", "no/such/folder", "allowed"]),
    (f'ensemble = "{ENSEMBLE}"\nsample = ["identification.police_encounter_rate"]\ndraws = 3',
     2, "", ["uncertainty.sample", "police_encounter_rate", "fitted in the ensemble"]),
    ('sample = ["lever_effects.*"]\ndraws = 3', 1, "",
     ["replications", "at least 2", "got 1"]),
    ('sample = ["lever_effects.*"]\ndraws = 1', 2, "", ["uncertainty.draws", "2"]),
    ('sample = ["lever_effects.*"]\ndraws = 3', 2,
     '[design]\nmethod = "lhs"\nsamples = 2\ninputs = ["awareness_recruitment"]',
     ["design.inputs", "awareness_recruitment", "also drawn under [uncertainty]"]),
])
def test_a_bad_uncertainty_table_is_one_error_naming_file_and_field(tmp_path, table,
                                                                    replications, extra, words):
    if extra:  # a [design] table must come before [run] and [uncertainty]
        path = experiment(tmp_path, table, replications=replications)
        path.write_text(path.read_text().replace("[run]", extra + "\n[run]"))
    else:
        path = experiment(tmp_path, table, replications=replications)
    with pytest.raises(UserError) as err:
        Experiment.load(path)
    message = str(err.value)
    assert str(path) in message and "\n" not in message
    for word in words:
        assert word in message, (word, message)


# -- runs, store, reproducibility -------------------------------------------------------------


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("unc")
    path = experiment(base, FULL)
    run_experiment(path, base / "out", workers=2, progress=False)
    return path, base / "out"


def test_every_scenario_of_a_replication_uses_the_same_recorded_draw(batch):
    path, out = batch
    exp, runs = Experiment.load(path), load_results(out).runs
    assert len(runs) == 2 * 3 * 2
    draws = exp.draws
    for (point, rep), group in runs.groupby(["point", "replication"]):
        assert set(group["scenario"]) == {"baseline", "prevention"}
        assert group["seed"].nunique() == 1
        for column in draws.columns:
            assert (group[column] == draws[column].iloc[point]).all(), column
    assert runs.groupby("point")["seed"].nunique().eq(2).all()  # two seeds per draw
    assert set(load_results(out).inputs) == set(draws.columns)
    assert "parameters.awareness_recruitment" not in load_results(out).outcomes


def test_a_run_uses_the_parameters_of_its_draw(batch):
    path, _ = batch
    spec = next(s for s in Experiment.load(path).runs() if s.point == 1)
    drawn = run_spec(spec)["outcomes"]
    scenario = simulation.with_overrides(spec.scenario, spec.overrides | spec.inputs)
    assert simulation.run(scenario, seed=spec.seed).outcomes == drawn
    at_defaults = simulation.run(simulation.with_overrides(spec.scenario, spec.overrides),
                                 seed=spec.seed).outcomes
    assert at_defaults != drawn


def test_a_resumed_uncertainty_batch_equals_the_uninterrupted_one(batch, tmp_path):
    path, out = batch
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    for part in sorted((copy / "runs").glob("*.parquet"))[::3]:  # as if stopped mid-batch
        part.unlink()
    summary = run_experiment(path, copy, workers=1, progress=False)
    assert summary.ran == 4
    pd.testing.assert_frame_equal(load_results(copy).runs, load_results(out).runs)


def test_a_dask_cluster_gives_the_same_uncertainty_batch(batch, tmp_path):
    distributed = pytest.importorskip("distributed")
    path, out = batch
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        run_experiment(path, tmp_path / "dask", executor="dask",
                       scheduler=cluster.scheduler_address, progress=False)
    pd.testing.assert_frame_equal(load_results(tmp_path / "dask").runs, load_results(out).runs)


def test_with_the_parameters_fixed_the_two_intervals_agree(tmp_path):
    one = tmp_path / "one_member"
    one.mkdir()
    members = pd.read_parquet(ENSEMBLE / "ensemble.parquet").iloc[[3]]
    members.to_parquet(one / "ensemble.parquet")
    shutil.copy(ENSEMBLE / "manifest.json", one / "manifest.json")
    path = experiment(tmp_path, f'ensemble = "{one}"\ndraws = 3')
    run_experiment(path, tmp_path / "out", workers=2, progress=False)
    table = compare(tmp_path / "out", outcomes=["victim_weeks_exploited", "new_victims"])
    policy = table[(table["scenario"] == "prevention")
                   & table["outcome"].isin(["victim_weeks_exploited", "new_victims"])]
    assert len(policy) == 2 and policy["randomness_high"].gt(policy["randomness_low"]).all()
    assert np.allclose(policy["difference_low"], policy["randomness_low"])
    assert np.allclose(policy["difference_high"], policy["randomness_high"])
    assert (policy["parameter_share"] == 0).all()


def test_compare_json_carries_the_conclusions(batch, capsys):
    from simulation.cli import main

    _, out = batch
    assert main(["compare", str(out), "--format", "json",
                 "--outcomes", "victim_weeks_exploited,policy_cost"]) == 0
    said = json.loads(capsys.readouterr().out)
    rows = [r for r in said["comparison"] if r["scenario"] == "prevention"
            and r["outcome"] == "victim_weeks_exploited"]
    effect = next(e for e in said["uncertainty"]["effects"]
                  if e["outcome"] == "victim_weeks_exploited")
    assert rows[0]["difference_low"] == effect["combined_low"]
    assert rows[0]["randomness_high"] == effect["randomness_high"]
    assert rows[0]["probability_better"] == effect["probability_better"]
    assert said["uncertainty"]["draws"] == 3
    shipped = json.loads((ENSEMBLE / "manifest.json").read_text())
    assert said["uncertainty"]["ensemble"]["members"] == shipped["ensemble_size"] == 300
    ranks = said["uncertainty"]["ranks"]["victim_weeks_exploited"]
    assert all(math.isclose(sum(r["probabilities"]), 1) for r in ranks)
    assert said["uncertainty"]["acceptability"]["curves"][0]["scenario"] == "prevention"
    # 3 draws are too few for the value of information: the section says why
    assert "at least 8" in said["value_of_information"]["not_computed"]


# -- known answers ----------------------------------------------------------------------------


def _series(values_by_draw: list[list[float]]) -> pd.Series:
    index = pd.MultiIndex.from_tuples([(k, r) for k, vs in enumerate(values_by_draw)
                                       for r in range(len(vs))], names=["point", "replication"])
    return pd.Series([v for vs in values_by_draw for v in vs], index=index)


def test_decompose_recovers_planted_variance_components():
    rng = np.random.default_rng(1)
    k, m = 400, 4
    draw_effect = rng.normal(10, 3, k)  # between-draw sd 3
    values = [list(e + rng.normal(0, 2, m)) for e in draw_effect]  # within-draw sd 2
    parts = decompose(_series(values))
    assert parts["between_variance"] == pytest.approx(9, rel=0.2)
    assert parts["within_variance"] == pytest.approx(4, rel=0.1)
    assert parts["mean"] == pytest.approx(10, abs=0.4)
    # the wide interval is about +-1.96 * 3; the narrow one about +-1.96 * 2 / sqrt(1600)
    assert parts["combined_high"] - parts["combined_low"] == pytest.approx(2 * 1.96 * 3, rel=0.15)
    assert parts["randomness_high"] - parts["randomness_low"] == pytest.approx(
        2 * 1.96 * 2 / 40, rel=0.15)
    assert parts["parameter_share"] > 0.99


def test_the_wide_interval_follows_the_draws_not_a_normal_curve():
    # an effect proportional to a uniformly uncertain parameter: every draw helps, between
    # -1700 and -350, and a normal curve of the same variance would cross zero
    rng = np.random.default_rng(3)
    effect = np.linspace(-1700, -350, 20)
    values = [list(e + rng.normal(0, 40, 2)) for e in effect]
    parts = decompose(_series(values))
    assert parts["combined_high"] < 0
    assert parts["combined_low"] > -1900
    sd = math.sqrt(parts["between_variance"])
    assert parts["mean"] + 1.96 * sd > parts["combined_high"]  # where a normal curve would reach
    assert probability_better([np.mean(v) for v in values], "victim_weeks_exploited") == 1


def test_decompose_with_fixed_parameters_gives_one_interval():
    values = [[1.0, 3.0], [2.0, 6.0], [0.0, 5.0]]
    parts = decompose(_series(values), fixed=True)
    assert parts["combined_low"] == parts["randomness_low"]
    assert parts["combined_high"] == parts["randomness_high"]
    assert parts["parameter_share"] == 0
    # the same data with draws allowed to differ: between-draw variance is estimated
    free = decompose(_series(values))
    assert free["combined_high"] >= parts["combined_high"]


def test_an_effect_that_ignores_a_parameter_gets_a_near_zero_index():
    rng = np.random.default_rng(2)
    draws = pd.DataFrame({"parameters.awareness_recruitment": rng.uniform(0.2, 0.8, 400),
                          "parameters.mla_effect": rng.uniform(0.4, 0.9, 400)})
    effect = pd.Series(-5000 * draws["parameters.awareness_recruitment"]
                       + rng.normal(0, 300, 400))
    table = depends_on(effect, draws).set_index("parameter")
    assert table.loc["parameters.mla_effect", "index"] < 0.02
    assert not table.loc["parameters.mla_effect", "clear"]
    assert table.loc["parameters.awareness_recruitment", "index"] > 0.8
    assert table.loc["parameters.awareness_recruitment", "clear"]
    assert table.index[0] == "parameters.awareness_recruitment"


def test_probabilities_on_planted_draws_equal_their_exact_values():
    # victim_weeks_exploited: lower is better; a tie counts half
    assert probability_better([-1.0, -2.0, 3.0, 0.0], "victim_weeks_exploited") == 0.625
    assert probability_better([-1.0, -2.0, 3.0, 0.0], "victims_identified") == 0.375
    assert math.isnan(probability_better([1.0, -1.0], "displacement_index"))
    levels = pd.DataFrame({"baseline": [10.0, 10.0, 10.0, 10.0],
                           "a": [8.0, 9.0, 12.0, 7.0], "b": [9.0, 8.0, 11.0, 10.0]})
    beats = probability_beats(levels, "victim_weeks_exploited")
    assert beats.loc["a", "baseline"] == 0.75 and beats.loc["b", "baseline"] == 0.625
    assert beats.loc["a", "b"] == 0.5 and beats.loc["b", "a"] == 0.5
    ranks = rank_probabilities(levels, "victim_weeks_exploited")
    # draw 1: a, b, base; draw 2: b, a, base; draw 3: base, b, a; draw 4: a, then b and base tied
    assert ranks.loc["a"].tolist() == [0.5, 0.25, 0.25]
    assert ranks.loc["b"].tolist() == [0.25, 0.625, 0.125]
    assert ranks.loc["baseline"].tolist() == [0.25, 0.125, 0.625]
    np.testing.assert_allclose(ranks.sum(axis=0), 1)


def test_acceptability_curve_on_planted_draws():
    extra = [100.0, 100.0, -50.0, 200.0]
    averted = [1.0, 4.0, 1.0, -1.0]  # ratios 100, 25, dominant, dominated
    curve = acceptability(extra, averted, [0, 25, 50, 100, 1000])
    assert curve.tolist() == [0.25, 0.375, 0.5, 0.625, 0.75]


def planted_results(effects: dict[str, list[list[float]]]) -> Results:
    """A store-like Results: the baseline at 100 and each policy 100 + its planted effects,
    per draw and replication, with one parameter that varies over the draws."""
    rows = []
    for k, reps in enumerate(next(iter(effects.values()))):
        for r in range(len(reps)):
            base = {"point": k, "replication": r, "seed": 10 * k + r,
                    "parameters.mla_effect": 0.4 + 0.01 * k}
            rows.append(base | {"run_id": f"baseline-d{k}-r{r}", "scenario": "baseline",
                                "victim_weeks_exploited": 100.0, "victims_identified": 10.0})
            for name, values in effects.items():
                rows.append(base | {"run_id": f"{name}-d{k}-r{r}", "scenario": name,
                                    "victim_weeks_exploited": 100.0 + values[k][r],
                                    "victims_identified": 10.0})
    order = {"baseline": 0} | {n: i + 1 for i, n in enumerate(effects)}
    return Results(path=Path("planted"), runs=pd.DataFrame(rows), failed=pd.DataFrame(),
                   manifest={"uncertainty": {"columns": ["parameters.mla_effect"]},
                             "replications": 2}, _order=order)


def test_compare_on_planted_results_gives_the_exact_probability_of_being_better():
    results = planted_results({"a": [[-4.0, -2.0], [1.0, 3.0], [-1.0, 0.0], [0.0, 0.0]],
                               "b": [[5.0, 5.0], [6.0, 4.0], [-1.0, 1.0], [2.0, 2.0]]})
    table = compare(results, outcomes=["victim_weeks_exploited"]).set_index(
        ["scenario", "outcome"])
    # draw means of a: -3, 2, -0.5, 0 -> better in 2, tied in 1 of 4 = 0.625
    assert table.loc[("a", "victim_weeks_exploited"), "probability_better"] == 0.625
    assert table.loc[("b", "victim_weeks_exploited"), "probability_better"] == 0.125
    assert table.loc[("a", "victim_weeks_exploited"), "difference"] == pytest.approx(-0.375)
    said = conclusions(results, outcomes=["victim_weeks_exploited"])
    beats = {(b["scenario"], b["other"]): b["probability"]
             for b in said["beats"]["victim_weeks_exploited"]}
    assert beats[("a", "b")] == 1.0 and beats[("b", "baseline")] == 0.125


def test_rank_correlations_equal_scipys_spearmanr():
    from scipy import stats

    from simulation.inference.effect_statistics import _spearman

    rng = np.random.default_rng(4)
    x = pd.DataFrame(rng.normal(size=(25, 4)), columns=list("abcd"))
    x["d"] = np.round(x["d"])  # ties
    y = pd.Series(x["a"] * 2 + rng.normal(size=25))
    rho, p = _spearman(x, y)
    for i, column in enumerate(x.columns):
        expected = stats.spearmanr(x[column], y)
        assert rho[i] == pytest.approx(expected.statistic, abs=1e-12)
        assert p[i] == pytest.approx(expected.pvalue, rel=1e-9)
