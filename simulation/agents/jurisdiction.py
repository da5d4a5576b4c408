"""Jurisdictions: where everything happens. Each holds its lever values and turns them into the
weekly hazards and probabilities that the other agents use.

Functional forms and constants here are assumptions unless a source is given; docs/ODD.md lists
each with its reasoning.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from simulation.registry import FORMS, LEVERS

# How visible each form of exploitation (sexual, labour, criminal) is to each channel, relative
# to the most visible form. Sexual exploitation is concentrated in venues and online ads that
# police watch; labour exploitation is seen mostly by labour inspectors; forced criminality is
# hidden inside other offending. Assumption, following the channel mix UNODC GLOTIP 2022 reports.
VIS_POLICE = np.array([1.0, 0.35, 0.5])
VIS_NGO = np.array([1.0, 0.6, 0.4])
VIS_INSPECTION = np.array([0.15, 1.0, 0.2])
VIS_SELF = np.array([1.0, 1.0, 0.7])
CHANNELS = ("police", "ngo", "inspection", "self")

# Chance that an officer recognises a victim in an encounter, untrained and trained. Assumption.
ID_UNTRAINED = 0.25
ID_TRAINED = 0.85
# Share of misidentifications a fully implemented non-punishment provision prevents. Assumption.
NON_PUNISHMENT_EFFECT = 0.7
# Weekly revenue per victim relative to the jurisdiction's price level, by form. Assumption,
# after ILO 2014 "Profits and Poverty" (forced sexual exploitation yields several times the
# profit per victim of forced labour).
FORM_REVENUE = (1.6, 0.6, 1.0)


class Jurisdiction(mesa.Agent):
    """A jurisdiction: population, markets and the current value of every lever.

    ``refresh()`` recomputes the derived hazards; the policy schedule calls it whenever a lever
    changes, so nothing is recomputed in weeks when no policy moves.
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
        self.price_level = spec.price_level
        self.corruption = spec.corruption
        self.base_levers = dict(spec.levers)
        self.levers = dict(spec.levers)
        self.refresh()

    def lever(self, name: str):
        return self.levers[name]

    def scaled(self, name: str) -> float:
        """A capacity lever (officers, places, workers) in absolute terms at this run's scale."""
        value = self.levers[name]
        return value * self.model.scale if LEVERS[name].scales else value

    def per_100k(self, name: str) -> float:
        return self.scaled(name) / (self.population / 1e5)

    def refresh(self) -> None:
        self.model.lever_costs = None  # what the levers cost is recounted too
        p = self.model.params
        lv = self.levers
        training = lv["training"]
        self.recognition = ID_UNTRAINED + (ID_TRAINED - ID_UNTRAINED) * training
        # Only untrained officers misidentify (MODEL.md, process 5); the non-punishment
        # provision prevents part of it.
        self.misidentification = ((1 - training) * (1 - ID_UNTRAINED) * p["misidentification"]
                                  * (1 - NON_PUNISHMENT_EFFECT * lv["non_punishment"]))
        self.trust = min(1.0, 0.15 + 0.35 * lv["victim_centred"] + 0.2 * lv["witness_protection"]
                         + 0.2 * lv["ngo_police_partnership"] + 0.1 * lv["non_punishment"])
        self.corruption_effective = self.corruption * (1 - 0.7 * lv["anti_corruption"])
        encounter = p["police_encounter_rate"] * self.per_100k("officers") / 10 * VIS_POLICE
        inspections = self.per_100k("labour_inspections") / 10
        # Weekly hazards per exploited victim of each form, at full network visibility.
        self.hazards = np.vstack([
            encounter * self.recognition,  # identified by police
            encounter * self.misidentification,  # misidentified by police
            p["ngo_contact_rate"] * self.per_100k("ngo_outreach") / 10 * self.trust * VIS_NGO,
            p["inspection_rate"] * inspections * VIS_INSPECTION * (1 - self.corruption_effective),
            p["self_referral_hazard"] * (1 + 2 * lv["awareness"]) * (0.5 + self.trust) * VIS_SELF,
        ])
        self.visible_hazards = [self.hazards[:, f].tolist() for f in range(len(FORMS))]
        self.border_check = min(0.9, p["border_encounter"] * inspections)
        self.shelter_capacity = int(round(self.scaled("shelter_places")))
        self.testimony_propensity = (p["testimony_base"] * self.trust
                                     * (1 - p["intimidation"] * (1 - lv["witness_protection"])))
        capability = lv["undercover"] + lv["digital_forensics"] + lv["financial_investigation"]
        self.proactive_rate = p["proactive_case_rate"] * self.scaled("officers") / 100 * capability
        self.recruitment_resistance = 1 - 0.6 * lv["awareness"]
        k = p["discount_rate"]
        self.discounted_severity_lever = math.log1p(k * lv["sentence_years"]) / k

    def revenue_per_week(self, form: int) -> float:
        return self.price_level * FORM_REVENUE[form]

    def covers(self, form: int) -> bool:
        """Whether the criminal law here covers this form of exploitation as trafficking."""
        return FORMS[form] in self.levers["criminalisation"]
