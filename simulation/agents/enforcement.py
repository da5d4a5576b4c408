"""Enforcement agencies: the police and prosecution of one jurisdiction, and their cases. What
they do (investigate, arrest, prosecute) is in :mod:`simulation.processes`.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa


@dataclass
class Case:
    """An investigation by one agency into one network."""

    agency: "EnforcementAgency"
    network: object
    opened: int
    proactive: bool
    testimonies: int = 0
    ngo_reports: int = 0
    police_findings: int = 0
    cross_border: bool = False


class EnforcementAgency(mesa.Agent):
    """The police and prosecution of one jurisdiction.

    Officers, training and techniques are the jurisdiction's levers; the agency holds the open
    cases, one per target network.
    """

    def __init__(self, model, jurisdiction) -> None:
        super().__init__(model)
        self.jurisdiction = jurisdiction
        self.open_cases: dict[int, Case] = {}

    @property
    def j(self) -> int:
        return self.jurisdiction.index
