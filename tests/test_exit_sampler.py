"""The weekly exit draw from exploitation is exact for competing hazards (ODD 3, "Scheduling
design"; ODD 6.4-6.5), and so is the weekly draw of contacts that do not end exploitation.

Each exploited victim has their own weekly hazard of every way out (the identifying routes of
their jurisdiction, form, sex and age group and online mark, lowered by their network's
security, then release and escape). With a pool held fixed over many weeks:

- each victim leaves with chance ``1 - exp(-total hazard)`` a week, independently of the
  others, so a week's exits are a sum of independent Bernoulli draws;
- a victim who leaves takes route r with chance ``hazard_r / total hazard``;
- each list records a victim with chance ``1 - exp(-contact hazard)`` a week.

The tests compare the draws with these chances by chi-square statistics at a strict level
(p > 1e-3) and, with the same draws, check that deliberately wrong chances (a sampler that
skips thinning, takes the hazard for the chance, picks routes uniformly, or forgets security or
group visibility) are rejected: the tests have the power to catch such a sampler. The
identification rates are raised (``BOOST``) so that identification competes with release and
escape, and networks' security is spread over 0, 0.5 and 1, so that thinning matters: the
victims' weekly exit chances then range from 0.15 to 0.31.

Power, measured on these tests' own draws (seed 11: 1,517 victims, 200 weeks, 67,543 exits and
22,156 contacts) by scaling one part of the expectation until the test's p-value fell below
1e-3: the exit-count test rejects every exit chance 5% too high (p = 2e-32; 2% gives
p = 0.006), a sampler that moves each victim's chance a tenth of the way towards their pool's
highest (p = 4e-9), and the hazard taken for the chance (p < 1e-300); the route test rejects
release 6% too likely, escape 8%, police identification 10%, inspection and self-referral 15%,
misidentification 20% and NGO identification 30% (p < 1e-4 each; those are the rarer routes,
about 1,300 to 7,600 exits), and uniform routes, shares without security or without group
visibility at p < 1e-200; the contact test rejects the inspection list's hazard 4% too high,
the hotline's 6%, the police list's 10% and the NGO list's 15%. A sampler with a fixed weekly
total fails the dispersion test at p < 1e-300.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from simulation.model.trafficking_model import TraffickingModel
from simulation.model.processes import exploitation, identification

from conftest import small
from hazard_stats import STRICT, bernoulli_p_value, chance, chance_bins

WEEKS = 200
BOOST = {  # identification about as fast as release and escape; online monitoring that matters
    "parameters.police_encounter_rate": 0.04,
    "parameters.ngo_contact_rate": 0.06,
    "parameters.inspection_rate": 0.04,
    "parameters.self_referral_hazard": 0.04,
    "parameters.child_protection_rate": 0.1,  # (children only)
    "parameters.health_services_rate": 0.04,
    "parameters.online_identification_rate": 0.1,
    "levers.online_monitoring": 0.8,
    "parameters.release_hazard": 0.1,
    "parameters.escape_hazard": 0.06,
    "parameters.small_visibility": 0.5,  # (the low end of its range: a difference that shows)
}
SECURITY_LEVELS = (0.0, 0.5, 1.0)
N_GROUPS = 8  # 4 sex-and-age groups x recruited online or not


# -- the one place that knows the model's internals (adapt it when the core changes) ------------

class FixedPool:
    """The exploited victims of a small region (about 1,500), held fixed while the weekly
    exit and contact draw is repeated.

    Per victim (row i): ``hazards[i]``, the weekly hazard of each
    :class:`identification.ExitRoute`; ``contact_hazards[i]``, of being recorded on each list
    (``registry.LISTS``), both by the formulas of ODD 6.4-6.5 at the network's visibility;
    ``group[i]``, the victim's sex-and-age group plus 4 if recruited online; ``pool[i]``, their
    market (jurisdiction x form); ``visibility[i]``, their network's
    (``(1 - p[security_visibility] x security) x exposure``); ``small[i]``, whether a small
    operation holds them.
    ``hazards_at(...)`` gives the hazards a wrong sampler would use. :meth:`week` runs the
    model's weekly draw once, the consequences of an exit held back so that the pool stays as
    it was."""

    def __init__(self, seed: int) -> None:
        self.model = model = TraffickingModel(small({"run.scale": 0.3, **BOOST}), rng=seed)
        for i, network in enumerate(model.networks):
            network.security = SECURITY_LEVELS[i % len(SECURITY_LEVELS)]
        p = model.params
        self.victims = [model.victims.view(int(v))
                        for pools in model.exploited for pool in pools for v in pool.items]
        self.row_of = {v.row: i for i, v in enumerate(self.victims)}
        self.group = np.array([v.group + 4 * v.online for v in self.victims])
        self.pool = np.array([v.location * 3 + v.form for v in self.victims])
        self.visibility = np.array([v.network.visibility(p["security_visibility"])
                                    for v in self.victims])
        self.small = np.array([not v.network.organised for v in self.victims])
        self.hazards = self.hazards_at()
        self.contact_hazards = np.array([self._contact_hazards(v) for v in self.victims])

    def hazards_at(self, visibility=None, group=None) -> np.ndarray:
        """Each victim's route hazards at their own (or the given) visibility and group row."""
        p = self.model.params
        rows = []
        for i, v in enumerate(self.victims):
            by_group = identification.visible_hazards(p, self.model.jurisdictions[v.location])
            g = self.group[i] if group is None else group
            vis = self.visibility[i] if visibility is None else visibility
            rows.append([h * vis for h in by_group[v.form][g]]
                        + [p["release_hazard"], p["escape_hazard"]])
        return np.array(rows)

    def _contact_hazards(self, v) -> list[float]:
        p = self.model.params
        jur = self.model.jurisdictions[v.location]
        row = identification.visible_hazards(p, jur)[v.form][v.group + 4 * v.online]
        vis = v.network.visibility(p["security_visibility"])
        return [row[route] * p[name] * vis for route, name in
                zip(identification.LIST_ROUTES, identification.CONTACT_PARAMETERS)]

    def online_police_contact_hazards(self) -> np.ndarray:
        """Police-list contact hazards with online monitoring's share of the police hazard
        included for victims recruited online (the reading of ODD 6.5: "the channel's
        identification hazard for that victim")."""
        police = self.hazards[:, identification.ExitRoute.POLICE]
        return police * self.model.params["contacts_police"]

    def week(self, monkeypatch) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """One weekly draw: ``([(victim row, route)], [(victim row, list)])``. Each call is a
        new week: the draws are keyed by week and victim (common random numbers), so the same
        week drawn twice gives the same exits."""
        self.model.week += 1
        exits: list[tuple[int, int]] = []
        monkeypatch.setattr(identification, "exit_many",
                            lambda model, rows, where, ways: exits.extend(
                                (self.row_of[int(v)], int(w)) for v, w in zip(rows, ways)))
        log = self.model.contacts
        first = len(log)
        exploitation.exploit_and_identify(self.model)
        contacts = [(self.row_of[log.person[i]], log.list[i]) for i in range(first, len(log))]
        return exits, contacts


