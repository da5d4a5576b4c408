"""Prosecution and sentencing (ODD 6.9): arrest, charge, trial (as far as prosecutors can
take them), sentence, forfeiture, and release from custody.

Implements ``TraffickingModel.step`` step 9 together with the other justice events
(``events.Trial``, ``events.Extradition``, ``events.PrisonRelease``, ``events.Replacement``).
"""

from __future__ import annotations

from simulation.model import events, fmath
from simulation.model.clock import WEEKS_PER_YEAR, weeks_from_years
from simulation.model.agents.trafficker import (ACTIVE, ARRESTED, DESISTED, IMPRISONED, LEADER,
                                                ON_TRIAL, RELEASED, ROLE_INDEX)
from simulation.model.processes import deterrence, network_response, ties
from simulation.model.registry import Form
from simulation.model.streams import chain

READS = ("agencies", "params", "streams", "week")
CHANGES = ("arrest_log", "form_tally", "justice_calendar", "labour_pool", "weekly_tally")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


def trial_capacity(p, jur) -> float:
    """Trials a jurisdiction's prosecutors can bring to verdict a week."""
    return jur.scaled("prosecutors") * p["trials_per_prosecutor_year"] / WEEKS_PER_YEAR


def administer_justice(model) -> None:
    """Trials, extraditions, prison releases and replacements due this week. Prosecutors'
    capacity accrues weekly and keeps for ``trial_capacity_weeks`` at most (idle court time is
    not stored), but always allows the next trial once accrued."""
    carry = model.params["trial_capacity_weeks"]
    for agency in model.agencies:
        weekly = agency.jurisdiction.trial_capacity
        agency.trial_budget = min(agency.trial_budget + weekly, max(1.0, carry * weekly))
    carry_out_due(model)


def carry_out_due(model) -> None:
    """The justice calendar's events due this week, in the order they were scheduled."""
    for event in model.justice_calendar.pop(model.week):
        match event:
            case events.Trial():
                trial(model, event.agency, event.member, event.network, event.waited)
            case events.Extradition():
                arrest(model, event.agency, event.member, event.evidence, event.case,
                       cross_border=True)
            case events.PrisonRelease():
                release(model, event.member, "released from prison")
            case events.Replacement():
                network_response.replace(model, event.network, event.role)


def arrest(model, agency, member, evidence: float, case, cross_border: bool = False) -> None:
    """Arrest ``member`` on ``case``: they leave their network (ODD 6.10) and are charged with
    chance ``min(cap, base + evidence x E + specialisation x S)``, else released. A charged
    forced-labour case goes to court as a lesser offence with chance ``labour_lesser_charge``."""
    if member.status != ACTIVE or member.network is None:
        return
    j = agency.j
    network = member.network
    member.evidence = evidence
    member.testimony = case.testimonies > 0
    member.case_jurisdiction = j
    member.cross_border = cross_border
    member.set_status(ARRESTED, "arrested")
    row = model.arrest_log.add(model.week, j, ROLE_INDEX[member.role], member.home,
                               member.key, network.key)
    model.tally("arrests", j)
    model.tally_form("arrests", network.form)
    if member.role == LEADER:
        model.tally("leaders_arrested", j)
    if not network.organised:
        model.tally("small_offenders_arrested", j)
    if ties.is_central(network, member):
        model.tally("central_members_arrested", j)
    if cross_border and not case.cross_border:
        case.cross_border = True
        model.tally("cross_border_cases", j)
    member.network = None
    network_response.lose_member(model, network, member, arrested=True)
    deterrence.observe_arrest(model, member.home)
    p = model.params
    specialised = agency.jurisdiction.levers["specialised_prosecution"]
    streams, week = model.streams, model.week
    # every draw of this case against the member is keyed by the member and the rank of the
    # arrest (their first, second...), not by a week: an arrest made earlier or later under
    # another policy, or a trial postponed for lack of a prosecutor, keeps its numbers
    member.arrests += 1
    member.arrest_key = chain(member.key, member.arrests)
    if streams.uniform("charge", member.arrest_key) < min(
            p["charge_cap"], p["charge_base"] + p["charge_evidence"] * evidence
            + p["charge_specialised"] * specialised):
        if (network.form == Form.LABOUR
                and streams.uniform("lesser charge", member.arrest_key)
                < p["labour_lesser_charge"]):
            member.lesser = True  # trafficking is hard to prove: labour or immigration law
            member.set_status(ON_TRIAL, "charged with a lesser offence")
        else:
            member.set_status(ON_TRIAL, "charged")
            model.tally("prosecutions", j)
            model.tally_form("prosecutions", network.form)
            model.arrest_log.charge(row)
        mean = p["trial_weeks"] * (1 - p["trial_specialised"] * specialised)
        model.justice_calendar.schedule(week + streams.geometric(1 / mean, "trial weeks",
                                                                 member.arrest_key),
                                        events.Trial(agency, member, network))
    else:
        release(model, member, "released without charge")


