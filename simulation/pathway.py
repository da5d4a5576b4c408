"""The victim pathway (MODEL.md processes 2-6 and 12): recruitment, movement with border
encounters, exploitation, identification by four channels, misidentification, exits, and
re-trafficking.

Exploited victims sit in one pool per jurisdiction and form. Each week one binomial draw per
pool picks the victims whose spell ends, at the highest hazard any of them faces; each
candidate is then kept with the ratio of its own exit chance to that maximum (thinning), and
the way out is chosen in proportion to the competing hazards. This is exact for competing
weekly hazards and costs time in proportion to the exits, not to the victims.
"""

from __future__ import annotations

import math

import numpy as np

from simulation.calendar import sample_indices
from simulation.agents.jurisdiction import CHANNELS, FORM_REVENUE
from simulation.agents.victim import (AFTER_EXPLOITATION, EXPLOITED, IDENTIFIED, IN_TRANSIT,
                                      MISIDENTIFIED, RECRUITED, RELEASED, RETURNED, SELF_RESCUED,
                                      Victim)

# Share of female and child victims by form; assumption after UNODC GLOTIP 2022 (detected
# victims: sexual exploitation mostly women and girls, forced labour mostly men).
FEMALE = (0.92, 0.35, 0.45)
CHILD = (0.25, 0.2, 0.4)
# Re-trafficking risk relative to an unsupported exit, by how the person left exploitation.
# Assumption, after IOM (2010) "The causes and consequences of re-trafficking" (risk is highest
# for those returned without support and lowest after reintegration).
RETRAFFICKING_RISK = {MISIDENTIFIED: 1.5, RELEASED: 1.0, SELF_RESCUED: 1.0, RETURNED: 1.0,
                      "returned_supported": 0.6, "reintegrated": 0.25}
RISK_YEARS = 1.0  # the risk fades with this time constant after exit. Assumption.
POLICE_CASE = 0.3  # chance a police identification opens a case against the network. Assumption.


