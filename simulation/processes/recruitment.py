"""Recruitment (ODD 6.2): recruiters draw victims from origin populations into finite markets.

Implements ``TraffickingModel.step`` step 2. Each week every network's recruits are one
Poisson draw (all networks in one vectorised call), at its last assessed rate times its
market's pull (the unmet share of demand).
"""

from __future__ import annotations

import math

import numpy as np

from simulation.agents.trafficker import EXPLOITER, RECRUITER
from simulation.agents.victim import Victim
from simulation.registry import FORMS, WEEKLY_INDEX
from simulation import events
from simulation.processes import deterrence, exploitation, online

FEMALE_SHARE = tuple(f"female_share_{f}" for f in FORMS)
CHILD_SHARE = tuple(f"child_share_{f}" for f in FORMS)
NEW_VICTIMS = WEEKLY_INDEX["new_victims"]


def resistance(p, levers) -> float:
    """Share of recruitment an origin's awareness campaigns leave (1 without them)."""
    return 1 - p["awareness_recruitment"] * levers["awareness"]


def update_rate(model, network) -> None:
    """Reassess a network's weekly recruitment rate before market pull: recruiters x efficiency
    x vulnerability x awareness resistance x security cost x deterrence, and none at capacity.

    Networks reassess it monthly (``network_response.review``), after recruiting, and when
    they are founded, split or fill a role; in between the last rate holds."""
    p = model.params
    # capacity: victims_per_exploiter x exploiters (ODD 6.2; also in recruit and the review)
    if len(network.victims) >= p["victims_per_exploiter"] * len(network.members[EXPLOITER]):
        network.recruit_base = 0.0
        return
    origin = model.jurisdictions[network.origin]
    network.recruit_base = (
        len(network.members[RECRUITER]) * p["recruitment_efficiency"]
        * origin.vulnerability * origin.recruitment_resistance
        * (1 - p["security_recruitment_cost"] * network.security)
        * math.exp(-p["deterrence_weight"]
                   * deterrence.expected_sanction(model, network, network.origin)))


def recruit(model) -> None:
    """This week's recruits of every network, up to what its exploiters can control."""
    networks, base, market = model.network_index.with_rates()
    if not networks:
        return
    per_exploiter = model.params["victims_per_exploiter"]
    counts = model.rng.poisson(base * exploitation.market_pulls(model)[market])
    for i in np.flatnonzero(counts).tolist():
        network = networks[i]
        # recruits beyond what the network's exploiters can control are not taken
        room = per_exploiter * len(network.members[EXPLOITER]) - len(network.victims)  # capacity
        n = min(int(counts[i]), room)
        if n > 0:
            new_victims(model, network, n)
        update_rate(model, network)


def profile(model, form: int, origin: int) -> tuple[str, str, float]:
    """Sex, age group and vulnerability of a person recruited for ``form`` in ``origin``: sex
    and age drawn from the form's profile, vulnerability the origin's times U(1 - s, 1 + s),
    capped at 1 (s = ``vulnerability_spread``)."""
    p = model.params
    uniform = model.random.random
    spread = p["vulnerability_spread"]
    return ("female" if uniform() < p[FEMALE_SHARE[form]] else "male",
            "child" if uniform() < p[CHILD_SHARE[form]] else "adult",
            min(1.0, model.jurisdictions[origin].vulnerability
                * (1 - spread + 2 * spread * uniform())))


def new_victims(model, network, n: int) -> list[Victim]:
    """``n`` people recruited by ``network`` this week, leaving next week (:func:`profile`)."""
    f = network.form
    origin = network.origin
    victims = []
    add = network.victims.add
    departures = model.move_calendar.week(model.week + 1)
    for _ in range(n):
        victim = Victim(model, origin, f, *profile(model, f, origin), network)
        victim.online = online.recruited_online(model, network)
        add(victim)
        departures.append(events.Departure(victim, 1))
        victims.append(victim)
        model.tally_victim("new_victims", victim)
    model.weekly_tally[NEW_VICTIMS][origin] += n
    return victims
