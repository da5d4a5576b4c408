"""Jurisdictions: where everything happens. Each holds its population, markets and the current
value of every lever, and keeps the quantities the processes derive from those levers (each
formula lives with its process; ``refresh`` only gathers them).
"""

from __future__ import annotations

import mesa
import numpy as np

from simulation.model.registry import FORMS, LEVERS


class Jurisdiction(mesa.Agent):
    """A jurisdiction: population, markets and the current value of every lever.

    ``refresh()`` recomputes the lever-derived hazards and probabilities; the policy schedule
    calls it whenever one of this jurisdiction's levers changes (ODD 6.1), so nothing is
    recomputed in weeks when no policy moves.
    """

    def __init__(self, model, index: int, spec) -> None:
        super().__init__(model)
        scale = model.scale
        self.index = index
        self.name = spec.name
        self.role = spec.role
        self.population = spec.population * scale
        self.vulnerability = spec.vulnerability
        self.demand = np.array([spec.demand[f] for f in FORMS]) * scale
        self.demand_of = self.demand.tolist()  # the same, as plain floats for per-network use
        # the market's own demand before buyers' risk and price move it, the price relative to
        # the price level, and the fill the price is measured against (markets.update_demand)
        self.base_demand = self.demand.copy()
        self.price_level = spec.price_level
        self.price_index = np.ones(len(FORMS))
        self.reference_fill = np.full(len(FORMS), np.nan)  # set in the first policy month
        self.fill_sum = np.zeros(len(FORMS))  # the burn-in's last year, monthly
        self.fill_months = 0
        self.corruption = spec.corruption
        self.online_reach = spec.online_reach
        self.base_levers = dict(spec.levers)
        self.levers = dict(spec.levers)
        self.refresh()

    def scaled(self, name: str) -> float:
        """A capacity lever (officers, places, workers) in absolute terms at this run's scale."""
        value = self.levers[name]
        return value * self.model.scale if LEVERS[name].scales else value

    def per_100k(self, name: str) -> float:
        return self.scaled(name) / (self.population / 1e5)

    def covers(self, form: int) -> bool:
        """Whether the criminal law here covers this form of exploitation as trafficking."""
        return FORMS[form] in self.levers["criminalisation"]

    def refresh(self) -> None:
        """Recompute what the processes derive from this jurisdiction's levers."""
        from simulation.model.processes import (identification, investigation, justice, markets,
                                                movement, online, recruitment, support)

        p = self.model.params
        lv = self.levers
        self.corruption_effective = investigation.effective_corruption(p, self.corruption, lv)
        self.trust = support.trust(p, lv)
        self.online_monitoring = online.effective_monitoring(p, lv, self.scaled("officers"))
        self.coming_forward = support.coming_forward(p, self)
        self.case_capacity = investigation.case_capacity(p, self)
        self.trial_capacity = justice.trial_capacity(p, self)
        self.recognition = identification.recognition(p, lv)
        self.misidentification = identification.misidentification(p, lv)
        self.hazards = identification.exit_hazards(p, self)
        self.visible_hazards = identification.visible_hazards(p, self)  # [form][group]
        self.contact_hazards = identification.contact_hazards(p, self.visible_hazards)
        # the same as arrays, and the highest weekly chances over a market's victims, for the
        # weekly draws (speed only: identification.hazard_arrays)
        self.hazard_arrays = identification.hazard_arrays(p, self)
        self.border_check = movement.border_check(p, self)
        self.shelter_capacity = int(round(self.scaled("shelter_places")))
        self.testimony_propensity = support.testimony_propensity(p, self)
        self.proactive_rate = investigation.proactive_rate(p, self)
        self.recruitment_resistance = recruitment.resistance(p, lv)
        self.demand_deterred = markets.demand_deterred(p, lv)  # buyer-side levers