@pytest.fixture(scope="module")
def draws():
    """``WEEKS`` weekly draws from one fixed pool: the pool, each week's exits and contacts."""
    pool = FixedPool(seed=11)
    with pytest.MonkeyPatch.context() as monkeypatch:
        weeks = [pool.week(monkeypatch) for _ in range(WEEKS)]
    return pool, [w[0] for w in weeks], [w[1] for w in weeks]


# -- statistics -----------------------------------------------------------------------------------

def routes_p_value(exits: list[tuple[int, int]], probabilities: np.ndarray,
                   strata: np.ndarray) -> float:
    """p-value that each exit's route was drawn from its victim's ``probabilities`` row, by the
    (Mahalanobis) chi-square of the route counts in each stratum against their expectation
    (the covariance of a sum of categorical draws of unequal probabilities, sum of
    ``diag(pi) - pi pi'``); the degrees of freedom are its ranks."""
    rows = np.array([i for i, _ in exits])
    routes = np.array([r for _, r in exits])
    if (probabilities[rows, routes] == 0).any():
        return 0.0  # an exit by a route its victim could not take (a route closed to a group)
    x2, df = 0.0, 0
    for s in np.unique(strata[rows]):
        mine = strata[rows] == s
        pi = probabilities[rows[mine]]
        observed = np.bincount(routes[mine], minlength=pi.shape[1])
        covariance = np.diag(pi.sum(axis=0)) - pi.T @ pi
        d = observed - pi.sum(axis=0)
        x2 += float(d @ np.linalg.pinv(covariance, hermitian=True) @ d)
        df += np.linalg.matrix_rank(covariance, hermitian=True)
    return float(stats.chi2.sf(x2, df))


