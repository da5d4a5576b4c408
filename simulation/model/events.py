"""Scheduled events that are not about victims' journeys: the end of a shelter stay or a
programme, a case's decision, a replacement, a trial, an extradition, a prison release.

Each is a typed record of what is due, held by the :class:`~simulation.model.calendars.Calendar` of
its step; the process that owns the step carries it out (:func:`support.support`,
:func:`investigation.investigate`, :func:`justice.administer_justice`), so this module imports
no process and no process calls another through an event. Events about victims' journeys and
re-trafficking are columns of a :class:`~simulation.model.calendars.VictimCalendar` instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


# -- support (ODD 6.6), carried out by support.support -----------------------------------------

@dataclass(slots=True)
class ShelterExit:
    """A victim's shelter stay ends."""

    ngo: Any
    victim: int


@dataclass(slots=True)
class ProgrammeEnd:
    """A victim's reintegration programme ends."""

    ngo: Any
    victim: int


# -- investigation (ODD 6.7), carried out by investigation.investigate -------------------------

@dataclass(slots=True)
class CaseDecision:
    """A case's investigation ends and the case is decided."""

    case: Any


# -- justice and replacement (ODD 6.8-6.10), carried out by justice.administer_justice ---------

@dataclass(slots=True)
class Replacement:
    """A network fills a role it lost."""

    network: Any
    role: str


@dataclass(slots=True)
class Trial:
    """A charged trafficker's verdict (``waited``: weeks already postponed for lack of a
    prosecutor)."""

    agency: Any
    member: Any
    network: Any
    waited: int = 0


@dataclass(slots=True)
class Extradition:
    """A suspect located abroad is arrested and surrendered to the requesting agency."""

    agency: Any
    member: Any
    evidence: float
    case: Any


@dataclass(slots=True)
class PrisonRelease:
    """A prisoner's sentence ends."""

    member: Any
