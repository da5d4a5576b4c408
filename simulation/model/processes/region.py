"""The initial region and the founding of networks (ODD 5; founding also serves entry, 6.11).

Each market (jurisdiction x form with demand) starts part-filled with networks whose victims
are already exploited, so the burn-in starts from a plausible state.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from simulation.model import fmath
from simulation.model.agents.network import FAMILY, LONE, ORGANISED, PAIR, TraffickingNetwork
from simulation.model.agents.trafficker import EXPLOITER, LEADER, RECRUITER, TRANSPORTER, Trafficker
from simulation.model.clock import EARLIEST_WEEK
from simulation.model.registry import Form
from simulation.model.processes import online, recruitment, spells, ties
from simulation.model.streams import chain, extend, geometrics, name_id

READS = ("jurisdictions", "markets", "networks", "networks_known_in", "params", "streams",
         "transit_index", "week")
CHANGES = ("exploited", "network_index", "victims")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

INITIAL_VICTIM = name_id("initial victim")

ROLE_RANK = {"origin": 0, "transit": 1, "destination": 2}


def route(model, origin: int, destination: int) -> list[int]:
    """Origin -> transit -> destination; international routes pass the region's transit."""
    if origin == destination:
        return [origin]
    transit = model.transit_index
    if transit is None or transit in (origin, destination):
        return [origin, destination]
    return [origin, transit, destination]


def origin_weights(model, destination: int) -> list[float]:
    """People are recruited where many are vulnerable; nobody is moved to a poorer place, and
    recruiting at home is easier (``domestic_weight``)."""
    dest = model.jurisdictions[destination]
    domestic = model.params["domestic_weight"]
    weights = []
    for jur in model.jurisdictions:
        w = jur.population * jur.vulnerability
        if jur.index == destination:
            w *= domestic
        elif ROLE_RANK[jur.role] >= ROLE_RANK[dest.role]:
            w = 0.0
        weights.append(w)
    return weights


def choose_origin(model, destination: int, key: int) -> int:
    """Where a network founded with stream key ``key`` recruits, in proportion to
    :func:`origin_weights`."""
    cdf = model.markets.origin_cdf(destination, lambda d: origin_weights(model, d))
    return bisect_right(cdf, model.streams.uniform("origin", key))


def workplace(model, network, role: str, hire: int) -> int:
    """Where a member in ``role`` works: recruiters at the origin, transporters in transit,
    exploiters at the destination, a leader at either (drawn for the position ``hire``, the
    key of :meth:`~simulation.model.agents.network.TraffickingNetwork.next_hire`)."""
    if role == RECRUITER:
        return network.origin
    if role == TRANSPORTER:
        return network.route[1] if len(network.route) > 2 else network.origin
    if role == EXPLOITER:
        return network.destination
    at_destination = (model.streams.uniform("leader workplace", hire)
                      < model.params["leader_at_destination"])
    return network.destination if at_destination else network.origin


def new_network(model, form: int, origin: int, destination: int,
                key: int) -> TraffickingNetwork:
    """An empty network (members and victims are added by the caller)."""
    network = TraffickingNetwork(model, form, origin, destination,
                                 route(model, origin, destination), key)
    network.online_share = online.start_share(model, form, origin)
    model.network_index.changed()
    return network


SMALL_ROLES = {LONE: (LEADER,), PAIR: (LEADER, EXPLOITER), FAMILY: (LEADER, RECRUITER, EXPLOITER)}
"""The members of a small operation (ODD 6.10): everyone recruits and exploits, whatever the
role's name."""
KIND_SHARES = ((LONE, "share_lone"), (PAIR, "share_pair"), (FAMILY, "share_family"))


def offender_kind(model, key: int) -> str:
    """The kind of operation founded with stream key ``key``: lone, pair or family with the
    chances ``share_lone``, ``share_pair``, ``share_family``, else an organised network."""
    u = model.streams.uniform("offender type", key)
    for kind, share in KIND_SHARES:
        u -= model.params[share]
        if u < 0:
            return kind
    return ORGANISED


