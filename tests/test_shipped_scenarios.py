"""Every shipped scenario file validates and runs, and each policy moves what it says it moves."""

from __future__ import annotations

import pytest

import simulation

from conftest import SMALL_RUN
from shipped import shipped

SCENARIOS = shipped()
POLICIES = [p for p in SCENARIOS if p.stem != "baseline"]


def test_the_library_has_every_policy_idea_of_the_issue():
    assert {p.stem for p in POLICIES} >= {
        "training", "cooperation", "penalties", "victim_centred", "ngo_partnership",
        "shelters_reintegration", "prevention", "financial_investigation",
        "crackdown_destination_a", "combined"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_shipped_scenario_runs(path):
    scenario = simulation.with_overrides(path, SMALL_RUN | {"run.weeks": 60})
    result = simulation.run(scenario, seed=1)
    assert result.outcomes["victim_weeks_exploited"] > 0
    assert result.provenance["scenario_name"] == path.stem


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.stem)
def test_policy_changes_levers_during_the_policy_period(path):
    """The policy starts in week 0 of the policy period and leaves the burn-in untouched."""
    scenario = simulation.load_scenario(path)
    assert scenario.policies and min(p.start_week for p in scenario.policies) == 0
    model = simulation.TraffickingModel(simulation.with_overrides(path, SMALL_RUN), rng=1)
    def levers():
        return ([dict(j.levers) for j in model.jurisdictions],
                {k: dict(v) for k, v in model.cooperation.items()})
    while model.week < -1:
        model.step()
    before = levers()
    for _ in range(60):
        model.step()
    assert levers() != before
