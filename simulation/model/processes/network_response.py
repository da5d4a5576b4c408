"""Network response (ODD 6.10): how networks absorb losses (replacement, promotion, splitting,
collapse) and their monthly review (security, assets, growth, dissolution, relocation).

Replacements are ``events.Replacement``, fired with the justice events (step 9); the monthly
review is part of step 10.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.model import events, fmath
from simulation.model.clock import WEEKS_PER_MONTH, monthly_chance
from simulation.model.streams import chain
from simulation.model.agents.trafficker import (ACTIVE, DESISTED, EXPLOITER, LEADER, RELEASED,
                                                ROLES, Trafficker)
from simulation.model.agents.victim import Status
from simulation.model.processes import (deterrence, identification, markets, online, recruitment,
                                        region, spells, ties)
from simulation.model.registry import MAJOR_LOSS, MODERATE_LOSS

READS = ("jurisdictions", "markets", "networks", "params", "streams", "week")
CHANGES = (
    "active_traffickers", "exploited", "justice_calendar", "labour_pool", "network_index",
    "victims", "weekly_tally",
)
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


# -- losses and replacement ----------------------------------------------------------------------

def lose_member(model, network, trafficker, arrested: bool) -> None:
    """A member was arrested or left. An arrest raises security and the memory of hits; an
    arrested leader may split or end the network; otherwise a member is promoted to lead (and
    the promoted member's old role is refilled). Any other lost role is refilled after a
    delay. Members the loss cut off from the leader drop out or rewire (:func:`ties.fragment`)."""
    network.drop_member(trafficker)
    ties.detach(trafficker, network)
    p = model.params
    if arrested:
        network.security = min(1.0, network.security + p["security_gain"])
        network.hits += 1
    if network.size == 0:
        end_network(model, network, dismantled=arrested)
        return
    if trafficker.role == LEADER:
        if arrested:
            # one draw: split (large networks only), collapse, or carry on under a new leader
            u = model.streams.uniform("leader loss", model.week, network.key)
            can_split = network.size >= p["split_min_size"]
            split = p["leader_split_probability"] if can_split else 0.0
            if u < split:
                split_network(model, network)
            elif u < split + p["collapse_probability"]:
                end_network(model, network, dismantled=True)
                return
        promote_leader(model, network)  # fills the leader's place and refills the other role
    else:
        schedule_replacement(model, network, trafficker.role)
    cut_loose(model, network)


def cut_loose(model, network) -> None:
    """Members the last loss cut off from the leader: those who drop out return to the
    criminal labour pool and their roles are refilled later; the others rewire."""
    for member in ties.fragment(model, network, network.losses):
        network.drop_member(member)
        ties.detach(member, network)
        member.network = None
        member.set_status(RELEASED, "cut off from the network")
        model.labour_pool[member.home].append(member)
        model.tally("members_cut_off", network.destination)
        network.cut_offs += 1
        schedule_replacement(model, network, member.role)


def promote_leader(model, network) -> None:
    """The largest role gives up a member to lead; that role is refilled later."""
    if network.members[LEADER] or network.size == 0:
        return
    roles = [r for r in ROLES if network.members[r]]
    role = max(roles, key=lambda r: len(network.members[r]))
    successor = network.pop_member(role)
    successor.role = LEADER  # they keep their ties: the network's structure is unchanged
    successor.note("became leader")
    network.add_member(successor)
    schedule_replacement(model, network, role)


def schedule_replacement(model, network, role: str) -> None:
    """Refill ``role`` after a geometric delay with mean ``replacement_delay_weeks``, times
    ``broker_replacement_factor`` if a member has a tie to another living network (a broker,
    :func:`ties.has_broker`)."""
    network.losses += 1
    if not network.organised:
        return  # a small operation carries on with whoever is left; nobody is hired
    p = model.params
    mean = p["replacement_delay_weeks"] * (p["broker_replacement_factor"]
                                           if ties.has_broker(network) else 1.0)
    weeks = model.streams.geometric(min(1.0, 1 / mean), "replacement delay", network.key,
                                    network.losses)
    model.justice_calendar.schedule(model.week + weeks, events.Replacement(network, role))


def replace(model, network, role: str) -> None:
    if network.alive:
        fill_role(model, network, role)
        recruitment.update_rate(model, network)


def fill_role(model, network, role: str) -> Trafficker:
    """Fill a role from the criminal labour pool where the role works, or with a newcomer."""
    hire = network.next_hire()
    home = region.workplace(model, network, role, hire)
    pool = model.labour_pool[home]
    trafficker = pool.pop() if pool else None
    if trafficker is None:
        trafficker = Trafficker(model, role, home, hire)
    else:
        trafficker.role = role
        trafficker.set_status(ACTIVE, "joined network")
    network.add_member(trafficker)
    ties.attach(model, network, trafficker)
    recovery_check(model, network)
    return trafficker


def recovery_check(model, network) -> None:
    """A network hit by enforcement has recovered once it is back to its size before the hit
    (:func:`grade_hit`): counted, with the weeks it took (resilience)."""
    hit = network.recovering
    if hit is not None and network.size >= hit[1]:
        network.recovering = None
        model.tally("networks_recovered", network.destination)
        model.tally("recovery_weeks", network.destination, model.week - hit[0])


def grade_hit(model, network, size_before: int, lost: int, leader_lost: bool) -> None:
    """Grade what an investigation's arrests did to a network, after the UK National Crime
    Agency's disruption framework (major, moderate, minor): major if the network ended or lost
    at least ``registry.MAJOR_LOSS`` of its members (arrested or cut off), moderate if it lost
    its leader or ``registry.MODERATE_LOSS``, minor for any smaller loss. A hit network that
    carries on starts recovering towards ``size_before``. ``lost``: members arrested and cut
    off (not those a split took into a new network)."""
    if lost <= 0:
        return
    share = lost / size_before
    j = network.destination
    if not network.alive or share >= MAJOR_LOSS:
        model.tally("disruptions_major", j)
    elif leader_lost or share >= MODERATE_LOSS:
        model.tally("disruptions_moderate", j)
    else:
        model.tally("disruptions_minor", j)
    if network.alive and network.recovering is None:
        network.recovering = (model.week, size_before)


# -- splitting, collapse, relocation -------------------------------------------------------------

def end_network(model, network, dismantled: bool) -> None:
    """A network ends: remaining members leave crime, controlled victims are let go."""
    if not network.alive:
        return
    network.end()
    for role in ROLES:
        for member in network.members[role]:
            ties.detach(member, network)
            member.set_status(DESISTED, "network ended")
        network.set_roster(role, [])
    identification.release_all(model, network.victims.rows())
    model.tally("networks_dismantled" if dismantled else "networks_dissolved",
                network.destination)
    network.remove()
    model.network_index.changed()


def split_network(model, network) -> None:
    """Losing its leader, a large network breaks in two: members and victims halved at
    random, each half under a leader."""
    uniform = model.streams.uniform
    week = model.week
    # keyed by the parent and its count of losses, which differs between two splits of the
    # same network even within a week
    other = region.new_network(model, network.form, network.origin, network.destination,
                               chain(model.streams.decision("split network"), network.key,
                                     network.losses))
    for role in ROLES:
        members = network.members[role]
        members.sort(key=lambda m: uniform("split", week, m.key))  # a random order
        half = len(members) // 2
        for member in members[half:]:
            other.add_member(member)
        network.set_roster(role, members[:half])
    for member in other.roster:  # ties across the halves are cut
        for o in [o for o in member.ties if o.network is not other]:
            ties.untie(network, member, o)
    ties.recount(network)
    ties.recount(other)
    victims = list(network.victims)
    for v in victims[: len(victims) // 2]:
        network.victims.discard(v)
        other.victims.add(v)
        model.victims.network[v] = other.unique_id
    other.security = network.security
    other.online_share = network.online_share
    promote_leader(model, other)
    ties.reconnect(model, other, network.losses)  # each half reorganises under its leader
    recruitment.update_rate(model, other)
    model.network_index.changed()


def relocate(model, network, destination: int) -> None:
    """Move exploitation, the exploiters and leader working there, and the exploited victims to
    another jurisdiction. A domestic network (recruiting where it exploits) moves whole,
    recruiters too, and stays domestic."""
    old = network.destination
    domestic = network.origin == old
    if domestic:
        network.origin = destination
    network.move_to(destination, region.route(model, network.origin, destination))
    for role in ROLES if domestic else (EXPLOITER, LEADER):
        for member in network.members[role]:
            if member.home == old:
                move_trafficker(model, member, destination)
    network.moved()
    victims = model.victims
    for v in network.victims:
        if victims.status[v] == Status.EXPLOITED:
            form = victims.form[v]
            model.exploited[old][form].remove(v)
            model.exploited[destination][form].add(v)
            victims.location[v] = destination
            spells.close_spell_record(model, v)  # a new spell, somewhere else
            spells.open_spell_record(model, v, destination, model.week)
    model.tally("relocations", old)
    model.network_index.changed()


def move_trafficker(model, trafficker, home: int) -> None:
    if trafficker.status == ACTIVE:
        model.active_traffickers[trafficker.home] -= 1
        model.active_traffickers[home] += 1
    trafficker.home = home


# -- the monthly review --------------------------------------------------------------------------

def review_all(model) -> None:
    """Monthly: every network's :func:`review`, in a random order (keyed by network and week,
    so that one network more or fewer does not reorder the others). The month's numbers for
    the order, dissolution and relocation are drawn for all networks at once, and so are the
    online adjustments and recruitment rates of the networks that carry on (no review reads
    another network's; :func:`online.adjust_many`, :func:`recruitment.update_rates`)."""
    networks = model.networks
    if not networks:
        return
    streams = model.streams
    week = (model.week,)
    keys = np.array([n.key for n in networks], dtype=np.uint64)
    # the three decisions' numbers in one pass (rows of one table, as streams.uniforms each)
    u = streams.table([streams.base(name, *week) for name in
                       ("review order", "dissolution", "relocation review")], keys)
    order = np.argsort(u[0], kind="stable")
    dissolve, reconsider = u[1].tolist(), u[2].tolist()
    month = _Month(model)
    carrying_on = [networks[i] for i in order.tolist()
                   if _review(networks[i], model, (dissolve[i], reconsider[i]), month)]
    # what no other network's review reads, for every network that carries on, at once
    online.adjust_many(model, carrying_on)
    recruitment.update_rates(model, carrying_on)


def review(network, model, draws: tuple[float, float] | None = None,
           dissolve_chance: float | None = None) -> None:
    """Monthly: relax security and memory of hits, bank revenue, hire an exploiter if at
    capacity in a market with room, maybe dissolve, maybe reconsider where to exploit, adjust
    online recruitment and reassess recruitment. ``draws``: the network's numbers for
    dissolution and relocation this month (drawn here if not given); ``dissolve_chance``: the
    month's chance of dissolving (the same for every network; worked out here if not given)."""
    if draws is None:
        uniform = model.streams.uniform
        draws = (uniform("dissolution", model.week, network.key),
                 uniform("relocation review", model.week, network.key))
    if _review(network, model, draws, _Month(model, dissolve_chance)):
        online.adjust(model, network)
        recruitment.update_rate(model, network)


class _Month:
    """What every network's review reads the same in a month: the parameters, the chance of
    dissolving and each market's revenue per victim-week (prices change only in step 6.4,
    before the review: ``markets.update_demand``)."""

    __slots__ = ("security_decay", "hit_memory", "asset_retention", "hire_pull_threshold",
                 "relocation_review", "dissolve_chance", "revenue")

    def __init__(self, model, dissolve_chance: float | None = None) -> None:
        p = model.params
        self.security_decay = p["security_decay"]
        self.hit_memory = p["hit_memory"]
        self.asset_retention = p["asset_retention"]
        self.hire_pull_threshold = p["hire_pull_threshold"]
        self.relocation_review = p["relocation_review"]
        self.dissolve_chance = (monthly_chance(p["dissolution_hazard"])
                                if dissolve_chance is None else dissolve_chance)
        self.revenue = [[markets.revenue_per_week(model, jur, form)
                         for form in range(len(jur.price_index))]
                        for jur in model.jurisdictions]


def _review(network, model, draws: tuple[float, float], month: _Month) -> bool:
    """:func:`review` up to (not including) its online adjustment and recruitment rate, which
    read only the network's own state: :func:`review_all` does those for every network at
    once. Returns whether the network carries on (it was alive and did not dissolve)."""
    if not network.alive:
        return False
    network.security *= month.security_decay
    network.hits *= month.hit_memory
    n_victims = len(network.victims)
    network.assets += (WEEKS_PER_MONTH * n_victims
                       * month.revenue[network.destination][network.form]
                       * month.asset_retention)
    if (network.organised and n_victims >= network.capacity(model.params)
            and markets.market_pull(model, network.destination, network.form)
            > month.hire_pull_threshold):
        fill_role(model, network, EXPLOITER)
    if draws[0] < month.dissolve_chance:
        end_network(model, network, dismantled=False)
        return False
    if draws[1] < month.relocation_review:
        reconsider_destination(model, network)
    return True


def market_value(model, network, j: int) -> float:
    """Expected weekly value of exploiting in ``j``: revenue x unmet demand x exp(-w x expected
    sanction there)."""
    jur = model.jurisdictions[j]
    return (markets.revenue_per_week(model, jur, network.form)
            * markets.market_pull(model, j, network.form)
            * fmath.exp(-model.params["deterrence_weight"]
                       * deterrence.expected_sanction(model, network, j)))


def reconsider_destination(model, network) -> None:
    """Re-choose where to exploit by expected value net of expected sanctions.

    Displacement, if any, comes out of this choice; it is never imposed. Networks move among
    markets of the same kind (destination to destination, origin to origin): turning a
    domestic operation into a transnational one is a different business, not modelled.
    """
    current = market_value(model, network, network.destination)
    role = model.jurisdictions[network.destination].role
    best, value = None, -math.inf
    for j in model.markets.like(network.form, role):
        if j != network.destination:
            v = market_value(model, network, j)
            if v > value or best is None:
                best, value = j, v
    if best is not None and value > current * (1 + model.params["switching_cost"]):
        relocate(model, network, best)
