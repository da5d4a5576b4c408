"""Leads and cases (ODD 6.7): a lead on a network (a testimony, an NGO report, a police
finding, proactive work) opens a case against it, adds to the case already open, or waits for
capacity. A case gathers evidence until it is decided (``investigation.decide``, through the
cases calendar).
"""

from __future__ import annotations

from simulation.model import events
from simulation.model.agents.enforcement import Case
from simulation.model.streams import chain

READS = ("params", "streams", "week")
CHANGES = ("cases_calendar",)
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


def open_case(model, agency, network, *, proactive=False, testimony=False, ngo_report=False,
              police_finding=False) -> Case | None:
    """Open a case against ``network`` or add to the one already open (no officers, no case).
    An agency at capacity (:func:`case_capacity`) puts the lead on its waiting list instead,
    where later leads on the same network add to it."""
    if agency.jurisdiction.scaled("officers") <= 0:
        return None
    key = network.unique_id
    case = agency.open_cases.get(key)
    if case is None:
        waiting = agency.waiting_cases.get(key)
        if waiting is None and len(agency.open_cases) < agency.jurisdiction.case_capacity:
            return start_case(model, agency, network, proactive, int(testimony),
                               int(ngo_report), int(police_finding))
        since, _, was_proactive, testimonies, reports, findings = waiting or (
            model.week, network, False, 0, 0, 0)
        agency.waiting_cases[key] = (since, network, was_proactive or proactive,
                                     testimonies + testimony, reports + ngo_report,
                                     findings + police_finding)
        return None
    case.proactive |= proactive
    case.testimonies += testimony
    case.ngo_reports += ngo_report
    case.police_findings += police_finding
    return case


def start_case(model, agency, network, proactive, testimonies, ngo_reports, findings) -> Case:
    """A case gathers evidence for ``case_min_weeks`` plus a geometric tail (mean
    ``case_extra_weeks``), then is decided."""
    p = model.params
    # keyed by the network, the agency and the rank of the case against it (not the week it
    # opens), so a case opened earlier or later under another policy keeps its numbers
    rank = network.cases[agency.j] = network.cases.get(agency.j, 0) + 1
    case = Case(agency, network, model.week, proactive, testimonies, ngo_reports, findings,
                key=chain(network.key, agency.j, rank))
    agency.open_cases[network.unique_id] = case
    weeks = p["case_min_weeks"] + model.streams.geometric(1 / p["case_extra_weeks"],
                                                          "case weeks", case.key)
    if agency.jurisdiction.levers["targeting"] != "volume":
        weeks += round(p["targeted_case_weeks"])  # mapping ties or money takes longer
    model.cases_calendar.schedule(model.week + weeks, events.CaseDecision(case))
    return case
