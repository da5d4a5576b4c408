"""Offenders who are not organised networks (issue 24, ODD 6.10): lone, pair and family
operations beside organised networks."""

from __future__ import annotations

import math

import pytest

import simulation
from simulation.model.agents import trafficker as tr
from simulation.model.agents.network import FAMILY, LONE, ORGANISED, PAIR
from simulation.model.agents.enforcement import Case
from simulation.model.trafficking_model import TraffickingModel
from simulation.model.processes import investigation, network_response, region
from simulation.model.streams import chain

from conftest import small


def model_with(**params) -> TraffickingModel:
    return TraffickingModel(small({"run.scale": 0.2} | {f"parameters.{k}": v
                                                        for k, v in params.items()}), rng=3)


def test_kinds_are_drawn_with_their_shares():
    model = model_with(share_lone=0.3, share_pair=0.2, share_family=0.1)
    n = 20_000
    kinds = [region.offender_kind(model, chain(99, k)) for k in range(n)]
    for kind, share in ((LONE, 0.3), (PAIR, 0.2), (FAMILY, 0.1), (ORGANISED, 0.4)):
        seen = kinds.count(kind) / n
        assert seen == pytest.approx(share, abs=4 * math.sqrt(share * (1 - share) / n))


def test_a_small_operation_has_its_members_capacity_and_recruiters():
    model = model_with(share_lone=0.0, share_pair=0.0, share_family=0.0)
    assert all(n.kind == ORGANISED for n in model.networks)
    p = model.params
    for kind, size in ((LONE, 1), (PAIR, 2), (FAMILY, 3)):
        network = region.found_network(model, 0, 0, chain(7, size), kind=kind)
        assert network.kind == kind and network.size == size
        assert network.capacity(p) == int(p["victims_per_small_offender"] * size)
        assert network.recruiting == size  # everyone recruits
        assert network.visibility(p["security_visibility"]) == pytest.approx(
            p["small_visibility"])
    organised = max(model.networks, key=lambda n: n.size)
    assert organised.capacity(p) == p["victims_per_exploiter"] * len(
        organised.members[tr.EXPLOITER])
    assert organised.recruiting == len(organised.members[tr.RECRUITER])


def test_seeded_small_operations_hold_no_more_than_they_can_control():
    model = model_with(share_lone=0.3, share_pair=0.2, share_family=0.1)
    p = model.params
    small_ones = [n for n in model.networks if n.kind != ORGANISED]
    assert len(small_ones) > 10
    assert all(0 < len(n.victims) <= n.capacity(p) for n in small_ones)


def test_a_small_operation_hires_nobody_and_ends_with_its_last_member():
    model = model_with()
    pair = region.found_network(model, 0, 0, chain(8, 1), kind=PAIR)
    exploiter = pair.members[tr.EXPLOITER][0]
    exploiter.set_status(tr.DESISTED, "desisted")
    scheduled = []
    model.justice_calendar.schedule = lambda week, event: scheduled.append(event)
    network_response.lose_member(model, pair, exploiter, arrested=False)
    assert scheduled == []  # no replacement is scheduled
    assert pair.alive and pair.size == 1
    leader = pair.members[tr.LEADER][0]
    leader.set_status(tr.ARRESTED, "arrested")
    leader.network = None
    network_response.lose_member(model, pair, leader, arrested=True)
    assert not pair.alive


def test_a_case_against_a_small_operation_reaches_its_members_at_least_reach_small():
    model = model_with(reach_small=0.8)
    lone = region.found_network(model, 0, 0, chain(9, 1), kind=LONE)
    agency = model.agencies[0]
    case = Case(agency, lone, model.week, False, key=1)
    assert investigation.reach(model, case, tr.LEADER) == pytest.approx(
        min(model.params["reach_cap"], 0.8))
    organised = next(n for n in model.networks if n.kind == ORGANISED)
    case = Case(agency, organised, model.week, False, key=2)
    assert investigation.reach(model, case, tr.LEADER) < 0.8


def test_arrests_of_small_offenders_are_counted_apart():
    """With only lone traffickers every arrest is one of theirs; with none, none is."""
    def outcomes(share):
        scenario = small({"run.scale": 0.3, "parameters.share_lone": share,
                          "parameters.share_pair": 0.0, "parameters.share_family": 0.0})
        return [simulation.run(scenario, seed=s).outcomes for s in (1, 2)]

    assert all(o["small_offenders_arrested"] == 0 and o["arrests"] > 0 for o in outcomes(0.0))
    only_lone = outcomes(1.0)
    assert all(o["small_offenders_arrested"] == o["arrests"] for o in only_lone)
    assert sum(o["arrests"] for o in only_lone) > 0