def exits_per_victim(pool: FixedPool, weekly_exits) -> np.ndarray:
    return np.bincount([i for week in weekly_exits for i, _ in week], minlength=len(pool.victims))


# -- who leaves --------------------------------------------------------------------------------

def test_each_victim_leaves_with_their_own_exit_chance(draws):
    """Exits by decile of the victims' exit chance 1 - exp(-total hazard) match it; a sampler
    that kept every candidate (no thinning: every victim at the highest chance of their pool)
    or took the total hazard for the chance would be rejected by the same draws."""
    pool, weekly_exits, _ = draws
    counts = exits_per_victim(pool, weekly_exits)
    q = chance(pool.hazards.sum(axis=1))
    assert q.max() > 2 * q.min()  # thinning matters in this pool
    cells = chance_bins(q)
    assert bernoulli_p_value(counts, q, cells, 10, WEEKS) > STRICT
    assert counts.sum() > 5000
    # the same draws reject wrong chances
    no_thinning = np.array([q[pool.pool == pool.pool[i]].max() for i in range(len(q))])
    assert bernoulli_p_value(counts, no_thinning, cells, 10, WEEKS) < STRICT
    assert bernoulli_p_value(counts, pool.hazards.sum(axis=1), cells, 10, WEEKS) < STRICT


def test_victims_leave_independently_week_by_week(draws):
    """A week's exits have the mean and variance of a sum of independent Bernoulli draws
    (dispersion test over the weeks); a sampler whose weekly total were fixed, or doubled
    victims' draws, would fail."""
    pool, weekly_exits, _ = draws
    q = chance(pool.hazards.sum(axis=1))
    totals = np.array([len(week) for week in weekly_exits])
    dispersion = np.sum((totals - q.sum()) ** 2) / np.sum(q * (1 - q))
    p = stats.chi2.sf(dispersion, WEEKS)
    assert min(p, 1 - p) > STRICT / 2
    assert all(len({i for i, _ in week}) == len(week) for week in weekly_exits)  # once a week


# -- which way out -------------------------------------------------------------------------------

def test_each_exit_route_takes_its_share_of_the_competing_hazards(draws):
    """Given who left, the route counts in each group (sex and age, online or not) match the
    victims' hazard shares; uniform routes, shares that forget the network's security, or
    every victim given the adult women's hazards, are rejected by the same exits."""
    pool, weekly_exits, _ = draws
    exits = [e for week in weekly_exits for e in week]
    share = pool.hazards / pool.hazards.sum(axis=1, keepdims=True)
    assert routes_p_value(exits, share, pool.group) > STRICT
    route_counts = np.bincount([r for _, r in exits], minlength=share.shape[1])
    assert route_counts.min() > 200  # every route is drawn often enough to be judged
    uniform = np.full_like(share, 1 / share.shape[1])
    assert routes_p_value(exits, uniform, pool.group) < STRICT
    for wrong in (pool.hazards_at(visibility=1.0), pool.hazards_at(group=0)):
        assert routes_p_value(exits, wrong / wrong.sum(axis=1, keepdims=True),
                              pool.group) < STRICT


# -- contacts on record ------------------------------------------------------------------------

def contacts_per_cell(pool: FixedPool, weekly_contacts) -> np.ndarray:
    """Contacts of each victim on each list, as a (victims x lists) array."""
    counts = np.zeros(pool.contact_hazards.shape)
    for week in weekly_contacts:
        for i, on_list in week:
            counts[i, on_list] += 1
    return counts


def test_lists_record_each_victim_at_their_contact_hazard(draws):
    """Contacts by list and group (sex and age, online or not) match each victim's weekly
    chance ``1 - exp(-identification hazard x p[contacts_<list>] x visibility)``; chances that
    forget security, or give everyone the adult women's visibility, are rejected."""
    pool, _, weekly_contacts = draws
    counts = contacts_per_cell(pool, weekly_contacts)
    n_lists = counts.shape[1]
    cells = (pool.group[:, None] * n_lists + np.arange(n_lists)).ravel()
    q = chance(pool.contact_hazards)
    assert counts.sum() > 5000
    assert bernoulli_p_value(counts.ravel(), q.ravel(), cells, N_GROUPS * n_lists,
                             WEEKS) > STRICT
    unseen = chance(pool.contact_hazards / pool.visibility[:, None])
    assert bernoulli_p_value(counts.ravel(), unseen.ravel(), cells, N_GROUPS * n_lists,
                             WEEKS) < STRICT
    same = pool.hazards_at(group=0)[:, list(identification.LIST_ROUTES)]
    same = chance(same * [pool.model.params[n] for n in identification.CONTACT_PARAMETERS])
    assert bernoulli_p_value(counts.ravel(), same.ravel(), cells, N_GROUPS * n_lists,
                             WEEKS) < STRICT


