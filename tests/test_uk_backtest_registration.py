"""The UK backtest's pre-registration (issue 25): the prediction of 2015-2019 and the frozen
inputs it was made from stay as they were committed, and were committed before any observed
series of those years.

The digests :func:`simulation.reports.backtest_report.read_prediction` checks are the first line of
defence and run everywhere; the repository's history is the second (it needs a clone with
history, and says so when it has none)."""

from __future__ import annotations

import subprocess

import pytest

from simulation.studies.backtest import load_backtest
from simulation.reports.backtest_report import PREDICTION_META, PREDICTION_TABLE, read_prediction

from conftest import ROOT

UK = ROOT / "scenarios" / "countries" / "uk" / "backtest"
REGISTERED = {"backtest.toml": "prediction", "no_act.toml": "prediction_no_act"}
"""Each registered backtest file and the folder of its frozen prediction."""
FROZEN = ["act_levers.toml", "no_act_levers.toml",
          *(f"{folder}/{name}" for folder in REGISTERED.values()
            for name in (PREDICTION_META, PREDICTION_TABLE))]
"""The files that never change after the registration commit (paths under ``UK``)."""


@pytest.mark.parametrize("file", sorted(REGISTERED))
def test_the_registered_prediction_and_its_inputs_are_as_written(file):
    bt = load_backtest(UK / file)
    meta, table = read_prediction(bt, UK / REGISTERED[file])  # refuses any changed input
    assert set(table["series"]) == {c.key for c in bt.compare}
    assert set(table["year"]) == set(range(bt.first_year, bt.last_year + 1))
    per_series = table.groupby("series")
    assert (per_series["draw"].nunique() == bt.draws).all()
    assert (per_series["replication"].nunique() == bt.replications).all()
    assert meta["frozen"] == bt.frozen()


def test_the_act_and_its_counterfactual_share_ensemble_draws_and_seeds():
    act, none = (load_backtest(UK / f) for f in ("backtest.toml", "no_act.toml"))
    assert act.frozen()["ensemble"] == none.frozen()["ensemble"]
    assert act.frozen()["settings"] == none.frozen()["settings"]  # years, draws, seed, compare
    assert act.lever_scenario.hash != none.lever_scenario.hash


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def _history_or_skip() -> None:
    probe = _git("rev-parse", "--is-shallow-repository")
    if probe.returncode != 0:
        pytest.skip("not a git checkout: the registration's history cannot be read (the "
                    "digest test above still checks the frozen files)")
    if probe.stdout.strip() == "true":
        pytest.skip("a shallow clone: the registration commit is not in it (the digest test "
                    "above still checks the frozen files)")


def test_nothing_frozen_changed_after_the_registration_commit_and_observations_came_later():
    _history_or_skip()
    rel = UK.relative_to(ROOT)
    found = _git("log", "--format=%H", "--diff-filter=A", "--",
                 str(rel / "prediction" / PREDICTION_META))
    added = found.stdout.split()
    assert len(added) == 1, "the prediction was added once"
    registration = added[0]
    for path in FROZEN:
        assert _git("cat-file", "-e", f"{registration}:{rel / path}").returncode == 0, path
        later = _git("log", "--format=%H", f"{registration}..HEAD", "--", str(rel / path))
        assert later.stdout.split() == [], f"{path} changed after the registration commit"
    bt = load_backtest(UK / "backtest.toml")
    if bt.observed is None:
        return  # (the observations are not committed yet)
    observed = (UK / bt.observed).resolve().relative_to(ROOT)
    assert _git("cat-file", "-e", f"{registration}:{observed}").returncode != 0, \
        "the observed series were in the registration commit"
    first = _git("log", "--format=%H", "--diff-filter=A", "--", str(observed)).stdout.split()
    assert first and _git("merge-base", "--is-ancestor", registration, first[-1]).returncode == 0
