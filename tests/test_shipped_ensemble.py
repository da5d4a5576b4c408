"""The calibrated ensemble of the default baseline that ships with tipsim (issue 13; docs/ODD.md
section 7): at least 100 weighted parameter sets, inside their priors, fitted to the shipped
target file, and usable to run the baseline over the ensemble."""

from __future__ import annotations

import numpy as np
import pytest

import simulation
from simulation.calibration import ensemble_overrides, load_ensemble

FOLDER = simulation.SCENARIOS / "calibration" / "baseline_ensemble"


@pytest.fixture(scope="module")
def shipped():
    return load_ensemble(FOLDER)


def test_the_ensemble_has_at_least_100_weighted_members_inside_their_priors(shipped):
    ensemble, manifest = shipped
    assert len(ensemble) >= 100 and manifest["ensemble_size"] == len(ensemble)
    assert ensemble["weight"].sum() == pytest.approx(1.0) and (ensemble["weight"] >= 0).all()
    assert len(manifest["priors"]) >= 15
    for name, prior in manifest["priors"].items():
        low, high = (prior["low"], prior["high"]) if isinstance(prior, dict) else prior
        assert ((ensemble[name] >= low) & (ensemble[name] <= high)).all(), name


def test_the_ensemble_was_fitted_to_the_shipped_targets_and_scenario(shipped):
    _, manifest = shipped
    assert manifest["calibration_file"].endswith("scenarios/calibration/baseline.toml")
    assert manifest["scenario"] == "baseline" and manifest["quick"] is False
    fitted = [n for n, t in manifest["targets"].items() if not t.get("held_out")]
    assert len(fitted) >= 8 and len(manifest["targets"]) > len(fitted)  # some held out
    assert manifest["method"]["library"].startswith("pyabc")


def test_every_fitted_targets_posterior_predictive_median_is_inside_its_band(shipped):
    ensemble, manifest = shipped
    w = ensemble["weight"].to_numpy()
    for name, target in manifest["targets"].items():
        if target.get("held_out"):
            continue
        values = ensemble[f"sim.{name}"].to_numpy(float)
        order = np.argsort(values)
        median = values[order][np.searchsorted(np.cumsum(w[order]), 0.5)]
        low, high = target["interval"]
        assert low <= median <= high, name


def test_a_scenario_runs_over_members_of_the_ensemble(shipped):
    members = ensemble_overrides(FOLDER)[:2]
    for weight, overrides in members:
        scenario = simulation.with_overrides(simulation.BASELINE,
                                             overrides | {"run.scale": 0.1, "run.weeks": 26,
                                                          "run.burn_in_weeks": 26})
        assert simulation.run(scenario, seed=1).outcomes["new_victims"] > 0
