"""The network bugs found in the review of the core (issue 12), each pinned by a test that
failed before its fix (docs/ODD.md sections 5 and 6.10)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.model.agents import trafficker as tr
from simulation.model.trafficking_model import TraffickingModel
from simulation.model.processes import justice, network_response, region

from conftest import small


class FixedDecision:
    """The model's streams, except that decision ``name`` always draws ``u``."""

    def __init__(self, streams, name: str, u: float) -> None:
        self._streams, self._name, self._u = streams, name, u

    def uniform(self, name, *parts):
        return self._u if name == self._name else self._streams.uniform(name, *parts)

    def __getattr__(self, name):
        return getattr(self._streams, name)


def arrest_leader(model, network, u: float) -> None:
    """Arrest ``network``'s leader with the leader-loss draw fixed at ``u``."""
    leader = network.members[tr.LEADER][0]
    leader.set_status(tr.ARRESTED, "arrested")
    leader.network = None
    real, model.streams = model.streams, FixedDecision(model.streams, "leader loss", u)
    try:
        network_response.lose_member(model, network, leader, arrested=True)
    finally:
        model.streams = real


def fire_all_justice_events(model) -> None:
    for week in sorted(model.justice_calendar._weeks):
        model.week = week
        justice.carry_out_due(model)


def test_a_promoted_leader_is_not_joined_by_a_second_one():
    model = TraffickingModel(small({"run.scale": 0.2}), rng=1)
    networks = sorted(model.networks, key=lambda n: -n.size)[:10]
    for network in networks:
        arrest_leader(model, network, u=0.999)  # neither split nor collapse: promotion
        assert network.alive and len(network.members[tr.LEADER]) == 1
    fire_all_justice_events(model)
    assert [len(n.members[tr.LEADER]) for n in networks if n.alive] == [1] * 10


def test_a_small_network_that_loses_its_leader_collapses_with_the_collapse_probability():
    model = TraffickingModel(small({"run.scale": 0.2}), rng=2)
    p = model.params
    between = (p["collapse_probability"] + p["leader_split_probability"]
               + p["collapse_probability"]) / 2  # above the collapse chance, below split + it
    organised = sorted((n for n in model.networks if n.organised), key=lambda n: n.size)
    network = organised[0]
    assert 1 < network.size < p["split_min_size"]
    arrest_leader(model, network, u=between)
    assert network.alive  # carries on under a promoted leader
    other = organised[1]
    arrest_leader(model, other, u=p["collapse_probability"] / 2)
    assert not other.alive


def test_a_large_network_splits_collapses_or_promotes_by_one_draw():
    model = TraffickingModel(small({"run.scale": 0.2}), rng=3)
    p = model.params
    split, collapse = p["leader_split_probability"], p["collapse_probability"]
    large = [n for n in sorted(model.networks, key=lambda n: -n.size)][:3]
    count = len(model.networks)
    arrest_leader(model, large[0], u=split / 2)
    assert large[0].alive and len(model.networks) == count + 1  # split
    arrest_leader(model, large[1], u=split + collapse / 2)
    assert not large[1].alive  # collapsed
    arrest_leader(model, large[2], u=(split + collapse + 1) / 2)
    assert large[2].alive and len(large[2].members[tr.LEADER]) == 1  # promoted


@pytest.mark.parametrize("victims, recruiters", [(0, 1), (5, 1), (7, 1), (8, 1), (22, 1),
                                                 (23, 2), (40, 3)])
def test_founding_gives_one_recruiter_per_fifteen_victims_and_at_least_one(victims, recruiters):
    model = TraffickingModel(small({"run.scale": 0.2}), rng=4)
    network = region.found_network(model, 0, model.index_of["destination_a"], key=99,
                                   n_victims=victims)
    assert len(network.members[tr.RECRUITER]) == recruiters


def test_victims_placed_at_the_start_follow_the_recruits_profiles():
    model = TraffickingModel(small({"run.scale": 1.0}), rng=5)

    placed = list(model.victims.views())
    p = model.params
    for form, name in enumerate(("sexual", "labour", "criminal")):
        group = [v for v in placed if v.form == form]
        female = np.mean([v.sex == "female" for v in group])
        child = np.mean([v.age_group == "child" for v in group])
        n = len(group)
        for share, expected in ((female, p[f"female_share_{name}"]),
                                (child, p[f"child_share_{name}"])):
            assert share == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / n))
    spread = {round(v.vulnerability / model.jurisdictions[v.origin].vulnerability, 6)
              for v in placed if v.vulnerability < 1}
    assert len(spread) > 100  # individual vulnerability varies, as for recruits


def test_a_domestic_network_that_relocates_stays_domestic():
    model = TraffickingModel(small({"run.scale": 0.5}), rng=6)
    moved = 0
    for network in [n for n in model.networks if n.origin == n.destination]:
        role = model.jurisdictions[network.destination].role
        others = [j for j in model.markets.like(network.form, role) if j != network.destination]
        if not others:
            continue
        network_response.relocate(model, network, others[0])
        assert network.route == [others[0]] and network.origin == network.destination
        assert {m.home for ms in network.members.values() for m in ms} == {others[0]}
        moved += 1
    assert moved > 5


def test_profiles_drawn_at_once_are_each_persons_own_draws():
    # recruitment.draw_profiles (recruits and the victims a run starts with) gives every row
    # the sex, age and vulnerability recruitment.profile draws from that person's own key, and
    # whether they were recruited online as online.recruited_online would
    from simulation.model.processes import recruitment

    model = TraffickingModel(small({"run.scale": 0.5}), rng=8)
    victims = model.victims
    rows = np.arange(victims.n)
    assert len(rows) > 100
    for v in rows[:: max(1, len(rows) // 200)].tolist():
        male, child, vulnerability = recruitment.profile(
            model, int(victims.form[v]), int(victims.origin[v]), int(victims.key[v]))
        assert (bool(victims.male[v]), bool(victims.child[v])) == (male, child)
        assert victims.vulnerabilities([v])[0] == vulnerability
        network = model.network_of(int(victims.network[v]))  # (just built: all alive)
        assert bool(victims.online[v]) == (model.streams.uniform("online", victims.rkey_of(v))
                                           < network.online_share)


def test_an_initial_spell_older_than_a_16_bit_week_is_refused_not_wrapped(monkeypatch):
    # weeks are stored in 16 bits (clock.NO_WEEK); an initial spell's age is the one week a
    # run draws rather than reaches, so it is checked: a wrapped week would silently turn a
    # spell hundreds of years old into one that starts in the future
    from simulation.model.clock import EARLIEST_WEEK, NO_WEEK
    from simulation.model.records import SpellLog

    model = TraffickingModel(small({"run.scale": 0.1}), rng=1)
    network = next(iter(model.living_networks.values()))
    monkeypatch.setattr(region, "geometrics", lambda u, p: np.full(len(u), -EARLIEST_WEEK + 10))
    with pytest.raises(OverflowError, match="initial_spell_weeks"):
        region.place_initial_victims(model, network, 3, 0.01)
    log = SpellLog()  # the log holds the extremes, and tells an open spell from any week
    log.open_many(np.arange(2), np.array([EARLIEST_WEEK, 2**15 - 1]), 0, np.zeros(2, np.int8),
                  np.zeros(2, np.int8))
    log.close_many(np.array([1]), 2**15 - 1)
    assert list(log.start) == [EARLIEST_WEEK, 2**15 - 1]
    assert list(log.end) == [NO_WEEK, 2**15 - 1] and log.OPEN == NO_WEEK
