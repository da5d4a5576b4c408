"""Recruitment (ODD 6.2): recruiters draw victims from origin populations into finite markets.

Implements ``TraffickingModel.step`` step 2. Each week every network's recruits are one
Poisson draw (all networks in one vectorised call), at its last assessed rate times its
market's pull (the unmet share of demand).
"""

from __future__ import annotations

import numpy as np


from simulation.model.registry import (ADULT_SLOT, CHILD_SLOT, FEMALE_SLOT, FORM_INDEX, GROUP_INDEX,
                                       MALE_SLOT, WEEKLY_INDEX)
from simulation.model import fmath
from simulation.model.calendars import DEPARTURE
from simulation.model.agents.network import ORGANISED
from simulation.model.agents.trafficker import EXPLOITER, RECRUITER
from simulation.model.processes import markets, online
from simulation.model.streams import extend, name_id, poissons

READS = ("jurisdictions", "network_index", "params", "perceptions", "streams", "week")
CHANGES = ("form_tally", "group_tally", "move_calendar", "victims", "weekly_tally")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

FEMALE_SHARE = ("female_share_sexual", "female_share_labour", "female_share_criminal")
CHILD_SHARE = ("child_share_sexual", "child_share_labour", "child_share_criminal")
"""The parameters of each form (``registry.FORMS`` order)."""
NEW_VICTIMS = WEEKLY_INDEX["new_victims"]
RECRUIT = name_id("recruit")


def resistance(p, levers) -> float:
    """Share of recruitment an origin's awareness campaigns leave (1 without them)."""
    return 1 - p["awareness_recruitment"] * levers["awareness"]


def update_rate(model, network) -> None:
    """Reassess a network's weekly recruitment rate before market pull: recruiters x efficiency
    x vulnerability x awareness resistance x security cost x deterrence, and none at capacity.

    Networks reassess it monthly (``network_response.review``), after recruiting, and when
    they are founded, split or fill a role; in between the last rate holds."""
    update_rates(model, (network,))


def update_rates(model, networks) -> None:
    """:func:`update_rate` of each of ``networks``: one pass, with the parameters and the
    perceptions read once (the month's review and the week's recruiters reassess many
    networks at once; none reads another's rate)."""
    p = model.params
    jurisdictions = model.jurisdictions
    seen = model.perceptions
    certainty, severity = seen.certainty_of, seen.severity_of
    per_exploiter, per_small = p["victims_per_exploiter"], p["victims_per_small_offender"]
    efficiency, security_cost = p["recruitment_efficiency"], p["security_recruitment_cost"]
    hit_certainty, weight = p["hit_certainty"], p["deterrence_weight"]
    exp = fmath.exp
    for network in networks:
        members = network.members
        # capacity: victims_per_exploiter x exploiters (ODD 6.2; also in recruit and the
        # review); the recruiters, or everyone in a small operation (network.capacity,
        # network.recruiting)
        if network.kind == ORGANISED:
            capacity = per_exploiter * len(members[EXPLOITER])
            recruiting = len(members[RECRUITER])
        else:
            recruiting = sum(map(len, members.values()))
            capacity = int(per_small * recruiting)
        if len(network.victims) >= capacity:
            network.recruit_base = 0.0
            continue
        j = network.origin
        origin = jurisdictions[j]
        # exp(-w x deterrence.expected_sanction(model, network, origin))
        network.recruit_base = (
            recruiting * efficiency * origin.vulnerability * origin.recruitment_resistance
            * (1 - security_cost * network.security)
            * exp(-weight * ((certainty[j] + hit_certainty * network.hits) * severity[j])))


def recruit(model) -> None:
    """This week's recruits of every network, up to what its exploiters can control."""
    networks, base, market = model.network_index.with_rates()
    if not networks:
        return
    p = model.params
    u = model.streams.uniforms("recruits", (model.week,), model.network_index.keys)
    counts = poissons(u, base * markets.market_pulls(model)[market])
    taking, full = [], []
    for i, count in zip(np.flatnonzero(counts).tolist(), counts[counts > 0].tolist()):
        network = networks[i]
        # recruits beyond what the network's exploiters can control are not taken
        n = min(int(count), network.capacity(p) - len(network.victims))
        if n > 0:
            taking.append((network, n))
        else:
            full.append(network)
    if taking:
        new_victims(model, taking)
    # every network that drew recruits reassesses its rate (all at once: none reads another's)
    update_rates(model, full + [network for network, _ in taking])


