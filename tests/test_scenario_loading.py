"""Loading scenarios: the shipped library, inheritance, defaults, overrides and round trips."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest
from shipped import shipped
from test_scenario_errors import REGION

from simulation.model.registry import FORMS, JURISDICTION_LEVERS, LEVERS, PAIR_LEVERS
from simulation.model.scenario import (Policy, Scenario, ScenarioError, dump_toml, load_scenario,
                                       pair_key, read_document, to_document, with_overrides,
                                       with_policy)

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SHIPPED = shipped()
POLICY_FILES = [p for p in SHIPPED if p.name != "baseline.toml"]
LIBRARY = ["training", "cooperation", "penalties", "victim_centred", "ngo_partnership",
           "shelters_reintegration", "prevention", "financial_investigation",
           "crackdown_destination_a", "combined", "residence_permits", "compensation",
           "harmonisation", "online_monitoring", "key_players"]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(SCENARIOS / "baseline.toml", tmp_path / "baseline.toml")
    return tmp_path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def jurisdiction(scenario: Scenario, name: str):
    return next(j for j in scenario.jurisdictions if j.name == name)


# --- the shipped library -------------------------------------------------------------------------

def test_library_has_one_file_per_policy_idea():
    assert {p.stem for p in POLICY_FILES} == set(LIBRARY)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_scenario_loads(path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description
    assert len(scenario.jurisdictions) == 5


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_policy_file_extends_baseline_from_week_zero_and_explains_itself(path):
    text = path.read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    assert doc["extends"] == "baseline.toml"
    assert doc["policy"] and all(p["start_week"] == 0 for p in doc["policy"])
    # only policies (and the name) differ from the baseline: the region is the baseline's
    assert set(doc) == {"extends", "name", "description", "policy"}
    comment = [line for line in text.splitlines() if line.startswith("#")]
    assert len(comment) >= 8, "a comment block explains the idea and its numbers"
    assert "Idea:" in text and "Numbers" in text
    assert "assumption" in text.lower() or "Sources:" in text


@pytest.mark.parametrize("path", POLICY_FILES, ids=lambda p: p.name)
def test_policy_file_changes_levers_from_the_baseline(path):
    baseline, scenario = load_scenario(SCENARIOS / "baseline.toml"), load_scenario(path)
    assert scenario.jurisdictions == baseline.jurisdictions
    assert scenario.cooperation == baseline.cooperation
    for policy in scenario.policies:
        if policy.where == "*":
            continue
        if LEVERS[policy.lever].scope == "pair":
            before = baseline.cooperation[policy.where][policy.lever]
        else:
            before = jurisdiction(baseline, policy.where).levers[policy.lever]
        assert policy.value != before, f"{policy} changes nothing"


def test_crackdown_touches_destination_a_only():
    scenario = load_scenario(SCENARIOS / "crackdown_destination_a.toml")
    assert {p.where for p in scenario.policies} == {"destination_a"}
    assert {p.lever for p in scenario.policies} == {
        "officers", "training", "undercover", "digital_forensics"}
    officers = next(p.value for p in scenario.policies if p.lever == "officers")
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    assert officers == 2 * jurisdiction(baseline, "destination_a").levers["officers"]


def test_combined_is_the_union_of_the_regional_policies():
    combined = load_scenario(SCENARIOS / "combined.toml").policies
    # key-player policing is the other choice of the targeting lever, which the package makes
    # by following the money
    parts = [p for name in LIBRARY
             if name not in ("combined", "crackdown_destination_a", "key_players")
             for p in load_scenario(SCENARIOS / f"{name}.toml").policies]
    assert combined == tuple(parts)


def test_training_ramps_destinations_to_eight_in_ten():
    policies = load_scenario(SCENARIOS / "training.toml").policies
    dest = [p for p in policies if p.where.startswith("destination")]
    assert [(p.value, p.ramp_weeks) for p in dest] == [(0.8, 52), (0.8, 52)]


@pytest.mark.parametrize("name, lever", [("shelters_reintegration", "shelter_places"),
                                         ("ngo_partnership", "ngo_outreach")])
def test_capacity_doubles_in_every_jurisdiction(name, lever):
    """The file's comment says "double": keep it so when the baseline is recalibrated."""
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    doubled = {p.where: p.value for p in load_scenario(SCENARIOS / f"{name}.toml").policies
               if p.lever == lever}
    assert doubled == {j.name: 2 * j.levers[lever] for j in baseline.jurisdictions}


# --- defaults and resolution ----------------------------------------------------------------------

def test_lever_comes_from_jurisdiction_then_region_then_registry():
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    assert jurisdiction(baseline, "origin_a").levers["training"] == 0.1  # jurisdiction table
    assert jurisdiction(baseline, "origin_a").levers["awareness"] == 0.2  # [levers]
    assert jurisdiction(baseline, "origin_a").levers["labour_inspections"] == 15
    assert all(set(j.levers) == set(JURISDICTION_LEVERS) for j in baseline.jurisdictions)


