"""The decision: the second stage of identification (ODD 6.5).

Implements ``TraffickingModel.step`` step 5b: the national referral mechanism decides on the
referrals due this week (:mod:`referral` scheduled them). A positive decision confirms the
person as a victim: the count of identified victims (by the referring first responder, and
whether identified in their own country), support (the NGO's queue), a permit where the
regime grants one unconditionally; someone still exploited leaves exploitation now. A negative
decision finds the person not to be a victim. The rule for what follows it: someone the
referral had taken out of exploitation loses the support a referral brings and returns to the
at-risk population as a person who left without support (their risk of re-trafficking drawn
as for those returned unsupported, :mod:`recovery`); someone still exploited stays so.

A decision is made only for someone the mechanism can still reach: in the same episode of
trafficking (their ``times_trafficked`` unchanged) and either awaiting it out of exploitation
or still exploited. Someone who escaped, was released, was treated as an offender or was
confirmed on an earlier referral in the meantime gets none (the referral's ``confirmed`` stays
-1).
"""

from __future__ import annotations

from simulation.model.agents.victim import CHANNEL_LIST, Status
from simulation.model.processes import identification, recovery
from simulation.model.processes.referral import confirmation_chance
from simulation.model.registry import WEEKLY_INDEX

READS = ("jurisdictions", "ngos", "params", "streams", "week")
CHANGES = ("decision_calendar", "group_tally", "referrals", "victims", "weekly_tally")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

STILL_DECIDED = (int(Status.REFERRED), int(Status.EXPLOITED))
"""The statuses in which a referral's decision is still made."""
DOMESTIC_COL = WEEKLY_INDEX["identified_domestic"]
NOT_CONFIRMED_COL = WEEKLY_INDEX["referrals_not_confirmed"]


def decide(model) -> None:
    """This week's decisions, in the order the referrals were made."""
    due = model.decision_calendar.pop(model.week)
    if due is None:
        return
    victims = model.victims
    referrals = model.referrals
    p = model.params
    uniform = model.streams.uniform
    for x in due.live(victims, STILL_DECIDED).tolist():
        v, row = int(due.victim[x]), int(due.leg[x])
        j = referrals.jurisdiction[row]
        chance = confirmation_chance(p, bool(victims.child[v]))
        # keyed by the episode and the rank of the person's referral (never by the referral's
        # row in the log, a count of everyone's referrals that another policy would shift)
        confirmed = (uniform("referral decision", victims.rkey_of(v), referrals.rank[row])
                     < chance)
        referrals.close(row, model.week, confirmed)
        if confirmed:
            confirm(model, v, j, CHANNEL_LIST[referrals.channel[row]])
        else:
            not_confirmed(model, v, j)


def confirm(model, v: int, j: int, channel) -> None:
    """Victim ``v``, referred in ``j`` by ``channel``, is confirmed: counted as identified,
    out of exploitation if still in it, and queued for a shelter place."""
    victims = model.victims
    if victims.status[v] == Status.EXPLOITED:
        identification.leave_network(model, v)
    victims.location[v] = j
    victims.identified_by[v] = CHANNEL_LIST.index(channel)
    victims.set_status(v, Status.IDENTIFIED, model.week)
    tally = model.weekly_tally
    tally[identification.IDENTIFIED_COL][j] += 1
    tally[identification.CHANNEL_COL[channel]][j] += 1
    model.tally_victim("victims_identified", v)
    model.tally_victim(identification.IDENTIFIED_BY[channel], v)
    if victims.origin[v] == j:
        tally[DOMESTIC_COL][j] += 1
    model.ngos[j].refer(v)
    if victims.origin[v] != j and model.jurisdictions[j].levers["residence_permit"] == \
            "unconditional":
        model.tally("permits_granted", j)


def not_confirmed(model, v: int, j: int) -> None:
    """A negative decision: out of exploitation, the person returns to the at-risk population
    unsupported; still exploited, they stay so."""
    model.weekly_tally[NOT_CONFIRMED_COL][j] += 1
    if model.victims.status[v] == Status.REFERRED:
        recovery.leave_pathway(model, v, Status.RETURNED, supported=False)
