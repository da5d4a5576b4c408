"""NGOs: shelter places, support, trust and testimony, and reintegration programmes.

Outreach itself (finding victims) is one of the identification channels drawn in the model's
weekly identification step, with a hazard set by the jurisdiction's ``ngo_outreach`` and trust.
"""

from __future__ import annotations

from collections import deque

import mesa

from simulation.agents.victim import REINTEGRATED, RETURNED, SUPPORTED

MAX_WAIT_WEEKS = 4  # an identified victim waits this long for a place, then leaves. Assumption.
SHELTER_WEEKS = 16  # mean shelter stay (many programmes offer 3-6 months). Assumption.
PROGRAMME_WEEKS = 26  # mean reintegration programme after the shelter. Assumption.
UNSUPPORTED_TESTIMONY = 0.35  # testimony propensity without a place, relative. Assumption.


class NGO(mesa.Agent):
    """The victim-support sector of one jurisdiction: shelters and reintegration programmes."""

    def __init__(self, model, jurisdiction) -> None:
        super().__init__(model)
        self.jurisdiction = jurisdiction
        self.waiting: deque = deque()
        self.in_shelter = 0

    @property
    def j(self) -> int:
        return self.jurisdiction.index

    def refer(self, victim) -> None:
        """An identified victim asks for a shelter place."""
        self.waiting.append((victim, self.model.week))

    def admit(self) -> None:
        """Fill free places in order of arrival; those who waited too long leave unsupported."""
        model = self.model
        capacity = self.jurisdiction.shelter_capacity
        while self.waiting and self.in_shelter < capacity:
            victim, _ = self.waiting.popleft()
            self.in_shelter += 1
            victim.set_status(SUPPORTED)
            model.tally("victims_supported", self.j)
            self.decide_testimony(victim, supported=True)
            stay = int(model.rng.geometric(1 / SHELTER_WEEKS))
            model.support_calendar.schedule(model.week + stay, ("shelter_exit", self, victim))
        while self.waiting and model.week - self.waiting[0][1] >= MAX_WAIT_WEEKS:
            victim, _ = self.waiting.popleft()
            model.tally("unmet_shelter_demand", self.j)
            self.decide_testimony(victim, supported=False)
            model.leave_exploitation_pathway(victim, RETURNED, supported=False)

    def decide_testimony(self, victim, supported: bool) -> None:
        """Trust (victim-centred practice, protection, partnership) against intimidation."""
        model = self.model
        p = self.jurisdiction.testimony_propensity * (1.0 if supported else UNSUPPORTED_TESTIMONY)
        if model.rng.random() < p:
            victim.testified = True
            model.tally("victims_testifying", self.j)
            network = victim.network
            if network is not None and network.alive:
                model.agencies[self.j].open_case(network, testimony=True)

    def shelter_exit(self, victim) -> None:
        """After the shelter stay: a reintegration programme for those it covers."""
        model = self.model
        self.in_shelter -= 1
        if model.rng.random() < self.jurisdiction.levers["reintegration"]:
            model.tally("reintegration_enrolments", self.j)
            weeks = int(model.rng.geometric(1 / PROGRAMME_WEEKS))
            model.support_calendar.schedule(model.week + weeks, ("programme_end", self, victim))
        else:
            model.leave_exploitation_pathway(victim, RETURNED, supported=True)

    def programme_end(self, victim) -> None:
        self.model.tally("victims_reintegrated", self.j)
        self.model.leave_exploitation_pathway(victim, REINTEGRATED, supported=True)