def found_network(model, form: int, destination: int, key: int,
                  n_victims: int = 0, kind: str | None = None) -> TraffickingNetwork:
    """A new operation (ODD 5, 6.10) of ``kind`` (drawn by :func:`offender_kind` if not
    given). An organised network gets a leader, recruiters, transporters (if it crosses
    borders) and enough exploiters for the victims it starts with; a small operation its
    :data:`SMALL_ROLES`. ``key`` is its stream key (:func:`simulation.model.streams.chain` of how
    and when it was founded)."""
    p = model.params
    kind = offender_kind(model, key) if kind is None else kind
    origin = choose_origin(model, destination, key)
    network = TraffickingNetwork(model, form, origin, destination,
                                 route(model, origin, destination), key, kind,
                                 1.0 if kind == ORGANISED else p["small_visibility"])
    network.online_share = online.start_share(model, form, origin)
    if kind == ORGANISED:
        roles = [LEADER] + [RECRUITER] * max(
            1, round(n_victims / p["victims_per_recruiter_at_founding"]))
        if len(network.route) > 1:
            roles += [TRANSPORTER] * (1 + (n_victims > p["second_transporter_victims"]))
        roles += [EXPLOITER] * max(p["min_exploiters_at_founding"],
                                   math.ceil(n_victims / p["victims_per_exploiter_at_founding"]))
    else:
        roles = list(SMALL_ROLES[kind])
    for role in roles:
        hire = network.next_hire()
        member = Trafficker(model, role, workplace(model, network, role, hire), hire)
        network.add_member(member)
        ties.attach(model, network, member)
    # a broker's tie to another network recruiting in the same place (none while the region
    # is seeded: seed_region links those once every network exists)
    if kind == ORGANISED:
        ties.broker(model, network, model.networks_known_in.get(network.origin, ()))
    model.network_index.changed()
    return network


def seed_region(model) -> None:
    """Start each market part-filled (``initial_fill``), with exploitation spells of realistic
    ages."""
    streams = model.streams
    p = model.params
    fill = p["initial_fill"]
    spread = p["initial_network_spread"]
    mu = fmath.log(p["initial_network_victims"]) - spread * spread / 2  # lognormal with that mean
    smallest = p["initial_network_min"]
    spell = 1 / p["initial_spell_weeks"]
    for jur in model.jurisdictions:
        for f in Form:
            target = fill * jur.demand[f]
            placed = 0
            rank = 0
            while placed < target:
                rank += 1
                n = int(max(smallest, streams.lognormal(mu, spread, "initial network size",
                                                        jur.index, int(f), rank)))
                n = min(n, int(math.ceil(target - placed)))
                key = chain(streams.decision("founded network"), jur.index, int(f), rank)
                kind = offender_kind(model, key)
                if kind != ORGANISED:  # a small operation holds what its members can control
                    n = min(n, int(p["victims_per_small_offender"] * len(SMALL_ROLES[kind])))
                network = found_network(model, int(f), jur.index, key, n, kind)
                place_initial_victims(model, network, n, spell)
                placed += n
    by_origin: dict[int, list] = {}
    for network in model.networks:
        by_origin.setdefault(network.origin, []).append(network)
    for network in model.networks:
        if network.organised:
            ties.broker(model, network, by_origin[network.origin])
        recruitment.update_rate(model, network)


def place_initial_victims(model, network, n: int, spell: float) -> range:
    """``n`` victims of ``network`` already in exploitation when the run starts, ranked 0 to
    ``n - 1`` (the ``rank``-th has the key ``chain(network.key, INITIAL_VICTIM, rank)``), with
    the same profile as a recruit of the network's form and origin
    (:func:`recruitment.draw_profiles`) and an exploitation spell that started a geometric
    number of weeks ago (chance ``spell`` a week, keyed by the episode); their history starts
    then. Returns their rows in ``model.victims``."""
    if n <= 0:
        return range(model.victims.n, model.victims.n)
    victims = model.victims
    week = model.week
    form, destination = network.form, network.destination
    keys = extend(np.full(n, chain(network.key, INITIAL_VICTIM), dtype=np.uint64),
                  np.arange(n))
    rkeys = extend(keys, 1)
    rows = victims.add_exploited(n, week)
    new = slice(rows.start, rows.stop)
    recruitment.draw_profiles(model, new, keys, rkeys, np.full(n, form),
                              np.full(n, network.origin), np.full(n, network.online_share))
    victims.network[new] = network.unique_id
    victims.location[new] = destination
    spell_u = model.streams.table([model.streams.decision("initial spell")], rkeys)[0]
    since = week - geometrics(spell_u, spell)
    if since.min() < EARLIEST_WEEK:  # (weeks are 16-bit: clock.NO_WEEK)
        raise OverflowError(f"an initial spell drawn {week - since.min()} weeks old starts "
                            f"before week {EARLIEST_WEEK}, the earliest the model can hold; "
                            "lower initial_spell_weeks or burn_in_weeks")
    victims.exploited_since[new] = since
    network.victims.update(rows)
    people = np.arange(rows.start, rows.stop)
    model.exploited[destination][form].add_many(people, rkeys)
    spells.open_spell_records(model, people, destination, since)
    return rows
