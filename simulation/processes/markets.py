"""Markets for trafficked people (ODD 6.2, 6.4, 6.10): what a victim earns a network, how much
of a market's demand is unmet (its *pull*), and, monthly, how demand answers buyers' risk
(:func:`update_demand`).

Each market (jurisdiction x form) has a base demand (the scenario's, victims it absorbs).
Buyer-side levers deter part of it (``demand_deterred``); part of what they deter moves to other
markets (displacement):

    deterred  = prod over buyer levers of (1 - p[<lever effect>]) ** L[<lever>]
    demand    = base x deterred + displaced in

``jur.demand``, ``jur.demand_of`` and ``model.markets.demand`` hold the current demand (changed
in place).
"""

from __future__ import annotations

import numpy as np

from simulation.registry import Form

READS = ("exploited", "params")
CHANGES = ("jurisdictions", "markets")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

REVENUE = ("revenue_sexual", "revenue_labour", "revenue_criminal")
"""The parameter of each form (``registry.FORMS`` order)."""

BUYER_LEVERS = {
    "sex_purchase_ban": (Form.SEXUAL, "sex_purchase_ban_effect"),
    "supply_chain_due_diligence": (Form.LABOUR, "due_diligence_effect"),
    "forced_labour_import_ban": (Form.LABOUR, "import_ban_effect"),
    "procurement_rules": (Form.LABOUR, "procurement_effect"),
}
"""Buyer-side levers: the form whose demand each deters and the parameter of its effect (the
share of that demand it deters at full strength, at a fixed price)."""


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


# -- demand that answers buyers' risk (monthly) ---------------------------------------

def demand_deterred(p, levers) -> np.ndarray:
    """Share of each form's base demand left by this jurisdiction's buyer-side levers:
    ``prod (1 - p[effect]) ** L[lever]`` over the levers acting on the form (1: none)."""
    out = np.ones(len(Form))
    for lever, (form, effect) in BUYER_LEVERS.items():
        out[form] *= (1.0 - p[effect]) ** levers[lever]
    return out


def displaced(p, base: np.ndarray, deterred: np.ndarray) -> np.ndarray:
    """Demand that buyer-side levers deter in one market and that reappears in others, by
    jurisdiction and form (``base`` and ``deterred`` are jurisdiction x form).

    ``p[demand_displacement_places]`` of what is deterred moves to the same form in the other
    jurisdictions, in proportion to their base demand; ``p[demand_displacement_forms]`` to the
    other forms in the same jurisdiction, likewise. Where it arrives it meets the buyer-side
    levers there (it is multiplied by that market's ``deterred``)."""
    places, forms_share = p["demand_displacement_places"], p["demand_displacement_forms"]
    lost = base * (1.0 - deterred)
    arriving = np.zeros_like(base)
    if not lost.any():
        return arriving
    n_j, n_f = base.shape
    for j in range(n_j):
        for f in range(n_f):
            if lost[j, f] <= 0:
                continue
            others = base[:, f].copy()
            others[j] = 0.0
            if others.sum() > 0:
                arriving[:, f] += places * lost[j, f] * others / others.sum()
            forms = base[j].copy()
            forms[f] = 0.0
            if forms.sum() > 0:
                arriving[j] += forms_share * lost[j, f] * forms / forms.sum()
    return arriving * deterred


def update_demand(model) -> None:
    """Monthly: each market's demand from its buyer-side levers and displacement."""
    p = model.params
    jurisdictions = model.jurisdictions
    base = np.array([jur.base_demand for jur in jurisdictions])
    deterred = np.array([jur.demand_deterred for jur in jurisdictions])
    demand = base * deterred + displaced(p, base, deterred)
    for j in range(len(jurisdictions)):
        jurisdictions[j].demand[:] = demand[j]
        jurisdictions[j].demand_of[:] = demand[j].tolist()
    model.markets.demand[:] = demand.ravel()
