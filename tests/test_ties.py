"""Networks as social structures (issue 24, ODD 6.7 and 6.10): ties, what a loss cuts off,
brokers, targeting strategies, graded disruptions and the measures of a network."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

import simulation
from simulation.model.agents import trafficker as tr
from simulation.model.trafficking_model import TraffickingModel
from simulation.model.outcomes import summarise
from simulation.model.processes import network_response, ties
from simulation.model.registry import WEEKLY_COLUMNS, WEEKLY_INDEX

from conftest import small


def built(fragment_loss: float = 1.0, seed: int = 1) -> TraffickingModel:
    return TraffickingModel(small({"run.scale": 0.2,
                                   "parameters.fragment_loss": fragment_loss}), rng=seed)


def wire(network, edges) -> None:
    """Replace a network's ties by ``edges`` between its members (by position)."""
    members = network.roster
    for m in members:
        ties.detach(m, network)
    for a, b in edges:
        ties.tie(members[a], members[b])


def lose(model, network, member) -> None:
    member.set_status(tr.DESISTED, "desisted")
    network_response.lose_member(model, network, member, arrested=False)


def test_losing_a_central_member_costs_more_than_a_peripheral_one_of_the_same_role():
    """Two copies of the same built network (leader 0, exploiters 1-4): exploiter 1 is the
    bridge to exploiters 2 and 3; exploiter 4 hangs off the leader alone. Losing the bridge
    cuts two members off (they drop out at fragment_loss 1); losing the leaf cuts nobody."""
    sizes = {}
    for victim in ("central", "peripheral"):
        model = built(fragment_loss=1.0)
        network = next(n for n in model.networks if len(n.members[tr.EXPLOITER]) >= 4)
        members = network.roster
        leader = members[0]
        exploiters = network.members[tr.EXPLOITER][:4]
        others = [m for m in members if m is not leader and m not in exploiters]
        order = [leader, *exploiters, *others]
        idx = {m: i for i, m in enumerate(order)}
        edges = [(0, idx[exploiters[0]]), (idx[exploiters[0]], idx[exploiters[1]]),
                 (idx[exploiters[0]], idx[exploiters[2]]), (0, idx[exploiters[3]])]
        edges += [(0, idx[m]) for m in others]
        for m in members:
            ties.detach(m, network)
        for a, b in edges:
            ties.tie(order[a], order[b])
        before = network.size
        gone = exploiters[0] if victim == "central" else exploiters[3]
        assert len(exploiters[0].ties) == 3 and len(exploiters[3].ties) == 1
        lose(model, network, gone)
        sizes[victim] = before - network.size
    assert sizes == {"central": 3, "peripheral": 1}


def test_in_built_networks_the_hub_cuts_off_more_than_a_leaf_of_the_same_role_on_average():
    """Over the networks the model founds (preferential attachment, default parameters):
    removing the best-connected exploiter cuts off more members than removing the
    least-connected one."""
    cut = {"hub": [], "leaf": []}
    for pick in ("hub", "leaf"):
        model = built(fragment_loss=1.0, seed=3)
        for network in [n for n in model.networks if len(n.members[tr.EXPLOITER]) >= 3]:
            exploiters = sorted(network.members[tr.EXPLOITER],
                                key=lambda m: (len(m.ties), m.key))
            gone = exploiters[-1] if pick == "hub" else exploiters[0]
            before = network.size
            lose(model, network, gone)
            cut[pick].append(before - (network.size if network.alive else 0) - 1)
    assert len(cut["hub"]) >= 20
    assert np.mean(cut["hub"]) > np.mean(cut["leaf"]) + 0.2
    assert np.mean(cut["leaf"]) < 0.1  # a leaf holds nobody


def test_a_cut_off_member_rewires_instead_when_drop_out_is_impossible():
    model = built(fragment_loss=0.0)
    network = max(model.networks, key=lambda n: n.size)
    members = network.roster
    # a chain leader - 1 - 2 - 3 ...: losing member 1 cuts off the rest of the chain
    wire(network, [(i, i + 1) for i in range(len(members) - 1)])
    before = network.size
    lose(model, network, members[1])
    assert network.size == before - 1
    assert ties.cut_off(network) == []  # everyone rewired to the leader's component
    assert model.weekly_tally[WEEKLY_INDEX["members_cut_off"]] == [0.0] * len(
        model.jurisdictions)


def test_founders_become_hubs_and_tie_counts_stay_consistent_through_a_run():
    model = TraffickingModel(small({"run.scale": 0.2, "run.weeks": 104}), rng=4)
    founded = [n for n in model.networks if n.size >= 5]
    leader_ties = np.mean([len(n.leader.ties) for n in founded])
    other_ties = np.mean([len(m.ties) for n in founded for m in n.roster
                          if m is not n.leader])
    assert leader_ties > 1.5 * other_ties
    model.run()
    for network in model.networks:
        members = network.roster
        assert network.n_ties == sum(len(m.ties) for m in members) // 2
        assert all(o in members for m in members for o in m.ties), "ties stay inside"
        assert ties.cut_off(network) == [], "every member reaches the leader"


