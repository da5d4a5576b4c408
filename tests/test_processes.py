"""Each process's formulas, tested directly on a small built model (docs/ODD.md section 6),
and the machinery around them: every parameter is read by the model, parameters set in a
scenario reach the formulas, stale events are dropped, and the network cache agrees with the
agents.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import simulation
from simulation.model import events
from simulation.model.calendars import DEPARTURE, RETRAFFICKING, Calendar
from simulation.model.agents import Case, Victim
from simulation.model.agents import victim as vs
from simulation.studies.experiment import Experiment
from simulation.model.trafficking_model import TraffickingModel
from simulation.model.parameters import GROUPS, PARAMETERS, in_group, resolve_parameter_names
from simulation.model.processes import (confirmation, cross_border, deterrence, identification,
                                        investigation, justice, movement, recovery, referral,
                                        support)
from simulation.model.registry import Channel

from conftest import small


@pytest.fixture(scope="module")
def model():
    return TraffickingModel(small({"run.scale": 0.1}), rng=5)


def jur(model, name="destination_a"):
    return model.jurisdictions[model.index_of[name]]


# -- every parameter is real ---------------------------------------------------------------------

class Recording(dict):
    """A parameter table that remembers which names were read."""

    def __init__(self, values):
        super().__init__(values)
        self.read: set[str] = set()

    def __getitem__(self, name):
        self.read.add(name)
        return super().__getitem__(name)


def test_every_parameter_is_read_by_the_model(monkeypatch):
    import simulation.model.trafficking_model as model_module

    tables = []

    def recording(values):
        tables.append(Recording(model_module.run_values.__wrapped__(values)))
        return tables[-1]

    recording.__wrapped__ = model_module.run_values
    monkeypatch.setattr(model_module, "run_values", recording)
    # a region where every mechanism fires: cooperation, prosecution and shelters at work
    scenario = small({"run.scale": 0.3, "run.weeks": 104}, info_sharing=0.9,
                     mutual_legal_assistance=0.9, extradition=0.9, joint_investigations=0.5,
                     specialised_prosecution=0.5, financial_investigation=0.9,
                     digital_forensics=0.9)
    money = small({"run.scale": 0.3, "run.weeks": 104}, financial_investigation=0.9,
                  targeting="money")  # follow-the-money targeting reads its own parameters
    models = [TraffickingModel(spec, rng=seed).run()
              for seed, spec in ((1, scenario), (2, scenario), (1, money))]
    read = set().union(*(t.read for t in tables))
    # a victim's individual vulnerability is part of their profile, computed when read, and no
    # process reads it yet (ODD 6.2): its spread shapes no outcome. Listed here so that the
    # day a process reads it, this test says to take it off the list
    assert REPORTED_ONLY & read == set(), "read by a run: no longer reported only"
    assert set(PARAMETERS) - read == REPORTED_ONLY, "parameters the model never reads"
    models[0].victims.vulnerabilities([0])
    assert {"vulnerability_spread"} <= tables[0].read


REPORTED_ONLY = {"vulnerability_spread"}
"""Parameters that shape a victim's reported profile and nothing a run does."""


def test_every_parameter_name_is_written_out_in_the_models_code():
    """Every parameter can be found with grep: its name appears as a quoted string in the
    model's code (never built with an f-string)."""
    root = Path(simulation.__file__).parent / "model"
    code = "\n".join(p.read_text() for folder in ("processes", "agents")
                     for p in (root / folder).glob("*.py"))
    code += (root / "trafficking_model.py").read_text()
    missing = [name for name in PARAMETERS
               if f'"{name}"' not in code and f"'{name}'" not in code]
    assert missing == []


def test_parameters_have_a_unit_a_source_and_a_group():
    for p in PARAMETERS.values():
        assert p.label and p.unit and p.description and p.source, p.name
        assert p.group in GROUPS, p.name
        assert p.bounds[0] <= p.low < p.default < p.high <= p.bounds[1], p.name
    assert len(in_group("lever_effects")) >= 20


