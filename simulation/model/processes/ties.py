"""Ties inside networks and brokers between them (ODD 6.10): who knows whom, what a loss cuts
off, and how a network rewires.

A network's members are the nodes of a small undirected graph (``Trafficker.ties``). A new
member is introduced by a *sponsor*, an existing member chosen with chance in proportion to
their ties plus one (preferential attachment: those who already know many people introduce
most newcomers, so the founder becomes a hub), and with chance ``tie_closure`` also comes to
know one of the sponsor's contacts (triadic closure). A founded network may have a *broker*:
one member with a tie (``Trafficker.links``) to a member of another network working in the
same place; brokers supply replacements, so a network with a live broker tie refills roles
faster (``broker_replacement_factor``).

When a member is lost (arrest, desistance), members no longer connected to the leader are cut
off: each drops out of the network with chance ``fragment_loss`` (back to the criminal labour
pool, their role refilled later) or else rewires, tying to a member of the leader's component.
Removing a central member (a cut vertex) therefore costs a network more than removing a
peripheral member of the same role (Morselli 2009; Duijn, Kashirin and Sloot 2014).

Questions and changes on networks' ties only; losses and refills are
:mod:`simulation.model.processes.network_response`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter

import networkx as nx
import numpy as np

from simulation.model.agents.trafficker import NO_TIES
from simulation.model.clock import WEEKS_PER_MONTH

MEASURED = ("network_ties", "member_pairs", "leader_betweenness_total", "networks_measured")
"""The weekly columns :func:`survey` fills (``model.structure``'s rows), summed over the living
networks exploiting in each jurisdiction."""

READS = ("networks", "params", "streams", "week", "weeks")
CHANGES = ("structure",)
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


_key = attrgetter("key")


def tie(a, b) -> None:
    """Tie two members of the same network (counted in its ``n_ties``)."""
    if a is not b and b not in a.ties:
        if not a.ties:  # (a list of their own from the first tie on: Trafficker.ties)
            a.ties = []
        if not b.ties:
            b.ties = []
        a.ties.append(b)
        b.ties.append(a)
        a.network.n_ties += 1


def untie(network, a, b) -> None:
    """Cut the tie between ``a`` and ``b`` (members, or former members, of ``network``)."""
    if b in a.ties:
        a.ties.remove(b)
        b.ties.remove(a)
        network.n_ties -= 1


def attach(model, network, member) -> None:
    """Tie a newcomer to the network: to a sponsor chosen by preferential attachment (keyed by
    the newcomer's position), and with chance ``tie_closure`` to one of the sponsor's contacts.
    The first member of a network has nobody to know."""
    others = [m for m in network.roster if m is not member]
    if not others:
        return
    streams = model.streams
    # (keys and weights as lists: Streams.race takes them so, and most races are small)
    sponsor = others[streams.race("sponsor", (member.key,), [m.key for m in others],
                                  [len(m.ties) + 1.0 for m in others])] if len(others) > 1 \
        else others[0]
    tie(member, sponsor)
    contacts = [m for m in sponsor.ties if m is not member]
    if contacts and streams.uniform("tie closure", member.key) < model.params["tie_closure"]:
        contacts.sort(key=_key)  # a set's order is not reproducible
        tie(member, contacts[streams.race("closure contact", (member.key,),
                                          [m.key for m in contacts], [1.0] * len(contacts))])


def recount(network) -> None:
    """Count ``network``'s ties afresh (after a split moved members and their ties)."""
    network.n_ties = sum(len(m.ties) for m in network.roster) // 2


def detach(member, network) -> None:
    """Cut every tie (inside ``network`` and across to others) of a member who leaves it."""
    for other in member.ties:
        other.ties.remove(member)  # (ties are mutual)
    network.n_ties -= len(member.ties)
    member.ties = NO_TIES
    for other in member.links:
        other.links.discard(member)
    member.links = NO_TIES


def component(start) -> set:
    """The members ``start`` is connected to through ties, ``start`` included."""
    seen = {start}
    frontier = [start]
    while frontier:
        nxt = []
        for m in frontier:
            for o in m.ties:
                if o not in seen:
                    seen.add(o)
                    nxt.append(o)
        frontier = nxt
    return seen


def cut_off(network) -> list:
    """Members not connected to the leader, in role order (none without a leader)."""
    leader = network.leader
    if leader is None:
        return []
    connected = component(leader)
    return [m for m in network.roster if m not in connected]


def fragment(model, network, rank: int, chance: float | None = None) -> list:
    """After a loss: each member cut off from the leader drops out with ``chance`` (default
    ``fragment_loss``; returned, still listed as members: the caller removes them) or rewires
    to a member of the leader's component. ``rank`` (the network's count of losses) keys the
    draws, so two losses in one week draw apart."""
    lost = cut_off(network)
    if not lost:
        return []
    streams = model.streams
    chance = model.params["fragment_loss"] if chance is None else chance
    main = sorted(component(network.leader), key=_key)
    keys, ones = [m.key for m in main], [1.0] * len(main)
    dropouts = []
    for m in lost:
        if chance > 0 and streams.uniform("fragment loss", m.key, rank) < chance:
            dropouts.append(m)
        else:
            tie(m, main[streams.race("rewire", (m.key, rank), keys, ones)])
    return dropouts


def reconnect(model, network, rank: int) -> None:
    """Tie every member cut off from the leader back to the leader's component (after a
    split, where each half reorganises rather than loses people): :func:`fragment` with no
    drop-out."""
    fragment(model, network, rank, chance=0.0)


def broker(model, network, candidates: Iterable) -> None:
    """With chance ``broker_share``, one member of a newly founded network (its transporter,
    else a recruiter, else its leader) is a broker: tied to a member of another network among
    ``candidates`` (networks working in the same place), chosen at random."""
    if model.streams.uniform("broker", network.key) >= model.params["broker_share"]:
        return
    others = [n for n in candidates if n is not network and n.alive and n.size]
    if not others:
        return
    me = next(m for role in ("transporter", "recruiter", "leader")
              for m in network.members[role][:1])
    # the race runs over the candidates in the order of their keys, so that the order of
    # ``candidates`` does not matter (a stable sort: as Python's sorted by key would give)
    keys = np.fromiter([n.key for n in others], np.uint64, len(others))
    order = np.argsort(keys, kind="stable")
    other = others[int(order[model.streams.race("broker partner", (network.key,), keys[order],
                                                np.ones(len(others)))])]
    contact = other.leader or other.roster[0]
    link(me, contact)
    link(contact, me)


def link(a, b) -> None:
    """Add ``b`` to ``a``'s links (a set of their own from the first link on)."""
    if not a.links:
        a.links = set()
    a.links.add(b)


def has_broker(network) -> bool:
    """Whether a member has a tie to a member of another living network."""
    return any(o.network is not None and o.network is not network and o.network.alive
               for m in network.roster for o in m.links)


def degree_focus(network) -> dict:
    """Each member's centrality for key-player targeting, 0-1: ties (and broker links) over
    the most any member has; 1 for a lone member."""
    members = network.roster
    degree = {m: len(m.ties) + len(m.links) for m in members}
    top = max(degree.values(), default=0)
    return {m: (d / top if top else 1.0) for m, d in degree.items()}


def is_central(network, member) -> bool:
    """Whether ``member`` has the most ties (and links) in the network (ties share it)."""
    members = network.roster
    if len(members) < 2:
        return True
    return len(member.ties) + len(member.links) >= max(len(m.ties) + len(m.links)
                                                       for m in members)


def measures(network) -> dict[str, float]:
    """:meth:`TraffickingNetwork.measures`, plus whether it has a live broker."""
    return network.measures() | {"broker": float(has_broker(network))}


def survey(model) -> None:
    """Monthly: ties and pairs of members of the living networks, by where they exploit
    (``network_ties``, ``member_pairs``). In the run's last month, the leaders' betweenness
    (networkx; too costly to measure every month) and how many networks it was measured on
    (``leader_betweenness_total``, ``networks_measured``). Held in ``model.structure``."""
    structure = model.structure
    networks = model.networks
    width = structure.shape[1]
    where = np.array([n.destination for n in networks], dtype=int)
    sizes = np.array([n.size for n in networks], dtype=float)
    # sums of whole numbers: exact in any order
    structure[0] = np.bincount(where, np.array([n.n_ties for n in networks], dtype=float),
                               minlength=width)
    structure[1] = np.bincount(where, sizes * (sizes - 1) / 2, minlength=width)
    if model.week + WEEKS_PER_MONTH >= model.weeks:
        for network in networks:
            j = network.destination
            leader = network.leader
            if network.size > 2 and leader is not None:
                structure[2, j] += nx.betweenness_centrality(network.graph())[leader.key]
                structure[3, j] += 1
