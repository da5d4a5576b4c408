"""The victim pathway (MODEL.md processes 2-6 and 12): recruitment, movement with border
encounters, exploitation, identification by four channels, misidentification, exits, and
re-trafficking.

Exploited victims sit in one pool per jurisdiction and form. Each week one binomial draw per
pool picks the victims whose spell ends, at the highest hazard any of them faces; each
candidate is then kept with the ratio of its own exit chance to that maximum (thinning), and
the way out is chosen in proportion to the competing hazards. This is exact for competing
weekly hazards and costs time in proportion to the exits, not to the victims.

Random draws all come from the model's own seeded generators: numpy's (``model.rng``) for the
vectorised draws (one Poisson over all networks, one binomial per pool), Python's
(``model.random``, which Mesa seeds from the same seed) for the single draws per person, where
it costs a twentieth of a numpy call.
"""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from simulation.calendar import cumulative, geometric
from simulation.agents.jurisdiction import CHANNELS, FORM_REVENUE
from simulation.agents.network import SECURITY_VISIBILITY, VICTIMS_PER_EXPLOITER
from simulation.agents.trafficker import EXPLOITER
from simulation.agents.victim import (AFTER_EXPLOITATION, EXPLOITED, IDENTIFIED, IN_TRANSIT,
                                      MISIDENTIFIED, RECRUITED, RELEASED, RETURNED, SELF_RESCUED,
                                      Victim)
from simulation.registry import WEEKLY_INDEX as _COLUMN

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

EN_ROUTE = (RECRUITED, IN_TRANSIT)
# the ways out of exploitation that are identifications, by channel (see _exit_exploitation)
EXIT_CHANNEL = (CHANNELS[0], None, CHANNELS[1], CHANNELS[2], CHANNELS[3])
NEW_VICTIMS, RETRAFFICKED = _COLUMN["new_victims"], _COLUMN["victims_retrafficked"]
WEEKS_EXPLOITED, REVENUE = _COLUMN["victim_weeks_exploited"], _COLUMN["criminal_revenue"]
SPELL_WEEKS, SPELLS_ENDED = _COLUMN["victim_spell_weeks_ended"], _COLUMN["spells_ended"]
IDENTIFIED_COL, MISIDENTIFIED_COL = _COLUMN["victims_identified"], _COLUMN["victims_misidentified"]
CHANNEL_COL = {c: _COLUMN[f"identified_{c}"] for c in CHANNELS}


