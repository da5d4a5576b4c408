"""Support, trust and testimony (ODD 6.6): shelter places, the decision to testify, and
reintegration programmes.

Implements ``TraffickingModel.step`` step 6: due shelter exits and programme ends
(``events.ShelterExit``, ``events.ProgrammeEnd``), then each NGO admits from its queue.
"""

from __future__ import annotations

from simulation.model import events
from simulation.model.agents.victim import Status
from simulation.model.processes import cases, recovery
from simulation.model.registry import Form

READS = ("agencies", "network_of", "ngos", "params", "streams", "week")
CHANGES = ("support_calendar", "victims", "weekly_tally")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""


def trust(p, levers) -> float:
    """Victims' trust in the authorities and NGOs of a jurisdiction, 0-1: a base plus what
    victim-centred practice, witness protection, partnership and non-punishment add."""
    return min(1.0, p["trust_base"] + p["trust_victim_centred"] * levers["victim_centred"]
               + p["trust_witness_protection"] * levers["witness_protection"]
               + p["trust_partnership"] * levers["ngo_police_partnership"]
               + p["trust_non_punishment"] * levers["non_punishment"])


def permit_value(p, levers) -> float:
    """What the residence-permit regime is worth to a foreign victim deciding whether to come
    forward: 0 without permits, 1 for an unconditional one, ``conditional_permit_value`` for
    one that depends on cooperating with the prosecution."""
    regime = levers["residence_permit"]
    return {"none": 0.0, "conditional": p["conditional_permit_value"],
            "unconditional": 1.0}[regime]


def coming_forward(p, jur) -> float:
    """How much victims' expectations scale self-referral: a permit and compensation draw them
    out; the risk of detention or deportation (what neither a permit nor the non-punishment
    provision removes) holds them back."""
    lv = jur.levers
    permit = permit_value(p, lv)
    offender_risk = (1 - p["non_punishment_effect"] * lv["non_punishment"]) * (1 - permit)
    return ((1 + p["permit_self_referral"] * permit
             + p["compensation_self_referral"] * lv["compensation"])
            * (1 - p["offender_fear"] * offender_risk))


def testimony_propensity(p, jur) -> float:
    """Chance a supported victim testifies: trust against intimidation, which witness
    protection lifts, raised by what testifying brings (a permit conditional on it, the
    security of an unconditional one, a claim to compensation); at most 1."""
    lv = jur.levers
    gain = {"none": 0.0, "conditional": p["permit_testimony_conditional"],
            "unconditional": p["permit_testimony_unconditional"]}[lv["residence_permit"]]
    return min(1.0, p["testimony_base"] * jur.trust
               * (1 - p["intimidation"] * (1 - lv["witness_protection"]))
               * (1 + gain + p["compensation_testimony"] * lv["compensation"]))


def support(model) -> None:
    for event in model.support_calendar.pop(model.week):
        if isinstance(event, events.ProgrammeEnd):
            programme_end(model, event.ngo, event.victim)
        else:
            shelter_exit(model, event.ngo, event.victim)
    for ngo in model.ngos:
        admit(model, ngo)


def admit(model, ngo) -> None:
    """Fill free places in order of arrival; those who waited ``max_wait_weeks`` leave
    unsupported."""
    p = model.params
    capacity = ngo.jurisdiction.shelter_capacity
    victims = model.victims
    while ngo.waiting and ngo.in_shelter < capacity:
        v, _ = ngo.waiting.popleft()
        ngo.in_shelter += 1
        victims.set_status(v, Status.SUPPORTED, model.week)
        model.tally("victims_supported", ngo.j)
        decide_testimony(model, ngo, v, supported=True)
        stay = model.streams.geometric(1 / p["shelter_weeks"], "shelter stay",
                                       victims.rkey_of(v))
        model.support_calendar.schedule(model.week + stay, events.ShelterExit(ngo, v))
    max_wait = p["max_wait_weeks"]
    while ngo.waiting and model.week - ngo.waiting[0][1] >= max_wait:
        v, _ = ngo.waiting.popleft()
        model.tally("unmet_shelter_demand", ngo.j)
        decide_testimony(model, ngo, v, supported=False)
        recovery.leave_pathway(model, v, Status.RETURNED, supported=False)


def decide_testimony(model, ngo, v: int, supported: bool) -> None:
    """Decided once, on admission or on leaving the queue; a testimony adds to (or opens) the
    case against the network where victim ``v`` was identified."""
    p = model.params
    victims = model.victims
    jur = ngo.jurisdiction
    chance = jur.testimony_propensity * (1.0 if supported else p["unsupported_testimony"])
    if victims.form[v] == Form.LABOUR:
        chance *= p["labour_testimony"]
    uniform = model.streams.uniform
    rkey = victims.rkey_of(v)
    if uniform("testimony", rkey) < chance:
        victims.testified[v] = True
        model.tally("victims_testifying", ngo.j)
        if victims.origin[v] != ngo.j and jur.levers["residence_permit"] == "conditional":
            model.tally("permits_granted", ngo.j)  # the permit that cooperation earns
        if uniform("compensation", rkey) < jur.levers["compensation"]:
            model.tally("compensation_awarded", ngo.j)
        network = model.network_of(int(victims.network[v]))
        if network is not None:
            cases.open_case(model, model.agencies[ngo.j], network, testimony=True)


def shelter_exit(model, ngo, v: int) -> None:
    """After the stay: a reintegration programme for those the lever covers, else return."""
    ngo.in_shelter -= 1
    streams = model.streams
    rkey = model.victims.rkey_of(v)
    if streams.uniform("reintegration", rkey) < ngo.jurisdiction.levers["reintegration"]:
        model.tally("reintegration_enrolments", ngo.j)
        weeks = streams.geometric(1 / model.params["programme_weeks"], "programme weeks", rkey)
        model.support_calendar.schedule(model.week + weeks, events.ProgrammeEnd(ngo, v))
    else:
        recovery.leave_pathway(model, v, Status.RETURNED, supported=True)


def programme_end(model, ngo, v: int) -> None:
    model.tally("victims_reintegrated", ngo.j)
    recovery.leave_pathway(model, v, Status.REINTEGRATED, supported=True)
