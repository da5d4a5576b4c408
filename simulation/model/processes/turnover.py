"""Who enters and who leaves trafficking (ODD 6.11): members desist, more readily where the
expected sanction is high; new networks enter markets with unmet demand, less readily where it
is high. Monthly (step 11), after the perceptions of :mod:`deterrence` are updated.
"""

from __future__ import annotations

import numpy as np

from simulation.model import fmath
from simulation.model.agents.trafficker import ACTIVE, DESISTED, ROLES
from simulation.model.clock import monthly_chance
from simulation.model.processes import markets, network_response, recruitment, region
from simulation.model.registry import Form
from simulation.model.streams import chain

READS = ("jurisdictions", "networks", "params", "perceptions", "streams", "week")
CHANGES = ()
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

N_FORMS = len(Form)


def desistance(model) -> None:
    """Monthly: members leave crime at ``desistance_hazard`` x exp(w x expected sanction where
    they work). Every member gets a keyed uniform number for the month (one vectorised draw
    over all networks and roles; members of a role share a workplace, so a role's members share
    one chance), then work only for those who leave."""
    networks = model.networks
    if not networks:
        return
    p = model.params
    # the rosters (ROLES order) of every network: each role's size, where it works (its first
    # member's home; the origin for an empty role), its members and their keys (each network
    # keeps these until its rosters or workplaces change: TraffickingNetwork.rosters)
    sizes_list: list[int] = []
    homes_list: list[int] = []
    members: list = []
    member_keys: list[int] = []
    for n in networks:
        sizes, homes, roster, keys = n.rosters()
        sizes_list += sizes
        homes_list += homes
        members += roster
        member_keys += keys
    sizes = np.array(sizes_list).reshape(len(networks), len(ROLES))
    homes = np.array(homes_list).reshape(len(networks), len(ROLES))
    hits = np.array([n.hits for n in networks])[:, None]
    seen = model.perceptions
    sanction = (seen.certainty[homes] + p["hit_certainty"] * hits) * seen.severity[homes]
    # capped exponent: past e^50 everyone leaves within the month anyway, and the cap keeps
    # extreme sensitivity-analysis corners free of overflow
    hazard = p["desistance_hazard"] * fmath.exp_all(
        np.minimum(p["deterrence_weight"] * sanction, 50))
    chance = monthly_chance(hazard).ravel()
    if not members:
        return
    keys = np.fromiter(member_keys, np.uint64, len(member_keys))
    u = model.streams.uniforms("desistance", (model.week,), keys)
    leaving = np.flatnonzero(u < np.repeat(chance, sizes.ravel())).tolist()
    owners = np.repeat(np.arange(len(networks)), sizes.sum(axis=1))
    for x in leaving:
        network, member = networks[owners[x]], members[x]
        if not network.alive:
            continue
        if member.network is network and member.status == ACTIVE:
            member.set_status(DESISTED, "desisted")
            network_response.lose_member(model, network, member, arrested=False)


def enter_markets(model) -> None:
    """Monthly: new networks enter each market, Poisson with mean ``network_entry_rate`` x
    demand / 1000 x pull x exp(-w x certainty x severity)."""
    p = model.params
    pull = markets.market_pulls(model)
    for jur in model.jurisdictions:
        for f in range(N_FORMS):
            demand = jur.demand[f]
            if demand <= 0:
                continue
            rate = (p["network_entry_rate"] * demand / 1000 * pull[jur.index * N_FORMS + f]
                    * fmath.exp(-p["deterrence_weight"] * model.perceptions.certainty[jur.index]
                               * model.perceptions.severity[jur.index]))
            week = model.week
            market = jur.index * N_FORMS + f
            for rank in range(model.streams.poisson(rate, "entry", week, market)):
                key = chain(model.streams.decision("entered network"), week, market, rank)
                network = region.found_network(model, f, jur.index, key)
                recruitment.update_rate(model, network)
