"""The model-credibility data (simulation.inference.credibility): known answers on planted stores,
rules that can come out either way, what a batch cannot assess, malformed fact files, and one small
real batch of the baseline and the destination_a crackdown."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.inference.credibility import FactsError, credibility, load_facts, shipped_files
from simulation.model.errors import UserError
from simulation.studies.store import Results

ROOT = Path(__file__).resolve().parent.parent
SMALL_EXPERIMENT = f"""
name = "credibility_small"
description = "Credibility tests: the baseline and a crackdown in one destination"
scenarios = ["{ROOT / 'scenarios' / 'baseline.toml'}",
             "{ROOT / 'scenarios' / 'crackdown_destination_a.toml'}"]
replications = 4
seed = 11
[run]
scale = 0.3
burn_in_weeks = 104
weeks = 104
"""


@pytest.fixture(scope="module")
def small_batch(tmp_path_factory) -> Path:
    """Four replications of the baseline and the crackdown, two policy years at 30% scale
    (about a second of runs)."""
    from simulation.studies.executors import run_experiment

    base = tmp_path_factory.mktemp("credibility")
    spec = base / "small.toml"
    spec.write_text(SMALL_EXPERIMENT)
    summary = run_experiment(spec, base / "small", workers=1, progress=False)
    assert summary.completed == 8, summary
    return base / "small"


# -- a planted store -----------------------------------------------------------------------------

JURISDICTIONS = ("destination_a", "destination_b")


def planted(region: list[dict], *, by_form: list[dict] | None = None,
            by_jurisdiction: list[dict] | None = None, scenario: str = "baseline",
            others: Results | None = None, run: dict | None = None,
            crn: bool = True) -> Results:
    """A results store written by hand: one baseline run per dict of region outcomes (its
    forms and jurisdictions from the matching dicts), optionally appended to ``others``."""
    ids = [{"run_id": f"{scenario}-r{i:03d}", "scenario": scenario, "point": 0,
            "replication": i, "seed": i} for i in range(len(region))]
    runs = pd.DataFrame([i | r for i, r in zip(ids, region)])
    forms = pd.DataFrame([i | {"form": f} | v for i, row in zip(ids, by_form or [])
                          for f, v in row.items()])
    juris = pd.DataFrame([i | {"jurisdiction": j} | v
                          for i, row in zip(ids, by_jurisdiction or []) for j, v in row.items()])
    if others is not None:
        runs = pd.concat([others.runs, runs], ignore_index=True)
        forms = pd.concat([others.forms, forms], ignore_index=True)
        juris = pd.concat([others.jurisdictions, juris], ignore_index=True)
    order = {"baseline": 0, "crackdown_destination_a": 1}
    manifest = {"experiment_name": "planted",
                "experiment": {"run": {"weeks": 104, "scale": 0.25} if run is None else run},
                "seeds": {"common_random_numbers": crn},
                "scenarios": [{"name": n} for n in order]}
    out = Results(path=Path("planted"), manifest=manifest, runs=runs, failed=pd.DataFrame(),
                  _order=order)
    out.forms = forms  # instead of reading parts from disk
    out.jurisdictions = juris
    out.groups = pd.DataFrame(columns=["run_id", "scenario", "point", "replication", "seed"])
    return out


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


TARGETS = """
[targets.identified_per_year]
outcome = "victims_identified"
band = [{low}, {high}]
source = "planted"

[targets.labour_convictions_per_victim]
ratio = ["convictions", "victims_identified"]
form = "labour"
band = [0.0, 1.0]
source = "planted"

[targets.prosecutions_per_victim]
ratio = ["prosecutions", "victims_identified"]
mean = 0.5
sd = 0.01
source = "planted, held out"
held_out = true
basis = "emergent"
basis_reason = "planted: prosecutions enter no fitted target"
"""

ONE_CHECK = """
[targets.sexual_share]
share = ["victims_identified", "victims_identified"]
form = "sexual"
share_of_region = true
band = [0.3, 0.5]
source = "planted check"
basis = "emergent"
basis_reason = "planted: identifications by form enter no fitted target"
"""

FACTS = """
[facts.labour_fewer]
statement = "Labour cases convict less often than sexual-exploitation cases."
source = "planted"
basis = "emergent"
basis_reason = "planted"
check = "compare"
left = {outcome = "convictions_per_identified_victim", form = "labour"}
relation = "less"
right = {outcome = "convictions_per_identified_victim", form = "sexual"}

