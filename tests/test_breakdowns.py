"""Results by form of exploitation and by victims' sex and age group (issue 12): they add up to
the region's totals, and they reach the JSON output."""

from __future__ import annotations

import json
import math

import pytest

import simulation
from simulation.model.registry import (FORM_OUTCOMES, FORM_WEEKLY, FORMS, GROUP_OUTCOMES,
                                       VICTIM_GROUPS)

from conftest import small


@pytest.fixture(scope="module")
def result():
    return simulation.run(small(), seed=3)


def test_forms_add_up_to_the_region(result):
    assert set(result.by_form) == set(FORMS)
    for name in FORM_WEEKLY:
        total = sum(result.by_form[f][name] for f in FORMS)
        assert total == pytest.approx(result.outcomes[name], rel=1e-12), name
    for f in FORMS:
        assert list(result.by_form[f]) == list(FORM_OUTCOMES)
        o = result.by_form[f]
        if o["prosecutions"]:
            assert o["conviction_ratio"] == pytest.approx(o["convictions"] / o["prosecutions"])


def test_sex_and_age_each_partition_the_victims(result):
    g = result.by_group
    assert list(g) == list(VICTIM_GROUPS)
    for name in ("new_victims", "victims_identified", "victims_misidentified"):
        assert g["female"][name] + g["male"][name] == result.outcomes[name]
        assert g["adult"][name] + g["child"][name] == result.outcomes[name]
    assert list(g["child"]) == list(GROUP_OUTCOMES)
    # the ratio of shares is above 1 for one of a pair exactly when it is below 1 for the other
    f, m = (g[s]["identified_share_of_trafficked"] for s in ("female", "male"))
    assert (f - 1) * (m - 1) <= 0


def test_sexual_exploitation_victims_are_seen_more_by_police_than_labour_victims():
    """Police visibility of forced labour is below that of sexual exploitation (ODD 6.4)."""
    result = simulation.run(simulation.BASELINE, seed=2)
    sexual, labour = result.by_form["sexual"], result.by_form["labour"]
    assert (sexual["identified_police"] / sexual["victim_weeks_exploited"]
            > labour["identified_police"] / labour["victim_weeks_exploited"])
    assert (labour["identified_inspection"] / labour["victim_weeks_exploited"]
            > sexual["identified_inspection"] / sexual["victim_weeks_exploited"])


def test_json_output_carries_the_breakdowns(result):
    data = json.loads(result.to_json())
    assert set(data["by_form"]) == set(FORMS) and set(data["by_group"]) == set(VICTIM_GROUPS)
    value = data["by_form"]["labour"]["victims_identified"]
    assert value == result.by_form["labour"]["victims_identified"]
    assert all(v is None or not (isinstance(v, float) and math.isnan(v))
               for v in data["by_form"]["criminal"].values())


EXPERIMENT = """
name = "by_form"
scenarios = ["{base}", "{training}"]
replications = 3
seed = 5
[run]
scale = 0.2
burn_in_weeks = 26
weeks = 104
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from simulation.studies.executors import run_experiment

    folder = tmp_path_factory.mktemp("by_form")
    spec = folder / "by_form.toml"
    spec.write_text(EXPERIMENT.format(base=simulation.BASELINE,
                                      training=simulation.SCENARIOS / "training.toml"))
    run_experiment(spec, folder / "results", workers=1, progress=False)
    return folder / "results"


def test_batch_stores_keep_results_by_form_and_group(store):
    results = simulation.load_results(store)
    forms, groups = results.forms, results.groups
    assert len(forms) == 6 * 3 and set(forms["form"]) == set(FORMS)
    assert len(groups) == 6 * 4 and set(groups["group"]) == set(VICTIM_GROUPS)
    runs = results.runs.set_index("run_id")
    totals = forms.groupby("run_id")["victims_identified"].sum()
    assert (totals == runs.loc[totals.index, "victims_identified"]).all()


def test_compare_reports_one_form_or_group(store, capsys):
    from simulation.cli import main

    table = simulation.compare(store, form="labour", outcomes=["victims_identified",
                                                               "identified_inspection"])
    assert set(table["outcome"]) == {"victims_identified", "identified_inspection"}
    forms = simulation.load_results(store).forms
    labour = forms[(forms.form == "labour") & (forms.scenario == "baseline")]
    row = table[(table.scenario == "baseline") & (table.outcome == "victims_identified")]
    assert row["mean"].iloc[0] == pytest.approx(labour["victims_identified"].mean())
    assert main(["compare", str(store), "--group", "child", "--format", "csv"]) == 0
    assert "identified_share_of_trafficked" in capsys.readouterr().out
    assert main(["compare", str(store), "--form", "domestic"]) == 1
    err = capsys.readouterr().err
    assert "--form 'domestic': allowed: sexual, labour, criminal" in err