def test_every_pair_gets_every_pair_lever_and_overrides_apply():
    baseline = load_scenario(SCENARIOS / "baseline.toml")
    assert len(baseline.cooperation) == 10
    assert all(set(v) == set(PAIR_LEVERS) for v in baseline.cooperation.values())
    assert baseline.cooperation[pair_key("destination_b", "destination_a")]["extradition"] == 0.6
    assert baseline.cooperation[pair_key("origin_a", "destination_a")]["extradition"] == 0.2


def test_registry_defaults_fill_what_the_file_leaves_out(folder):
    scenario = load_scenario(write(folder, "bare.toml", REGION))
    assert scenario.name == "bare"
    assert (scenario.weeks, scenario.burn_in_weeks, scenario.scale, scenario.seed) == (
        520, 104, 1.0, 0)
    assert scenario.jurisdictions[0].levers["officers"] == LEVERS["officers"].default
    assert scenario.jurisdictions[0].demand == {f: 0.0 for f in FORMS}
    assert scenario.costs["officers"] == LEVERS["officers"].unit_cost
    assert scenario.policies == ()


def test_pair_policy_named_in_either_order_is_the_same(folder):
    text = ('extends = "baseline.toml"\n[[policy]]\nlever = "extradition"\nwhere = "{}"\n'
            'value = 0.9\n')
    a = load_scenario(write(folder, "a.toml", text.format("destination_a:origin_a")))
    b = load_scenario(write(folder, "b.toml", text.format("origin_a:destination_a")))
    assert a.policies == b.policies and a.policies[0].where == "destination_a:origin_a"


def test_criminalisation_is_a_set_of_forms(folder):
    path = write(folder, "c.toml", 'extends = "baseline.toml"\n[levers]\n'
                                   'criminalisation = ["labour", "sexual"]\n')
    assert jurisdiction(load_scenario(path), "destination_a").levers["criminalisation"] == [
        "sexual", "labour"]


def test_numbers_keep_their_kind(folder):
    path = write(folder, "k.toml", 'extends = "baseline.toml"\n[levers]\ntraining = 1\n'
                                   '[run]\nscale = 2\n')
    scenario = load_scenario(path)
    assert isinstance(scenario.scale, float)
    assert isinstance(jurisdiction(scenario, "transit").levers["training"], float)
    assert isinstance(jurisdiction(scenario, "transit").levers["officers"], int)


def test_dict_is_loaded_like_a_file():
    doc = read_document(SCENARIOS / "baseline.toml")
    assert load_scenario(doc).hash == load_scenario(SCENARIOS / "baseline.toml").hash


# --- inheritance ----------------------------------------------------------------------------------

def test_extends_chain_deep_merges(folder):
    write(folder, "middle.toml", """extends = "baseline.toml"
name = "middle"
[levers]
awareness = 0.5
[jurisdictions.destination_a]
training = 0.9
[[policy]]
lever = "training"
value = 0.5
""")
    leaf = load_scenario(write(folder, "sub/leaf.toml", """extends = "../middle.toml"
[jurisdictions.destination_a]
officers = 200
[[policy]]
lever = "awareness"
value = 0.6
"""))
    dest = jurisdiction(leaf, "destination_a")
    before = jurisdiction(load_scenario(folder / "baseline.toml"), "destination_a")
    assert leaf.name == "middle"  # inherited
    assert dest.levers["training"] == 0.9  # from middle
    assert dest.levers["officers"] == 200  # from leaf
    assert dest.levers["shelter_places"] == before.levers["shelter_places"]  # from baseline
    assert (dest.role, dest.population) == (before.role, before.population)
    assert jurisdiction(leaf, "origin_a").levers["awareness"] == 0.5
    assert [p.lever for p in leaf.policies] == ["awareness"]  # lists replace, not append


def test_add_policy_keeps_the_inherited_policies_down_a_chain(folder):
    write(folder, "middle.toml", """extends = "baseline.toml"
[[policy]]
lever = "training"
value = 0.5
[[add_policy]]
lever = "awareness"
value = 0.6
""")
    write(folder, "leaf.toml", """extends = "middle.toml"
[[add_policy]]
lever = "shelter_places"
where = "destination_a"
value = 300
ramp_weeks = 26
""")
    leaf = load_scenario(folder / "leaf.toml")
    assert [(p.lever, p.value) for p in leaf.policies] == [
        ("training", 0.5), ("awareness", 0.6), ("shelter_places", 300)]
    assert leaf.policies[2].where == "destination_a" and leaf.policies[2].ramp_weeks == 26
    # the same policies written out in one [[policy]] list are the same scenario
    assert load_scenario(write(folder, "flat.toml", dump_toml(leaf))).hash == leaf.hash
    # a [[policy]] list further down replaces everything inherited, added ones included
    replaced = load_scenario(write(folder, "replaced.toml", """extends = "leaf.toml"
[[policy]]
lever = "officers"
value = 100
"""))
    assert [p.lever for p in replaced.policies] == ["officers"]