def test_contacts_of_small_operations_victims_follow_their_lower_visibility(draws):
    """ODD 6.5 and 6.10: a small operation's victims are ``p[small_visibility]`` times as
    visible to every channel, so to its list contacts too, as to its exits. Contacts at an
    organised network's visibility for them (as the code had it until this test) are rejected
    by the same draws."""
    pool, _, weekly_contacts = draws
    small = pool.small
    exposure = pool.model.params["small_visibility"]
    assert small.sum() > 50 and exposure < 1
    counts = contacts_per_cell(pool, weekly_contacts)[small]
    n_lists = counts.shape[1]
    cells = np.tile(np.arange(n_lists), small.sum())  # by list
    q = chance(pool.contact_hazards[small])
    assert bernoulli_p_value(counts.ravel(), q.ravel(), cells, n_lists, WEEKS) > STRICT
    full = chance(pool.contact_hazards[small] / exposure)
    assert bernoulli_p_value(counts.ravel(), full.ravel(), cells, n_lists, WEEKS) < STRICT


def test_police_contacts_of_victims_recruited_online_follow_their_whole_police_hazard(draws):
    """ODD 6.5: a list's contact hazard is "the channel's identification hazard for that victim"
    times ``p[contacts_<list>]``; for a victim recruited online the police hazard includes what
    online monitoring adds. Leaving that share out (the police contacts of victims recruited
    online at the offline hazard, as the code did until issue 22) is rejected by the same
    draws."""
    pool, _, weekly_contacts = draws
    police = list(identification.LIST_ROUTES).index(identification.ExitRoute.POLICE)
    counts = contacts_per_cell(pool, weekly_contacts)[:, police]
    q = chance(pool.online_police_contact_hazards())
    assert bernoulli_p_value(counts, q, pool.group, N_GROUPS, WEEKS) > STRICT
    online = pool.group >= 4
    offline_rows = pool.hazards_at(group=None)
    without = offline_rows[:, identification.ExitRoute.POLICE].copy()
    extra = identification.online_hazard(pool.model.params, pool.model.jurisdictions[0])
    assert extra > 0
    without[online] = np.array([
        identification.visible_hazards(pool.model.params,
                                       pool.model.jurisdictions[v.location])[v.form][v.group]
        [identification.ExitRoute.POLICE] for v, o in zip(pool.victims, online) if o
    ]) * pool.visibility[online]
    q_without = chance(without * pool.model.params["contacts_police"])
    assert bernoulli_p_value(counts, q_without, pool.group, N_GROUPS, WEEKS) < STRICT


def test_raising_one_way_changes_only_the_exits_it_overtakes():
    """Common random numbers at the way out: with the same numbers, raising the first way's
    hazard moves some victims to that way and leaves every other victim's way alone, and the
    shares still follow the hazards. A choice by the inverse of the cumulative shares fails
    this (it moves victims between the ways it did not touch)."""
    from simulation.model.processes.exploitation import race_ways
    from simulation.model.streams import Streams

    streams = Streams(5)
    n = 40_000
    rkeys = np.arange(1, n + 1, dtype=np.uint64) * np.uint64(7919)
    hazards = np.tile([0.02, 0.05, 0.03, 0.01], (n, 1))
    raised = hazards.copy()
    raised[:, 0] *= 2.5
    before = race_ways(streams, 12, rkeys, hazards)
    after = race_ways(streams, 12, rkeys, raised)
    moved = before != after
    assert moved.any()
    assert (after[moved] == 0).all()  # every victim that moved now takes the raised way
    for ways, h in ((before, hazards[0]), (after, raised[0])):
        counts = np.bincount(ways, minlength=4)
        assert stats.chisquare(counts, h / h.sum() * n).pvalue > 1e-3
    # the inverse of the cumulative shares, with one number per victim, moves others too
    u = streams.uniforms("exit route", (12,), rkeys)
    by_cdf = [np.searchsorted(np.cumsum(h) / h.sum(), u) for h in (hazards[0], raised[0])]
    changed = by_cdf[0] != by_cdf[1]
    assert (by_cdf[1][changed] != 0).any()