def test_measures_agree_with_networkx():
    model = TraffickingModel(small({"run.scale": 0.2}), rng=5)
    for network in [n for n in model.networks if n.size > 2][:30]:
        g = network.graph()
        m = ties.measures(network)
        assert m["density"] == pytest.approx(nx.density(g))
        assert m["ties"] == g.number_of_edges() == network.n_ties
        leader = network.leader
        assert m["leader_betweenness"] == pytest.approx(
            nx.betweenness_centrality(g)[leader.key])
        assert m["connected_share"] == 1.0


def test_survey_sums_ties_and_pairs_by_destination():
    model = TraffickingModel(small({"run.scale": 0.2}), rng=6)
    ties.survey(model)
    for j in range(len(model.jurisdictions)):
        here = [n for n in model.networks if n.destination == j]
        assert model.structure[0, j] == sum(n.graph().number_of_edges() for n in here)
        assert model.structure[1, j] == sum(n.size * (n.size - 1) / 2 for n in here)


def test_graded_disruptions_follow_the_shares_lost():
    model = built()
    network = max(model.networks, key=lambda n: n.size)
    col = {c: WEEKLY_INDEX[c] for c in ("disruptions_major", "disruptions_moderate",
                                        "disruptions_minor")}
    j = network.destination

    def graded(size_before, lost, leader_lost):
        model.weekly_tally = model._empty_tally()
        network.recovering = None
        network_response.grade_hit(model, network, size_before, lost, leader_lost)
        return [k for k, c in col.items() if model.weekly_tally[c][j]]

    assert graded(8, 4, False) == ["disruptions_major"]
    assert graded(8, 2, False) == ["disruptions_moderate"]
    assert graded(8, 1, True) == ["disruptions_moderate"]
    assert graded(8, 1, False) == ["disruptions_minor"]
    assert graded(8, 0, True) == []
    assert network.recovering is None  # a hit that cost nothing starts no recovery


def test_a_hit_network_counts_as_recovered_once_back_to_its_size():
    model = built()
    network = max(model.networks, key=lambda n: n.size)
    size = network.size
    model.week = 10
    network_response.grade_hit(model, network, size + 1, 1, False)
    assert network.recovering == (10, size + 1)
    model.week = 17
    network_response.fill_role(model, network, tr.EXPLOITER)
    j = network.destination
    assert model.weekly_tally[WEEKLY_INDEX["networks_recovered"]][j] == 1
    assert model.weekly_tally[WEEKLY_INDEX["recovery_weeks"]][j] == 7
    assert network.recovering is None


def test_a_broker_tie_lives_while_the_partner_network_does():
    model = TraffickingModel(small({"run.scale": 0.2, "parameters.broker_share": 1.0}), rng=7)
    brokered = [n for n in model.networks if ties.has_broker(n)]
    assert len(brokered) > 0.8 * len(model.networks)
    network = brokered[0]
    partner = next(o.network for m in network.roster for o in m.links)
    network_response.end_network(model, partner, dismantled=False)
    assert not any(o.network is partner and partner.alive
                   for m in network.roster for o in m.links)
    assert all(not m.links for m in partner.roster)


def test_disruption_ratios_come_from_the_sums():
    weeks, n = 10, 2
    series = np.zeros((weeks, len(WEEKLY_COLUMNS), n))
    series[:, WEEKLY_INDEX["networks_dismantled"], 0] = 1  # 10 dismantled, 30 dissolved
    series[:, WEEKLY_INDEX["networks_dissolved"], 1] = 3
    series[:, WEEKLY_INDEX["networks_recovered"], 0] = 2
    series[:, WEEKLY_INDEX["recovery_weeks"], 0] = 10
    series[:, WEEKLY_INDEX["assets_seized"], 0] = 1
    series[:, WEEKLY_INDEX["criminal_revenue"], 0] = 50
    series[:, WEEKLY_INDEX["network_ties"], 0] = 3
    series[:, WEEKLY_INDEX["member_pairs"], 0] = 12
    series[-1, WEEKLY_INDEX["leader_betweenness_total"], 1] = 1.5
    series[-1, WEEKLY_INDEX["networks_measured"], 1] = 3
    region, per_j = summarise(series, burn_in=0)
    assert region["enforcement_share_of_endings"] == pytest.approx(10 / 40)
    assert region["mean_recovery_weeks"] == pytest.approx(5.0)
    assert region["share_confiscated"] == pytest.approx(1 / 50)
    assert region["network_density"] == pytest.approx(0.25)
    assert region["leader_betweenness"] == pytest.approx(0.5)
    assert math.isnan(per_j[0]["leader_betweenness"])