def test_add_policy_mistakes_name_the_file_that_wrote_them(folder):
    write(folder, "middle.toml", """extends = "baseline.toml"
[[add_policy]]
lever = "training"
value = 2.0
""")
    write(folder, "leaf.toml", """extends = "middle.toml"
[[add_policy]]
lever = "awareness"
value = 0.5
[[add_policy]]
lever = "trainig"
value = 0.5
""")
    with pytest.raises(ScenarioError) as err:
        load_scenario(folder / "leaf.toml")
    lines = str(err.value).splitlines()
    assert any(line.startswith(f"{folder / 'middle.toml'}: policy[0].value: got 2")
               for line in lines), lines
    assert any(line.startswith(f"{folder / 'leaf.toml'}: add_policy[1].lever") and
               "training" in line for line in lines), lines


def test_with_policy_adds_one_policy_from_python(folder):
    base = load_scenario(SCENARIOS / "training.toml")
    more = with_policy(base, "shelter_places", 400, where="destination_a", start_week=52,
                       ramp_weeks=26, name="training_and_shelters")
    assert more.policies[:-1] == base.policies
    assert more.policies[-1] == Policy(lever="shelter_places", where="destination_a",
                                       value=400, start_week=52, end_week=None, ramp_weeks=26)
    assert more.name == "training_and_shelters" and base.name == "training"
    twice = with_policy(more, "awareness", 0.7)
    assert [p.lever for p in twice.policies[-2:]] == ["shelter_places", "awareness"]
    with pytest.raises(ScenarioError, match=r"add_policy\[0\]\.value: got 1\.5; allowed"):
        with_policy(base, "training", 1.5)


def test_absolute_extends(folder):
    path = write(folder, "abs.toml", f'extends = "{(folder / "baseline.toml").as_posix()}"\n')
    assert load_scenario(path).hash == load_scenario(folder / "baseline.toml").hash


def test_hash_ignores_layout_and_inheritance(folder):
    child = write(folder, "same.toml", '# only a comment and the same name\n'
                                       'extends = "baseline.toml"\nname = "baseline"\n')
    assert load_scenario(child).hash == load_scenario(folder / "baseline.toml").hash


# --- writing and overriding -----------------------------------------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_dump_round_trips_to_the_same_hash(path, tmp_path):
    scenario = load_scenario(path)
    copy = tmp_path / "resolved.toml"
    copy.write_text(dump_toml(scenario), encoding="utf-8")
    again = load_scenario(copy)
    assert again.hash == scenario.hash
    assert again.to_dict() == scenario.to_dict()


def test_to_document_of_a_hand_made_scenario_validates():
    scenario = load_scenario(SCENARIOS / "training.toml")
    assert load_scenario(to_document(scenario)).hash == scenario.hash


def test_with_overrides_sets_levers_and_paths():
    base = load_scenario(SCENARIOS / "baseline.toml")
    changed = with_overrides(base, {"jurisdictions.destination_a.training": 0.8,
                                    "run.weeks": 104}, awareness=0.5, extradition=0.4,
                             discount_rate=1.0)
    assert changed.weeks == 104
    assert jurisdiction(changed, "destination_a").levers["training"] == 0.8
    assert all(j.levers["awareness"] == 0.5 for j in changed.jurisdictions)
    assert all(v["extradition"] == 0.4 for v in changed.cooperation.values())
    assert changed.parameters["discount_rate"] == 1.0
    assert changed.source == base.source and changed.hash != base.hash


def test_with_overrides_reaches_into_policies():
    changed = with_overrides(SCENARIOS / "penalties.toml", {"policy.0.value": 8.0})
    assert changed.policies[0].value == 8.0


def test_with_overrides_is_validated_like_a_file():
    base = SCENARIOS / "baseline.toml"
    with pytest.raises(ScenarioError) as err:
        with_overrides(base, {"jurisdictions.destination_a.trainig": 0.8})
    assert "jurisdictions.destination_a.trainig: unknown key (did you mean 'training'?)" in str(
        err.value)
    with pytest.raises(ScenarioError, match=r"baseline.toml: levers.training: got 2; allowed: "
                                            r"a number from 0 to 1"):
        with_overrides(base, training=2)
    with pytest.raises(ScenarioError, match=r"trainng: unknown lever or parameter \(did you mean "
                                            r"'training'\?\)"):
        with_overrides(base, trainng=0.5)
    with pytest.raises(ScenarioError, match=r"run.weeks.x: cannot be set"):
        with_overrides(base, {"run.weeks.x": 1})


def test_numpy_numbers_from_a_design_are_plain_numbers():
    np = pytest.importorskip("numpy")
    changed = with_overrides(SCENARIOS / "baseline.toml",
                             {"jurisdictions.destination_a.officers": np.int64(300),
                              "run.seed": np.int64(7)}, training=np.float64(0.5))
    assert jurisdiction(changed, "destination_a").levers["officers"] == 300
    assert type(changed.seed) is int and changed.seed == 7
    with pytest.raises(ScenarioError, match="levers.training: got true"):
        with_overrides(SCENARIOS / "baseline.toml", training=np.bool_(True))


def test_loading_a_dict_leaves_it_unchanged():
    doc = read_document(SCENARIOS / "training.toml")
    doc["extends"] = str(SCENARIOS / "baseline.toml")
    before = repr(doc)
    load_scenario(doc)
    assert repr(doc) == before
