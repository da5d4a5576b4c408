"""Traffickers: members of a network, with a role, a home jurisdiction and a record."""

from __future__ import annotations

from typing import Any

import mesa

ACTIVE = "active"
ARRESTED = "arrested"  # in custody, awaiting the charging decision
ON_TRIAL = "on_trial"  # charged, in custody until the verdict
IMPRISONED = "imprisoned"
RELEASED = "released"  # at liberty, not working for a network: the criminal labour pool
DESISTED = "desisted"  # left crime; gone from the model (no longer one of its agents)

STATUSES = (ACTIVE, ARRESTED, ON_TRIAL, IMPRISONED, RELEASED, DESISTED)

LEADER, RECRUITER, TRANSPORTER, EXPLOITER = "leader", "recruiter", "transporter", "exploiter"
ROLES = (LEADER, RECRUITER, TRANSPORTER, EXPLOITER)
ROLE_INDEX = {role: i for i, role in enumerate(ROLES)}


class Trafficker(mesa.Agent):
    """A member of a trafficking network.

    ``record`` lists ``(week, event)`` for arrests, charges, verdicts and releases. A
    trafficker who desists leaves the game: they stop being one of the model's agents (so a
    run does not carry everyone who ever trafficked: most traffickers desist), counted in
    ``model.trafficker_counts``; their arrests stay in ``model.arrest_log``.
    """

    # What the case against them rests on, set at arrest and read at trial (shared defaults
    # until then).
    evidence = 0.0
    testimony = False
    case_jurisdiction: int | None = None
    cross_border = False
    lesser = False  # charged with a lesser offence (ODD 6.9)
    arrest_key = 0  # random-stream key of the last arrest: the member's key and its rank
    arrests = 0  # arrests so far: the rank that keys the next one
    # members of other networks they know: a broker's ties (ODD 6.10). Few traffickers are
    # brokers, so everyone shares this empty default until processes.ties gives them a set
    links: frozenset | set = frozenset()
    # members of their network they know (ODD 6.10): an empty default shared by everyone who
    # knows nobody (a lone offender, someone in the labour pool) until processes.ties.tie
    # gives them a set of their own
    ties: frozenset | set = frozenset()

    def __init__(self, model, role: str, home: int, key: int) -> None:
        super().__init__(model)
        self.key = key  # random-stream key: the network and rank of their first hiring
        self.role = role
        self.home = home
        self.network: Any = None  # the TraffickingNetwork they work for, if any
        self.status = ACTIVE
        model.trafficker_status_changed(self, None, ACTIVE)
        self.record: list[tuple[int, str]] = []

    def set_status(self, status: str, event: str | None = None) -> None:
        self.model.trafficker_status_changed(self, self.status, status)
        self.status = status
        self.record.append(self.model.stamp(event or status))
        if status == DESISTED:
            self.remove()  # gone from the model: whoever still holds them may read them
