"""Investigation (ODD 6.7): cases opened reactively (testimony, NGO report, police
identification) and proactively, evidence gathered over the investigation, and the decision that
leads to arrests here and requests abroad.

Implements ``TraffickingModel.step`` step 7: proactive cases, then the cases whose
investigation ends this week (``events.CaseDecision``).
"""

from __future__ import annotations

import numpy as np

from simulation.model.agents.enforcement import Case
from simulation.model.agents.trafficker import LEADER, RECRUITER, TRANSPORTER
from simulation.model.registry import Form
from simulation.model.processes import cross_border, justice, network_response, ties
from simulation.model.processes.cases import open_case, start_case

READS = ("agencies", "networks", "params", "streams", "week")
CHANGES = ("cases_calendar", "networks_known_in", "weekly_tally")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


def effective_corruption(p, corruption: float, levers) -> float:
    """Corruption as it acts on cases and inspections, after anti-corruption effort."""
    return corruption * (1 - p["anti_corruption_effect"] * levers["anti_corruption"])


def proactive_rate(p, jur) -> float:
    """Proactive cases an agency opens per week: per 100 officers, times the sum of its
    undercover, digital and financial capabilities."""
    lv = jur.levers
    capability = lv["undercover"] + lv["digital_forensics"] + lv["financial_investigation"]
    return p["proactive_case_rate"] * jur.scaled("officers") / 100 * capability


def case_capacity(p, jur) -> float:
    """How many investigations an agency can keep open: ``cases_per_officer`` x officers."""
    return p["cases_per_officer"] * jur.scaled("officers")


def investigate(model) -> None:
    for agency in model.agencies:
        open_proactive_cases(model, agency)
    for event in model.cases_calendar.pop(model.week):
        decide(model, event.case)
    for agency in model.agencies:
        open_waiting_cases(model, agency)


def open_waiting_cases(model, agency) -> None:
    """Leads that waited ``case_wait_weeks`` are dropped; the others are opened, oldest
    first, as far as capacity allows."""
    waiting = agency.waiting_cases
    if not waiting:
        return
    limit = model.params["case_wait_weeks"]
    for key in [k for k, lead in waiting.items() if model.week - lead[0] >= limit]:
        del waiting[key]
        model.tally("cases_dropped", agency.j)
    capacity = agency.jurisdiction.case_capacity
    while waiting and len(agency.open_cases) < capacity:
        _, (since, network, proactive, testimonies, ngo_reports, findings) = next(
            iter(waiting.items()))
        del waiting[network.unique_id]
        if network.alive:
            start_case(model, agency, network, proactive, testimonies, ngo_reports, findings)


def survey_networks(model) -> None:
    """The agencies' picture of which networks work where, renewed monthly (after the
    monthly review) and when the region is built: proactive cases pick their targets from it,
    so a network ended since the last survey can still be the target of a case that then
    finds nothing."""
    known: dict[int, list] = {}
    for network in model.networks:
        for place in network.places:
            known.setdefault(place, []).append(network)
    model.networks_known_in = known


def open_proactive_cases(model, agency) -> None:
    """Undercover, digital and financial work opens Poisson(``proactive_rate``) cases a week,
    against networks working in the jurisdiction chosen with weight visibility x size."""
    streams, week = model.streams, model.week
    n = streams.poisson(agency.jurisdiction.proactive_rate, "proactive cases", week, agency.j)
    targets = model.networks_known_in.get(agency.j, [])
    if not n or not targets:
        return
    # Opening a case changes no network's visibility or size, so the weights hold all week;
    # each case's target is chosen by a keyed race (streams.race), so a network keeps its
    # chance of being the target whichever others are known.
    p = model.params
    security_visibility = p["security_visibility"]
    weights = np.array([t.visibility(security_visibility) * t.size for t in targets], float)
    if agency.jurisdiction.levers["targeting"] == "money":
        # follow the money: networks with more assets draw more of the proactive work
        assets = np.array([t.assets for t in targets], float)
        weights *= 1 + p["money_target_weight"] * assets / max(assets.mean(), 1.0)
    keys = np.array([t.key for t in targets], dtype=np.uint64)
    for rank in range(n):
        i = streams.race("proactive target", (week, agency.j, rank), keys, weights)
        open_case(model, agency, targets[i], proactive=True)