def test_a_parameter_set_in_a_scenario_reaches_its_formula():
    base = TraffickingModel(small({"run.scale": 0.1}), rng=1)
    changed = TraffickingModel(small({"run.scale": 0.1, "parameters.recognition_trained": 0.6,
                                      "parameters.trust_base": 0.3}), rng=1)
    a, b = jur(base), jur(changed)
    training = a.levers["training"]
    assert b.recognition == pytest.approx(0.25 + (0.6 - 0.25) * training)
    assert b.trust == pytest.approx(a.trust + 0.15)


def test_integer_parameters_are_whole_numbers_in_a_run():
    model = TraffickingModel(small({"run.scale": 0.1, "parameters.case_min_weeks": 9.4}), rng=1)
    assert model.params["case_min_weeks"] == 9 and isinstance(model.params["case_min_weeks"], int)


def test_group_patterns_select_parameters_in_experiments(tmp_path):
    assert resolve_parameter_names(["lever_effects.*"]) == in_group("lever_effects")
    assert resolve_parameter_names(["justice.reoffend", "training"]) == ["reoffend", "training"]
    exp = Experiment.model_validate({
        "name": "g", "scenarios": [str(simulation.BASELINE)],
        "design": {"method": "lhs", "samples": 3, "inputs": ["recovery.*", "training"]}})
    assert exp.input_names == in_group("recovery") + ["training"]
    assert exp.input_ranges["risk_fade_years"] == {"low": 0.5, "high": 3.0}
    for bad, message in ((["crime.*"], "unknown parameter group 'crime'"),
                         (["justice.nonsense"], "no parameter 'nonsense' in group 'justice'")):
        with pytest.raises(ValueError, match=message):
            Experiment.model_validate({
                "name": "g", "scenarios": [str(simulation.BASELINE)],
                "design": {"method": "lhs", "samples": 3, "inputs": bad}})


# -- identification (ODD 6.5) --------------------------------------------------------------------

def test_training_moves_recognition_from_untrained_to_trained_and_ends_misidentification(model):
    p = model.params
    for training in (0.0, 1.0):
        levers = {"training": training, "non_punishment": 0.0}
        assert identification.recognition(p, levers) == pytest.approx(
            p["recognition_untrained"] if training == 0 else p["recognition_trained"])
    assert identification.misidentification(p, {"training": 1.0, "non_punishment": 0.0}) == 0
    untrained = identification.misidentification(p, {"training": 0.0, "non_punishment": 0.0})
    assert untrained == pytest.approx(0.75 * p["misidentification"])
    protected = identification.misidentification(p, {"training": 0.0, "non_punishment": 1.0})
    assert protected == pytest.approx(untrained * (1 - p["non_punishment_effect"]))


def test_police_hazards_follow_officer_density_and_form_visibility(model):
    d = jur(model)
    hazards = identification.exit_hazards(model.params, d)
    police = hazards[identification.ExitRoute.POLICE]
    expected = (model.params["police_encounter_rate"] * d.per_100k("officers") / 10
                * d.recognition)
    assert police[0] == pytest.approx(expected)  # sexual exploitation: visibility 1
    assert police[1] == pytest.approx(expected * model.params["visibility_police_labour"])
    d.levers["officers"] *= 2
    try:
        doubled = identification.exit_hazards(model.params, d)[identification.ExitRoute.POLICE]
    finally:
        d.levers["officers"] /= 2
    np.testing.assert_allclose(doubled, 2 * police)


