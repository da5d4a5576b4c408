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
