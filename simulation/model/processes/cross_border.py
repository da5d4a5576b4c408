"""Cross-border work (ODD 6.8): information sharing to learn where a suspect is, mutual legal
assistance for the evidence, extradition for the arrest; joint investigation teams raise the
speed and odds of each step. Without cooperation nothing happens.

Requests are made when a case is decided (step 7); the arrest abroad is an
``events.Extradition`` fired with the justice events (step 9).
"""

from __future__ import annotations

from simulation.model import events
from simulation.model.scenario import pair_key

READS = ("cooperation", "jurisdictions", "params", "streams", "week")
CHANGES = ("form_tally", "justice_calendar", "weekly_tally")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


def levers_between(model, a: int, b: int) -> dict[str, float]:
    """The pair's levers as they act: joint investigation teams close part of the gap between
    each lever and 1."""
    levers = model.cooperation[pair_key(model.jurisdictions[a].name, model.jurisdictions[b].name)]
    joint = levers["joint_investigations"]
    effect = model.params["joint_investigation_effect"]
    return {k: v if k == "harmonisation" else v + (1 - v) * effect * joint
            for k, v in levers.items()}


def joint_teams(model, a: int, b: int) -> float:
    """The pair's ``joint_investigations`` lever as set."""
    key = pair_key(model.jurisdictions[a].name, model.jurisdictions[b].name)
    return model.cooperation[key]["joint_investigations"]


def request_abroad(model, agency, member, evidence: float, case) -> None:
    """Seek a member who works in another jurisdiction: located with chance info sharing; refused
    if that jurisdiction's law does not cover the case's form (dual criminality) unless a
    harmonisation instrument waives the check; then arrested and surrendered with chance
    evidence x (floor + effect x MLA) x (floor + effect x
    extradition), after a delay that legal assistance and joint teams shorten."""
    p = model.params
    home = member.home
    coop = levers_between(model, agency.j, home)
    if model.jurisdictions[home].scaled("officers") <= 0:
        return  # nobody to make the arrest there
    uniform = model.streams.uniform
    if uniform("info sharing", case.key, member.key) >= coop["info_sharing"]:
        return
    form = case.network.form
    if (not model.jurisdictions[home].covers(form)
            and uniform("dual criminality", case.key, member.key) >= coop["harmonisation"]):
        # dual criminality: the requested jurisdiction's law does not cover this form, and no
        # harmonisation instrument waives the check
        model.tally("cross_border_refused", agency.j)
        model.tally_form("cross_border_refused", form)
        return
    mla = coop["mutual_legal_assistance"]
    chance = (evidence * (p["mla_floor"] + p["mla_effect"] * mla)
              * (p["extradition_floor"] + p["extradition_effect"] * coop["extradition"]))
    if uniform("extradition", case.key, member.key) >= chance:
        return
    delay = p["cross_border_min_weeks"] + round(
        p["cross_border_delay_weeks"] * (1 - mla)
        * (1 - p["joint_delay_effect"] * joint_teams(model, agency.j, home)))
    model.justice_calendar.schedule(model.week + delay,
                                    events.Extradition(agency, member, evidence, case))