def test_each_exit_route_has_its_consequence(model):
    rows = [int(v) for pools in model.exploited for pool in pools for v in pool.items][:3]
    victims = [model.victims.view(v) for v in rows]
    before = list(model.weekly_tally[identification.IDENTIFIED_COL])
    referred = list(model.weekly_tally[referral.REFERRED_COL])
    j = victims[0].location
    saved, model.params["referral_removal"] = model.params["referral_removal"], 1.0
    try:  # a referral that takes the victim out of exploitation, then a positive decision
        identification.exit_exploitation(model, rows[0], j, identification.ExitRoute.NGO)
    finally:
        model.params["referral_removal"] = saved
    assert victims[0].status == vs.REFERRED and victims[0].identified_by is None
    assert model.weekly_tally[referral.REFERRED_COL][j] == referred[j] + 1
    assert model.weekly_tally[identification.IDENTIFIED_COL][j] == before[j]
    assert model.referrals.person[-1] == rows[0] and model.referrals.removed[-1]
    confirmation.confirm(model, rows[0], j, Channel.NGO)
    assert victims[0].status == vs.IDENTIFIED and victims[0].identified_by == Channel.NGO
    assert model.weekly_tally[identification.IDENTIFIED_COL][j] == before[j] + 1
    assert model.ngos[j].waiting[-1][0] == rows[0]
    identification.exit_exploitation(model, rows[1], j, identification.ExitRoute.MISIDENTIFIED)
    assert victims[1].status == vs.MISIDENTIFIED and victims[1].location == victims[1].origin
    identification.exit_exploitation(model, rows[2], j, identification.ExitRoute.ESCAPE)
    assert victims[2].status == vs.SELF_RESCUED
    assert all(v.slot == -1 and v.row not in v.network.victims for v in victims)
    assert sum(len(pool) for pools in model.exploited for pool in pools) == (
        model.victim_counts[vs.EXPLOITED])


# -- support (ODD 6.6) ---------------------------------------------------------------------------

def test_trust_adds_lever_effects_and_is_capped(model):
    p = model.params
    none = dict.fromkeys(["victim_centred", "witness_protection", "ngo_police_partnership",
                          "non_punishment"], 0.0)
    assert support.trust(p, none) == pytest.approx(p["trust_base"])
    assert support.trust(p, none | {"victim_centred": 1.0}) == pytest.approx(
        p["trust_base"] + p["trust_victim_centred"])
    assert support.trust(p | {"trust_base": 0.9}, dict.fromkeys(none, 1.0)) == 1.0


def test_witness_protection_lifts_testimony_against_intimidation(model):
    d = jur(model)
    low = support.testimony_propensity(model.params, d)
    d.levers["witness_protection"], saved = 1.0, d.levers["witness_protection"]
    try:
        high = support.testimony_propensity(model.params, d)
    finally:
        d.levers["witness_protection"] = saved
    p = model.params
    gain = 1 + p["permit_testimony_conditional"] + p["compensation_testimony"] * d.levers[
        "compensation"]  # the baseline's conditional permits and rare compensation
    assert d.levers["residence_permit"] == "conditional"
    assert high == pytest.approx(min(1.0, p["testimony_base"] * d.trust * gain))
    assert low < high


# -- investigation and justice (ODD 6.7-6.9) -----------------------------------------------------

def test_evidence_grows_with_weeks_and_testimony_and_is_capped(model):
    agency = model.agencies[model.index_of["destination_a"]]
    network = model.networks[0]
    p = model.params
    case = Case(agency, network, opened=model.week - 10, proactive=False)
    lv = agency.jurisdiction.levers
    techniques = (1 + p["evidence_digital"] * lv["digital_forensics"]
                  + p["evidence_financial"] * lv["financial_investigation"])
    online_traces = (p["online_evidence"] * agency.jurisdiction.online_monitoring
                     * network.online_share)
    weeks = 10 * (p["labour_evidence"] if network.form == 1 else 1)
    assert investigation.evidence(model, case) == pytest.approx(
        p["case_evidence_rate"] * weeks * techniques + online_traces)
    case.testimonies = 1
    assert investigation.evidence(model, case) == pytest.approx(
        p["case_evidence_rate"] * weeks * techniques + online_traces + p["testimony_evidence"])
    case.testimonies = 50
    assert investigation.evidence(model, case) == 1.0


def test_reach_rises_with_testimony_and_techniques_up_to_the_cap(model):
    agency = model.agencies[model.index_of["destination_a"]]
    organised = next(n for n in model.networks if n.organised)
    case = Case(agency, organised, opened=model.week, proactive=False)
    p = model.params
    lv = agency.jurisdiction.levers
    assert investigation.reach(model, case, "exploiter") == pytest.approx(p["reach_exploiter"])
    case.testimonies = 1
    assert investigation.reach(model, case, "leader") == pytest.approx(
        p["reach_leader"] + p["reach_testimony"] * p["reach_testimony_leader"]
        + p["reach_leader_digital"] * lv["digital_forensics"]
        + p["reach_leader_financial"] * lv["financial_investigation"])
    generous = model.params | {"reach_exploiter": 0.99}
    saved, model.params = model.params, generous
    try:
        assert investigation.reach(model, case, "exploiter") == p["reach_cap"]
    finally:
        model.params = saved


