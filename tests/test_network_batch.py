"""The month's review and the week's recruiters work out many networks' online shares and
recruitment rates in one pass (``online.adjust_many``, ``recruitment.update_rates``): each must
be the very number the network gets on its own (``online.adjust``, ``recruitment.update_rate``;
their formulas are tests/test_formulas.py's), bit for bit, whatever the networks before it in
the pass, including networks at capacity (no recruitment) and networks with a memory of hits."""

from __future__ import annotations

from simulation.model.trafficking_model import TraffickingModel
from simulation.model.processes import online, recruitment

from conftest import small


def _model() -> TraffickingModel:
    model = TraffickingModel(small(), rng=3)
    for _ in range(30):
        model.step()
    networks = model.networks
    assert len(networks) >= 4
    # spread the states the formulas read, so that every factor matters
    for i, n in enumerate(networks):
        n.security = (i % 5) / 5
        n.hits = (i % 3) * 0.7
        n.online_share = (i % 4) / 4
    return model


def test_update_rates_gives_each_network_its_own_update_rate():
    model = _model()
    networks = model.networks
    one_by_one = []
    for n in networks:
        recruitment.update_rate(model, n)
        one_by_one.append(n.recruit_base)
        n.recruit_base = -1.0
    recruitment.update_rates(model, networks)
    assert [n.recruit_base for n in networks] == one_by_one
    full = [len(n.victims) >= n.capacity(model.params) for n in networks]
    assert any(full) and all(r == 0.0 for r, f in zip(one_by_one, full) if f)
    assert len({r for r in one_by_one if r > 0}) > 1


def test_adjust_many_gives_each_network_its_own_adjustment():
    model = _model()
    networks = model.networks
    before = [n.online_share for n in networks]
    one_by_one = []
    for n in networks:
        online.adjust(model, n)
        one_by_one.append(n.online_share)
    for n, share in zip(networks, before):
        n.online_share = share
    online.adjust_many(model, networks)
    assert [n.online_share for n in networks] == one_by_one
    assert one_by_one != before