def conviction_probability(model, agency, member, form: int) -> float:
    """0 where the prosecuting jurisdiction's law does not cover the form (a lesser offence
    needs no trafficking law); else base + evidence + testimony + specialisation - corruption,
    clipped to [floor, cap]."""
    p = model.params
    jur = agency.jurisdiction
    if not member.lesser and not jur.covers(form):
        return 0.0  # the law does not cover this form: no trafficking conviction
    lv = jur.levers
    chance = (p["conviction_base"] + p["conviction_evidence"] * member.evidence
              + p["conviction_testimony"] * member.testimony
              + p["conviction_specialised"] * lv["specialised_prosecution"]
              - p["conviction_corruption"] * jur.corruption_effective)
    return min(p["conviction_cap"], max(p["conviction_floor"], chance))


def trial(model, agency, member, network, waited: int = 0) -> None:
    """The verdict, if a prosecutor is free; otherwise the trial waits a week, and a trial
    that has waited ``trial_wait_weeks`` is dropped and the accused released. A verdict is an
    acquittal and release, or a lognormal sentence around the lever's mean (shorter for a
    lesser offence, which counts apart), the network's assets partly forfeited, and release
    when the sentence is served."""
    streams = model.streams
    p = model.params
    j = agency.j
    if agency.trial_budget < 1:
        if waited == 0:
            agency.trials_waiting += 1
        if waited + 1 >= p["trial_wait_weeks"]:
            agency.trials_waiting -= 1
            model.tally("trials_dropped", j)
            release(model, member, "case dropped")
        else:
            model.justice_calendar.schedule(model.week + 1,
                                            events.Trial(agency, member, network, waited + 1))
        return
    agency.trial_budget -= 1
    if waited:
        agency.trials_waiting -= 1
    if streams.uniform("verdict", member.arrest_key) >= conviction_probability(
            model, agency, member, network.form):
        release(model, member, "acquitted")
        return
    lv = agency.jurisdiction.levers
    mean_years = lv["sentence_years"] * (p["lesser_sentence_share"] if member.lesser else 1.0)
    years = 0.0
    if mean_years > 0:
        spread = p["sentence_spread"]
        mu = fmath.log(mean_years) - spread * spread / 2
        years = streams.lognormal(mu, spread, "sentence", member.arrest_key)
    member.set_status(IMPRISONED, f"convicted, {years:.1f} years")
    if member.lesser:
        model.tally("lesser_convictions", j)
    else:
        model.tally("convictions", j)
        model.tally_form("convictions", network.form)
        if member.cross_border:
            model.tally("cross_border_convictions", j)
        model.tally("sentence_years_imposed", j, years)
    deterrence.observe_conviction(model, member.home, years)
    seized = forfeiture(model, agency, network, member)
    network.assets -= seized
    model.tally("assets_seized", j, seized)
    model.justice_calendar.schedule(model.week + weeks_from_years(years),
                                    events.PrisonRelease(member))


def forfeiture(model, agency, network, member) -> float:
    """Assets confiscated on a conviction: the member's share of the network's assets, times
    the forfeiture lever, times how much of it financial investigation finds."""
    p = model.params
    lv = agency.jurisdiction.levers
    share = p["forfeiture_leader_share"] if member.role == LEADER else p["forfeiture_member_share"]
    found = p["forfeiture_floor"] + p["forfeiture_financial"] * lv["financial_investigation"]
    if lv["targeting"] == "money":  # follow-the-money targeting: assets traced from the start
        found += p["money_forfeiture_gain"]
    return network.assets * lv["asset_forfeiture"] * min(1.0, found) * share


def release(model, trafficker, why: str) -> None:
    """Out of custody: some return to the criminal labour pool (``reoffend``), the others
    desist."""
    if model.streams.uniform("reoffend", trafficker.arrest_key) < model.params["reoffend"]:
        trafficker.set_status(RELEASED, why)
        model.labour_pool[trafficker.home].append(trafficker)
    else:
        trafficker.set_status(DESISTED, why)
