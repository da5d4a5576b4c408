"""Markets for trafficked people (ODD 6.2, 6.4, 6.10): what a victim earns a network, and how
much of a market's demand is unmet (its *pull*). Questions about the state, asked by
recruitment, the network review, entry and exploitation; nothing here changes the model.
"""

from __future__ import annotations

import numpy as np

READS = ("exploited", "jurisdictions", "markets", "params")
CHANGES = ()
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

REVENUE = ("revenue_sexual", "revenue_labour", "revenue_criminal")
"""The parameter of each form (``registry.FORMS`` order)."""


def revenue_per_week(model, jur, form: int) -> float:
    """Weekly revenue of one victim of ``form`` in ``jur``: price level x the form's factor."""
    return jur.price_level * model.params[REVENUE[form]]


def market_pull(model, j: int, form: int) -> float:
    """Unmet share of a market's demand, ``max(0, 1 - exploited / demand)``; 0 without demand."""
    demand = model.jurisdictions[j].demand_of[form]
    return 0.0 if demand <= 0 else max(0.0, 1 - len(model.exploited[j][form].items) / demand)


def market_pulls(model) -> np.ndarray:
    """:func:`market_pull` of every market at once, indexed ``j * N_FORMS + form`` (a market
    without demand gets 0)."""
    demand = model.markets.demand
    stock = np.array([len(p.items) for pools in model.exploited for p in pools], float)
    return np.clip(1 - np.divide(stock, demand, out=np.ones_like(stock), where=demand > 0),
                   0, 1)