def test_no_conviction_where_the_law_does_not_cover_the_form(model):
    agency = model.agencies[model.index_of["destination_a"]]
    member = next(m for n in model.networks for ms in n.members.values() for m in ms)
    member.evidence, member.testimony = 1.0, True
    p = model.params
    chance = justice.conviction_probability(model, agency, member, 0)
    assert 0 < chance <= p["conviction_cap"]
    law = agency.jurisdiction.levers["criminalisation"]
    agency.jurisdiction.levers["criminalisation"] = ["labour"]
    try:
        assert justice.conviction_probability(model, agency, member, 0) == 0.0
    finally:
        agency.jurisdiction.levers["criminalisation"] = law
        del member.evidence, member.testimony


def test_joint_teams_close_part_of_the_gap_in_every_cooperation_lever(model):
    a, b = model.index_of["destination_a"], model.index_of["origin_a"]
    key = next(k for k in model.cooperation if set(k.split(":")) == {"destination_a", "origin_a"})
    levers = model.cooperation[key]
    saved = dict(levers)
    levers["joint_investigations"] = 1.0
    try:
        effective = cross_border.levers_between(model, a, b)
        e = model.params["joint_investigation_effect"]
        assert effective["info_sharing"] == pytest.approx(
            saved["info_sharing"] + (1 - saved["info_sharing"]) * e)
    finally:
        levers.update(saved)


def test_without_information_sharing_nobody_abroad_is_sought():
    scenario = small({"run.scale": 0.1}, info_sharing=0.0, joint_investigations=0.0)
    model = TraffickingModel(scenario, rng=2)
    agency = model.agencies[model.index_of["destination_a"]]
    members = [m for n in model.networks for ms in n.members.values() for m in ms
               if m.home != agency.j][:50]
    organised = next(n for n in model.networks if n.organised)
    case = Case(agency, organised, opened=model.week, proactive=False)
    for member in members:
        cross_border.request_abroad(model, agency, member, 1.0, case)
    assert not any(isinstance(e, events.Extradition)
                   for week in model.justice_calendar._weeks.values() for e in week)


# -- movement, recovery, deterrence --------------------------------------------------------------

def test_border_checks_follow_inspectors_and_are_capped(model):
    d = jur(model, "transit")
    p = model.params
    assert movement.border_check(p, d) == pytest.approx(
        min(p["border_check_cap"], p["border_encounter"] * d.per_100k("labour_inspections") / 10))
    assert movement.border_check(p | {"border_encounter": 100.0}, d) == p["border_check_cap"]


def test_retrafficking_chance_matches_the_fading_hazard():
    model = TraffickingModel(small({"run.scale": 0.1}), rng=3)
    victim = model.victims.view(
        next(int(v) for pools in model.exploited for pool in pools for v in pool.items))
    victim.status = vs.RETURNED
    p = model.params
    awareness = model.jurisdictions[victim.origin].levers["awareness"]
    h = p["retrafficking_hazard"] * p["retrafficking_risk_misidentified"] * (
        1 - p["awareness_retrafficking"] * awareness)
    expected = 1 - math.exp(-h * p["risk_fade_years"])
    n = 20000
    for i in range(n):  # as many people, each with their own stream key (the same person's
        victim.key = i  # episode always gets the same draw: common random numbers)
        recovery.schedule_retrafficking(model, victim.row, recovery.Exit.MISIDENTIFIED)
    scheduled = len(model.recovery_calendar)
    assert scheduled / n == pytest.approx(expected, abs=4 * math.sqrt(expected / n))


