"""Shared fixtures: a small, fast version of the baseline region for mechanism tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulation

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
SMALL_RUN = {"run.scale": 0.3, "run.weeks": 156, "run.burn_in_weeks": 52}


def small(overrides: dict | None = None, **levers) -> simulation.Scenario:
    """The baseline at 30% scale, one burn-in year and three policy years."""
    return simulation.with_overrides(BASELINE, SMALL_RUN | (overrides or {}), **levers)


def mean_outcome(name: str, seeds=(1, 2, 3), overrides: dict | None = None, **levers) -> float:
    """Mean of one region outcome over a few seeds of the small region."""
    scenario = small(overrides, **levers)
    return float(np.mean([simulation.run(scenario, seed=s).outcomes[name] for s in seeds]))


@pytest.fixture(scope="session")
def baseline_path() -> Path:
    return BASELINE


TINY_EXPERIMENT = f"""
name = "dashboard_tiny"
description = "Dashboard tests: the baseline and two policies, tiny and short"
scenarios = ["{ROOT / 'scenarios' / 'baseline.toml'}", "{ROOT / 'scenarios' / 'training.toml'}",
             "{ROOT / 'scenarios' / 'victim_centred.toml'}"]
replications = 3
seed = 11
record = "weekly"
[run]
scale = 0.2
burn_in_weeks = 26
weeks = 52
"""


def tiny_results_dir(base: Path) -> Path:
    """The tiny experiment's results under ``base``, run once per test session (a second call
    finds every run done and returns at once)."""
    from simulation.executors import run_experiment

    out = base / "dashboard_tiny"
    spec = base / "dashboard_tiny.toml"
    if not spec.exists():
        spec.write_text(TINY_EXPERIMENT)
    summary = run_experiment(spec, out, workers=1, progress=False)
    assert summary.completed == 9, summary
    return out


@pytest.fixture(scope="session")
def tiny_results(tmp_path_factory) -> Path:
    return tiny_results_dir(tmp_path_factory.getbasetemp())
