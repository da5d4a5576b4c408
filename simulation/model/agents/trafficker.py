"""Traffickers: members of a network, with a role, a home jurisdiction and a record."""

from __future__ import annotations

from typing import Any

ACTIVE = "active"
ARRESTED = "arrested"  # in custody, awaiting the charging decision
ON_TRIAL = "on_trial"  # charged, in custody until the verdict
IMPRISONED = "imprisoned"
RELEASED = "released"  # at liberty, not working for a network: the criminal labour pool
DESISTED = "desisted"  # left crime; gone from the model (no longer in model.traffickers)

STATUSES = (ACTIVE, ARRESTED, ON_TRIAL, IMPRISONED, RELEASED, DESISTED)

LEADER, RECRUITER, TRANSPORTER, EXPLOITER = "leader", "recruiter", "transporter", "exploiter"
ROLES = (LEADER, RECRUITER, TRANSPORTER, EXPLOITER)
ROLE_INDEX = {role: i for i, role in enumerate(ROLES)}
NO_TIES: frozenset = frozenset()
"""The ties (and links) of a trafficker who has none: one shared empty collection."""
NO_RECORD: tuple = ()
"""The record of a trafficker with nothing on it yet: one shared empty tuple (most of the
living never have an entry)."""


class Trafficker:
    """A member of a trafficking network: a small object, not a Mesa agent.

    Traffickers are numerous (a baseline run at scale 8 holds some 14,000 at its end) and no
    Mesa machinery acts on them, so they are plain objects with fixed fields (``__slots__``)
    held in the model's own registry, ``model.traffickers`` (living traffickers, in the order
    they were hired), instead of three of Mesa's agent sets.

    ``record`` lists ``(week, event)`` for arrests, charges, verdicts and releases. A
    trafficker who desists leaves the game: they leave ``model.traffickers`` (so a run does
    not carry everyone who ever trafficked: most traffickers desist), counted in
    ``model.trafficker_counts``; their arrests stay in ``model.arrest_log``.
    """

    __slots__ = ("model", "key", "role", "home", "network", "status", "record", "evidence",
                 "testimony", "case_jurisdiction", "cross_border", "lesser", "arrest_key",
                 "arrests", "links", "ties")

    def __init__(self, model, role: str, home: int, key: int) -> None:
        self.model = model
        self.key = key  # random-stream key: the network and rank of their first hiring
        self.role = role
        self.home = home
        self.network: Any = None  # the TraffickingNetwork they work for, if any
        self.status = ACTIVE
        self.record: list[tuple[int, str]] | tuple = NO_RECORD  # (a list from the first entry)
        # what the case against them rests on, set at arrest and read at trial
        self.evidence = 0.0
        self.testimony = False
        self.case_jurisdiction: int | None = None
        self.cross_border = False
        self.lesser = False  # charged with a lesser offence (ODD 6.9)
        self.arrest_key = 0  # random-stream key of the last arrest: the member's key and its rank
        self.arrests = 0  # arrests so far: the rank that keys the next one
        # members of other networks they know: a broker's ties (ODD 6.10). Few traffickers
        # are brokers, so everyone shares one empty default until processes.ties gives them
        # a set
        self.links: frozenset | set = NO_TIES
        # members of their network they know (ODD 6.10), in the order the ties were made: the
        # shared empty default for whoever knows nobody (a lone offender, someone in the labour
        # pool) until processes.ties.tie gives them a list of their own (a few members each:
        # a list is a third of a set's size)
        self.ties: frozenset | list = NO_TIES
        model.traffickers[self] = None
        model.trafficker_status_changed(self, None, ACTIVE)

    unique_id = property(lambda self: self.key,
                         doc="Their identity, as Mesa names it: their random-stream key.")

    def note(self, event: str) -> None:
        """``(week, event)`` joins their record."""
        record = self.record
        if not isinstance(record, list):
            record = self.record = []
        record.append(self.model.stamp(event))

    def set_status(self, status: str, event: str | None = None) -> None:
        model = self.model
        old = self.status
        model.trafficker_status_changed(self, old, status)
        self.status = status
        self.note(event or status)
        if status == DESISTED:
            # gone from the model: whoever still holds them may read them
            model.traffickers.pop(self, None)
        elif old == DESISTED:  # (only a test brings someone back)
            model.traffickers[self] = None
