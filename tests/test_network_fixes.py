"""The network bugs found in the review of the core (issue 12), each pinned by a test that
failed before its fix (docs/ODD.md sections 5 and 6.10)."""

from __future__ import annotations

import numpy as np
import pytest

from simulation.agents import trafficker as tr
from simulation.model import TraffickingModel
from simulation.processes import network_response, region

from conftest import small


class FixedUniform:
    """The model's numpy generator, except that ``random()`` with no arguments returns ``u``."""

    def __init__(self, rng, u: float) -> None:
        self._rng, self._u = rng, u

    def random(self, *args, **kwargs):
        return self._u if not args and not kwargs else self._rng.random(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._rng, name)


def arrest_leader(model, network, u: float) -> None:
    """Arrest ``network``'s leader with the leader-loss draw fixed at ``u``."""
    leader = network.members[tr.LEADER][0]
    leader.set_status(tr.ARRESTED, "arrested")
    leader.network = None
    real, model.rng = model.rng, FixedUniform(model.rng, u)
    try:
        network_response.lose_member(model, network, leader, arrested=True)
    finally:
        model.rng = real


def fire_all_justice_events(model) -> None:
    for week in sorted(model.justice_calendar._weeks):
        model.week = week
        model.justice_calendar.fire_due(week, model)


def test_a_promoted_leader_is_not_joined_by_a_second_one():
    model = TraffickingModel(small({"run.scale": 0.2}), rng=1)
    networks = sorted(model.networks, key=lambda n: -n.size)[:10]
    for network in networks:
        arrest_leader(model, network, u=0.999)  # neither split nor collapse: promotion
        assert network.alive and len(network.members[tr.LEADER]) == 1
    fire_all_justice_events(model)
    assert [len(n.members[tr.LEADER]) for n in networks if n.alive] == [1] * 10
