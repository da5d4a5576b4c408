"""The calibrated ensemble of the default baseline that ships with tipsim (issue 13; docs/ODD.md
section 7): at least 100 weighted parameter sets, inside their priors, fitted to the shipped
target file, and usable to run the baseline over the ensemble."""

from __future__ import annotations

import numpy as np
import pytest

import simulation
from simulation.inference.calibration import ensemble_overrides, load_ensemble

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


# Issue 23's third refit missed other_channels_share (0.328 against 0.10-0.30) with border and
# immigration officers counted among the other first responders; the fourth refit reads UNODC's
# "law enforcement" as the police and the border officers (law_enforcement_share) and meets
# every band (docs/calibration.md, "The fourth refit"). A new miss goes here, with why.
REGISTERED_MISSES: dict[str, str] = {}
"""Fitted targets whose median the shipped ensemble misses, each with why; a strict xfail below
fails the day the ensemble meets one of them, so the entry must go."""


def _median(ensemble, name):
    w = ensemble["weight"].to_numpy()
    values = ensemble[f"sim.{name}"].to_numpy(float)
    order = np.argsort(values)
    return values[order][np.searchsorted(np.cumsum(w[order]), 0.5)]


def test_every_fitted_targets_posterior_predictive_median_is_inside_its_band(shipped):
    ensemble, manifest = shipped
    fitted = [n for n, t in manifest["targets"].items() if not t.get("held_out")]
    assert set(REGISTERED_MISSES) <= set(fitted)
    for name in fitted:
        if name in REGISTERED_MISSES:
            continue
        low, high = manifest["targets"][name]["interval"]
        assert low <= _median(ensemble, name) <= high, name


@pytest.mark.parametrize("name", [
    pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=why))
    for n, why in REGISTERED_MISSES.items()])
def test_registered_misses_of_the_shipped_ensemble(shipped, name):
    ensemble, manifest = shipped
    low, high = manifest["targets"][name]["interval"]
    assert low <= _median(ensemble, name) <= high, name


def test_the_ensemble_is_not_degenerate(shipped):
    """Issue 22: an effective sample size of at least 150 (Kish's, from the weights)."""
    ensemble, manifest = shipped
    w = ensemble["weight"].to_numpy()
    ess = 1.0 / np.sum((w / w.sum()) ** 2)
    assert ess >= 150 and manifest["effective_sample_size"] == pytest.approx(ess, rel=1e-6)


def test_a_scenario_runs_over_members_of_the_ensemble(shipped):
    members = ensemble_overrides(FOLDER)[:2]
    for weight, overrides in members:
        scenario = simulation.with_overrides(simulation.BASELINE,
                                             overrides | {"run.scale": 0.1, "run.weeks": 26,
                                                          "run.burn_in_weeks": 26})
        assert simulation.run(scenario, seed=1).outcomes["new_victims"] > 0