class VictimPathway:
    """Mixin for TraffickingModel: everything that moves a victim from one status to another."""

    # -- recruitment ------------------------------------------------------------------------
    def recruit(self) -> None:
        """Recruiters draw victims from origin populations (MODEL.md 2)."""
        networks, base, market = self.network_arrays()
        if not networks:
            return
        counts = self.rng.poisson(base * self.pull_array()[market])
        for i in np.flatnonzero(counts).tolist():
            network = networks[i]
            # recruits beyond what the network's exploiters can control are not taken
            room = VICTIMS_PER_EXPLOITER * len(network.members[EXPLOITER]) - len(network.victims)
            n = min(int(counts[i]), room)
            if n > 0:
                self.new_victims(network, n)
            network.update_recruitment()

    def new_victim(self, network) -> Victim:
        return self.new_victims(network, 1)[0]

    def new_victims(self, network, n: int) -> list[Victim]:
        """``n`` people recruited by ``network`` this week, leaving next week."""
        f = network.form
        origin = network.origin
        vulnerability = self.jurisdictions[origin].vulnerability
        female, child = FEMALE[f], CHILD[f]
        victims = []
        add = network.victims.add
        departures = self.move_calendar.week(self.week + 1)
        uniform = self.random.random
        for _ in range(n):
            victim = Victim(self, origin, f, "female" if uniform() < female else "male",
                            "child" if uniform() < child else "adult",
                            min(1.0, vulnerability * (0.5 + uniform())), network)
            add(victim)
            departures.append(("depart", victim, 1, 0))
            victims.append(victim)
        self._tally[NEW_VICTIMS][origin] += n
        return victims

    def retraffic(self, victim: Victim) -> None:
        """A former victim is trafficked again by a network recruiting where they live."""
        candidates, cdf = self.recruiting_in(victim.origin)
        if not candidates:
            return
        network = candidates[bisect_right(cdf, self.random.random())]
        victim.times_trafficked += 1
        victim.network = network
        victim.form = network.form
        victim.location = network.origin
        victim.identified_by = None
        victim.testified = False
        victim.set_status(RECRUITED)
        network.victims.add(victim)
        self._tally[NEW_VICTIMS][network.origin] += 1
        self._tally[RETRAFFICKED][network.origin] += 1
        self.move_calendar.schedule(self.week + 1, ("depart", victim, victim.times_trafficked, 0))

    def recruiting_in(self, origin: int) -> tuple[list, list[float]]:
        """Networks recruiting in ``origin`` and the cumulative chance that each is the one,
        in proportion to its recruitment rate (rates read once a week, when first asked for;
        each origin's share picked out with numpy when first asked for)."""
        if self._recruiting is None:
            live, rates, _ = self.network_arrays()
            self._recruiting = (live, rates, {})
        live, rates, by_origin = self._recruiting
        found = by_origin.get(origin)
        if found is None:
            chosen = np.flatnonzero((self._origins == origin) & (rates > 0))
            found = by_origin[origin] = ([live[i] for i in chosen.tolist()],
                                         cumulative(rates[chosen]))
        return found

    # -- movement (MODEL.md 3) ----------------------------------------------------------------
    def move(self) -> None:
        for kind, victim, token, leg in self.move_calendar.due(self.week):
            if token != victim.times_trafficked or victim.status not in EN_ROUTE:
                continue  # the victim's journey ended another way
            network = victim.network
            if network is None or not network.alive:
                self.end_spell(victim, RELEASED)
                continue
            if kind == "depart":
                victim.set_status(IN_TRANSIT)
                if len(network.route) == 1:
                    self.move_calendar.schedule(self.week + 1, ("arrive", victim, token, 0))
                else:
                    self._next_leg(victim, 1)
            elif kind == "cross":
                self._cross_border(victim, leg)
            else:
                self._arrive(victim)

    def _next_leg(self, victim: Victim, leg: int) -> None:
        weeks = geometric(self.random.random(), 0.5)
        self.move_calendar.schedule(self.week + weeks, ("cross", victim, victim.times_trafficked, leg))

    def _cross_border(self, victim: Victim, leg: int) -> None:
        """A crossing is an encounter with border officers; recognition depends on training."""
        route = victim.network.route
        j = route[min(leg, len(route) - 1)]
        victim.location = j
        jur = self.jurisdictions[j]
        uniform = self.random.random
        if uniform() < jur.border_check:
            u = uniform()
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
        uniform = self.random.random
        p = self.params
        release, escape = p["release_hazard"], p["escape_hazard"]
        weeks_exploited = self._tally[WEEKS_EXPLOITED]
        revenue = self._tally[REVENUE]
        for j, jur in enumerate(self.jurisdictions):
            for f, pool in enumerate(self.exploited[j]):
                n = len(pool.items)
                if n == 0:
                    continue
                weeks_exploited[j] += n
                revenue[j] += n * jur.price_level * FORM_REVENUE[f]
                visible = jur.visible_hazards[f]
                h_max = sum(visible) + release + escape
                q_max = -math.expm1(-h_max)
                k = rng.binomial(n, q_max)
                if k == 0:
                    continue
                items = pool.items
                # the chosen, before any exit reshuffles the pool
                for victim in [items[i] for i in self.random.sample(range(n), k)]:
                    vis = 1 - SECURITY_VISIBILITY * victim.network.security
                    hazards = [h * vis for h in visible]
                    hazards.append(release)
                    hazards.append(escape)
                    total = sum(hazards)
                    if uniform() * q_max >= -math.expm1(-total):
                        continue  # thinning: kept with chance q(victim) / q_max
                    u = uniform() * total  # which way out, in proportion to the hazards
                    for way, h in enumerate(hazards):
                        u -= h
                        if u <= 0:
                            break
                    self._exit_exploitation(victim, j, way)

    def _exit_exploitation(self, victim: Victim, j: int, way: int) -> None:
        # ways: 0 police, 1 misidentified by police, 2 ngo, 3 inspection, 4 self, 5 release, 6 escape
        if way == 1:
            self.misidentify(victim, j)
        elif way < 5:
            self.identify(victim, j, EXIT_CHANNEL[way])
        else:
            self.end_spell(victim, RELEASED if way == 5 else SELF_RESCUED)

    def _leave_network(self, victim: Victim) -> None:
        """End control by the network and, if exploited, the exploitation spell."""
        if victim.status == EXPLOITED:
            location = victim.location
            self.exploited[location][victim.form].remove(victim)
            tally = self._tally
            tally[SPELL_WEEKS][location] += self.week - victim.exploited_since
            tally[SPELLS_ENDED][location] += 1
        if victim.network is not None:
            victim.network.victims.discard(victim)

    def identify(self, victim: Victim, j: int, channel: str) -> None:
        self._leave_network(victim)
        victim.location = j
        victim.identified_by = channel
        victim.set_status(IDENTIFIED)
        tally = self._tally
        tally[IDENTIFIED_COL][j] += 1
        tally[CHANNEL_COL[channel]][j] += 1
        self.ngos[j].refer(victim)
        network = victim.network
        if network is None or not network.alive:
            return
        if channel == "police" and self.random.random() < POLICE_CASE:
            self.agencies[j].open_case(network, police_finding=True)
        elif (channel == "ngo"
              and self.random.random() < self.jurisdictions[j].levers["ngo_police_partnership"]):
            self.agencies[j].open_case(network, ngo_report=True)

    def misidentify(self, victim: Victim, j: int) -> None:
        """Treated as an offender: no support, no testimony, deported home if foreign."""
        self._leave_network(victim)
        self._tally[MISIDENTIFIED_COL][j] += 1
        victim.location = victim.origin
        victim.set_status(MISIDENTIFIED)
        self.schedule_retrafficking(victim, MISIDENTIFIED)

    def end_spell(self, victim: Victim, status: str) -> None:
        """Released by the network or self-rescued."""
        self._leave_network(victim)
        self.tally(f"victims_{status}", victim.location)
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
        e = -math.log(1.0 - self.random.random())  # a standard exponential
        if e >= total:
            return
        years = -RISK_YEARS * math.log(1 - e / total)
        self.recovery_calendar.schedule(self.week + max(1, round(52 * years)),
                                        (victim, victim.times_trafficked))

    def recover(self) -> None:
        self._recruiting = None  # recruitment rates do not change while people are re-trafficked
        for victim, token in self.recovery_calendar.due(self.week):
            if token == victim.times_trafficked and victim.status in AFTER_EXPLOITATION:
                self.retraffic(victim)
