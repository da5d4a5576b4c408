"""Conservation and reproducibility of the core model."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections import Counter

import mesa
import numpy as np
import pandas as pd
import pytest

import simulation
from simulation.model.agents import Trafficker
from simulation.model.agents import trafficker as tr
from simulation.model.agents import victim as vs
from simulation.model.trafficking_model import TraffickingModel
from simulation.model.processes import justice, network_response
from simulation.model.registry import CHANNELS, OUTCOME_NAMES, WEEKLY_COLUMNS

from conftest import BASELINE, small


def _check_week(model: TraffickingModel, seen: dict | None = None,
                left: list | None = None) -> None:
    """The week's invariants. ``seen`` (the traffickers registered last week, by id) and
    ``left`` (those who have left the registry so far) let a run check who leaves it."""
    victims = model.victims.views()
    statuses = Counter(v.status for v in victims)
    assert set(statuses) <= set(vs.STATUSES)
    assert sum(statuses.values()) == len(victims)
    assert all(model.victim_counts[s] == statuses.get(s, 0) for s in vs.STATUSES)
    assert min(model.victim_counts.values()) >= 0
    # the exploited pools hold exactly the exploited victims, each where it is
    pooled = [int(v) for pools in model.exploited for pool in pools for v in pool.items]
    assert len(pooled) == len(set(pooled)) == statuses.get(vs.EXPLOITED, 0)
    assert all(model.victims.view(v).status == vs.EXPLOITED for v in pooled)
    for j, pools in enumerate(model.exploited):
        for f, pool in enumerate(pools):
            views = [model.victims.view(int(v)) for v in pool.items]
            assert all(v.location == j and v.form == f for v in views)
            assert [v.slot for v in views] == list(range(len(pool)))
            assert pool.keys.tolist() == [v.rkey for v in views]

    # traffickers who left the game (desisted) leave the model's registry: the registered ones
    # are exactly those in the other statuses, and the model's counts hold both
    traffickers = list(model.traffickers)
    assert all(isinstance(t, Trafficker) for t in traffickers)
    # a trafficker's identity (unique_id: their stream key) and a network's are unique
    assert len({t.unique_id for t in traffickers}) == len(traffickers)
    assert len({n.unique_id for n in model.networks}) == len(model.networks)
    t_statuses = Counter(t.status for t in traffickers)
    assert t_statuses[tr.DESISTED] == 0
    assert all(model.trafficker_counts[s] == t_statuses.get(s, 0) for s in tr.STATUSES
               if s != tr.DESISTED)
    assert min(model.trafficker_counts.values()) >= 0
    if seen is not None:  # whoever left the registry since last week left it by desisting
        now = {id(t): t for t in traffickers}
        gone = [t for i, t in seen.items() if i not in now]
        assert all(t.status == tr.DESISTED for t in gone)
        left.extend(gone)
        assert model.trafficker_counts[tr.DESISTED] >= len(left)
        seen.clear()
        seen.update(now)
    # active, in custody or gone, never two at once: every active member is in exactly one
    # live network's roster, and nobody else is on a roster
    rostered = [m for n in model.networks for ms in n.members.values() for m in ms]
    assert len(rostered) == len(set(map(id, rostered)))
    assert {id(t) for t in traffickers if t.status == tr.ACTIVE} == set(map(id, rostered))
    active_by_home = np.bincount([t.home for t in traffickers if t.status == tr.ACTIVE],
                                 minlength=len(model.jurisdictions))
    assert np.array_equal(active_by_home, model.active_traffickers)
    # what each network keeps of its rosters (size, and rosters() for desistance) is what the
    # rosters and workplaces say now
    for n in model.networks:
        assert n.size == sum(len(ms) for ms in n.members.values())
        kept = n.rosters()
        n.moved()  # forget it: worked out afresh
        assert n.rosters() == kept
    # the networks' table (what the victims' passes read) agrees with every live network, marks
    # every other number as ended, and every victim's network number is one the run founded
    table = model.network_table
    live = np.array([n.unique_id for n in model.networks], dtype=np.int64)
    assert live.tolist() == sorted(model.living_networks) and len(table) >= len(live)
    assert table.alive[: table.n].sum() == len(live) and table.alive[live].all()
    for n in model.networks:
        i = n.unique_id
        assert (table.key[i], table.exposure[i]) == (n.key, n.exposure)
        assert (table.destination[i], table.route_len[i]) == (n.destination, len(n.route))
    numbers = model.victims.network[: len(model.victims)]
    assert numbers.min() >= 1 and numbers.max() < table.n
    assert all(model.network_of(int(model.victims.network[v])) is n
               for n in model.networks for v in n.victims)
    assert (model.prisoners >= 0).all()
    assert (model.series[: model.steps] >= 0).all()


def test_every_victim_and_trafficker_in_exactly_one_status_every_week():
    # more officers and prosecutors than the baseline's, so that the small region's three years
    # take traffickers through the whole justice pathway too
    model = TraffickingModel(small(officers=200, prosecutors=6), rng=11)
    seen, left = {}, []
    while model.running:
        model.step()
        _check_week(model, seen, left)
    # the run moved people through the whole pathway, so the checks above had work to do
    assert model.victim_counts[vs.SUPPORTED] + model.victim_counts[vs.REINTEGRATED] > 0
    assert model.victim_counts[vs.MISIDENTIFIED] > 0
    assert left, "some traffickers desisted and left the registry"
    # networks ended and moved, so the networks' table was checked through both
    assert len(model.network_table) > len(model.networks)
    assert model.series[:, WEEKLY_COLUMNS.index("relocations")].sum() > 0
    # the arrest log holds every arrest the weekly tallies counted
    log = model.arrest_log
    assert len(log) == model.series[:, WEEKLY_COLUMNS.index("arrests")].sum() > 0
    leaders = sum(role == tr.ROLES.index(tr.LEADER) for role in log.role)
    assert leaders == model.series[:, WEEKLY_COLUMNS.index("leaders_arrested")].sum()
    assert list(log.week) == sorted(log.week)
    # ... and marks as charged exactly the prosecutions they counted
    assert sum(log.charged) == model.series[:, WEEKLY_COLUMNS.index("prosecutions")].sum() > 0
    assert any(event.startswith("convicted") for t in [*model.traffickers, *left]
               for _, event in t.record)


def test_victim_history_records_every_transition_in_order():
    model = TraffickingModel(small(), rng=5).run()
    victims = list(model.victims.views())
    for v in victims:
        weeks = [w for w, _ in v.history]
        assert weeks == sorted(weeks)
        assert v.history[-1][1] == v.status
    retrafficked = [v for v in victims if v.times_trafficked > 1]
    assert retrafficked
    assert all(sum(s == vs.RECRUITED for _, s in v.history) == v.times_trafficked
               for v in retrafficked)


def test_same_seed_gives_identical_results_and_different_seeds_differ():
    scenario = small()
    a, b, c = (simulation.run(scenario, seed=s) for s in (7, 7, 8))
    assert a.outcomes == pytest.approx(a.outcomes)
    assert json.dumps(a.to_dict()) == json.dumps(b.to_dict())
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    assert a.outcomes != c.outcomes
    assert not a.timeseries.equals(c.timeseries)


def test_same_seed_identical_in_a_fresh_process():
    here = simulation.run(BASELINE, seed=3, weeks=52).to_dict()
    code = ("import json, simulation; print(json.dumps(simulation.run(%r, seed=3, weeks=52)"
            ".to_dict()))" % str(BASELINE))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == json.loads(json.dumps(here))


def test_run_frees_its_model_by_reference_counting():
    """``simulation.run`` leaves no cyclic garbage: a batch worker runs model after model, and a
    finished model left to the cycle collector (about a million objects) is re-scanned while in
    use, freed late and piles up between full collections."""
    scenario = small()
    simulation.run(scenario, seed=1)  # first-call caches out of the way
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        result = simulation.run(scenario, seed=2)
        after = len(gc.get_objects())
        garbage = gc.collect()
    finally:
        gc.enable()
    assert result.outcomes["new_victims"] > 1000  # the run made many agents, and none is left
    assert after - before < 2000
    assert garbage == 0


def test_the_transition_log_holds_each_victims_history_and_the_status_counts():
    """Every transition is logged once: the log replayed victim by victim gives each victim's
    status now, and the count of each status is the number of victims whose last entry it
    is."""
    model = TraffickingModel(small(), rng=4).run()
    table = model.victims
    last: dict[int, int] = {}
    for v, s in zip(table.log_victim, table.log_status):
        last[v] = s
    assert sorted(last) == list(range(len(table)))
    assert all(table.status[v] == s for v, s in last.items())
    assert model.victim_counts == dict(Counter(vs.STATUSES[s] for s in last.values())) | {
        name: 0 for name in vs.STATUSES if name not in {vs.STATUSES[s] for s in last.values()}}
    entries = [e for v in table.views()[:500] for e in v.history]
    assert all(isinstance(w, int) and s in vs.STATUSES for w, s in entries)

def test_a_model_without_history_keeps_no_log_and_says_so():
    """simulation.run's models keep no victims' histories (no result reads them; the test of a
    hand-stepped model below checks that its result is the same): the same run without one
    ends with the same victims in the same statuses, an empty log, and history_of names the
    option that keeps one."""
    kept = TraffickingModel(small(), rng=5).run()
    none = TraffickingModel(small(), rng=5, history=False).run()
    assert none.victim_counts == kept.victim_counts
    assert np.array_equal(none.victims.status[:len(none.victims)],
                          kept.victims.status[:len(kept.victims)])
    assert len(kept.victims.log_victim) > len(kept.victims)  # a recruitment and more, each
    assert len(none.victims.log_victim) == len(none.victims.log_status) == 0
    with pytest.raises(ValueError, match=r"history=True"):
        none.victims.history_of(0)
    with pytest.raises(ValueError, match=r"history=True"):
        none.victims.view(0).history


def test_result_shape_and_provenance():
    result = simulation.run(small(), seed=2)
    assert set(result.outcomes) == set(OUTCOME_NAMES)
    assert set(result.jurisdictions) == {"origin_a", "origin_b", "transit", "destination_a",
                                         "destination_b"}
    ts = result.timeseries
    assert len(ts) == (156 + 52) * 5
    assert ts.week.min() == -52 and ts.week.max() == 155
    assert set(WEEKLY_COLUMNS) <= set(ts.columns)
    # region flows equal the sum of jurisdictions, and the series
    for name in ("new_victims", "victims_identified", "arrests", "convictions"):
        per_j = sum(o[name] for o in result.jurisdictions.values())
        assert result.outcomes[name] == pytest.approx(per_j)
        assert result.outcomes[name] == pytest.approx(ts.loc[ts.week >= 0, name].sum())
    channels = sum(result.outcomes[f"identified_{c}"] for c in CHANNELS)
    assert channels == result.outcomes["victims_identified"]
    prov = result.provenance
    assert prov["seed"] == 2 and prov["scenario_hash"] == small().hash
    assert prov["tipsim_version"] == simulation.__version__


def test_mesa_batch_run_drives_the_model():
    results = mesa.batch_run(TraffickingModel, parameters={"scenario": [str(BASELINE)]},
                             rng=[1, 2], max_steps=60, display_progress=False)
    frame = pd.DataFrame(results)
    assert set(frame.rng) == {1, 2}
    assert frame.Step.max() == 60
    last = frame[frame.Step == 60].set_index("rng")
    assert (last.victims_in_exploitation > 0).all()
    assert last.loc[1, "victims_in_exploitation"] != last.loc[2, "victims_in_exploitation"]


def test_split_network_shares_members_and_victims_between_two_networks():
    model = TraffickingModel(small(), rng=3)
    big = max(model.networks, key=lambda n: n.size)
    members = {id(m) for ms in big.members.values() for m in ms}
    victims = set(big.victims)
    before = len(model.networks)
    network_response.split_network(model, big)
    other = model.networks[-1]
    assert len(model.networks) == before + 1 and other is not big
    after = [{id(m) for ms in n.members.values() for m in ms} for n in (big, other)]
    assert after[0] | after[1] == members and not after[0] & after[1]
    assert set(big.victims) | set(other.victims) == victims
    assert not set(big.victims) & set(other.victims)
    assert all(model.victims.network[v] == other.unique_id for v in other.victims)
    assert all(model.network_of(int(model.victims.network[v])) is big for v in big.victims)
    assert all(m.network is other for ms in other.members.values() for m in ms)
    assert len(other.members["leader"]) == 1


def test_arresting_a_leader_raises_security_and_keeps_the_network_led_or_ends_it():
    model = TraffickingModel(small(), rng=4)
    outcomes = Counter()
    for network in sorted(model.networks, key=lambda n: -n.size)[:20]:
        leader = network.members["leader"][0]
        count = len(model.networks)
        case = type("Case", (), {"testimonies": 0, "cross_border": False})()
        justice.arrest(model, model.agencies[leader.home], leader, 1.0, case)
        assert leader.status in (tr.ON_TRIAL, tr.RELEASED, tr.DESISTED)
        if not network.alive:
            outcomes["collapsed"] += 1
            assert all(model.victims.view(v).status == vs.RELEASED for v in network.victims)
        else:
            assert network.security > 0 and len(network.members["leader"]) == 1
            outcomes["split" if len(model.networks) > count else "promoted"] += 1
    assert len(outcomes) == 3, outcomes  # each response happens among 20 large networks


def test_result_of_a_hand_stepped_model_matches_run():
    scenario = small()
    model = TraffickingModel(scenario, rng=9)
    for _ in range(80):
        model.step()
    partial = simulation.result_of(model)
    assert partial.provenance["weeks"] == 80 - 52
    assert len(partial.timeseries) == 80 * 5
    while model.running:
        model.step()
    assert json.dumps(simulation.result_of(model).to_dict()) == json.dumps(
        simulation.run(scenario, seed=9).to_dict())
    assert (simulation.SCENARIOS / "training.toml").is_file()
