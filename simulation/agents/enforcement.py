"""Enforcement agencies: investigations (reactive and proactive), cross-border work, arrests,
prosecution and sentencing.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

import mesa

from simulation.agents.trafficker import (ARRESTED, IMPRISONED, LEADER, ON_TRIAL, RECRUITER,
                                          TRANSPORTER, Trafficker)

# A case gathers evidence for 8 weeks plus a geometric tail (mean 16 more). Assumption.
CASE_MIN_WEEKS = 8
CASE_EXTRA_WEEKS = 16
# Evidence a testimony, an NGO report or a police identification adds to a case. Assumption.
TESTIMONY_EVIDENCE = 0.2
NGO_EVIDENCE = 0.15
POLICE_EVIDENCE = 0.1
# Share of cases that corruption can sink, at full effective corruption. Assumption.
CORRUPTION_LOSS = 0.6
# Mean weeks from charge to verdict (UNODC GLOTIP country profiles: often a year or more).
TRIAL_WEEKS = 40
SENTENCE_SPREAD = 0.5  # sd of log sentence around the lever. Assumption.
REOFFEND = 0.5  # share of released traffickers who return to the criminal labour pool.
# Assumption, in the range of reconviction rates for released prisoners (e.g. Durose et al.
# 2014, BJS: most released prisoners are rearrested within five years).


@dataclass
class Case:
    """An investigation by one agency into one network."""

    agency: "EnforcementAgency"
    network: object
    opened: int
    proactive: bool
    testimonies: int = 0
    ngo_reports: int = 0
    police_findings: int = 0
    cross_border: bool = False


class EnforcementAgency(mesa.Agent):
    """The police and prosecution of one jurisdiction.

    Officers, training and techniques are the jurisdiction's levers; the agency holds the open
    cases and runs them to arrests, charges and verdicts.
    """

    def __init__(self, model, jurisdiction) -> None:
        super().__init__(model)
        self.jurisdiction = jurisdiction
        self.open_cases: dict[int, Case] = {}

    @property
    def j(self) -> int:
        return self.jurisdiction.index

    # -- opening cases --------------------------------------------------------------------
    def open_case(self, network, *, proactive=False, testimony=False, ngo_report=False,
                  police_finding=False) -> Case | None:
        """Open a case against ``network`` or add to the one already open (no officers, no case)."""
        if self.jurisdiction.scaled("officers") <= 0:
            return None
        case = self.open_cases.get(network.unique_id)
        if case is None:
            case = Case(self, network, self.model.week, proactive)
            self.open_cases[network.unique_id] = case
            rng = self.model.rng
            weeks = CASE_MIN_WEEKS + int(rng.geometric(1 / CASE_EXTRA_WEEKS))
            self.model.cases_calendar.schedule(self.model.week + weeks, case)
        case.proactive |= proactive
        case.testimonies += testimony
        case.ngo_reports += ngo_report
        case.police_findings += police_finding
        return case

    def open_proactive_cases(self) -> None:
        """Undercover, digital and financial work opens cases without a victim coming forward."""
        model = self.model
        n = model.rng.poisson(self.jurisdiction.proactive_rate)
        targets = model.networks_working_in(self.j)
        if not n or not targets:
            return
        # Opening a case changes no network's visibility or size, so the weights hold all week.
        # One cumulative sum and a binary search per case: a linear scan per case made this
        # quadratic in the region's size (cases and networks both grow with it).
        cum = list(accumulate([t.visibility * t.size for t in targets]))
        total, last = cum[-1], len(targets) - 1
        for _ in range(n):
            i = bisect_left(cum, model.rng.random() * total)
            self.open_case(targets[min(i, last)], proactive=True)

    # -- deciding cases -------------------------------------------------------------------
    def evidence(self, case: Case) -> float:
        lv = self.jurisdiction.levers
        weeks = self.model.week - case.opened
        techniques = (1 + lv["digital_forensics"] + lv["financial_investigation"] * 0.6
                      + (0.8 * lv["undercover"] if case.proactive else 0.0))
        e = (self.model.params["case_evidence_rate"] * weeks * techniques
             + TESTIMONY_EVIDENCE * case.testimonies + NGO_EVIDENCE * case.ngo_reports
             + POLICE_EVIDENCE * case.police_findings)
        return min(1.0, e)

    def reach(self, case: Case, role: str) -> float:
        """Chance the case identifies a member in this role (proactive work reaches higher)."""
        lv = self.jurisdiction.levers
        told = 0.2 if case.testimonies else 0.0
        if role == LEADER:
            r = 0.05 + told * 0.5 + 0.3 * lv["digital_forensics"] + 0.5 * lv["financial_investigation"]
        elif role == TRANSPORTER:
            r = 0.1 + told + 0.4 * lv["digital_forensics"]
        elif role == RECRUITER:
            r = 0.15 + told + 0.2 * lv["digital_forensics"]
        else:  # exploiters are where the victims are
            r = 0.35 + told
        return min(0.9, r)

    def decide(self, case: Case) -> None:
        """At the end of its investigation a case leads to arrests, here and abroad."""
        model = self.model
        rng = model.rng
        self.open_cases.pop(case.network.unique_id, None)
        network = case.network
        if not network.alive:
            return
        jur = self.jurisdiction
        if rng.random() < CORRUPTION_LOSS * jur.corruption_effective:
            return  # tipped off or bought off
        evidence = self.evidence(case)
        for role, members in network.members.items():
            reach = self.reach(case, role)
            for member in list(members):
                if rng.random() >= reach:
                    continue
                if member.home == self.j:
                    if rng.random() < evidence:
                        self.arrest(member, evidence, case)
                else:
                    self.request_abroad(member, evidence, case)

    def request_abroad(self, member: Trafficker, evidence: float, case: Case) -> None:
        """Cross-border work (MODEL.md 8): information sharing to learn where a suspect is, mutual
        legal assistance for the evidence, extradition for the arrest. Joint investigation teams
        raise the speed and odds of each step. Without cooperation nothing happens."""
        model = self.model
        coop = model.cooperation_between(self.j, member.home)
        if model.jurisdictions[member.home].scaled("officers") <= 0:
            return  # nobody to make the arrest there
        if model.rng.random() >= coop["info_sharing"]:
            return
        p = evidence * (0.3 + 0.7 * coop["mutual_legal_assistance"]) * (0.1 + 0.9 * coop["extradition"])
        if model.rng.random() >= p:
            return
        delay = 4 + round(40 * (1 - coop["mutual_legal_assistance"])
                          * (1 - 0.5 * model.raw_joint(self.j, member.home)))
        model.justice_calendar.schedule(model.week + delay, ("extradition", self, member, evidence, case))

    # -- arrest, charge, trial -------------------------------------------------------------
    def arrest(self, member: Trafficker, evidence: float, case: Case, cross_border=False) -> None:
        model = self.model
        if member.status != "active" or member.network is None:
            return
        network = member.network
        member.evidence = evidence
        member.testimony = case.testimonies > 0
        member.case_jurisdiction = self.j
        member.cross_border = cross_border
        member.set_status(ARRESTED, "arrested")
        model.tally("arrests", self.j)
        if cross_border and not case.cross_border:
            case.cross_border = True
            model.tally("cross_border_cases", self.j)
        member.network = None
        network.lose_member(member, arrested=True)
        model.observe_arrest(member.home)
        lv = self.jurisdiction.levers
        if model.rng.random() < min(0.95, 0.4 + 0.5 * evidence + 0.1 * lv["specialised_prosecution"]):
            member.set_status(ON_TRIAL, "charged")
            model.tally("prosecutions", self.j)
            mean = TRIAL_WEEKS * (1 - 0.3 * lv["specialised_prosecution"])
            model.justice_calendar.schedule(model.week + int(model.rng.geometric(1 / mean)),
                                            ("trial", self, member, network))
        else:
            model.release_trafficker(member, "released without charge")

    def conviction_probability(self, member: Trafficker, form: int) -> float:
        jur = self.jurisdiction
        if not jur.covers(form):
            return 0.0  # the law does not cover this form: no trafficking conviction
        lv = jur.levers
        p = (0.2 + 0.45 * member.evidence + 0.15 * member.testimony
             + 0.2 * lv["specialised_prosecution"] - 0.4 * jur.corruption_effective)
        return min(0.95, max(0.02, p))

    def trial(self, member: Trafficker, network) -> None:
        model = self.model
        rng = model.rng
        if rng.random() >= self.conviction_probability(member, network.form):
            model.release_trafficker(member, "acquitted")
            return
        lv = self.jurisdiction.levers
        mean_years = lv["sentence_years"]
        years = 0.0
        if mean_years > 0:
            mu = math.log(mean_years) - SENTENCE_SPREAD ** 2 / 2
            years = float(rng.lognormal(mu, SENTENCE_SPREAD))
        member.set_status(IMPRISONED, f"convicted, {years:.1f} years")
        model.tally("convictions", self.j)
        if member.cross_border:
            model.tally("cross_border_convictions", self.j)
        model.tally("sentence_years_imposed", self.j, years)
        model.observe_conviction(member.home, years)
        share = 0.6 if member.role == LEADER else 0.15
        seized = network.assets * lv["asset_forfeiture"] * (0.3 + 0.7 * lv["financial_investigation"]) * share
        network.assets -= seized
        model.tally("assets_seized", self.j, seized)
        model.justice_calendar.schedule(model.week + max(1, round(52 * years)),
                                        ("prison_release", self, member, None))
