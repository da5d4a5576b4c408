"""NGOs: the victim-support sector of one jurisdiction. What they do (admission, testimony,
reintegration) is in :mod:`simulation.model.processes.support`; finding victims (outreach) is one of
the identification channels (:mod:`simulation.model.processes.identification`).
"""

from __future__ import annotations

from collections import deque

import mesa


class NGO(mesa.Agent):
    """Shelters and reintegration programmes of one jurisdiction.

    Attributes:
        waiting: identified victims waiting for a place, with the week they asked.
        in_shelter: places occupied.
    """

    def __init__(self, model, jurisdiction) -> None:
        super().__init__(model)
        self.jurisdiction = jurisdiction
        self.waiting: deque = deque()
        self.in_shelter = 0

    @property
    def j(self) -> int:
        return self.jurisdiction.index

    def refer(self, v: int) -> None:
        """An identified victim (a row of ``model.victims``) asks for a shelter place."""
        self.waiting.append((v, self.model.week))
