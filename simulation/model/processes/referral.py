"""Referral: the first of the two stages of identification (ODD 6.5).

A first responder (police, NGO outreach, labour inspection, border and immigration officers,
health and social services, child protection, or the victim's own call) who recognises a
victim does not decide that they are one: it refers them to the national referral mechanism,
which decides later (:mod:`confirmation`), as the UK's National Referral Mechanism and its
peers work. The referral puts them on the responder's list and, with chance
``referral_removal``, takes them out of exploitation at once; the others stay exploited until
the decision (they decline support, cannot be reached, or go back to the network). A border
referral always ends the journey. The decision is scheduled ``decision_weeks`` (geometric mean)
later on the model's ``decision_calendar``.

This module imports no other process: :mod:`identification` calls it, and
:mod:`confirmation` carries out the decisions.
"""

from __future__ import annotations

from simulation.model.agents.network import NO_NETWORK
from simulation.model.agents.victim import CHANNEL_LIST
from simulation.model.records import ReferralLog
from simulation.model.registry import Channel, WEEKLY_INDEX

READS = ("network_table", "params", "streams", "week")
CHANGES = ("decision_calendar", "group_tally", "referrals", "victims", "weekly_tally")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

DECISION = 0
"""The kind of event of the decision calendar: the mechanism decides on a referral (the
event's ``leg`` is the referral's row in ``model.referrals``)."""
REFERRED_COL = WEEKLY_INDEX["victims_referred"]


def refer(model, v: int, j: int, channel: Channel) -> bool:
    """Victim ``v`` is referred in ``j`` by ``channel``: the referral is logged and counted,
    its decision scheduled; returns whether it takes them out of exploitation (the caller
    carries that out). The chance of removal, the delay and the decision are drawn from their
    own streams, keyed by the victim's episode and the rank of the referral (their first,
    second...), not by its week: a referral that comes earlier under another policy keeps its
    numbers (common random numbers, ODD 4)."""
    p = model.params
    victims = model.victims
    week = model.week
    rkey = victims.rkey_of(v)
    rank = int(victims.referrals[v]) + 1
    victims.referrals[v] = rank
    streams = model.streams
    removed = (channel == Channel.BORDER
               or streams.uniform("referral removal", rkey, rank) < p["referral_removal"])
    row = model.referrals.add(v, week, j, CHANNEL_LIST.index(channel), int(victims.form[v]),
                              int(victims.group[v]), bool(victims.origin[v] != j), removed,
                              rank, int(victims.origin[v]), _network_key(model, v))
    model.weekly_tally[REFERRED_COL][j] += 1
    model.tally_victim("victims_referred", v)
    delay = streams.geometric(1 / p["decision_weeks"], "referral delay", rkey, rank)
    model.decision_calendar.schedule(week + delay, DECISION, v,
                                     int(victims.times_trafficked[v]), row)
    return removed


def _network_key(model, v: int) -> int:
    """The key of the network holding victim ``v`` (``ReferralLog.NO_NETWORK`` if none),
    alive or not."""
    number = int(model.victims.network[v])
    if number == NO_NETWORK:
        return ReferralLog.NO_NETWORK
    return int(model.network_table.key[number])


def confirmation_chance(p, child: bool) -> float:
    """Chance the decision confirms a referred person as a victim: ``confirmation_probability``
    for an adult; for a child, who need not show force, fraud or coercion (Palermo Protocol
    art. 3(c)), ``confirmation_child_gain`` of the adults' refusals become confirmations."""
    adult = p["confirmation_probability"]
    return adult + p["confirmation_child_gain"] * (1 - adult) if child else adult
