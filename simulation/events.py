"""Scheduled events that know what to do when they are due: the end of a shelter stay or a
programme, a case's decision, a replacement, a trial, an extradition, a prison release. Each is
a small slotted class whose ``fire`` calls the process concerned; they are held by the
:class:`~simulation.calendars.Calendar` of their step. Events about victims' journeys and
re-trafficking are columns of a :class:`~simulation.calendars.VictimCalendar` instead.
"""

from __future__ import annotations

from simulation.processes import investigation, justice, network_response, support


# -- support (ODD 6.6) --------------------------------------------------------------------------

class ShelterExit:
    __slots__ = ("ngo", "victim")

    def __init__(self, ngo, victim: int) -> None:
        self.ngo, self.victim = ngo, victim

    def fire(self, model) -> None:
        support.shelter_exit(model, self.ngo, self.victim)


class ProgrammeEnd(ShelterExit):
    __slots__ = ()

    def fire(self, model) -> None:
        support.programme_end(model, self.ngo, self.victim)


# -- investigation and justice (ODD 6.7-6.10) ----------------------------------------------------

class CaseDecision:
    """A case's investigation ends and the case is decided."""

    __slots__ = ("case",)

    def __init__(self, case) -> None:
        self.case = case

    def fire(self, model) -> None:
        investigation.decide(model, self.case)


class Replacement:
    """A network fills a role it lost."""

    __slots__ = ("network", "role")

    def __init__(self, network, role: str) -> None:
        self.network, self.role = network, role

    def fire(self, model) -> None:
        network_response.replace(model, self.network, self.role)


class Trial:
    """A charged trafficker's verdict (``waited``: weeks already postponed for lack of a
    prosecutor)."""

    __slots__ = ("agency", "member", "network", "waited")

    def __init__(self, agency, member, network, waited: int = 0) -> None:
        self.agency, self.member, self.network, self.waited = agency, member, network, waited

    def fire(self, model) -> None:
        justice.trial(model, self.agency, self.member, self.network, self.waited)


class Extradition:
    """A suspect located abroad is arrested and surrendered to the requesting agency."""

    __slots__ = ("agency", "member", "evidence", "case")

    def __init__(self, agency, member, evidence: float, case) -> None:
        self.agency, self.member, self.evidence, self.case = agency, member, evidence, case

    def fire(self, model) -> None:
        justice.arrest(model, self.agency, self.member, self.evidence, self.case,
                       cross_border=True)


class PrisonRelease:
    __slots__ = ("member",)

    def __init__(self, member) -> None:
        self.member = member

    def fire(self, model) -> None:
        justice.release(model, self.member, "released from prison")
