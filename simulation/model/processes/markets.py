"""Markets for trafficked people (ODD 6.2, 6.4, 6.10): what a victim earns a network, how much
of a market's demand is unmet (its *pull*), and, monthly, how demand answers buyers' risk and
price (:func:`update_demand`).

Each market (jurisdiction x form) has a base demand (the scenario's, victims it absorbs at the
scenario's price). Buyer-side levers deter part of it (``demand_deterred``); part of what they
deter moves to other markets (displacement). The price answers scarcity, the market's fill
(victims exploited / demand) against the fill it had settled at by the end of the burn-in, and
the quantity demanded answers the price along the form's price elasticity::

    deterred  = prod over buyer levers of (1 - p[<lever effect>]) ** L[<lever>]
    shifted   = base x deterred + displaced in
    target    = clip((fill / reference fill) ** -p[price_flexibility],
                     1 / p[price_index_cap], p[price_index_cap]),   fill = exploited / shifted
    price     = last month's price ** (1 - p[price_adjustment]) x target ** p[price_adjustment]
    demand    = shifted x price ** -p[price_elasticity_<form>]

The price is 1 (the scenario's price level) through the burn-in, whose last year's mean fill is
each market's reference; from week 0 it moves. ``jur.demand``, ``jur.demand_of`` and
``model.markets.demand`` hold the current demand (changed in place), ``jur.price_index`` the
price relative to the scenario's.
"""

from __future__ import annotations

import numpy as np

from simulation.model import fmath
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.registry import Form

READS = ("exploited", "params", "week")
CHANGES = ("jurisdictions", "markets")
"""What of the model this module's code reads and what it changes (tests/test_architecture.py
checks both against the code)."""

REVENUE = ("revenue_sexual", "revenue_labour", "revenue_criminal")
"""The parameter of each form (``registry.FORMS`` order)."""

ELASTICITY = ("price_elasticity_sexual", "price_elasticity_labour", "price_elasticity_criminal")
"""The price elasticity of demand of each form (``registry.FORMS`` order)."""

BUYER_LEVERS = {
    "sex_purchase_ban": (Form.SEXUAL, "sex_purchase_ban_effect"),
    "supply_chain_due_diligence": (Form.LABOUR, "due_diligence_effect"),
    "forced_labour_import_ban": (Form.LABOUR, "import_ban_effect"),
    "procurement_rules": (Form.LABOUR, "procurement_effect"),
}
"""Buyer-side levers: the form whose demand each deters and the parameter of its effect (the
share of that demand it deters at full strength, at a fixed price)."""


def revenue_per_week(model, jur, form: int) -> float:
    """Weekly revenue of one victim of ``form`` in ``jur``: price level x the market's price
    index x the form's factor."""
    return jur.price_level * jur.price_index[form] * model.params[REVENUE[form]]


def market_pull(model, j: int, form: int) -> float:
    """Unmet share of a market's demand, ``max(0, 1 - exploited / demand)``; 0 without demand."""
    demand = model.jurisdictions[j].demand_of[form]
    return 0.0 if demand <= 0 else max(0.0, 1 - len(model.exploited[j][form]) / demand)


def market_pulls(model) -> np.ndarray:
    """:func:`market_pull` of every market at once, indexed ``j * N_FORMS + form`` (a market
    without demand gets 0)."""
    demand = model.markets.demand
    stock = np.array([len(p) for pools in model.exploited for p in pools], float)
    return np.clip(1 - np.divide(stock, demand, out=np.ones_like(stock), where=demand > 0),
                   0, 1)


# -- demand that answers buyers' risk and price (monthly) ---------------------------------------

def demand_deterred(p, levers) -> np.ndarray:
    """Share of each form's base demand left by this jurisdiction's buyer-side levers:
    ``prod (1 - p[effect]) ** L[lever]`` over the levers acting on the form (1: none)."""
    out = np.ones(len(Form))
    for lever, (form, effect) in BUYER_LEVERS.items():
        out[form] *= fmath.pow(1.0 - p[effect], levers[lever])
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


def price_index(p, fill: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Price relative to the scenario's price level: ``(fill / reference) ** -flexibility``,
    kept within ``[1 / cap, cap]``; 1 where a market has no reference fill (no victims when
    it was set)."""
    cap = p["price_index_cap"]
    ratio = np.divide(fill, reference, out=np.ones_like(fill), where=reference > 0)
    index = fmath.pow_all(ratio, -p["price_flexibility"])  # (0 -> inf: fmath never warns)
    return np.clip(index, 1.0 / cap, cap)


def adjusted_price(p, before: np.ndarray, target: np.ndarray) -> np.ndarray:
    """This month's price index: ``before ** (1 - a) x target ** a`` with
    ``a = p[price_adjustment]``, so prices close that share of the (log) gap to what scarcity
    calls for each month instead of jumping with every month's count of victims."""
    a = p["price_adjustment"]
    return fmath.pow_all(before, 1 - a) * fmath.pow_all(target, a)


def quantity_demanded(p, shifted: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Demand at price ``index``: ``shifted x index ** -elasticity`` (jurisdiction x form)."""
    elasticity = np.array([p[name] for name in ELASTICITY])
    return shifted * fmath.pow_all(index, -elasticity)


def update_demand(model) -> None:
    """Monthly: each market's demand from its buyer-side levers, displacement and price."""
    p = model.params
    jurisdictions = model.jurisdictions
    base = np.array([jur.base_demand for jur in jurisdictions])
    deterred = np.array([jur.demand_deterred for jur in jurisdictions])
    shifted = base * deterred + displaced(p, base, deterred)
    stock = np.array([[len(pool) for pool in pools] for pools in model.exploited], float)
    fill = np.divide(stock, shifted, out=np.zeros_like(stock), where=shifted > 0)
    week = model.week
    for j, jur in enumerate(jurisdictions):
        if week < 0:
            if week >= -WEEKS_PER_YEAR:  # the burn-in's last year sets the reference fill
                jurisdictions[j].fill_sum += fill[j]
                jurisdictions[j].fill_months += 1
        elif np.isnan(jur.reference_fill).any():  # the first month of the policy period
            jurisdictions[j].reference_fill[:] = (jur.fill_sum / jur.fill_months
                                                  if jur.fill_months else fill[j])
    if week < 0:
        index = np.ones_like(fill)
    else:
        reference = np.array([jur.reference_fill for jur in jurisdictions])
        before = np.array([jur.price_index for jur in jurisdictions])
        index = adjusted_price(p, before, price_index(p, fill, reference))
    demand = quantity_demanded(p, shifted, index)
    for j in range(len(jurisdictions)):
        jurisdictions[j].price_index[:] = index[j]
        jurisdictions[j].demand[:] = demand[j]
        jurisdictions[j].demand_of[:] = demand[j].tolist()
    model.markets.demand[:] = demand.ravel()
