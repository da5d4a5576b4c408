"""Shared fixtures: a small, fast version of the baseline region for mechanism tests, tiny
batches for the dashboard (an ordinary one and one over parameter draws) and the browser."""

from __future__ import annotations

import subprocess
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
    from simulation.studies.executors import run_experiment

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


UNCERTAINTY_EXPERIMENT = f"""
name = "dashboard_uncertainty"
description = "Dashboard tests: the baseline and two policies over parameter draws, tiny"
scenarios = ["{ROOT / 'scenarios' / 'baseline.toml'}", "{ROOT / 'scenarios' / 'prevention.toml'}",
             "{ROOT / 'scenarios' / 'training.toml'}"]
replications = 2
seed = 7
record = "weekly"
[run]
scale = 0.1
burn_in_weeks = 26
weeks = 52
[uncertainty]
ensemble = "{ROOT / 'scenarios' / 'calibration' / 'baseline_ensemble'}"
sample = ["lever_effects.*"]
draws = 12
"""
UNCERTAINTY_DRAWS, UNCERTAINTY_REPLICATIONS = 12, 2


@pytest.fixture(scope="session")
def uncertainty_results(tmp_path_factory, request) -> Path:
    """Three scenarios, 12 parameter draws (the shipped ensemble and every lever effect) of 2
    runs each: 72 runs of a tenth of the region for a year, about 10 s on 2 workers.

    Run once for the whole session, whichever pytest-xdist worker asks first (pytest-xdist's
    recipe for session fixtures: a file lock in the folder the workers share); the tests only
    read it. Each worker ran it on its own before: 17 to 35 s more of a suite."""
    from filelock import FileLock

    from simulation.studies.executors import run_experiment

    base = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # a pytest-xdist worker
        base = base.parent  # shared by the workers of this session
    out = base / "dashboard_uncertainty"
    with FileLock(base / "dashboard_uncertainty.lock"):
        spec = base / "dashboard_uncertainty.toml"
        spec.write_text(UNCERTAINTY_EXPERIMENT)
        # a second worker finds every run done and returns at once (a batch resumes)
        summary = run_experiment(spec, out, workers=2, progress=False)
    assert summary.completed == 3 * UNCERTAINTY_DRAWS * UNCERTAINTY_REPLICATIONS, summary
    return out


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, through Playwright; a missing piece is a failure with the
    command that fixes it, never a skip (``make test`` installs both)."""
    from browser_support import CHROMIUM, CHROMIUM_ARGS

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: run `make test`, or "
                    "pip install -e '.[dev]' (the browser tests never skip)")
    if not CHROMIUM.exists():
        subprocess.run([str(ROOT / "tools" / "ensure_chromium.sh")], check=False, timeout=900)
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing and tools/ensure_chromium.sh could not install it: "
                    "run `make browser` (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch):
    """Every test starts as a command whose output goes to a file or a pipe: no ``COLUMNS``
    (pytest-xdist's workers set ``COLUMNS=80``, which would make ``tipsim compare`` fit its
    table to 80 columns). A test about the terminal's width sets its own."""
    monkeypatch.delenv("COLUMNS", raising=False)
