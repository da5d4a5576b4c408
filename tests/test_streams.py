"""Common random numbers: the keyed streams of simulation.model.streams and how the model uses
them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import simulation
from simulation.model.agents.victim import Victims
from simulation.model.trafficking_model import BASELINE, TraffickingModel
from simulation.model.pools import Pool, RowSet
from simulation.model.scenario import with_overrides
from simulation.model import streams
from simulation.model.streams import (Streams, chain, extend, geometric, geometrics, key, mix,
                                      poisson, poissons)


def test_scalar_and_vector_draws_are_the_same_numbers():
    s = Streams(7)
    keys = np.array([0, 1, 2**63 + 5, 2**64 - 1, 123456789], dtype=np.uint64)
    for parts in [(), (3,), (-5,), (2**40, 9), (1, 2, 3)]:
        vector = s.uniforms("exit", parts, keys)
        assert vector.tolist() == [s.uniform("exit", *parts, int(k)) for k in keys]
    table = s.table([s.base("contact", 4, lst) for lst in range(3)], keys)
    assert table.tolist() == [[s.uniform("contact", 4, lst, int(k)) for k in keys]
                              for lst in range(3)]
    ranks = np.array([1, -2, 3, 0, 7])
    assert extend(keys, ranks).tolist() == [chain(int(k), int(r)) for k, r in zip(keys, ranks)]


def test_a_draw_depends_only_on_the_seed_the_decision_and_the_keys():
    a, b = Streams(1), Streams(1)
    b.uniform("something else", 5)  # another decision drawing first changes nothing
    assert a.uniform("exit", 10, 99) == b.uniform("exit", 10, 99)
    assert a.uniform("exit", 10, 99) != Streams(2).uniform("exit", 10, 99)
    assert a.uniform("exit", 10, 99) != a.uniform("exit route", 10, 99)
    assert a.uniform("exit", 10, 99) != a.uniform("exit", 11, 99)
    assert mix(0) == 0 and key(0) != 0  # the chain adds a constant, so no key part maps to 0


def test_keyed_numbers_are_uniform_and_independent_across_keys_weeks_and_decisions():
    s = Streams(20240730)
    keys = np.arange(200_000, dtype=np.uint64)  # consecutive keys: the hardest case
    u = s.uniforms("exit", (3,), keys)
    assert 0 < u.min() and u.max() < 1
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # chi-square over 1,000 bins
    counts = np.bincount((u * 1000).astype(int), minlength=1000)
    assert stats.chisquare(counts).pvalue > 1e-3
    # no correlation between neighbouring keys, the next week, or another decision
    for other in (np.roll(u, 1), s.uniforms("exit", (4,), keys),
                  s.uniforms("exit route", (3,), keys)):
        r = np.corrcoef(u, other)[0, 1]
        assert abs(r) < 4 / np.sqrt(len(u))
    # pairs fill the unit square evenly (10 x 10 cells)
    v = s.uniforms("exit", (4,), keys)
    cells = np.bincount((u * 10).astype(int) * 10 + (v * 10).astype(int), minlength=100)
    assert stats.chisquare(cells).pvalue > 1e-3


def test_inversions_give_the_distributions_they_name():
    s = Streams(3)
    u = s.uniforms("x", (), np.arange(100_000, dtype=np.uint64))
    g = np.array([geometric(x, 0.2) for x in u[:20_000]])
    assert g.min() == 1 and g.mean() == pytest.approx(5, rel=0.03)
    lam = np.full(len(u), 2.5)
    k = poissons(u, lam)
    assert k.tolist()[:5000] == [poisson(float(x), 2.5) for x in u[:5000]]
    assert k.mean() == pytest.approx(2.5, rel=0.02) and k.var() == pytest.approx(2.5, rel=0.05)
    observed = np.bincount(k, minlength=12)[:12]
    expected = stats.poisson.pmf(np.arange(12), 2.5) * len(k)
    assert stats.chisquare(observed[:9], expected[:9] * observed[:9].sum() / expected[:9].sum()
                           ).pvalue > 1e-3
    big = poissons(u[:2000], np.full(2000, 60.0))
    assert big.mean() == pytest.approx(60, rel=0.03)
    x = np.log([s.lognormal(1.0, 0.5, "y", i) for i in range(20_000)])
    assert stats.kstest(x, stats.norm(1.0, 0.5).cdf).pvalue > 1e-3


def test_a_large_poisson_mean_gives_the_exact_quantile_from_the_mode():
    """Past POISSON_SEARCH_MAX the search starts at the mode (its terms near 0 underflow): each
    number is scipy's quantile, which works the CDF out otherwise; below the switch, the search
    from the mode gives the search from 0's numbers; and the extreme uniform numbers a stream
    can give land in the tails, not at the ends of the search."""
    from simulation.model.streams import POISSON_SEARCH_MAX, _poisson_from_mode

    u = Streams(11).uniforms("x", (), np.arange(3000, dtype=np.uint64))
    for lam, n in ((POISSON_SEARCH_MAX + 0.5, 3000), (2345.6, 3000), (1e5, 600)):
        assert (poissons(u[:n], np.full(n, lam)).tolist()
                == stats.poisson.ppf(u[:n], lam).astype(int).tolist()), lam
    for lam in (120.0, 699.9):
        assert [_poisson_from_mode(float(x), lam) for x in u] == [poisson(float(x), lam)
                                                                  for x in u]
    lowest, highest = 0.5 * 2.0**-53, 1 - 2.0**-54  # a stream's smallest and largest numbers
    assert poisson(lowest, 1e5) == stats.poisson.ppf(lowest, 1e5)
    assert 1e5 + 5 * 316 < poisson(highest, 1e5) < 1e5 + 12 * 316  # (316: the sd)


def test_vectorised_geometric_numbers_are_the_scalar_ones_even_at_whole_quotients():
    s = Streams(5)
    u = s.uniforms("x", (), np.arange(20_000, dtype=np.uint64))
    for p in (0.5, 0.2, 1 / 3, 1.0):
        # numbers whose quotient log(1 - u) / log(1 - p) is a whole number, and their
        # neighbours: where numpy's log and the C library's could round apart
        edge = 1 - (1 - p) ** np.arange(1, 12)
        edge = np.concatenate([edge, np.nextafter(edge, 0), np.nextafter(edge, 1)])
        both = np.concatenate([u, edge[(edge > 0) & (edge < 1)]])
        assert geometrics(both, p).tolist() == [geometric(float(x), p) for x in both]


def test_a_pool_can_change_while_what_it_handed_out_is_still_held():
    # the week's pass once held views of the pools' own arrays; one kept a moment too long
    # (seen once, in a Dask worker) made the next removal fail with BufferError
    from array import array

    victims = Victims()
    rows = victims.add(10, week=0)
    pool = Pool(victims)
    pool.add_many(np.arange(rows.start, rows.stop))
    held_rows, held_keys = array("q"), array("Q")
    pool.copy_into(held_rows, held_keys)
    held = [np.frombuffer(held_rows, dtype=np.int64), pool.items, pool.keys]
    pool.remove(3)
    pool.add(3)
    pool.remove(0)
    assert held[0].tolist() == list(range(10)) == held[1].tolist()
    assert sorted(pool.items.tolist()) == list(range(1, 10))


def test_a_pool_keeps_its_members_keys_in_step_through_adds_and_removes():
    victims = Victims()
    rows = victims.add(100, week=0)
    victims.key[rows.start:rows.stop] = np.arange(1000, 1100, dtype=np.uint64)
    pool = Pool(victims)
    rng = np.random.default_rng(0)
    members = set(rows)
    for v in rows:
        pool.add(v)
    for i in rng.permutation(100)[:60].tolist():
        pool.remove(i)
        members.discard(i)
        if i % 3 == 0:
            pool.add(i)
            members.add(i)
    assert sorted(pool.items.tolist()) == sorted(members) and len(pool) == len(members)
    assert pool.keys.tolist() == [victims.rkey_of(v) for v in pool.items]
    assert pool.keys.tolist() == victims.rkeys(pool.items).tolist()
    assert all(victims.slot[v] == i for i, v in enumerate(pool.items.tolist()))
    assert all(victims.slot[v] == -1 for v in set(rows) - members)


def test_a_networks_victims_behave_as_a_set_in_insertion_order():
    """RowSet (a network's victims) against a dict used as an ordered set, which it replaced:
    the same members in the same order through random adds (repeats too) and discards (of
    members and of rows that are not)."""
    rows, reference = RowSet(), {}
    rng = np.random.default_rng(3)
    rows.update(range(10, 20))
    reference.update(dict.fromkeys(range(10, 20)))
    for _ in range(400):
        v = int(rng.integers(0, 40))
        if rng.random() < 0.5:
            rows.add(v)
            reference[v] = None
        else:
            rows.discard(v)
            reference.pop(v, None)
        assert list(rows) == list(reference) and len(rows) == len(reference)
        assert (v in rows) == (v in reference) and bool(rows) == bool(reference)
    assert rows.rows().dtype == np.int64 and rows.rows().tolist() == list(reference)
    for v in list(reference):
        rows.discard(v)
    assert not rows and rows.rows().tolist() == []


def test_no_process_draws_from_mesas_shared_generators():
    model = TraffickingModel(with_overrides(BASELINE, {"run.scale": 0.2, "run.weeks": 26,
                                                       "run.burn_in_weeks": 26}), rng=5)
    rng_state = model.rng.bit_generator.state
    random_state = model.random.getstate()
    model.run()
    assert model.rng.bit_generator.state == rng_state
    assert model.random.getstate() == random_state


def test_a_victims_draws_do_not_depend_on_who_else_is_exploited():
    """Common random numbers at their root: the exit numbers of the victims of a pool are the
    same whether or not other victims are in it."""
    model = TraffickingModel(with_overrides(BASELINE, {"run.scale": 0.2}), rng=9)
    pool = max((p for pools in model.exploited for p in pools), key=len)
    before = dict(zip(pool.items.tolist(),
                      model.streams.uniforms("exit", (model.week,), pool.keys)))
    for v in pool.items.tolist()[::2]:
        pool.remove(v)
    after = dict(zip(pool.items.tolist(),
                     model.streams.uniforms("exit", (model.week,), pool.keys)))
    assert after and all(before[v] == u for v, u in after.items())


def test_the_same_scenario_and_seed_give_the_same_run_and_other_seeds_differ():
    small = with_overrides(BASELINE, {"run.scale": 0.2, "run.weeks": 52})
    a, b = simulation.run(small, seed=4), simulation.run(small, seed=4)
    assert a.outcomes == b.outcomes
    assert a.timeseries.equals(b.timeseries)
    assert simulation.run(small, seed=5).outcomes != a.outcomes


def test_a_policy_leaves_most_recruits_and_their_draws_as_they_were_at_baseline():
    """Training changes identification only: with common random numbers nearly every person
    recruited at baseline is recruited by the same network in the same week under training,
    with the same profile (a shared stream would give a different person after the first
    changed draw)."""
    def recruits(path):
        model = TraffickingModel(with_overrides(path, {"run.scale": 0.2, "run.weeks": 52}),
                                 rng=2).run()
        return {v.key: (v.sex, v.age_group, v.vulnerability, v.origin)
                for v in model.victims.views()}

    base, policy = recruits(BASELINE), recruits("scenarios/training.toml")
    common = base.keys() & policy.keys()
    assert len(common) > 0.9 * len(base)
    assert all(base[k] == policy[k] for k in common)


def test_a_race_chooses_in_proportion_to_the_weights_and_keeps_a_winner_when_others_join():
    s = Streams(11)
    keys = np.array([101, 202, 303, 404], dtype=np.uint64)
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    wins = np.bincount([s.race("choice", (i,), keys, weights) for i in range(20_000)],
                       minlength=4)
    assert stats.chisquare(wins, weights / weights.sum() * wins.sum()).pvalue > 1e-3
    # a fifth candidate joins: every race it does not win has the same winner as before
    more_keys, more = np.append(keys, np.uint64(505)), np.append(weights, 2.0)
    for i in range(2_000):
        before = s.race("choice", (i,), keys, weights)
        after = s.race("choice", (i,), more_keys, more)
        assert after == 4 or after == before


def test_a_race_among_a_few_candidates_has_the_winner_of_the_vectorised_numbers():
    # up to RACE_ONE_BY_ONE candidates draw their numbers one by one: the same numbers as
    # uniforms', so the same winner, zero weights (never win) included
    from simulation.model.streams import RACE_ONE_BY_ONE

    s = Streams(5)
    rng = np.random.default_rng(5)
    for trial in range(3_000):
        n = 1 + trial % (RACE_ONE_BY_ONE + 2)
        keys = rng.integers(0, 2**63, n, dtype=np.uint64)
        weights = rng.random(n) * (rng.random(n) > 0.2)
        if not weights.any():
            weights[0] = 1.0
        parts = (int(rng.integers(0, 2**62)), trial)
        with np.errstate(divide="ignore"):
            expected = np.argmin(-np.log(s.uniforms("pick", parts, keys)) / weights)
        assert s.race("pick", parts, keys, weights) == expected


# -- the hash chain in C (simulation/model/hashchain.c) ----------------------------------------
def test_the_hash_chain_is_built_in_c_where_the_tests_run():
    """``make test`` installs tipsim with a C compiler at hand (every CI machine has one): the
    extension must have been built, or the tests below would check the Python path twice and
    a run would take a sixth more CPU than it should."""
    assert streams.COMPILED, "simulation/model/hashchain.c was not built: pip install -e . again"


NOT_BUILT = ("no C extension to compare with its Python definition: it was not built here "
             "(test_the_hash_chain_is_built_in_c_where_the_tests_run fails and says how to "
             "build it; an install without a C compiler runs the Python path alone)")


@pytest.mark.skipif(not streams.COMPILED, reason=NOT_BUILT)
def test_the_c_hash_chain_gives_the_numbers_of_its_python_definition():
    rng = np.random.default_rng(3)
    big = rng.integers(0, 2**63, 200, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    ints = [0, 1, 2**64 - 1, 2**63, -1, -2**40, 2**70 + 3, 12345] + big.tolist()
    for x in ints:
        assert streams.mix(x % 2**64) == streams._mix(x % 2**64)
        for part in ints[:12]:
            assert streams.chain(x % 2**64, part) == streams._chain(x % 2**64, part)
            assert streams.unit(x % 2**64, part) == streams._unit(x % 2**64, part)
    assert streams.chain(5, 1, -2, 2**66, np.int64(-7), np.uint64(2**64 - 1)) == \
        streams._chain(5, 1, -2, 2**66, -7, 2**64 - 1)
    assert streams.chain(9) == 9
    with pytest.raises(TypeError):
        streams.chain(1, 0.5)


@pytest.mark.skipif(not streams.COMPILED, reason=NOT_BUILT)
def test_the_c_tables_and_extensions_are_numpys_numbers(monkeypatch):
    rng = np.random.default_rng(4)
    keys = rng.integers(0, 2**63, 300, dtype=np.uint64) * np.uint64(2)
    ranks = rng.integers(-2**40, 2**40, 300)
    small = np.arange(300, dtype=np.int16) - 150
    cases = [
        ("table", ([7], keys)), ("table", ([1, 2**64 - 1, 3], keys)), ("table", ([5], keys[::3])),
        ("table", ([5], keys[:0])), ("table", (np.array([3, 4], dtype=np.uint64), keys.tolist())),
        ("extend", (keys, ranks)), ("extend", (keys, small)), ("extend", (keys, -3)),
        ("extend", (keys, np.int64(9))), ("extend", (keys[::2], ranks[::2])),
        ("extend", (keys, ranks > 0)), ("extend", (keys[:0], 1)),
    ]
    compiled = [getattr(streams.Streams, name)(*args) if name == "table" else
                streams.extend(*args) for name, args in cases]
    monkeypatch.setattr(streams, "_hashchain", None)
    for (name, args), c in zip(cases, compiled):
        python = (streams.Streams.table(*args) if name == "table" else streams.extend(*args))
        assert c.dtype == python.dtype and c.shape == python.shape, name
        assert np.array_equal(c, python), name


def test_a_run_without_the_c_extension_is_the_same_run(tmp_path):
    """The whole model with ``TIPSIM_PURE_PYTHON`` set (the path of an install that found no C
    compiler) against the same run here: identical series."""
    import json
    import os
    import subprocess
    import sys

    code = ("import json, simulation\n"
            "from simulation.model import streams\n"
            "r = simulation.run(simulation.with_overrides(simulation.BASELINE,"
            " {'run.scale': 0.25}), seed=5, weeks=78)\n"
            "print(json.dumps([streams.COMPILED, repr(sorted(r.outcomes.items()))]"
            " + [t.to_csv() for t in (r.timeseries, r.contacts, r.referrals, r.arrests)]))\n")
    runs = []
    root = str(Path(__file__).resolve().parent.parent)  # this checkout, wherever pytest runs
    path = os.pathsep.join([root] + [p for p in [os.environ.get("PYTHONPATH")] if p])
    for pure in ("", "1"):
        env = {**os.environ, "TIPSIM_PURE_PYTHON": pure, "PYTHONPATH": path}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, cwd=tmp_path, check=True)
        runs.append(json.loads(out.stdout))
    (compiled_flag, *compiled), (pure_flag, *pure) = runs
    assert compiled_flag == streams.COMPILED and pure_flag is False
    assert compiled == pure
    assert len(compiled[2].splitlines()) > 100  # (the contacts: a run that did something)