def profile(model, form: int, origin: int, key: int) -> tuple[bool, bool, float]:
    """Whether a person recruited for ``form`` in ``origin`` (their stream key ``key``) is
    male, whether a child, and their vulnerability: sex and age drawn from the form's profile,
    vulnerability the origin's times U(1 - s, 1 + s), capped at 1 (s =
    ``vulnerability_spread``)."""
    p = model.params
    uniform = model.streams.uniform
    spread = p["vulnerability_spread"]
    return (not uniform("sex", key) < p[FEMALE_SHARE[form]],
            uniform("age", key) < p[CHILD_SHARE[form]],
            min(1.0, model.jurisdictions[origin].vulnerability
                * (1 - spread + 2 * spread * uniform("vulnerability", key))))


def new_victims(model, taking: list[tuple]) -> range:
    """The people recruited this week, ``n`` by each ``(network, n)`` of ``taking``, leaving
    next week; returns their rows in ``model.victims``. Their profiles (:func:`profile`) and
    whether they were recruited online are drawn for all of them at once; the ``rank``-th
    recruit of a network in a week has the key ``chain(network.key, RECRUIT, week, rank)``."""
    week = model.week
    sizes = np.array([n for _, n in taking])
    # chain(network.key, RECRUIT, week) for every network at once
    week_keys = extend(extend(np.array([network.key for network, _ in taking], dtype=np.uint64),
                              RECRUIT), week)
    ranks = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    keys = extend(np.repeat(week_keys, sizes), ranks)
    rkeys = extend(keys, 1)
    victims = model.victims
    rows = victims.add(int(sizes.sum()), week)
    origins = np.repeat([network.origin for network, _ in taking], sizes)
    draw_profiles(model, slice(rows.start, rows.stop), keys, rkeys,
                  np.repeat([network.form for network, _ in taking], sizes), origins,
                  np.repeat([network.online_share for network, _ in taking], sizes))
    victims.location[rows.start:rows.stop] = origins
    v = rows.start
    for network, n in taking:
        victims.network[v:v + n] = network.unique_id
        network.victims.update(range(v, v + n))
        model.weekly_tally[NEW_VICTIMS][network.origin] += n
        v += n
    count = len(rows)
    model.move_calendar.schedule_many(np.full(count, week + 1), np.full(count, DEPARTURE),
                                      np.arange(rows.start, rows.stop), np.ones(count),
                                      np.zeros(count))
    tally_new(model, rows)
    return rows


def draw_profiles(model, new: slice, keys: np.ndarray, rkeys: np.ndarray, forms: np.ndarray,
                  origins: np.ndarray, online_shares: np.ndarray) -> None:
    """Who the people in rows ``new`` of ``model.victims`` are, drawn for all of them at once:
    their stream keys (``keys``, and ``rkeys`` for their episode), origin and form, then
    :func:`profile` (vulnerability aside: :func:`vulnerabilities` computes it when read) and
    :func:`online.recruited_online` for each, the same numbers as one by one. ``forms``,
    ``origins`` and ``online_shares`` (their networks') give one value a row; ``rkeys`` are
    their episodes' keys, ``chain(key, 1)``."""
    p = model.params
    streams = model.streams
    victims = model.victims
    sex, age = streams.table([streams.decision("sex"), streams.decision("age")], keys)
    victims.key[new] = keys
    victims.origin[new] = origins
    victims.form[new] = forms
    victims.male[new] = ~(sex < np.array([p[name] for name in FEMALE_SHARE])[forms])
    victims.child[new] = age < np.array([p[name] for name in CHILD_SHARE])[forms]
    victims.group[new] = 2 * victims.male[new] + victims.child[new]
    victims.online[new] = online.recruited_online_many(model, online_shares, rkeys)


def vulnerabilities(model, rows: np.ndarray) -> np.ndarray:
    """The individual vulnerability of victims ``rows`` (:func:`profile`'s, for all at once):
    a function of their stream key and origin, so computed when read (``Victims.vulnerabilities``)
    rather than stored. No process reads it yet (ODD 6.2)."""
    victims = model.victims
    spread = model.params["vulnerability_spread"]
    u = model.streams.table([model.streams.decision("vulnerability")], victims.key[rows])[0]
    base = np.array([jur.vulnerability for jur in model.jurisdictions])[victims.origin[rows]]
    return np.minimum(1.0, base * (1 - spread + 2 * spread * u))


def tally_new(model, rows) -> None:
    """Count new recruits ``rows`` (a range or an array of rows) in this week's
    ``new_victims`` by form, sex and age."""
    victims = model.victims
    new = slice(rows.start, rows.stop) if isinstance(rows, range) else rows
    forms = model.form_tally[FORM_INDEX["new_victims"]]
    for f, count in enumerate(np.bincount(victims.form[new], minlength=len(forms)).tolist()):
        forms[f] += count
    groups = model.group_tally[GROUP_INDEX["new_victims"]]
    male = int(victims.male[new].sum())
    child = int(victims.child[new].sum())
    n = len(rows)
    groups[MALE_SLOT] += male
    groups[FEMALE_SLOT] += n - male
    groups[CHILD_SLOT] += child
    groups[ADULT_SLOT] += n - child
