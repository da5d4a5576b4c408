"""The model-depth mechanisms (issue 12; docs/ODD.md 6.6, 6.7, 6.9): finite investigative and
prosecution capacity, harder labour cases, victims who weigh their options, and disruption
reported apart from other endings. Formulas are tested directly; levers by their direction."""

from __future__ import annotations

import numpy as np
import pytest

import simulation
from simulation.model.agents import Case
from simulation.model.agents import trafficker as tr
from simulation.model.trafficking_model import TraffickingModel
from simulation.model.processes import investigation, justice, support

from conftest import mean_outcome, small


def jur(model, name="destination_a"):
    return model.jurisdictions[model.index_of[name]]


# -- capacity ------------------------------------------------------------------------------------

def test_an_agency_at_capacity_puts_leads_on_a_waiting_list_and_drops_stale_ones():
    model = TraffickingModel(small({"run.scale": 0.3}), rng=1)
    agency = model.agencies[model.index_of["destination_a"]]
    capacity = agency.jurisdiction.case_capacity
    assert capacity == pytest.approx(model.params["cases_per_officer"]
                                     * agency.jurisdiction.scaled("officers"))
    targets = [n for n in model.networks if n.unique_id not in agency.open_cases]
    opened = [investigation.open_case(model, agency, n, proactive=True) for n in targets[:40]]
    assert len(agency.open_cases) == int(np.ceil(capacity))  # opened up to capacity ...
    assert sum(c is None for c in opened) == len(agency.waiting_cases) > 0  # ... the rest wait
    first_waiting = next(iter(agency.waiting_cases.values()))[1]
    investigation.open_case(model, agency, first_waiting, testimony=True)  # adds to its lead
    assert next(iter(agency.waiting_cases.values()))[3] == 1
    model.week += model.params["case_wait_weeks"]
    waiting = len(agency.waiting_cases)
    investigation.open_waiting_cases(model, agency)
    assert not agency.waiting_cases
    column = simulation.model.registry.WEEKLY_INDEX["cases_dropped"]
    assert model.weekly_tally[column][agency.j] == waiting


def test_trials_beyond_the_prosecutors_capacity_wait_and_are_dropped_in_the_end():
    model = TraffickingModel(small({"run.scale": 0.3}, prosecutors=0), rng=2)
    agency = model.agencies[model.index_of["destination_a"]]
    assert agency.jurisdiction.trial_capacity == 0
    network = max(model.networks, key=lambda n: n.size)
    member = network.members[tr.EXPLOITER][0]
    member.set_status(tr.ON_TRIAL, "charged")
    member.case_jurisdiction = agency.j
    justice.trial(model, agency, member, network)
    assert agency.trials_waiting == 1 and member.status == tr.ON_TRIAL
    justice.trial(model, agency, member, network, waited=model.params["trial_wait_weeks"] - 1)
    assert agency.trials_waiting == 0 and member.status in (tr.RELEASED, tr.DESISTED)
    assert member.record[-1][1] == "case dropped"


def test_no_prosecutors_means_no_convictions_and_trials_dropped():
    outcomes = simulation.run(small(prosecutors=0), seed=1).outcomes
    assert outcomes["convictions"] == 0 and outcomes["trials_dropped"] > 0


def test_more_officers_give_diminishing_returns_in_convictions():
    """Past some size, more officers add fewer convictions per officer where they work:
    prosecution capacity, not the police, becomes the bottleneck, and trials are dropped.

    A claim about means, and convictions are noisy: 150 -> 600 officers adds 5.4 +/- 1.7
    convictions over seeds 1-24 (measured; 7.4 +/- 1.9 on seeds 9-24, 1.5 +/- 3.3 on seeds
    1-8, where two seeds alone can show a loss). The four seeds here (9-12) are a subset of
    the measured ones, not a guarantee: a failure on other seeds needs more seeds, not a looser
    bound."""
    runs = {officers: [simulation.run(small({"run.scale": 1.0, "run.weeks": 260,
                                             "jurisdictions.destination_a.officers": officers}),
                                      seed=s).jurisdictions["destination_a"]
                       for s in (9, 10, 11, 12)]
            for officers in (150, 600, 2400)}

    def destination_a(officers: int, outcome: str) -> float:
        return float(np.mean([run[outcome] for run in runs[officers]]))

    c1, c4, c16 = (destination_a(n, "convictions") for n in (150, 600, 2400))
    assert c4 > c1
    assert (c16 - c4) / 1800 < 0.5 * (c4 - c1) / 450
    assert destination_a(150, "trials_dropped") < 5 < destination_a(2400, "trials_dropped")


