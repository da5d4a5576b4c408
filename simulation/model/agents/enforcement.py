"""Enforcement agencies: the police and prosecution of one jurisdiction, and their cases. What
they do (investigate, arrest, prosecute) is in :mod:`simulation.model.processes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mesa


@dataclass
class Case:
    """An investigation by one agency into one network."""

    agency: "EnforcementAgency"
    network: Any  # the TraffickingNetwork investigated
    opened: int
    proactive: bool
    testimonies: int = 0
    ngo_reports: int = 0
    police_findings: int = 0
    cross_border: bool = False
    key: int = 0  # random-stream key: the network, agency and week it was opened


class EnforcementAgency(mesa.Agent):
    """The police and prosecution of one jurisdiction.

    Officers, prosecutors, training and techniques are the jurisdiction's levers; the agency
    holds the open cases (one per target network), the leads waiting for an investigator and
    its prosecutors' trial capacity.
    """

    def __init__(self, model, jurisdiction) -> None:
        super().__init__(model)
        self.jurisdiction = jurisdiction
        self.open_cases: dict[int, Case] = {}
        # leads waiting for an investigator, oldest first: network id -> (week, network,
        # proactive, testimonies, NGO reports, police findings)
        self.waiting_cases: dict[int, tuple] = {}
        self.trial_budget = 0.0  # trials its prosecutors can still hold this month
        self.trials_waiting = 0

    @property
    def j(self) -> int:
        return self.jurisdiction.index
