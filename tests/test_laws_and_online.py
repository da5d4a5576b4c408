"""Laws that differ across borders and technology on both sides (issue 18; docs/ODD.md 6.2,
6.5, 6.7, 6.8): dual criminality, harmonisation, online recruitment and its monitoring."""

from __future__ import annotations

import numpy as np
import pytest

import simulation
from simulation.model import events
from simulation.model.agents import Case
from simulation.model.trafficking_model import TraffickingModel
from simulation.model.processes import cross_border, identification, investigation, online
from simulation.model.registry import Form

from conftest import mean_outcome, small


def _members_abroad(model, agency, form):
    return [m for n in model.networks if n.form == form
            for ms in n.members.values() for m in ms if m.home != agency.j]


@pytest.mark.parametrize("harmonised", [False, True])
def test_a_request_where_the_law_does_not_cover_the_form_is_refused_unless_harmonised(harmonised):
    scenario = small({"run.scale": 0.5}, info_sharing=1.0, mutual_legal_assistance=1.0,
                     extradition=1.0, harmonisation=1.0 if harmonised else 0.0)
    model = TraffickingModel(scenario, rng=1)
    transit = model.index_of["transit"]
    assert not model.jurisdictions[transit].covers(Form.LABOUR)
    agency = model.agencies[model.index_of["destination_a"]]
    members = [m for m in _members_abroad(model, agency, Form.LABOUR) if m.home == transit]
    assert members
    for member in members:
        cross_border.request_abroad(model, agency, member, 1.0,
                                    Case(agency, member.network, model.week, False))
    column = simulation.model.registry.WEEKLY_INDEX["cross_border_refused"]
    refused = model.weekly_tally[column][agency.j]
    requested = sum(isinstance(e, events.Extradition)
                    for week in model.justice_calendar._weeks.values() for e in week)
    if harmonised:
        assert refused == 0 and requested == len(members)
    else:
        assert refused == len(members) and requested == 0


def test_harmonisation_policy_ends_refusals_and_covers_every_form():
    base = mean_outcome("cross_border_refused", (1, 2), {"run.scale": 1.0})
    spec = simulation.load_scenario(simulation.SCENARIOS / "harmonisation.toml")
    harmonised = float(np.mean([simulation.run(spec, seed=s).outcomes["cross_border_refused"]
                                for s in (1, 2)]))
    assert base > 0 and harmonised == 0


def test_monitoring_needs_platforms_for_its_full_effect():
    model = TraffickingModel(small({"run.scale": 0.1}), rng=2)
    p = model.params
    full = online.effective_monitoring(p, {"online_monitoring": 1.0, "platform_cooperation": 1.0})
    alone = online.effective_monitoring(p, {"online_monitoring": 1.0, "platform_cooperation": 0.0})
    assert full == 1.0 and alone == pytest.approx(1 - p["platform_gap"])
    d = model.jurisdictions[0]
    police = identification.ExitRoute.POLICE
    offline, recruited_online = d.visible_hazards[0][0], d.visible_hazards[0][4]
    assert recruited_online[police] - offline[police] == pytest.approx(
        identification.online_hazard(p, d))
    assert recruited_online[identification.ExitRoute.NGO] == offline[identification.ExitRoute.NGO]


def test_online_traces_add_evidence_and_reach_recruiters():
    model = TraffickingModel(small({"run.scale": 0.2}, online_monitoring=1.0,
                                   platform_cooperation=1.0), rng=3)
    agency = model.agencies[model.index_of["destination_a"]]
    network = max(model.networks, key=lambda n: n.online_share)
    case = Case(agency, network, opened=model.week, proactive=False)
    evidence = investigation.evidence(model, case)
    network.online_share, share = 0.0, network.online_share
    assert evidence - investigation.evidence(model, case) == pytest.approx(
        model.params["online_evidence"] * share)
    reach = investigation.reach(model, case, "recruiter")
    network.online_share = share
    assert investigation.reach(model, case, "recruiter") - reach == pytest.approx(
        model.params["online_reach_recruiter"] * share)


def test_monitoring_finds_victims_and_networks_move_recruitment_offline():
    scenario = small({"run.scale": 0.5}, online_monitoring=1.0, platform_cooperation=1.0)
    watched = TraffickingModel(scenario, rng=4).run()
    shares = [n.online_share / online.start_share(watched, n.form, n.origin)
              for n in watched.networks]
    assert np.mean(shares) < 0.6  # most online recruitment has moved offline
    low = mean_outcome("identified_online", (1, 2), online_monitoring=0.0)
    high = mean_outcome("identified_online", (1, 2), online_monitoring=1.0,
                        platform_cooperation=1.0)
    assert low == 0 and high > 5


def test_platform_cooperation_raises_what_monitoring_finds():
    # the whole region; networks also move further offline when monitoring bites, which
    # tempers the gain
    whole = {"run.scale": 1.0}
    low = mean_outcome("identified_online", (1, 2), whole, online_monitoring=1.0,
                       platform_cooperation=0.0)
    high = mean_outcome("identified_online", (1, 2), whole, online_monitoring=1.0,
                        platform_cooperation=1.0)
    assert high > 1.2 * low > 0


def test_an_origin_reached_more_online_gives_its_networks_more_online_recruitment():
    scenario = small({"run.scale": 0.3, "jurisdictions.origin_a.online_reach": 2.0})
    model = TraffickingModel(scenario, rng=5)
    p = model.params
    a, b = model.index_of["origin_a"], model.index_of["origin_b"]
    share = {j: [n.online_share / p[online.ONLINE_SHARE[n.form]] for n in model.networks
                 if n.origin == j] for j in (a, b)}
    assert share[a] and share[b]
    assert min(share[a]) > 1.5 and max(share[b]) == pytest.approx(1.0)
