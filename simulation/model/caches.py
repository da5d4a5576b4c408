"""Speed devices, kept apart from the rules they speed up.

Each cache here answers a question the processes could answer from the agents directly, and
says where it is invalidated. None changes a result: the same question asked of the agents gives
the same answer (tests/test_processes.py checks the network index against the agents).
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from simulation.model.streams import cumulative
from simulation.model.registry import Form

N_FORMS = len(Form)
_RECRUIT_BASE = attrgetter("recruit_base")


class NetworkIndex:
    """The live networks as arrays, and who recruits where.

    Invalidated by :meth:`changed`, which the processes call whenever a network is founded,
    split, relocated or ended (``region.found_network``, ``network_response.end_network``,
    ``network_response.split_network``, ``network_response.relocate``).
    """

    def __init__(self, model) -> None:
        self.model = model
        self._stale = True
        self._recruiting: tuple | None = None

    def changed(self) -> None:
        self._stale = True

    def live(self) -> list:
        """The live networks, in the order they were founded (``model.networks``)."""
        if self._stale:
            n_jur = len(self.model.jurisdictions)
            self._live = self.model.networks
            self.market = np.array([n.destination * N_FORMS + n.form for n in self._live],
                                   dtype=int)
            self.origins = np.array([n.origin for n in self._live], dtype=int)
            self.keys = np.array([n.key for n in self._live], dtype=np.uint64)
            self.active_by_destination = np.bincount([n.destination for n in self._live],
                                                     minlength=n_jur)
            self._stale = False
        return self._live

    def with_rates(self) -> tuple[list, np.ndarray, np.ndarray]:
        """Live networks, their current recruitment rates and their market indices
        (``destination * N_FORMS + form``)."""
        live = self.live()
        base = np.fromiter(map(_RECRUIT_BASE, live), float, len(live))
        return live, base, self.market

    def new_week_of_recruiting(self) -> None:
        """Forget who recruits where (rates change between weeks, not while people are
        re-trafficked: ``recovery.recover`` calls this first)."""
        self._recruiting = None

    def recruiting_in(self, origin: int) -> tuple[list, np.ndarray, np.ndarray]:
        """Networks recruiting in ``origin``, their stream keys and their recruitment rates
        (read once, when first asked for after :meth:`new_week_of_recruiting`)."""
        if self._recruiting is None:
            live, rates, _ = self.with_rates()
            self._recruiting = (live, rates, {})
        live, rates, by_origin = self._recruiting
        found = by_origin.get(origin)
        if found is None:
            chosen = np.flatnonzero((self.origins == origin) & (rates > 0))
            found = by_origin[origin] = ([live[i] for i in chosen.tolist()],
                                         self.keys[chosen], rates[chosen])
        return found


class MarketIndex:
    """Questions about markets whose answers are fixed for a run (demand and roles never change
    during one), worked out once when first asked. Never invalidated."""

    def __init__(self, model) -> None:
        self.model = model
        self.demand = np.array([j.demand for j in model.jurisdictions]).ravel()
        self._like: dict[tuple[int, str], list[int]] = {}
        self._origin_cdf: dict[int, list[float]] = {}

    def like(self, form: int, role: str) -> list[int]:
        """Jurisdictions of ``role`` with demand for ``form``."""
        key = (form, role)
        found = self._like.get(key)
        if found is None:
            found = [j.index for j in self.model.jurisdictions
                     if j.demand[form] > 0 and j.role == role]
            self._like[key] = found
        return found

    def origin_cdf(self, destination: int, weights) -> list[float]:
        """The cumulative origin-choice probabilities of ``destination`` (``weights`` is
        called to work them out the first time)."""
        cdf = self._origin_cdf.get(destination)
        if cdf is None:
            cdf = self._origin_cdf[destination] = cumulative(weights(destination))
        return cdf
