"""A [design] swept under [uncertainty]: every design point over the same parameter draws."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from simulation.model.errors import UserError
from simulation.studies.executors import run_experiment
from simulation.studies.experiment import Experiment
from simulation.studies.store import load_results
from simulation.inference.sweep import by_design_point

ROOT = Path(__file__).resolve().parent.parent


def _experiment(tmp_path: Path, design: str, draws: int = 3) -> Path:
    files = ", ".join(f'"{ROOT / "scenarios" / (s + ".toml")}"' for s in ("baseline",
                                                                        "prevention"))
    path = tmp_path / "sweep.toml"
    path.write_text(f"""
name = "sweep"
scenarios = [{files}]
replications = 2
seed = 9
[run]
scale = 0.05
weeks = 52
burn_in_weeks = 26
[design]
method = "grid"
{design}
[uncertainty]
sample = ["awareness_recruitment", "awareness_self_referral"]
draws = {draws}
""")
    return path


def test_each_design_point_runs_over_the_same_draws(tmp_path):
    exp = Experiment.load(_experiment(tmp_path, 'inputs = { sentence_years = [2.0, 10.0] }'))
    assert exp.n_points == 6 and exp.n_runs == 2 * 6 * 2
    runs = list(exp.runs())
    assert len({r.run_id for r in runs}) == len(runs)
    by_point = {}
    for r in runs:
        by_point.setdefault(r.recorded["design_point"], {})[r.recorded["draw"]] = r.inputs
    assert sorted(by_point) == [0, 1]
    for d in range(3):
        a, b = by_point[0][d], by_point[1][d]
        assert a["sentence_years"] == 2.0 and b["sentence_years"] == 10.0
        assert a["parameters.awareness_recruitment"] == b["parameters.awareness_recruitment"]
    assert all(r.point == r.recorded["design_point"] * 3 + r.recorded["draw"] for r in runs)


def test_a_swept_input_cannot_also_be_drawn(tmp_path):
    with pytest.raises(UserError, match="awareness_recruitment also drawn under"):
        Experiment.load(_experiment(tmp_path,
                                    'inputs = { awareness_recruitment = [0.1, 0.5] }'))


@pytest.mark.slow
def test_sweep_reports_effect_and_probability_at_each_level(tmp_path):
    path = _experiment(tmp_path, 'inputs = { sentence_years = [2.0, 10.0] }', draws=4)
    run_experiment(path, tmp_path / "out", workers=1, progress=False)
    results = load_results(tmp_path / "out")
    table = by_design_point(results, outcome="victim_weeks_exploited")
    assert list(table["sentence_years"]) == [2.0, 10.0]
    assert (table["draws"] == 4).all()
    assert table["probability_better"].between(0, 1).all()
    assert (table["combined_low"] <= table["difference"]).all()
    # the same numbers as comparing that design point's runs by hand
    runs = results.runs
    part = runs[runs["design_point"] == 1]
    p = part[part["scenario"] == "prevention"].set_index(["draw", "replication"])
    b = part[part["scenario"] == "baseline"].set_index(["draw", "replication"])
    diff = (p["victim_weeks_exploited"] - b["victim_weeks_exploited"])
    assert np.isclose(table["difference"].iloc[1], diff.groupby(level="draw").mean().mean())
    with pytest.raises(UserError, match="tipsim sweep"):
        from simulation.inference.conclusions import conclusions

        conclusions(results)