# -- targeting strategies: direction --------------------------------------------------------------

SEEDS = (1, 2, 3, 4, 5, 6)


def totals(name: str, targeting: str) -> np.ndarray:
    scenario = small({"run.scale": 0.3}, targeting=targeting)
    return np.array([simulation.run(scenario, seed=s).outcomes[name] for s in SEEDS])


@pytest.mark.parametrize("strategy, outcome", [
    ("leaders", "leaders_arrested"),
    ("key_players", "central_members_arrested"),
])
def test_a_targeting_strategy_raises_what_it_targets(strategy, outcome):
    """Paired over seeds against volume enforcement: the strategy's own target rises."""
    volume, targeted = totals(outcome, "volume"), totals(outcome, strategy)
    diff = targeted - volume
    assert diff.mean() > 0
    assert diff.mean() > 2 * diff.std(ddof=1) / math.sqrt(len(SEEDS))


def test_following_the_money_finds_more_assets_and_aims_at_rich_networks():
    """Follow-the-money targeting: a conviction forfeits ``money_forfeiture_gain`` more of the
    forfeitable assets, and proactive work picks networks in proportion to visibility x size
    x (1 + money_target_weight x assets / mean assets)."""
    from simulation.model.processes import investigation, justice

    model = TraffickingModel(small({"run.scale": 0.2}, asset_forfeiture=0.4,
                                   financial_investigation=0.2), rng=8)
    p = model.params
    agency = model.agencies[0]
    network = max(model.networks, key=lambda n: n.size)
    network.assets = 1000.0
    member = network.members[tr.EXPLOITER][0]
    volume = justice.forfeiture(model, agency, network, member)
    agency.jurisdiction.levers["targeting"] = "money"
    money = justice.forfeiture(model, agency, network, member)
    found = p["forfeiture_floor"] + p["forfeiture_financial"] * 0.2
    assert money / volume == pytest.approx(min(1.0, found + p["money_forfeiture_gain"]) / found)

    # the weights of the proactive target's race (streams.race is tested on its own)
    targets = model.networks_known_in[agency.j]
    for i, t in enumerate(targets):
        t.assets = 100.0 * i
    seen = []

    class Spy:
        def __init__(self, streams):
            self._streams = streams

        def poisson(self, *args):
            return 1

        def race(self, name, parts, keys, weights):
            seen.append(np.array(weights))
            return self._streams.race(name, parts, keys, weights)

        def __getattr__(self, name):
            return getattr(self._streams, name)

    model.streams = Spy(model.streams)
    investigation.open_proactive_cases(model, agency)
    assets = np.array([t.assets for t in targets])
    base = np.array([t.visibility(p["security_visibility"]) * t.size for t in targets])
    assert seen[0] == pytest.approx(base * (1 + p["money_target_weight"] * assets
                                            / assets.mean()))
    agency.jurisdiction.levers["targeting"] = "volume"
    investigation.open_proactive_cases(model, agency)
    assert seen[1] == pytest.approx(base)


def test_a_networks_graph_does_not_depend_on_the_order_of_sets():
    """Ties are sets, iterated in an order that follows memory addresses; the graph adds its
    edges by member (role order) and then by the neighbour's key, so its adjacency order (and
    the last bits of the betweenness networkx sums over it) is the same in any process."""
    model = TraffickingModel(small({"run.scale": 0.2}), rng=9)
    checked = 0
    for network in [n for n in model.networks if n.size > 3][:20]:
        members = network.roster
        adjacency: dict[int, list[int]] = {m.key: [] for m in members}
        for a in members:
            for b in sorted(a.ties, key=lambda t: t.key):
                if a.key < b.key:
                    adjacency[a.key].append(b.key)
                    adjacency[b.key].append(a.key)
        g = network.graph()
        assert {k: list(g.adj[k]) for k in g} == adjacency
        checked += 1
    assert checked >= 10


def test_following_the_money_seizes_more_per_conviction_over_whole_runs():
    """Direction of the money strategy over whole runs, paired over seeds: assets seized per
    conviction rise (more of each convicted network's assets found, richer networks targeted).
    Per conviction, because a small run convicts few enough for their number to swamp it."""
    def per_conviction(targeting):
        scenario = small({"run.scale": 0.3}, targeting=targeting, financial_investigation=0.5,
                         asset_forfeiture=0.4)
        out = [simulation.run(scenario, seed=s).outcomes for s in SEEDS]
        return np.array([o["assets_seized"] / max(o["convictions"], 1) for o in out])

    diff = per_conviction("money") - per_conviction("volume")
    assert diff.mean() > 2 * diff.std(ddof=1) / math.sqrt(len(SEEDS))