# -- labour cases --------------------------------------------------------------------------------

def test_labour_cases_gather_evidence_more_slowly():
    model = TraffickingModel(small({"run.scale": 0.2}, online_monitoring=0.0), rng=3)
    agency = model.agencies[model.index_of["destination_a"]]
    by_form = {}
    for network in model.networks:
        by_form.setdefault(network.form, network)
    sexual = Case(agency, by_form[0], opened=model.week - 20, proactive=False)
    labour = Case(agency, by_form[1], opened=model.week - 20, proactive=False)
    ratio = investigation.evidence(model, labour) / investigation.evidence(model, sexual)
    assert ratio == pytest.approx(model.params["labour_evidence"])


def test_some_labour_cases_end_in_lesser_convictions_and_none_of_the_others():
    outcomes = simulation.run(simulation.BASELINE, seed=4)
    assert outcomes.outcomes["lesser_convictions"] > 0
    none = simulation.run(small({"run.scale": 1.0, "parameters.labour_lesser_charge": 0.0}),
                          seed=4).outcomes
    assert none["lesser_convictions"] == 0


# -- victims weigh their options -----------------------------------------------------------------

def test_permits_and_compensation_change_what_coming_forward_is_worth():
    model = TraffickingModel(small({"run.scale": 0.1}), rng=5)
    d = jur(model)
    p = model.params
    worth = {}
    for regime in ("none", "conditional", "unconditional"):
        d.levers["residence_permit"] = regime
        worth[regime] = support.coming_forward(p, d)
    assert worth["none"] < worth["conditional"] < worth["unconditional"]
    assert worth["unconditional"] == pytest.approx(
        1 + p["permit_self_referral"] + p["compensation_self_referral"] * d.levers["compensation"])
    d.levers["compensation"] = 1.0
    assert support.coming_forward(p, d) > worth["unconditional"]
    d.levers["residence_permit"], d.levers["compensation"] = "conditional", 0.05


@pytest.mark.parametrize("regime", ["none", "unconditional"])
def test_unconditional_permits_raise_self_referral(regime):
    scale = {"run.scale": 1.0, "run.weeks": 260}
    base = mean_outcome("identified_self", (1, 2), scale, residence_permit="conditional")
    other = mean_outcome("identified_self", (1, 2), scale, residence_permit=regime)
    assert (other > 1.15 * base) if regime == "unconditional" else (other < base)


def test_compensation_raises_testimony():
    scale = {"run.scale": 1.0, "run.weeks": 260}
    # six seeds: on two the ratio varies from 1.04 to 1.5 (seeds 1-6: 1.29 on average, measured)
    seeds = tuple(range(1, 7))
    low = mean_outcome("victims_testifying", seeds, scale, compensation=0.0)
    high = mean_outcome("victims_testifying", seeds, scale, compensation=1.0)
    assert high > 1.15 * low


def test_the_policy_files_for_permits_and_compensation_load_and_change_their_levers():
    for name, lever, value in (("residence_permits", "residence_permit", "unconditional"),
                               ("compensation", "compensation", 0.6)):
        spec = simulation.load_scenario(simulation.SCENARIOS / f"{name}.toml")
        assert any(p.lever == lever and p.value == value for p in spec.policies)


# -- disruption ----------------------------------------------------------------------------------

def test_networks_that_end_are_counted_once_as_dismantled_or_dissolved():
    model = TraffickingModel(small(), rng=6).run()
    result = simulation.result_of(model)
    o = result.outcomes
    ended = sum(1 for n in model.living_networks.values() if not n.alive)
    assert ended == 0  # ended networks leave the model ...
    table = model.network_table  # (their rows stay, marked ended)
    assert len(table) > len(model.living_networks) == table.alive[: table.n].sum()
    weekly = result.timeseries
    assert o["networks_dissolved"] > o["networks_dismantled"] >= 0  # ... and are counted
    assert weekly["networks_dissolved"].sum() >= o["networks_dissolved"]
    assert o["leaders_arrested"] <= o["arrests"]
