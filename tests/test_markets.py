"""Markets that respond (issue 24, item 5; docs/ODD.md 6.4): demand answers buyers' risk and
price, prices answer scarcity, deterred demand moves to other places, and each buyer-side lever
lowers the exploitation it aims at."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pytest

import simulation
from simulation.model.parameters import PARAMETERS
from simulation.model.processes import markets
from simulation.model.registry import FORMS, LEVERS, Form

from conftest import small

SEXUAL, LABOUR = int(Form.SEXUAL), int(Form.LABOUR)
DEFAULTS = {name: p.default for name, p in PARAMETERS.items()}


def test_buyer_levers_are_registry_levers_that_default_to_zero():
    for lever, (form, effect) in markets.BUYER_LEVERS.items():
        spec = LEVERS[lever]
        assert spec.default == 0 and (spec.low, spec.high) == (0, 1) and spec.unit_cost > 0
        assert spec.scope == "jurisdiction" and spec.label and spec.unit
        assert PARAMETERS[effect].group == "lever_effects" and PARAMETERS[effect].low == 0.0


def test_demand_function():
    """deterred = prod (1 - effect) ** lever; price = (fill / reference) ** -flexibility within
    [1/cap, cap]; demand = shifted x price ** -elasticity."""
    p = DEFAULTS | {"sex_purchase_ban_effect": 0.25, "import_ban_effect": 0.2,
                    "due_diligence_effect": 0.1, "procurement_effect": 0.05,
                    "price_flexibility": 1.5, "price_index_cap": 3.0,
                    "price_elasticity_sexual": 0.5, "price_elasticity_labour": 0.4,
                    "price_elasticity_criminal": 0.0}
    levers = {"sex_purchase_ban": 0.5, "forced_labour_import_ban": 1.0,
              "supply_chain_due_diligence": 1.0, "procurement_rules": 0.0}
    deterred = markets.demand_deterred(p, levers)
    assert deterred[SEXUAL] == pytest.approx(0.75 ** 0.5)
    assert deterred[LABOUR] == pytest.approx(0.8 * 0.9)
    assert deterred[Form.CRIMINAL] == 1.0

    fill = np.array([[0.25, 0.5, 0.0, 5.0]])
    reference = np.array([[0.5, 0.5, 0.5, 0.5]])
    index = markets.price_index(p, fill, reference)
    assert index[0, 0] == pytest.approx(2 ** 1.5)  # half the fill: price x 2^1.5
    assert index[0, 1] == 1.0  # at the reference fill, the scenario's price
    assert index[0, 2] == 3.0 and index[0, 3] == pytest.approx(1 / 3)  # the ceiling and floor
    # no reference fill (an empty market when it was set): the scenario's price
    assert markets.price_index(p, fill, np.zeros_like(reference)).tolist() == [[1, 1, 1, 1]]

    # sticky prices: a quarter of the (log) gap to the target closes in a month
    adjusted = markets.adjusted_price(p | {"price_adjustment": 0.25}, np.array([1.0, 2.0]),
                                      np.array([16.0, 2.0]))
    assert adjusted.tolist() == pytest.approx([2.0, 2.0])

    shifted = np.array([[100.0, 200.0, 50.0]])
    demand = markets.quantity_demanded(p, shifted, np.array([[2.0, 2.0, 2.0]]))
    assert demand[0].tolist() == pytest.approx([100 * 2 ** -0.5, 200 * 2 ** -0.4, 50.0])


def test_displaced_demand_goes_to_the_other_jurisdictions_by_their_demand():
    p = DEFAULTS | {"demand_displacement_places": 0.4, "demand_displacement_forms": 0.1}
    base = np.array([[100.0, 300.0, 0.0], [50.0, 100.0, 10.0], [150.0, 0.0, 20.0]])
    deterred = np.ones_like(base)
    deterred[0, SEXUAL] = 0.5  # 50 of jurisdiction 0's sexual demand deterred
    deterred[2, SEXUAL] = 0.8  # and the demand arriving in 2 meets 2's own deterrence
    arriving = markets.displaced(p, base, deterred)
    # places: 0 loses 50 and sends 0.4 x 50 = 20, split 50:150 over jurisdictions 1 and 2;
    # 2 loses 30 and sends 0.4 x 30 = 12, split 100:50 over 0 and 1 (never to itself)
    assert arriving[1, SEXUAL] == pytest.approx(20 * 50 / 200 + 12 * 50 / 150)
    # where it arrives it meets the levers there: x 0.8 in 2, x 0.5 in 0
    assert arriving[2, SEXUAL] == pytest.approx(20 * 150 / 200 * 0.8)
    assert arriving[0, SEXUAL] == pytest.approx(12 * 100 / 150 * 0.5)
    # forms: 0.1 of what is lost goes to the same jurisdiction's other forms by their demand
    assert arriving[0, LABOUR] == pytest.approx(0.1 * 50)  # 0 has no criminal demand
    assert arriving[0, Form.CRIMINAL] == 0.0
    assert arriving[2, Form.CRIMINAL] == pytest.approx(0.1 * 30)  # 2 has no labour demand
    # nothing displaced without a buyer-side lever
    assert not markets.displaced(p, base, np.ones_like(base)).any()


def test_a_ban_in_one_destination_raises_demand_in_the_others():
    scenario = small({"jurisdictions.destination_a.sex_purchase_ban": 1.0},
                     demand_displacement_places=0.5, demand_displacement_forms=0.0)
    model = simulation.TraffickingModel(scenario, rng=1)
    model.step()  # the first (monthly) week
    index = model.index_of
    a = model.jurisdictions[index["destination_a"]]
    share = 1 - PARAMETERS["sex_purchase_ban_effect"].default
    assert a.demand[SEXUAL] == pytest.approx(a.base_demand[SEXUAL] * share)
    others = [j for j in model.jurisdictions if j is not a]
    gained = sum(j.demand[SEXUAL] - j.base_demand[SEXUAL] for j in others)
    assert gained == pytest.approx(0.5 * a.base_demand[SEXUAL] * (1 - share))
    b = model.jurisdictions[index["destination_b"]]
    assert b.demand[SEXUAL] > b.base_demand[SEXUAL]
    assert all(j.demand[LABOUR] == j.base_demand[LABOUR] for j in model.jurisdictions)
    flat = np.array([j.demand for j in model.jurisdictions]).ravel()
    assert model.markets.demand.tolist() == flat.tolist()  # the pulls see the same demand


def test_price_rises_and_demand_falls_when_supply_is_cut():
    scenario = small({"run.burn_in_weeks": 52}, price_flexibility=1.0)
    model = simulation.TraffickingModel(scenario, rng=3)
    while model.week < 0:
        model.step()
    model.step()  # week 0: the reference fill is set and the price starts to move
    j = model.index_of["destination_a"]
    jur = model.jurisdictions[j]
    pool = model.exploited[j][SEXUAL]
    assert len(pool) > 10
    markets.update_demand(model)
    price_before, demand_before = jur.price_index[SEXUAL], jur.demand[SEXUAL]
    for v in pool.items[: len(pool) // 2].tolist():  # enforcement takes half the victims
        pool.remove(v)
    markets.update_demand(model)
    assert jur.price_index[SEXUAL] > price_before
    assert jur.demand[SEXUAL] < demand_before
    # along the elasticity: demand x price ** elasticity is the unshifted demand in both
    e = PARAMETERS["price_elasticity_sexual"].default
    assert jur.demand[SEXUAL] * jur.price_index[SEXUAL] ** e == pytest.approx(
        demand_before * price_before ** e)
    assert markets.revenue_per_week(model, jur, SEXUAL) == pytest.approx(
        jur.price_level * jur.price_index[SEXUAL] * model.params["revenue_sexual"])


def test_the_price_is_the_scenarios_through_the_burn_in():
    model = simulation.TraffickingModel(small(price_flexibility=2.0), rng=2)
    while model.week < -1:
        model.step()
        assert all((j.price_index == 1).all() for j in model.jurisdictions)
    assert all(not np.isnan(j.fill_sum).any() and j.fill_months == 13
               for j in model.jurisdictions)


@functools.cache
def _baseline_weeks(seed: int) -> dict[str, float]:
    """Victim-weeks by form in the small baseline (no buyer-side lever, so no lever effect
    matters: one set of runs serves every lever's comparison)."""
    by_form = simulation.run(small(), seed=seed).by_form
    return {form: by_form[form]["victim_weeks_exploited"] for form in FORMS}


def _form_weeks(lever: str, form: int, seeds=(1, 2, 3), **params) -> tuple[list, list]:
    """Victim-weeks of ``form`` in the policy period, baseline and with ``lever`` at 1
    everywhere, over paired seeds."""
    policy = small(**params, **{lever: 1.0})
    base = [_baseline_weeks(s)[FORMS[form]] for s in seeds]
    return base, [simulation.run(policy, seed=s).by_form[FORMS[form]]["victim_weeks_exploited"]
                  for s in seeds]


@pytest.mark.parametrize("lever", list(markets.BUYER_LEVERS))
def test_each_buyer_lever_lowers_the_exploitation_it_aims_at(lever):
    form, effect = markets.BUYER_LEVERS[lever]
    # the effect at the top of its range, so that three paired seeds show the direction
    base, policy = _form_weeks(lever, form, **{effect: PARAMETERS[effect].high})
    assert all(p < b for b, p in zip(base, policy)), (base, policy)
    assert np.mean(policy) < np.mean(base) * (1 - PARAMETERS[effect].high / 3)


def test_criminalising_purchase_leaves_labour_demand_alone():
    model = simulation.TraffickingModel(small(sex_purchase_ban=1.0, demand_displacement_forms=0.0),
                                        rng=1)
    model.step()
    for jur in model.jurisdictions:
        assert jur.demand[LABOUR] == jur.base_demand[LABOUR]
        assert jur.demand[SEXUAL] < jur.base_demand[SEXUAL]
        assert math.isclose(jur.demand_deterred[SEXUAL],
                            1 - PARAMETERS["sex_purchase_ban_effect"].default)


@pytest.mark.parametrize("text, message", [
    ("[jurisdictions.destination_a]\nsex_purchase_ban = 1.5\n",
     "jurisdictions.destination_a.sex_purchase_ban: got 1.5; allowed: a number from 0 to 1"),
    ('[[policy]]\nlever = "procurement_rules"\nwhere = "*"\nvalue = "yes"\nstart_week = 0\n',
     'policy[0].value: got "yes"; allowed: a number from 0 to 1'),
    ("[levers]\nforced_labour_import_ban = -0.2\n",
     "levers.forced_labour_import_ban: got -0.2; allowed: a number from 0 to 1"),
    ("[parameters]\nprice_flexibility = -1\n",
     "parameters.price_flexibility: got -1; allowed: a number from 0 to 10"),
    ("[parameters]\ndemand_displacement_places = 2\n",
     "parameters.demand_displacement_places: got 2; allowed: a number from 0 to 1"),
    ("[jurisdictions.destination_b]\nsupply_chain_due_dilligence = 1\n",
     "jurisdictions.destination_b.supply_chain_due_dilligence: unknown key (did you mean "
     "'supply_chain_due_diligence'?)"),
])
def test_bad_buyer_lever_input_gets_one_clear_error(tmp_path, text, message):
    from conftest import ROOT
    from simulation.model.scenario import ScenarioError, load_scenario

    (tmp_path / "baseline.toml").write_text((ROOT / "scenarios" / "baseline.toml").read_text())
    path = tmp_path / "bad.toml"
    path.write_text('extends = "baseline.toml"\n' + text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    lines = str(err.value).splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: {message}"), lines


BUYER_SIDE = sorted((Path(__file__).resolve().parents[1] / "scenarios" / "buyer_side")
                    .glob("*.toml"))


def test_one_policy_file_per_buyer_lever_and_a_comparison_of_them():
    from simulation.studies.experiment import Experiment

    assert {p.stem for p in BUYER_SIDE} == set(markets.BUYER_LEVERS)
    exp = Experiment.load(BUYER_SIDE[0].parents[1] / "experiments" / "buyer_side.toml")
    assert {s.name for s in exp.scenario_objects} == {"baseline"} | set(markets.BUYER_LEVERS)
    assert exp.uncertainty is not None and exp.replications >= 2


@pytest.mark.parametrize("path", BUYER_SIDE, ids=lambda p: p.stem)
def test_buyer_side_policy_file_moves_its_lever_from_week_zero(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# ") and "# Sources:" in text and "# Numbers:" in text
    scenario = simulation.load_scenario(path)
    assert scenario.name == path.stem and scenario.description
    assert {p.lever for p in scenario.policies} == {path.stem}
    assert min(p.start_week for p in scenario.policies) == 0
    model = simulation.TraffickingModel(simulation.with_overrides(path, {
        "run.scale": 0.1, "run.burn_in_weeks": 8, "run.weeks": 60}), rng=1)
    while model.week < 59:
        model.step()
    form, _ = markets.BUYER_LEVERS[path.stem]
    changed = [j for j in model.jurisdictions if j.levers[path.stem] > 0]
    assert changed and all(j.demand_deterred[form] < 1 for j in changed)
