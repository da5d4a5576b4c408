"""Experiments: designs, run ids and seeds that depend only on what a run is."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.studies.executors import LocalExecutor, run_experiment
from simulation.studies.experiment import Experiment, ExperimentError
from simulation.model.parameters import resolve_parameter_names
from simulation.model.registry import PARAMETERS
from simulation.studies.store import load_results
from shipped import shipped as shipped_files

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def scenario_file(folder: Path, name: str, extra: str = "") -> str:
    """A scenario that extends the shipped baseline under another name (kept if it exists)."""
    path = folder / f"{name}.toml"
    if extra or not path.exists():
        path.write_text(f'extends = "{BASELINE}"\nname = "{name}"\n{extra}')
    return str(path)


def toy_model(spec) -> dict:
    """A stand-in for the model: one outcome driven by an input and by the run's seed."""
    rng = np.random.default_rng(spec.seed)
    y = 3.0 * spec.inputs.get("intimidation", 0.0) + rng.normal()
    return {"outcomes": {"victims_identified": y, "policy_cost": 1.0},
            "jurisdictions": {"north": {"victims_identified": y / 2},
                              "south": {"victims_identified": y / 2}}}


def experiment(tmp_path: Path, **fields) -> Experiment:
    doc = {"name": "toy", "scenarios": [scenario_file(tmp_path, "baseline"),
                                        scenario_file(tmp_path, "other")],
           "replications": 3, "seed": 11} | fields
    return Experiment.load(doc)


def test_same_experiment_gives_same_run_ids_and_seeds(tmp_path):
    first = [(s.run_id, s.seed) for s in experiment(tmp_path).runs()]
    again = [(s.run_id, s.seed) for s in experiment(tmp_path).runs()]
    assert first == again
    assert len({rid for rid, _ in first}) == len(first) == 6
    assert experiment(tmp_path).hash == experiment(tmp_path).hash


def test_seed_is_spawned_from_master_seed_by_point_and_replication(tmp_path):
    exp = experiment(tmp_path, design={"method": "lhs", "samples": 4,
                                       "inputs": ["intimidation"]})
    for spec in exp.runs():
        point = np.random.SeedSequence(11).spawn(exp.n_points)[spec.point]
        child = point.spawn(exp.replications)[spec.replication]
        assert spec.seed == int(child.generate_state(1, np.uint64)[0] >> np.uint64(1))


def test_common_random_numbers_share_seeds_across_scenarios_only_when_asked(tmp_path):
    shared = {(s.scenario_name, s.replication): s.seed for s in experiment(tmp_path).runs()}
    assert shared["baseline", 1] == shared["other", 1] != shared["baseline", 2]
    apart = {(s.scenario_name, s.replication): s.seed
             for s in experiment(tmp_path, common_random_numbers=False).runs()}
    assert apart["baseline", 1] != apart["other", 1]
    assert len(set(apart.values())) == len(apart)


def test_changing_a_scenario_file_changes_the_experiment_hash(tmp_path):
    before = experiment(tmp_path).hash
    scenario_file(tmp_path, "other", "[parameters]\nintimidation = 0.8\n")
    assert experiment(tmp_path).hash != before
    assert experiment(tmp_path, description="new words").hash == experiment(tmp_path).hash


@pytest.mark.parametrize(("design", "points"), [
    ({"method": "grid", "inputs": {"intimidation": [0.2, 0.5], "training": {"low": 0, "high": 1,
                                                                           "points": 3}}}, 6),
    ({"method": "lhs", "samples": 7, "inputs": ["intimidation", "training"]}, 7),
    ({"method": "sobol", "samples": 8, "inputs": ["intimidation", "training"]}, 8 * 4),
    ({"method": "morris", "samples": 3, "inputs": ["intimidation", "training"]}, 3 * 3),
])
def test_design_sizes_and_ranges(tmp_path, design, points):
    exp = experiment(tmp_path, design=design)
    assert exp.n_points == points
    assert exp.n_runs == points * 2 * 3
    m = exp.design_matrix
    lo = PARAMETERS["intimidation"].low if design["method"] != "grid" else 0.2
    assert m[:, 0].min() >= lo - 1e-12 and m[:, 1].max() <= 1.0


def test_lhs_is_stratified(tmp_path):
    exp = experiment(tmp_path, design={"method": "lhs", "samples": 10,
                                       "inputs": {"training": {"low": 0, "high": 1}}})
    strata = np.floor(exp.design_matrix[:, 0] * 10)
    assert sorted(strata) == list(range(10))