class VictimPathway:
    """Mixin for TraffickingModel: everything that moves a victim from one status to another."""

    # -- recruitment ------------------------------------------------------------------------
    def recruit(self) -> None:
        """Recruiters draw victims from origin populations (MODEL.md 2)."""
        networks, base, market = self.network_arrays()
        if not networks:
            return
        counts = self.rng.poisson(base * self.pull_array()[market])
        for i in np.flatnonzero(counts):
            network = networks[i]
            for _ in range(counts[i]):
                if len(network.victims) >= network.capacity:
                    break
                self.new_victim(network)
            network.update_recruitment()

    def new_victim(self, network) -> Victim:
        rng = self.rng
        f = network.form
        origin = self.jurisdictions[network.origin]
        victim = Victim(self, network.origin, f,
                        "female" if rng.random() < FEMALE[f] else "male",
                        "child" if rng.random() < CHILD[f] else "adult",
                        min(1.0, origin.vulnerability * (0.5 + rng.random())), network)
        network.victims.add(victim)
        self.tally("new_victims", network.origin)
        self.move_calendar.schedule(self.week + 1, ("depart", victim, victim.times_trafficked))
        return victim

    def retraffic(self, victim: Victim) -> None:
        """A former victim is trafficked again by a network recruiting where they live."""
        candidates = [n for n in self.networks if n.origin == victim.origin and n.recruit_base > 0]
        if not candidates:
            return
        weights = np.array([n.recruit_base for n in candidates])
        network = candidates[int(self.rng.choice(len(candidates), p=weights / weights.sum()))]
        victim.times_trafficked += 1
        victim.network = network
        victim.form = network.form
        victim.location = network.origin
        victim.identified_by = None
        victim.testified = False
        victim.set_status(RECRUITED)
        network.victims.add(victim)
        self.tally("new_victims", network.origin)
        self.tally("victims_retrafficked", network.origin)
        self.move_calendar.schedule(self.week + 1, ("depart", victim, victim.times_trafficked))

    # -- movement (MODEL.md 3) ----------------------------------------------------------------
    def move(self) -> None:
        for kind, victim, token, *rest in self.move_calendar.due(self.week):
            if token != victim.times_trafficked or victim.status not in (RECRUITED, IN_TRANSIT):
                continue  # the victim's journey ended another way
            network = victim.network
            if network is None or not network.alive:
                self.end_spell(victim, RELEASED)
                continue
            if kind == "depart":
                victim.set_status(IN_TRANSIT)
                if len(network.route) == 1:
                    self.move_calendar.schedule(self.week + 1, ("arrive", victim, token))
                else:
                    self._next_leg(victim, 1)
            elif kind == "cross":
                self._cross_border(victim, rest[0])
            else:
                self._arrive(victim)

    def _next_leg(self, victim: Victim, leg: int) -> None:
        weeks = int(self.rng.geometric(0.5))
        self.move_calendar.schedule(self.week + weeks, ("cross", victim, victim.times_trafficked, leg))

    def _cross_border(self, victim: Victim, leg: int) -> None:
        """A crossing is an encounter with border officers; recognition depends on training."""
        route = victim.network.route
        j = route[min(leg, len(route) - 1)]
        victim.location = j
        jur = self.jurisdictions[j]
        if self.rng.random() < jur.border_check:
            u = self.rng.random()
            if u < jur.recognition:
                self.identify(victim, j, "inspection")
                return
            if u < jur.recognition + jur.misidentification:
                self.misidentify(victim, j)
                return
        if leg + 1 < len(route):
            self._next_leg(victim, leg + 1)
        else:
            self._arrive(victim)

    def _arrive(self, victim: Victim) -> None:
        network = victim.network
        victim.location = network.destination
        victim.set_status(EXPLOITED)
        victim.exploited_since = self.week
        self.exploited[network.destination][victim.form].add(victim)

    # -- exploitation and identification (MODEL.md 4-5) ---------------------------------------
    def exploit_and_identify(self) -> None:
        rng = self.rng
        p = self.params
        fixed = (p["release_hazard"], p["escape_hazard"])
        for j, jur in enumerate(self.jurisdictions):
            for f in range(3):
                pool = self.exploited[j][f]
                n = len(pool)
                if n == 0:
                    continue
                self.tally("victim_weeks_exploited", j, n)
                self.tally("criminal_revenue", j, n * jur.price_level * FORM_REVENUE[f])
                visible = jur.hazards[:, f].tolist()
                h_max = sum(visible) + fixed[0] + fixed[1]
                q_max = -math.expm1(-h_max)
                k = rng.binomial(n, q_max)
                if k == 0:
                    continue
                chosen = [pool[i] for i in sample_indices(rng, n, k)]
                for victim, (u1, u2) in zip(chosen, rng.random((k, 2)).tolist()):
                    vis = victim.network.visibility
                    hazards = [h * vis for h in visible] + list(fixed)
                    total = sum(hazards)
                    if u1 * q_max >= -math.expm1(-total):
                        continue
                    u2 *= total
                    for way, h in enumerate(hazards):
                        u2 -= h
                        if u2 <= 0:
                            break
                    self._exit_exploitation(victim, j, way)

    def _exit_exploitation(self, victim: Victim, j: int, way: int) -> None:
        # ways: 0 police, 1 misidentified by police, 2 ngo, 3 inspection, 4 self, 5 release, 6 escape
        if way == 1:
            self.misidentify(victim, j)
        elif way < 5:
            self.identify(victim, j, CHANNELS[{0: 0, 2: 1, 3: 2, 4: 3}[way]])
        else:
            self.end_spell(victim, RELEASED if way == 5 else SELF_RESCUED)

    def _leave_network(self, victim: Victim) -> None:
        """End control by the network and, if exploited, the exploitation spell."""
        if victim.status == EXPLOITED:
            self.exploited[victim.location][victim.form].remove(victim)
            spell = self.week - victim.exploited_since
            self.tally("victim_spell_weeks_ended", victim.location, spell)
            self.tally("spells_ended", victim.location)
        if victim.network is not None:
            victim.network.victims.discard(victim)

    def identify(self, victim: Victim, j: int, channel: str) -> None:
        self._leave_network(victim)
        victim.location = j
        victim.identified_by = channel
        victim.set_status(IDENTIFIED)
        self.tally("victims_identified", j)
        self.tally(f"identified_{channel}", j)
        self.ngos[j].refer(victim)
        network = victim.network
        if network is None or not network.alive:
            return
        if channel == "police" and self.rng.random() < POLICE_CASE:
            self.agencies[j].open_case(network, police_finding=True)
        elif channel == "ngo" and self.rng.random() < self.jurisdictions[j].levers["ngo_police_partnership"]:
            self.agencies[j].open_case(network, ngo_report=True)

    def misidentify(self, victim: Victim, j: int) -> None:
        """Treated as an offender: no support, no testimony, deported home if foreign."""
        self._leave_network(victim)
        self.tally("victims_misidentified", j)
        victim.location = victim.origin
        victim.set_status(MISIDENTIFIED)
        self.schedule_retrafficking(victim, MISIDENTIFIED)

    def end_spell(self, victim: Victim, status: str) -> None:
        """Released by the network or self-rescued."""
        self._leave_network(victim)
        victim.set_status(status)
        self.schedule_retrafficking(victim, status)

    def leave_exploitation_pathway(self, victim: Victim, status: str, supported: bool) -> None:
        """Leave support: reintegrated, or returned with or without support."""
        victim.set_status(status)
        key = status if status != RETURNED or not supported else "returned_supported"
        self.schedule_retrafficking(victim, key)

    # -- recovery and re-trafficking (MODEL.md 12) ----------------------------------------------
    def schedule_retrafficking(self, victim: Victim, how: str) -> None:
        """Draw when (if ever) this person is trafficked again.

        The hazard ``h * exp(-t / RISK_YEARS)`` fades after exit; its integral gives the chance of
        ever being re-trafficked, ``1 - exp(-h * RISK_YEARS)``, and inverting it gives the time.
        """
        awareness = self.jurisdictions[victim.origin].levers["awareness"]
        h = self.params["retrafficking_hazard"] * RETRAFFICKING_RISK[how] * (1 - 0.5 * awareness)
        total = h * RISK_YEARS
        e = self.rng.exponential()
        if e >= total:
            return
        years = -RISK_YEARS * math.log(1 - e / total)
        self.recovery_calendar.schedule(self.week + max(1, round(52 * years)),
                                        (victim, victim.times_trafficked))

    def recover(self) -> None:
        for victim, token in self.recovery_calendar.due(self.week):
            if token == victim.times_trafficked and victim.status in AFTER_EXPLOITATION:
                self.retraffic(victim)
