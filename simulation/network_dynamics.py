"""Network lifecycle (MODEL.md 10-11): founding, replacement of members, splitting, collapse,
relocation, entry of new networks, and the perceived risk that drives them.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from simulation.agents.enforcement import REOFFEND
from simulation.agents.network import HIT_CERTAINTY, TraffickingNetwork
from simulation.calendar import cumulative, sample_indices
from simulation.agents.trafficker import (ACTIVE, DESISTED, EXPLOITER, IMPRISONED, LEADER, RECRUITER,
                                          RELEASED, ROLES, TRANSPORTER, Trafficker)
from simulation.agents.victim import EXPLOITED, RELEASED as VICTIM_RELEASED

DOMESTIC_WEIGHT = 3.0  # recruiting at home is easier than abroad. Assumption.
ARREST_SIGNAL = 0.3  # an arrest counts this much of a conviction in perceived certainty.
PRIOR_CERTAINTY = 0.01  # perceived yearly chance of conviction before anything is seen.
MEAN_NETWORK_VICTIMS = 40  # initial network size, victims (lognormal mean). Assumption.


class NetworkDynamics:
    """Mixin for TraffickingModel."""

    # -- where networks work -----------------------------------------------------------------
    def route(self, origin: int, destination: int) -> list[int]:
        """Origin -> transit -> destination; international routes pass the region's transit."""
        if origin == destination:
            return [origin]
        transit = self.transit_index
        if transit is None or transit in (origin, destination):
            return [origin, destination]
        return [origin, transit, destination]

    def markets_for(self, form: int) -> list[int]:
        return [j.index for j in self.jurisdictions if j.demand[form] > 0]

    def markets_like(self, form: int, role: str) -> list[int]:
        """Markets for ``form`` in jurisdictions of ``role`` (demand is fixed for a run)."""
        key = (form, role)
        found = self._markets.get(key)
        if found is None:
            found = [j for j in self.markets_for(form) if self.jurisdictions[j].role == role]
            self._markets[key] = found
        return found

    def choose_origin(self, destination: int) -> int:
        """People are recruited where many are vulnerable; nobody is moved to a poorer place."""
        cdf = self._origin_cdf.get(destination)
        if cdf is None:
            dest = self.jurisdictions[destination]
            rank = {"origin": 0, "transit": 1, "destination": 2}
            weights = []
            for jur in self.jurisdictions:
                w = jur.population * jur.vulnerability
                if jur.index == destination:
                    w *= DOMESTIC_WEIGHT
                elif rank[jur.role] >= rank[dest.role]:
                    w = 0.0
                weights.append(w)
            cdf = self._origin_cdf[destination] = cumulative(weights)
        return bisect_right(cdf, self.rng.random())  # rng.choice(n, p=weights / sum)

    def found_network(self, form: int, destination: int, n_victims: int = 0) -> TraffickingNetwork:
        """A new network with a leader, recruiters, transporters (if it crosses borders) and
        enough exploiters for the victims it starts with."""
        origin = self.choose_origin(destination)
        network = TraffickingNetwork(self, form, origin, destination)
        roles = [LEADER] + [RECRUITER] * max(1, round(n_victims / 15) or 2)
        if len(network.route) > 1:
            roles += [TRANSPORTER] * (1 + (n_victims > 30))
        roles += [EXPLOITER] * max(2, math.ceil(n_victims / 8))
        for role in roles:
            network.add_member(Trafficker(self, role, network.home_of(role)))
        self._networks_changed = True
        return network

    def seed_networks(self, fill: float) -> None:
        """Start each market part-filled, with exploitation spells of realistic ages."""
        rng = self.rng
        for jur in self.jurisdictions:
            for f in range(3):
                target = fill * jur.demand[f]
                placed = 0
                while placed < target:
                    n = int(max(5, rng.lognormal(math.log(MEAN_NETWORK_VICTIMS) - 0.18, 0.6)))
                    n = min(n, int(math.ceil(target - placed)))
                    network = self.found_network(f, jur.index, n)
                    for _ in range(n):
                        victim = self.new_victim_in_place(network)
                        victim.exploited_since = self.week - int(rng.geometric(1 / 100))
                    placed += n
        for network in self.networks:
            network.update_recruitment()

    def new_victim_in_place(self, network):
        """An initial victim already in exploitation (history starts at the run's first week)."""
        from simulation.agents.victim import Victim
        rng = self.rng
        origin = self.jurisdictions[network.origin]
        victim = Victim(self, network.origin, network.form,
                        "female" if rng.random() < 0.6 else "male", "adult",
                        origin.vulnerability, network)
        victim.location = network.destination
        victim.set_status(EXPLOITED)
        network.victims.add(victim)
        self.exploited[network.destination][network.form].add(victim)
        return victim

    # -- the criminal labour pool and replacement -----------------------------------------------
    def take_from_pool(self, home: int):
        pool = self.labour_pool[home]
        return pool.pop() if pool else None

    def release_trafficker(self, trafficker: Trafficker, why: str) -> None:
        """Out of custody: some return to the criminal labour pool, the others desist."""
        if self.rng.random() < REOFFEND:
            trafficker.set_status(RELEASED, why)
            self.labour_pool[trafficker.home].append(trafficker)
        else:
            trafficker.set_status(DESISTED, why)

    def schedule_replacement(self, network, role: str) -> None:
        weeks = int(self.rng.geometric(1 / self.params["replacement_delay_weeks"]))
        self.justice_calendar.schedule(self.week + weeks, ("replace", network, role))

    def replace(self, network, role: str) -> None:
        if network.alive:
            network.recruit_member(role)
            network.update_recruitment()

    # -- splitting, collapse, relocation ----------------------------------------------------------
    def end_network(self, network, dismantled: bool) -> None:
        """A network ends: remaining members leave crime, controlled victims are let go."""
        if not network.alive:
            return
        network.alive = False
        for role in ROLES:
            for member in network.members[role]:
                member.set_status(DESISTED, "network ended")
            network.members[role] = []
        for victim in list(network.victims):
            self.end_spell(victim, VICTIM_RELEASED)
        if dismantled:
            self.tally("networks_dismantled", network.destination)
        network.remove()
        self._networks_changed = True

    def split_network(self, network) -> None:
        """Losing its leader, a large network breaks in two (each under a new leader)."""
        rng = self.rng
        other = TraffickingNetwork(self, network.form, network.origin, network.destination)
        for role in ROLES:
            members = network.members[role]
            rng.shuffle(members)
            half = len(members) // 2
            for member in members[half:]:
                other.add_member(member)
            network.members[role] = members[:half]
        victims = list(network.victims)
        for victim in victims[: len(victims) // 2]:
            network.victims.discard(victim)
            other.victims.add(victim)
            victim.network = other
        other.security = network.security
        other.promote_leader()
        other.update_recruitment()
        self._networks_changed = True

    def relocate_network(self, network, destination: int) -> None:
        """Move exploitation, exploiters and exploited victims to another jurisdiction."""
        old = network.destination
        network.destination = destination
        network.route = self.route(network.origin, destination)
        network.places = set(network.route)
        for role in (EXPLOITER, LEADER):
            for member in network.members[role]:
                if member.home == old:
                    self.move_trafficker(member, destination)
        for victim in network.victims:
            if victim.status == EXPLOITED:
                self.exploited[old][victim.form].remove(victim)
                self.exploited[destination][victim.form].add(victim)
                victim.location = destination
        self.tally("relocations", old)
        self._networks_changed = True

    def move_trafficker(self, trafficker: Trafficker, home: int) -> None:
        if trafficker.status == ACTIVE:
            self.active_traffickers[trafficker.home] -= 1
            self.active_traffickers[home] += 1
        trafficker.home = home

    # -- deterrence, entry and exit (MODEL.md 11) ---------------------------------------------------
    def observe_arrest(self, j: int) -> None:
        self._seen_arrests[j] += 1

    def observe_conviction(self, j: int, years: float) -> None:
        self._seen_convictions[j] += 1
        self._seen_sentences[j] += years

    def update_perceptions(self) -> None:
        """Monthly: perceived certainty follows the arrests and convictions seen among peers in
        each jurisdiction; perceived severity follows the sentences handed down, discounted
        hyperbolically (a sentence of S years weighs ln(1 + kS) / k)."""
        rate = self.params["risk_update_rate"]
        k = self.params["discount_rate"]
        active = np.maximum(self.active_traffickers, 1)
        signal = (self._seen_convictions + ARREST_SIGNAL * self._seen_arrests) * 13 / active
        self.certainty += rate * (signal - self.certainty)
        seen = self._seen_convictions > 0
        mean_sentence = np.divide(self._seen_sentences, self._seen_convictions,
                                  out=np.zeros_like(self._seen_sentences), where=seen)
        self.perceived_sentence[seen] += rate * (mean_sentence[seen] - self.perceived_sentence[seen])
        self.severity = np.log1p(k * self.perceived_sentence) / k
        self.risk_changed()
        self._seen_arrests[:] = 0
        self._seen_convictions[:] = 0
        self._seen_sentences[:] = 0

    def risk_changed(self) -> None:
        """Plain-float copies of perceived certainty and severity, read per network."""
        self.certainty_of = self.certainty.tolist()
        self.severity_of = self.severity.tolist()

    def enter_markets(self) -> None:
        """New networks enter markets with unmet demand, fewer where sanctions look likely."""
        p = self.params
        pull = self.pull_array()
        for jur in self.jurisdictions:
            for f in range(3):
                demand = jur.demand[f]
                if demand <= 0:
                    continue
                rate = (p["network_entry_rate"] * demand / 1000 * pull[jur.index * 3 + f]
                        * math.exp(-p["deterrence_weight"] * self.certainty[jur.index]
                                   * self.severity[jur.index]))
                for _ in range(self.rng.poisson(rate)):
                    network = self.found_network(f, jur.index)
                    network.update_recruitment()

    def desistance(self) -> None:
        """Monthly: members leave crime at a base hazard raised by the expected sanction where
        they work. One vectorised binomial draw over all networks and roles (members of a role
        share a workplace), then work only for those who leave."""
        networks = self.networks
        if not networks:
            return
        p = self.params
        # members[role] in ROLES order; a role's home is n.home_of_members(role), inlined
        rosters = [m for n in networks for m in n.members.values()]
        sizes = np.array([len(m) for m in rosters]).reshape(len(networks), len(ROLES))
        homes = np.array([m[0].home if m else n.origin for n in networks
                          for m in n.members.values()]).reshape(len(networks), len(ROLES))
        hits = np.array([n.hits for n in networks])[:, None]
        sanction = (self.certainty[homes] + HIT_CERTAINTY * hits) * self.severity[homes]
        # capped exponent: past e^50 everyone leaves within the month anyway, and the cap keeps
        # extreme sensitivity-analysis corners free of overflow
        hazard = p["desistance_hazard"] * np.exp(np.minimum(p["deterrence_weight"] * sanction, 50))
        leaving = self.rng.binomial(sizes, -np.expm1(-hazard / 12))
        for i, r in zip(*np.nonzero(leaving)):
            network = networks[i]
            members = network.members[ROLES[r]]
            k = min(int(leaving[i, r]), len(members))
            for member in [members[x] for x in sample_indices(self.rng, len(members), k)]:
                if not network.alive:
                    break
                if member.network is network and member.status == ACTIVE:
                    member.set_status(DESISTED, "desisted")
                    network.lose_member(member, arrested=False)

    def networks_working_in(self, j: int) -> list:
        return self._networks_in.get(j, [])

    def index_networks(self) -> None:
        index: dict[int, list] = {}
        for network in self.networks:
            for place in network.places:
                index.setdefault(place, []).append(network)
        self._networks_in = index

    def count_prisoners(self, trafficker, old: str | None, new: str) -> None:
        if old == IMPRISONED:
            self.prisoners[trafficker.case_jurisdiction] -= 1
        if new == IMPRISONED:
            self.prisoners[trafficker.case_jurisdiction] += 1