[facts.displacement]
statement = "A crackdown in destination_a moves exploitation to destination_b."
source = "planted"
basis = "emergent"
basis_reason = "planted"
check = "effect"
scenario = "crackdown_destination_a"
quantity = {outcome = "victim_weeks_exploited", jurisdiction = "destination_b"}
direction = "increase"
"""


def files(tmp_path: Path, low: float = 30, high: float = 50, facts: str = FACTS) -> dict:
    return {"targets": write(tmp_path, "targets.toml", TARGETS.format(low=low, high=high)),
            "out_of_sample": write(tmp_path, "checks.toml", ONE_CHECK),
            "facts": write(tmp_path, "facts.toml", facts)}


def baseline_store(labour_cpiv=(0.02, 0.05, 0.03), sexual_cpiv=(0.2, 0.1, 0.3),
                   destination_b=(100.0, 200.0, 300.0)) -> Results:
    """Three baseline runs: 10, 40 and 20 victims identified (40, 160 and 80 a year at scale 1
    over two policy years at scale 0.25), 2, 4, 4 convictions and 4, 10, 10 prosecutions."""
    identified = (10.0, 40.0, 20.0)
    region = [{"victims_identified": v, "convictions": c, "prosecutions": p}
              for v, c, p in zip(identified, (2.0, 4.0, 4.0), (4.0, 10.0, 10.0))]
    forms = [{"labour": {"convictions": 1.0, "victims_identified": 1.0 / lab,
                         "convictions_per_identified_victim": lab},
              "sexual": {"convictions": 1.0, "victims_identified": 0.5 * v,
                         "convictions_per_identified_victim": sex}}
             for lab, sex, v in zip(labour_cpiv, sexual_cpiv, identified)]
    juris = [{"destination_a": {"victim_weeks_exploited": 1000.0},
              "destination_b": {"victim_weeks_exploited": b}} for b in destination_b]
    return planted(region, by_form=forms, by_jurisdiction=juris)


def test_a_target_on_a_planted_store_equals_the_hand_computation(tmp_path):
    page = credibility(baseline_store(), **files(tmp_path))
    row = page["targets"][0]
    assert row["name"] == "identified_per_year"
    # per year at scale 1: 10, 40, 20 identified / 2 years / 0.25 -> 20, 80, 40; sorted 20 40 80
    assert row["median"] == pytest.approx(40.0)
    assert row["p5"] == pytest.approx(20 + 0.1 * (40 - 20))    # numpy's linear interpolation
    assert row["p95"] == pytest.approx(40 + 0.9 * (80 - 40))
    assert (row["runs"], row["missing"]) == (3, 0)
    assert row["observed"] == 40 and row["interval"] == [30, 50] and row["sd"] == 5
    assert row["inside"] is True and row["reason"] is None
    # a form's ratio: labour convictions 1 over 1/0.02, 1/0.05, 1/0.03 identified
    labour = page["targets"][1]
    assert labour["median"] == pytest.approx(0.03) and labour["where"] == "form labour"
    # held out and out of sample, each in its own section
    held = page["held_out"][0]
    assert held["name"] == "prosecutions_per_victim" and held["median"] == pytest.approx(0.4)
    assert held["interval"] == [pytest.approx(0.48), pytest.approx(0.52)]
    assert held["inside"] is False
    share = page["out_of_sample"][0]  # sexual identified 5, 20, 10 of 10, 40, 20: 0.5 each
    assert share["median"] == pytest.approx(0.5) and share["inside"] is True
    assert page["summary"]["targets"] == {"inside": 2, "assessed": 2, "total": 2}
    assert page["summary"]["held_out"] == {"inside": 0, "assessed": 1, "total": 1}
    assert page["summary"]["out_of_sample"] == {"inside": 1, "assessed": 1, "total": 1}


@pytest.mark.parametrize("band, inside", [((30, 50), True), ((41, 50), False),
                                          ((10, 39.9), False), ((40, 40.5), True)])
def test_inside_follows_the_band(tmp_path, band, inside):
    page = credibility(baseline_store(), **files(tmp_path, *band))
    assert page["targets"][0]["median"] == pytest.approx(40.0)
    assert page["targets"][0]["inside"] is inside
    assert page["summary"]["targets"]["inside"] == 1 + inside  # the labour ratio is inside


def test_policy_weeks_and_scale_come_from_the_store(tmp_path):
    store = baseline_store()
    # no [run] in the experiment: the overrides, else the scenario file's own run table
    store.manifest["experiment"] = {"run": {}, "overrides": {"run": {"weeks": 52, "scale": 0.5}}}
    assert credibility(store, **files(tmp_path))["targets"][0]["median"] == pytest.approx(40.0)
    from simulation.model.scenario import load_scenario

    baseline = load_scenario(ROOT / "scenarios" / "baseline.toml")
    store.manifest["experiment"] = {}
    store.manifest["scenarios"] = [{"name": "baseline", "source": str(baseline.source),
                                    "hash": baseline.hash}]
    page = credibility(store, **files(tmp_path))
    expected = 20 / (baseline.weeks / 52) / baseline.scale
    assert page["targets"][0]["median"] == pytest.approx(expected)
    assert page["provenance"]["weeks"] == baseline.weeks
    # the file changed since (another hash): a flow cannot be put per year; a ratio still can
    store.manifest["scenarios"][0]["hash"] = "0123456789abcdef"
    page = credibility(store, **files(tmp_path))
    flow, ratio = page["targets"]
    assert flow["inside"] is None and "policy period" in flow["reason"]
    assert ratio["median"] == pytest.approx(0.03) and ratio["inside"] is True
    assert page["summary"]["targets"] == {"inside": 1, "assessed": 1, "total": 2}


def test_a_ratio_without_a_denominator_counts_as_missing(tmp_path):
    store = baseline_store()
    store.runs.loc[0, "victims_identified"] = 0.0
    store.runs.loc[0, "prosecutions"] = 0.0
    held = credibility(store, **files(tmp_path))["held_out"][0]
    assert (held["runs"], held["missing"]) == (2, 1)
    assert held["median"] == pytest.approx((10 / 40 + 10 / 20) / 2)


# -- stylised facts: rules on planted values --------------------------------------------------


def with_crackdown(base: Results, destination_b: tuple[float, ...]) -> Results:
    region = [{"victims_identified": 1.0}] * len(destination_b)
    juris = [{"destination_a": {"victim_weeks_exploited": 900.0},
              "destination_b": {"victim_weeks_exploited": b}} for b in destination_b]
    return planted(region, by_jurisdiction=juris, scenario="crackdown_destination_a",
                   others=base)


def test_a_compare_rule_comes_out_true_or_false(tmp_path):
    fact = credibility(baseline_store(), **files(tmp_path))["stylised_facts"][0]
    assert fact["name"] == "labour_fewer" and fact["reproduced"] is True
    assert fact["reason"] is None
    assert fact["values"] == {"left": pytest.approx(0.03), "right": pytest.approx(0.2),
                              "runs": 3, "holds_in": 1.0}
    assert "below" in fact["rule"] and "form labour" in fact["rule"]
    # labour convicting more than sexual exploitation in two runs of three: the median flips
    flipped = baseline_store(labour_cpiv=(0.3, 0.05, 0.4))
    fact = credibility(flipped, **files(tmp_path))["stylised_facts"][0]
    assert fact["reproduced"] is False
    assert fact["values"]["left"] == pytest.approx(0.3)
    assert fact["values"]["holds_in"] == pytest.approx(1 / 3)
    assert "is not below" in fact["reason"]


@pytest.mark.parametrize("number, reproduced, holds_in", [
    (0.025, False, 1 / 3),   # labour: 0.02, 0.05, 0.03; median 0.03
    (0.03, False, 1 / 3),    # 'less' is strict: a median equal to the number is not below it
    (0.031, True, 2 / 3),
])
def test_a_number_on_one_side(tmp_path, number, reproduced, holds_in):
    facts = FACTS.replace('right = {outcome = "convictions_per_identified_victim", '
                          'form = "sexual"}', f"right = {number}")
    fact = credibility(baseline_store(), **files(tmp_path, facts=facts))["stylised_facts"][0]
    assert fact["values"]["right"] == number and fact["reproduced"] is reproduced
    assert fact["values"]["holds_in"] == pytest.approx(holds_in)


def test_an_effect_rule_comes_out_true_or_false(tmp_path):
    base = baseline_store()  # destination_b 100, 200, 300 victim-weeks
    up = credibility(with_crackdown(base, (105.0, 206.0, 308.0)), **files(tmp_path))
    fact = up["stylised_facts"][1]
    assert fact["reproduced"] is True and fact["reason"] is None
    values = fact["values"]
    # per year at scale 1 (two years, scale 0.25): differences 5, 6, 8 -> 10, 12, 16
    assert values["difference"] == pytest.approx(np.mean([10, 12, 16]))
    assert 0 < values["difference_low"] <= values["difference"] <= values["difference_high"]
    assert values["paired"] is True and values["runs"] == 3
    assert values["baseline"] == pytest.approx(400) and values["scenario"] == pytest.approx(412)
    down = credibility(with_crackdown(base, (95.0, 194.0, 292.0)), **files(tmp_path))
    fact = down["stylised_facts"][1]
    assert fact["reproduced"] is False and "the opposite" in fact["reason"]
    unclear = credibility(with_crackdown(base, (110.0, 190.0, 301.0)), **files(tmp_path))
    fact = unclear["stylised_facts"][1]
    assert fact["reproduced"] is False and "includes zero" in fact["reason"]
    assert fact["values"]["difference_low"] < 0 < fact["values"]["difference_high"]


def test_what_the_batch_lacks_is_not_assessed(tmp_path):
    page = credibility(baseline_store(), **files(tmp_path))  # no crackdown runs
    fact = page["stylised_facts"][1]
    assert fact["reproduced"] is None
    assert "'crackdown_destination_a' is not in the batch" in fact["reason"]
    assert page["summary"]["stylised_facts"] == {"reproduced": 1, "assessed": 1, "total": 2}
    no_forms = baseline_store()
    no_forms.forms = pd.DataFrame(columns=["run_id", "scenario", "point", "replication"])
    page = credibility(no_forms, **files(tmp_path))
    fact = page["stylised_facts"][0]
    assert fact["reproduced"] is None and "no results by form" in fact["reason"]
    assert page["out_of_sample"][0]["inside"] is None
    assert "no results by form" in page["out_of_sample"][0]["reason"]
    facts = FACTS.replace('jurisdiction = "destination_b"', 'jurisdiction = "elsewhere"')
    page = credibility(with_crackdown(baseline_store(), (1.0, 2.0, 3.0)),
                       **files(tmp_path, facts=facts))
    assert "no results for jurisdiction 'elsewhere'" in page["stylised_facts"][1]["reason"]


def test_a_missing_baseline_is_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="baseline 'status_quo': no finished runs of it in "
                                        "planted .scenarios with runs: baseline."):
        credibility(baseline_store(), "status_quo", **files(tmp_path))


# -- the facts file --------------------------------------------------------------------------

GOOD = """
[facts.x]
statement = "s"
source = "src"
basis = "by_construction"
basis_reason = "only a prosecuted trafficker can be convicted"
check = "compare"
left = {outcome = "convictions"}
relation = "less"
right = {outcome = "prosecutions"}
"""


@pytest.mark.parametrize("old, new, field, allowed", [
    ('relation = "less"', 'relation = "lesser"', "facts.x.relation", "allowed: less, greater"),
    ('check = "compare"', 'check = "compair"', "facts.x.check", "allowed: compare, effect"),
    ('check = "compare"', "", "facts.x.check", "missing (required)"),
    ('source = "src"', "", "facts.x.source", "missing (required)"),
    ('source = "src"', 'source = " "', "facts.x.source", "allowed: text (not empty)"),
    ('statement = "s"', 'statement = "s"\nscenario = "b"', "facts.x.scenario",
     "unknown field for check = 'compare'; allowed: statement, source, note, basis, "
     "basis_reason, check, left, relation, right"),
    ('basis = "by_construction"', "", "facts.x.basis",
     "missing (required); allowed: by_construction, fitted, emergent"),
    ('basis = "by_construction"', 'basis = "emergant"', "facts.x.basis",
     "got 'emergant'; allowed: by_construction, fitted, emergent"),
    ('basis_reason = "only a prosecuted trafficker can be convicted"', "",
     "facts.x.basis_reason", "missing (required); allowed: one line"),
    ('{outcome = "convictions"}', '{outcome = "convictons"}', "facts.x.left.outcome",
     "did you mean 'convictions'?"),
    ('{outcome = "convictions"}', '{outcome = "convictions", band = [0, 1]}',
     "facts.x.left.band", "unknown field; allowed: outcome, ratio, jurisdiction, form, group, "
                          "share_of_region"),
    ('{outcome = "convictions"}', '{outcome = "convictions", form = "sex"}',
     "facts.x.left.form", "allowed: sexual, labour, criminal"),
    ('{outcome = "convictions"}', '"convictions"', "facts.x.left",
     "allowed: a table with outcome or ratio"),
    ('left = {outcome = "convictions"}\nrelation = "less"\nright = {outcome = "prosecutions"}',
     'left = 1\nrelation = "less"\nright = 2', "facts.x.left", "both sides are numbers"),
    ('right = {outcome = "prosecutions"}', "right = 1", None, None),
])
def test_a_malformed_facts_file_is_one_clear_error(tmp_path, old, new, field, allowed):
    path = write(tmp_path, "facts.toml", GOOD.replace(old, new))
    if field is None:  # the one harmless change: a number on one side
        assert load_facts(path)[0].right == 1.0
        return
    with pytest.raises(FactsError) as err:
        load_facts(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {field}") and allowed in message, message
    assert isinstance(err.value, UserError)


@pytest.mark.parametrize("text, expected", [
    ("", "facts: missing or empty"),
    ("[facts]\n", "facts: missing or empty"),
    ("facts = 3\n", "facts: missing or empty"),
    ('title = "t"\nfact = 1\n', "fact: unknown field; allowed: title, description, facts"),
    ("[facts.x]\n[facts.x.y\n", "not valid TOML"),
    ('[facts.x]\nstatement = "s"\nsource = "s"\ncheck = "effect"\nscenario = "b"\n'
     'quantity = 2\ndirection = "increase"\n', "facts.x.quantity: got 2; allowed: a table"),
    ('[facts.x]\nstatement = "s"\nsource = "s"\ncheck = "effect"\nscenario = "b"\n'
     'quantity = {outcome = "arrests"}\ndirection = "increase"\n',
     "facts.x.basis: missing (required)"),
    ('[facts.x]\nstatement = "s"\nsource = "s"\ncheck = "effect"\nscenario = "b"\n'
     'quantity = {outcome = "arrests"}\ndirection = "up"\n',
     "facts.x.direction: got 'up'; allowed: increase, decrease"),
])
def test_a_malformed_facts_file_names_what_is_wrong(tmp_path, text, expected):
    path = write(tmp_path, "facts.toml", text)
    with pytest.raises(FactsError) as err:
        load_facts(path)
    assert str(err.value).startswith(str(path)) and expected in str(err.value), str(err.value)


def test_the_shipped_facts_file_has_sources_and_rules():
    facts = load_facts(shipped_files()["stylised_facts"])
    assert 5 <= len(facts) <= 8
    for fact in facts:
        assert fact.statement and fact.source and fact.rule()
    assert {f.check for f in facts} == {"compare", "effect"}


# -- a real batch ------------------------------------------------------------------------------


def test_the_page_of_a_real_batch(small_batch):
    page = credibility(small_batch)
    json.dumps(page, allow_nan=False)  # plain JSON, no NaN
    assert list(page) == ["provenance", "targets", "held_out", "out_of_sample",
                          "stylised_facts", "summary"]
    prov = page["provenance"]
    assert prov["baseline_runs"] == 4 and prov["parameters"] == "defaults"
    assert (prov["weeks"], prov["scale"]) == (104, 0.3)
    assert prov["files"]["stylised_facts"] == "scenarios/calibration/stylised_facts.toml"
    from simulation.inference.calibration.targets import load_targets

    shipped = load_targets(shipped_files()["targets"])
    assert [r["name"] for r in page["targets"]] == [t.name for t in shipped.fitted]
    assert [r["name"] for r in page["held_out"]] == [t.name for t in shipped.held_out]
    for section in ("targets", "held_out", "out_of_sample"):
        for row in page[section]:
            assert row["source"]
            if row["inside"] is not None:
                assert row["p5"] <= row["median"] <= row["p95"]
                assert row["runs"] + row["missing"] == 4
            else:
                assert row["reason"]
        # only emergent checks count as checks of the model (issue 23); fitted targets are
        # all counted
        counted = [r for r in page[section] if section == "targets" or r["basis"] == "emergent"]
        counts = page["summary"][section]
        assert counts["inside"] == sum(r["inside"] is True for r in counted)
        assert counts["total"] == len(counted)
        assert all(r["basis"] in ("by_construction", "fitted", "emergent") and
                   (r["basis_reason"] or section == "targets") for r in page[section])
    assert {r["basis"] for r in page["targets"]} == {"fitted"}
    facts = page["stylised_facts"]
    assert all(f["reproduced"] is not None for f in facts), [f["reason"] for f in facts]
    emergent = [f for f in facts if f["basis"] == "emergent"]
    assert page["summary"]["stylised_facts"]["assessed"] == len(emergent) < len(facts)
    labels = page["summary"]["labels"]
    assert sum(labels["stylised_facts"].values()) == len(facts)
    assert labels["held_out"]["emergent"] == page["summary"]["held_out"]["total"] >= 3


def test_a_run_s_values_are_what_the_calibration_computes_from_the_run(small_batch):
    """The store's tables rebuilt into a run equal the model's own result for that run."""
    import simulation
    from simulation.inference.calibration.targets import load_targets
    from simulation.studies.store import load_results

    results = load_results(small_batch)
    one = dataclasses.replace(results, runs=results.runs[results.runs["replication"] == 0]
                              .reset_index(drop=True))
    page = credibility(one)
    seed = int(one.runs.loc[one.runs["scenario"] == "baseline", "seed"].iloc[0])
    scenario = simulation.with_overrides(ROOT / "scenarios" / "baseline.toml",
                                         {"run.scale": 0.3, "run.weeks": 104,
                                          "run.burn_in_weeks": 104})
    result = simulation.run(scenario, seed=seed)
    for file, sections in (("targets", ("targets", "held_out")),
                           ("out_of_sample", ("out_of_sample",))):
        rows = {r["name"]: r for s in sections for r in page[s]}
        for target in load_targets(shipped_files()[file]).targets:
            try:
                expected = target.simulated(result, 2.0, 0.3)
            except KeyError:  # the model reports no such outcome for that group
                assert rows[target.name]["median"] is None
                continue
            got = rows[target.name]["median"]
            assert (got is None) if np.isnan(expected) else got == pytest.approx(expected), \
                target.name


def test_parameters_say_where_the_baseline_s_parameters_came_from(small_batch):
    from simulation.studies.store import load_results

    results = load_results(small_batch)
    drawn = dataclasses.replace(results, manifest=results.manifest
                                | {"uncertainty": {"ensemble": "baseline_ensemble"}})
    prov = credibility(drawn)["provenance"]
    assert prov["parameters"] == "ensemble" and prov["ensemble"] == "baseline_ensemble"
    ranges = dataclasses.replace(results, manifest=results.manifest
                                 | {"uncertainty": {"draws": 4, "sampled": {"x": [0, 1]}}})
    prov = credibility(ranges)["provenance"]
    assert prov["parameters"] == "sampled" and prov["ensemble"] is None
    plain = dataclasses.replace(results, manifest=results.manifest | {"uncertainty": None})
    assert credibility(plain)["provenance"]["parameters"] == "defaults"


def test_computing_the_page_does_not_import_pyabc(small_batch):
    code = ("import sys; from simulation.inference.credibility import credibility; "
            f"credibility({str(small_batch)!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pyabc'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