def evidence(model, case: Case) -> float:
    """Evidence, 0-1: routine weekly gathering sped up by techniques, plus each testimony, NGO
    report and police finding."""
    p = model.params
    lv = case.agency.jurisdiction.levers
    weeks = model.week - case.opened
    if case.network.form == Form.LABOUR:
        weeks *= p["labour_evidence"]  # coercion hidden in employment relations
    techniques = (1 + p["evidence_digital"] * lv["digital_forensics"]
                  + lv["financial_investigation"] * p["evidence_financial"]
                  + (p["evidence_undercover"] * lv["undercover"] if case.proactive else 0.0))
    online = case.agency.jurisdiction.online_monitoring * case.network.online_share
    e = (p["case_evidence_rate"] * weeks * techniques + p["online_evidence"] * online
         + p["testimony_evidence"] * case.testimonies
         + p["ngo_report_evidence"] * case.ngo_reports
         + p["police_finding_evidence"] * case.police_findings)
    return min(1.0, e)


def reach(model, case: Case, role: str) -> float:
    """Chance the case identifies a member in ``role``: testimony helps below the leader;
    digital and financial work reach higher in the network."""
    p = model.params
    lv = case.agency.jurisdiction.levers
    told = p["reach_testimony"] if case.testimonies else 0.0
    if role == LEADER:
        r = (p["reach_leader"] + told * p["reach_testimony_leader"]
             + p["reach_leader_digital"] * lv["digital_forensics"]
             + p["reach_leader_financial"] * lv["financial_investigation"])
    elif role == TRANSPORTER:
        r = p["reach_transporter"] + told + p["reach_transporter_digital"] * lv["digital_forensics"]
    elif role == RECRUITER:
        online = case.agency.jurisdiction.online_monitoring * case.network.online_share
        r = (p["reach_recruiter"] + told + p["reach_recruiter_digital"] * lv["digital_forensics"]
             + p["online_reach_recruiter"] * online)
    else:  # exploiters are where the victims are
        r = p["reach_exploiter"] + told
    if not case.network.organised:  # the victims know everyone in a small operation
        r = max(r, p["reach_small"])
    return min(p["reach_cap"], r)


def focus(model, case: Case) -> dict | None:
    """What the agency's targeting strategy (lever ``targeting``) concentrates reach on: each
    member's focus, 0-1 (leaders: the leader; key players: centrality from ties,
    :func:`ties.degree_focus`); None for volume and follow-the-money work, which spread reach
    by role."""
    strategy = case.agency.jurisdiction.levers["targeting"]
    if strategy == "leaders":
        return {m: float(m.role == LEADER) for m in case.network.roster}
    if strategy == "key_players":
        return ties.degree_focus(case.network)
    return None


def decide(model, case: Case) -> None:
    """At the end of its investigation a case may be lost to corruption; otherwise each member
    it reaches is arrested here (with probability = evidence) or sought abroad (ODD 6.8).
    Targeting moves reach from the members out of focus (x ``1 - targeting_focus_loss``) to
    those in focus (up to x ``1 + targeting_focus_gain``). What the arrests did to the network
    is graded (``network_response.grade_hit``)."""
    uniform = model.streams.uniform
    agency = case.agency
    agency.open_cases.pop(case.network.unique_id, None)
    network = case.network
    if not network.alive:
        return
    jur = agency.jurisdiction
    p = model.params
    lost = p["corruption_case_loss"] * jur.corruption_effective
    if uniform("case lost", case.key) < lost:
        return  # tipped off or bought off
    e = evidence(model, case)
    focused = focus(model, case)
    gain, loss = p["targeting_focus_gain"], p["targeting_focus_loss"]
    size_before, cut_before = network.size, network.cut_offs
    leader = network.leader
    arrested = 0
    for role, members in network.members.items():
        r = reach(model, case, role)
        for member in list(members):
            if focused is not None:
                r_m = min(p["reach_cap"], r * (1 - loss + (gain + loss) * focused.get(member, 0.0)))
            else:
                r_m = r
            if uniform("reach", case.key, member.key) >= r_m:
                continue
            if member.home == agency.j:
                if uniform("arrest", case.key, member.key) < e:
                    before = member.arrests
                    justice.arrest(model, agency, member, e, case)
                    arrested += member.arrests - before
            else:
                cross_border.request_abroad(model, agency, member, e, case)
    network_response.grade_hit(model, network, size_before,
                               arrested + network.cut_offs - cut_before,
                               leader is not None and leader.network is not network)