def test_all_parameters_shorthand_takes_registry_ranges(tmp_path):
    exp = experiment(tmp_path, design={"method": "morris", "samples": 2, "inputs": "parameters"})
    assert exp.input_names == list(PARAMETERS)
    assert exp.input_ranges["intimidation"] == {"low": PARAMETERS["intimidation"].low,
                                                "high": PARAMETERS["intimidation"].high}


@pytest.mark.parametrize(("fields", "words"), [
    ({"replications": 0}, "replications"),
    ({"record": "hourly"}, "record"),
    ({"design": {"method": "sobol", "samples": 6, "inputs": ["training"]}}, "power of 2"),
    ({"design": {"method": "lhs", "samples": 6, "inputs": ["trainng"]}}, "design.inputs.trainng"),
    ({"design": {"method": "lhs", "samples": 6, "inputs": ["criminalisation"]}}, "forms"),
    ({"design": {"method": "lhs", "samples": 6, "inputs": {"training": [0.1, 0.2]}}}, "grid"),
    ({"overrides": {"run.scale": -1}}, "baseline"),
    ({"colour": "red"}, "colour: unknown field"),
])
def test_bad_experiment_names_the_field(tmp_path, fields, words):
    with pytest.raises(ExperimentError, match=words):
        experiment(tmp_path, **fields)


def test_experiment_file_errors_name_the_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "x"\nscenarios = ["missing.toml"]\n')
    with pytest.raises(ExperimentError, match=r"bad\.toml: scenarios: no scenario file"):
        Experiment.load(path)
    path.write_text('name = "x"\nscenarios = [\n')
    with pytest.raises(ExperimentError, match=r"bad\.toml: not valid TOML"):
        Experiment.load(path)


@pytest.mark.parametrize("name", ["policy_comparison", "morris_parameters"])
def test_shipped_experiments_load(name):
    path = ROOT / "scenarios" / "experiments" / f"{name}.toml"
    exp = Experiment.load(path)
    assert exp.n_runs > 0
    if name == "policy_comparison":
        shipped = {p.stem for p in shipped_files()}  # not a user's own drafts
        assert {s.name for s in exp.scenario_objects} == shipped
        # every conclusion carries the parameters' uncertainty: the calibrated ensemble and the
        # lever-effect ranges, with at least two seeds per draw to tell randomness apart
        assert exp.uncertainty is not None and exp.uncertainty.draws >= 20
        assert exp.replications >= 2
        assert exp.uncertainty.ensemble_path.resolve() == (
            ROOT / "scenarios" / "calibration" / "baseline_ensemble")
        assert set(exp.uncertainty.sampled_ranges) == set(resolve_parameter_names(
            ["lever_effects.*"]))


class BoundedPool(LocalExecutor):
    """Two worker processes that may hold at most three runs; checks it never holds more."""

    def __init__(self):
        super().__init__(2, max_in_flight=3)
        self.most = 0

    def run(self, run_fn, specs):
        specs = iter(specs)
        taken = handed = 0

        def counted():
            nonlocal taken
            for spec in specs:
                taken += 1
                yield spec

        for record in super().run(run_fn, counted()):
            self.most = max(self.most, taken - handed)
            handed += 1
            yield record


@pytest.mark.slow
def test_results_do_not_depend_on_worker_count_or_order(tmp_path):
    exp = experiment(tmp_path, design={"method": "lhs", "samples": 3,
                                       "inputs": ["intimidation"]})
    run_experiment(exp, tmp_path / "one", workers=1, run_fn=toy_model, progress=False)
    pool = BoundedPool()
    run_experiment(exp, tmp_path / "two", executor=pool, run_fn=toy_model, progress=False)
    assert pool.most == 3  # streams: never more than max_in_flight runs taken but not done
    one, two = load_results(tmp_path / "one"), load_results(tmp_path / "two")
    pd.testing.assert_frame_equal(one.runs, two.runs)
    pd.testing.assert_frame_equal(one.jurisdictions, two.jurisdictions)
    backwards = {r.spec.run_id: r.outcomes for r in
                 LocalExecutor(1).run(toy_model, reversed(list(exp.runs())))}
    assert backwards == {row.run_id: {"victims_identified": row.victims_identified,
                                      "policy_cost": row.policy_cost}
                         for row in one.runs.itertuples()}