def test_perceived_certainty_moves_toward_what_traffickers_see():
    model = TraffickingModel(small({"run.scale": 0.1}), rng=4)
    j = model.index_of["destination_a"]
    before = model.certainty[j]
    for _ in range(20):
        deterrence.observe_conviction(model, j, 5.0)
    deterrence.update_perceptions(model)
    signal = 20 * 13 / max(model.active_traffickers[j], 1)
    assert model.certainty[j] == pytest.approx(
        before + model.params["risk_update_rate"] * (signal - before))
    network = model.networks[0]
    assert deterrence.expected_sanction(model, network, j) == pytest.approx(
        (model.perceptions.certainty_of[j] + model.params["hit_certainty"] * network.hits)
        * model.perceptions.severity_of[j])


# -- events and caches ---------------------------------------------------------------------------

def test_calendar_hands_over_a_weeks_events_in_order_once():
    calendar = Calendar()
    for name in "abc":
        calendar.schedule(3, name)
    calendar.schedule(4, "d")
    assert calendar.pop(3) == ["a", "b", "c"]
    assert calendar.pop(3) == []  # handed over once
    assert calendar.pop(4) == ["d"]


def test_journey_and_retrafficking_steps_act_only_on_live_events():
    model = TraffickingModel(small({"run.scale": 0.1}), rng=6)
    rows = [int(v) for pools in model.exploited for pool in pools for v in pool.items][:2]
    stale, live = (model.victims.view(v) for v in rows)
    for victim in (stale, live):
        victim.status = vs.RECRUITED
    week = model.week
    model.move_calendar.schedule(week, DEPARTURE, stale.row, stale.times_trafficked - 1)
    model.move_calendar.schedule(week, DEPARTURE, live.row, live.times_trafficked)
    movement.move(model)
    assert stale.status == vs.RECRUITED  # the stale departure did nothing
    assert live.status == vs.IN_TRANSIT
    assert len(model.move_calendar) == 1  # the live one's next step
    for victim in (stale, live):
        victim.status = vs.RETURNED
    times = live.times_trafficked
    model.recovery_calendar.schedule(week, RETRAFFICKING, stale.row, stale.times_trafficked + 1)
    model.recovery_calendar.schedule(week, RETRAFFICKING, live.row, times)
    recovery.recover(model)
    assert stale.status == vs.RETURNED and live.status == vs.RECRUITED
    assert live.times_trafficked == times + 1


def test_network_index_agrees_with_the_agents():
    model = TraffickingModel(small({"run.scale": 0.2}), rng=7)
    for _ in range(60):
        model.step()
        live, rates, market = model.network_index.with_rates()
        assert live == model.networks
        assert rates.tolist() == [n.recruit_base for n in model.networks]
        assert market.tolist() == [n.destination * 3 + n.form for n in model.networks]
    for origin in range(len(model.jurisdictions)):
        model.network_index.new_week_of_recruiting()
        found, keys, rates = model.network_index.recruiting_in(origin)
        assert found == [n for n in model.networks if n.origin == origin and n.recruit_base > 0]
        assert keys.tolist() == [n.key for n in found]
        assert rates.tolist() == [n.recruit_base for n in found]


def test_schedule_lists_every_process_in_odd_order():
    names = [what for _, what, _ in TraffickingModel.SCHEDULE]
    assert names[0].startswith("1 ") and names[-1].startswith("12 ")
    # the monthly market update (6.4.1), the ties survey (6.10) and five monthly processes of
    # 10-11 (issue 24)
    assert [when for when, _, _ in TraffickingModel.SCHEDULE].count("monthly") == 7


def test_victims_recruited_take_their_forms_profile():
    model = TraffickingModel(small({"run.scale": 0.1}), rng=8)
    network = next(n for n in model.networks if n.form == 0)
    from simulation.model.processes import recruitment

    recruits = [model.victims.view(v)
                for v in recruitment.new_victims(model, [(network, 4000)])]
    female = np.mean([v.sex == "female" for v in recruits])
    p = model.params["female_share_sexual"]
    assert female == pytest.approx(p, abs=4 * math.sqrt(p * (1 - p) / 4000))
    origin_v = model.jurisdictions[network.origin].vulnerability
    spread = model.params["vulnerability_spread"]
    vul = [v.vulnerability for v in recruits if isinstance(v, Victim)]
    assert min(vul) >= origin_v * (1 - spread) - 1e-12
    assert max(vul) <= min(1.0, origin_v * (1 + spread)) + 1e-12
