"""Deterrence, entry and desistance (ODD 6.11): traffickers' perceived certainty and severity
of punishment, learned from what they see; the expected sanction that lowers recruitment and
market value; desistance; and the entry of new networks.

Monthly (step 11). Perceptions are per jurisdiction (shared street knowledge), held on the
model: ``certainty`` (perceived yearly chance of conviction), ``perceived_sentence`` (years)
and ``severity`` (the discounted weight of that sentence).
"""

from __future__ import annotations

import math

import numpy as np

from simulation.agents.trafficker import ACTIVE, DESISTED, ROLES
from simulation.clock import MONTHS_PER_YEAR, monthly_chance
from simulation.streams import chain
from simulation.registry import Form
from simulation.processes import exploitation, network_response, recruitment, region

N_FORMS = len(Form)


def discounted(k: float, sentence):
    """Hyperbolic discounting: a sentence of S years weighs ln(1 + kS) / k."""
    return np.log1p(k * sentence) / k


def start_perceptions(model) -> None:
    """Before anything is seen: ``prior_certainty`` everywhere, and each jurisdiction's
    sentence lever as the perceived sentence."""
    n = len(model.jurisdictions)
    model.certainty = np.full(n, model.params["prior_certainty"])
    model.perceived_sentence = np.array([j.levers["sentence_years"] for j in model.jurisdictions],
                                        dtype=float)
    model.severity = discounted(model.params["discount_rate"], model.perceived_sentence)
    model.seen_arrests = np.zeros(n)
    model.seen_convictions = np.zeros(n)
    model.seen_sentences = np.zeros(n)
    _copy_perceptions(model)


def _copy_perceptions(model) -> None:
    """Plain-float copies of certainty and severity, read per network (the one place they
    are renewed)."""
    model.certainty_of = model.certainty.tolist()
    model.severity_of = model.severity.tolist()


def observe_arrest(model, j: int) -> None:
    model.seen_arrests[j] += 1


def observe_conviction(model, j: int, years: float) -> None:
    model.seen_convictions[j] += 1
    model.seen_sentences[j] += years


def expected_sanction(model, network, j: int) -> float:
    """Expected discounted prison-years per year of work in ``j`` for ``network``'s members:
    (certainty there + ``hit_certainty`` x remembered own losses) x severity there."""
    return ((model.certainty_of[j] + model.params["hit_certainty"] * network.hits)
            * model.severity_of[j])


def update_perceptions(model) -> None:
    """Monthly: perceived certainty follows the arrests (weighted ``arrest_signal``) and
    convictions seen among peers in each jurisdiction, per year; the perceived sentence
    follows the sentences handed down; both by exponential smoothing (``risk_update_rate``)."""
    p = model.params
    rate = p["risk_update_rate"]
    active = np.maximum(model.active_traffickers, 1)
    # a monthly count x MONTHS_PER_YEAR is a yearly rate (simulation.clock)
    signal = ((model.seen_convictions + p["arrest_signal"] * model.seen_arrests)
              * MONTHS_PER_YEAR / active)
    model.certainty += rate * (signal - model.certainty)
    seen = model.seen_convictions > 0
    mean_sentence = np.divide(model.seen_sentences, model.seen_convictions,
                              out=np.zeros_like(model.seen_sentences), where=seen)
    model.perceived_sentence[seen] += rate * (mean_sentence[seen]
                                              - model.perceived_sentence[seen])
    model.severity = discounted(p["discount_rate"], model.perceived_sentence)
    _copy_perceptions(model)
    model.seen_arrests[:] = 0
    model.seen_convictions[:] = 0
    model.seen_sentences[:] = 0


def desistance(model) -> None:
    """Monthly: members leave crime at ``desistance_hazard`` x exp(w x expected sanction where
    they work). Every member gets a keyed uniform number for the month (one vectorised draw
    over all networks and roles; members of a role share a workplace, so a role's members share
    one chance), then work only for those who leave."""
    networks = model.networks
    if not networks:
        return
    p = model.params
    rosters = [m for n in networks for m in n.members.values()]  # members[role], ROLES order
    sizes = np.array([len(m) for m in rosters]).reshape(len(networks), len(ROLES))
    # where each role works: its first member's home (the origin for an empty role)
    homes = np.array([m[0].home if m else n.origin for n in networks
                      for m in n.members.values()]).reshape(len(networks), len(ROLES))
    hits = np.array([n.hits for n in networks])[:, None]
    sanction = (model.certainty[homes] + p["hit_certainty"] * hits) * model.severity[homes]
    # capped exponent: past e^50 everyone leaves within the month anyway, and the cap keeps
    # extreme sensitivity-analysis corners free of overflow
    hazard = p["desistance_hazard"] * np.exp(np.minimum(p["deterrence_weight"] * sanction, 50))
    chance = monthly_chance(hazard).ravel()
    members = [m for roster in rosters for m in roster]
    if not members:
        return
    u = model.streams.uniforms("desistance", (model.week,),
                               np.fromiter((m.key for m in members), np.uint64, len(members)))
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
    pull = exploitation.market_pulls(model)
    for jur in model.jurisdictions:
        for f in range(N_FORMS):
            demand = jur.demand[f]
            if demand <= 0:
                continue
            rate = (p["network_entry_rate"] * demand / 1000 * pull[jur.index * N_FORMS + f]
                    * math.exp(-p["deterrence_weight"] * model.certainty[jur.index]
                               * model.severity[jur.index]))
            week = model.week
            market = jur.index * N_FORMS + f
            for rank in range(model.streams.poisson(rate, "entry", week, market)):
                key = chain(model.streams.decision("entered network"), week, market, rank)
                network = region.found_network(model, f, jur.index, key)
                recruitment.update_rate(model, network)
