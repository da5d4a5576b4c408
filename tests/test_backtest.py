"""tipsim backtest: the file format's errors, the frozen prediction and its refusal when an input
changed, the scores (CRPS, coverage) on hand-checkable numbers, and the worked example's wrong
series flagged as a miss. One small prediction (scale 0.1, three years, 3 draws x 2 runs) is
shared by the module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.studies.backtest import BacktestError, load_backtest, observed_example
from simulation.reports.backtest_report import crps, intervals, score
from simulation.cli import main
from simulation.model.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
ENSEMBLE = ROOT / "scenarios" / "calibration" / "baseline_ensemble"

LEVERS = f"""extends = "{BASELINE}"
name = "test_training_2011"

[[add_policy]]
lever = "training"
value = 0.8
start_week = 52
ramp_weeks = 13
"""

BACKTEST = f"""name = "test_backtest"
scenario = "{BASELINE}"
levers = "levers.toml"
ensemble = "{ENSEMBLE}"
observed = "observed.csv"
first_year = 2010
cut_year = 2010
last_year = 2012
draws = 3
replications = 2
seed = 5

[run]
scale = 0.1
burn_in_weeks = 26

[[compare]]
series = "identified"
statistic = "victims_identified"

[[compare]]
series = "identified_wrong"
statistic = "victims_identified"

[[compare]]
series = "identified"
breakdown = "exploitation_type"
category = "labour"
statistic = "victims_identified"
form = "labour"
"""


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def make_folder(folder: Path, backtest: str = BACKTEST) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "levers.toml").write_text(LEVERS)
    (folder / "backtest.toml").write_text(backtest)
    return folder / "backtest.toml"


@pytest.fixture(scope="module")
def predicted(tmp_path_factory):
    """A prediction written before any observation exists, then the observations (a held-out
    run, and the same times 3), then the comparison."""
    folder = tmp_path_factory.mktemp("backtest")
    file = make_folder(folder)
    out = folder / "pred"
    assert main(["backtest", str(file), "--predict-only", "--out", str(out), "--workers", "2",
                 "--quiet"]) == 0
    assert not (folder / "observed.csv").exists()  # the prediction read no observation
    observed_example(load_backtest(file)).to_csv(folder / "observed.csv", index=False)
    assert main(["backtest", str(file), "--compare", "--out", str(out)]) == 0
    return folder, file, out


def test_predict_only_then_compare_gives_the_same_report_as_one_go(predicted, tmp_path):
    folder, _, out = predicted
    again = tmp_path / "again"
    shutil.copytree(folder, again, ignore=shutil.ignore_patterns("pred"))
    assert main(["backtest", str(again / "backtest.toml"), "--out", str(again / "once"),
                 "--workers", "2", "--quiet"]) == 0
    for name in ("prediction.parquet", "report.json", "report.csv", "report.md", "report.html"):
        assert (again / "once" / name).read_bytes() == (out / name).read_bytes(), name
    meta = json.loads((out / "prediction.json").read_text())
    table = pd.read_parquet(out / "prediction.parquet")
    assert len(table) == 3 * 3 * 3 * 2  # series x years x draws x replications
    # identifications of labour victims, from the contact records, are part of all of them
    wide = table.pivot_table(index=["year", "draw", "replication"], columns="series",
                             values="value")
    assert (wide["identified/exploitation_type/labour"] <= wide["identified/total/all"]).all()
    assert wide["identified/exploitation_type/labour"].sum() > 0
    assert set(meta["frozen"]) == {"lever_file", "lever_document", "scenario_document",
                                   "ensemble", "settings"}


def test_a_changed_lever_file_or_prediction_is_refused(predicted, tmp_path, capsys):
    folder, _, _ = predicted
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    levers = copy / "levers.toml"
    levers.write_text(LEVERS.replace("value = 0.8", "value = 0.7"))
    code, _, err = cli(capsys, "backtest", copy / "backtest.toml", "--compare", "--out",
                       copy / "pred")
    assert code == 1 and "the lever file levers.toml" in err and "changed since" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    # a one-go run over the frozen folder is refused the same way: nothing is overwritten
    before = (copy / "pred" / "prediction.parquet").read_bytes()
    code, _, err = cli(capsys, "backtest", copy / "backtest.toml", "--out", copy / "pred")
    assert code == 1 and "the lever file" in err
    assert (copy / "pred" / "prediction.parquet").read_bytes() == before

    levers.write_text(LEVERS)  # restored: now the prediction's table is edited
    table = pd.read_parquet(copy / "pred" / "prediction.parquet")
    table.loc[0, "value"] += 1
    table.to_parquet(copy / "pred" / "prediction.parquet", index=False)
    code, _, err = cli(capsys, "backtest", copy / "backtest.toml", "--compare", "--out",
                       copy / "pred")
    assert code == 1 and "prediction.parquet: changed since the prediction was written" in err


def test_the_wrong_series_is_flagged_as_a_miss(predicted):
    _, _, out = predicted
    report = json.loads((out / "report.json").read_text())
    by = {s["series"]: s for s in report["series"]}
    right, wrong = by["identified/total/all"], by["identified_wrong/total/all"]
    assert right["points_scored"] == wrong["points_scored"] == 2  # 2011 and 2012
    assert wrong["coverage95"] == 0.0
    assert "too low" in wrong["statement"] and "2 of 2" in wrong["statement"]
    # the held-out run is three times closer than its triple, by CRPS
    assert wrong["crps_mean"] > 2 * right["crps_mean"]
    points = pd.read_csv(out / "report.csv")
    assert not points[points["year"] == 2010]["after_cut"].any()  # the calibration year


def test_crps_equals_the_hand_computed_value():
    # ensemble 0, 2, 3 and observation 1: E|X - y| = (1 + 1 + 2) / 3 = 4/3;
    # E|X - X'| over the 9 ordered pairs = 2 (2 + 3 + 1) / 9 = 4/3; CRPS = 4/3 - 2/3 = 2/3
    assert crps(1.0, np.array([0.0, 2.0, 3.0])) == pytest.approx(2 / 3)
    # a point forecast: the CRPS is the absolute error
    assert crps(5.0, np.array([2.0, 2.0])) == pytest.approx(3.0)


def test_intervals_separate_randomness_from_parameters():
    # three draws whose runs agree exactly: no randomness, all the spread is the parameters'
    values = np.array([[10.0, 10.0], [20.0, 20.0], [30.0, 30.0]])
    band = intervals(values)
    assert band["randomness_low95"] == band["randomness_high95"] == pytest.approx(20.0)
    # the six runs 10, 10, 20, 20, 30, 30, interpolated between order statistics
    assert (band["combined_low95"], band["combined_high95"]) == pytest.approx((10.0, 30.0))
    assert (band["combined_low50"], band["combined_high50"]) == pytest.approx((12.5, 27.5))


def test_coverage_and_misses_are_reported_per_series():
    rows = [{"series": "s/total/all", "year": y, "draw": d, "replication": r,
             "value": float(10 * d + r)} for y in (2000, 2001, 2002, 2003)
            for d in range(5) for r in range(2)]  # values 0..41 every year
    meta = {"backtest": "t", "first_year": 2000, "cut_year": 2000, "last_year": 2003,
            "draws": 5, "replications": 2, "prediction_digest": "x", "frozen": {},
            "compare": [{"key": "s/total/all", "statistic": "arrests", "factor": 1.0}]}
    observed = pd.DataFrame({"key": "s/total/all", "year": [2000, 2001, 2002, 2003, 2004],
                             "value": [500.0, 20.0, 100.0, 30.0, 1.0], "source_id": "x"})
    report = score(meta, pd.DataFrame(rows), observed)
    s = report["series"][0]
    assert s["points_scored"] == 3 and s["points_before_cut"] == 1  # 2000 is not scored
    assert s["coverage95"] == pytest.approx(2 / 3)  # 100 is outside, 20 and 30 inside
    miss = next(p for p in report["points"] if p["year"] == 2002)
    assert miss["miss"] == pytest.approx(100 - miss["combined_high95"])
    assert "1 of 3" in s["statement"] and "2002" in s["statement"] and "too low" in s["statement"]
    assert s["points_not_predicted"] == 1  # 2004 is after the last predicted year
    assert "1 observed point outside the predicted years (2004) is not scored" in s["statement"]


@pytest.mark.parametrize("change, where", [
    (("cut_year = 2010", "cut_year = 2012"), "cut_year: got 2012"),
    (('statistic = "victims_identified"', 'statistic = "victims_identifed"'),
     "did you mean 'victims_identified'"),
    (("draws = 3", "draws = 3\nreplicatons = 2"), "replicatons: unknown field"),
    (("draws = 3", "draws = 1"), "draws: Input should be greater than or equal to 2"),
    (('scenario = "', 'scenario = "/nonexistent'), "scenario: no such file"),
    (('ensemble = "', 'ensemble = "/nonexistent'), "no calibrated ensemble there"),
])
def test_format_errors_name_the_file_the_field_and_what_is_allowed(tmp_path, capsys, change,
                                                                    where):
    file = make_folder(tmp_path, BACKTEST.replace(*change, 1))
    code, _, err = cli(capsys, "backtest", file, "--predict-only", "--out", tmp_path / "o")
    assert code == 1 and str(file) in err and where in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()  # refused before any run


def test_a_lever_file_for_another_scenario_is_refused(tmp_path, capsys):
    file = make_folder(tmp_path)
    (tmp_path / "levers.toml").write_text(LEVERS.replace(str(BASELINE),
                                                         str(ROOT / "scenarios" /
                                                             "training.toml")))
    # training.toml extends the baseline: a chain that reaches the scenario is allowed
    assert load_backtest(file).lever_scenario.name == "test_training_2011"
    # a copy of the baseline is another scenario: the lever file must extend the one named
    (tmp_path / "other.toml").write_text(BASELINE.read_text())
    (tmp_path / "levers.toml").write_text(LEVERS.replace(str(BASELINE), "other.toml"))
    code, _, err = cli(capsys, "backtest", file, "--predict-only")
    assert code == 1 and "levers: 'levers.toml' does not extend the scenario" in err


@pytest.mark.parametrize("csv, where", [
    ("year,series,breakdown,category,value\n2011,identified,total,all,3\n",
     "column 'source_id' is missing"),
    ("year,series,breakdown,category,value,source_id\n2011,identified,total,all,many,x\n",
     "row 2, field 'value': got 'many'"),
    ("year,series,breakdown,category,value,source_id\n2011,identified,total,all,3,\n",
     "row 2, field 'source_id': empty"),
    ("year,series,breakdown,category,value,source_id\nnext,identified,total,all,3,x\n",
     "row 2, field 'year': got 'next'"),
    ("year,series,breakdown,category,value,source_id\n2011,identified,total,all,3,x\n"
     "2011,identified,total,all,4,x\n2011,identified_wrong,total,all,4,x\n",
     "has year 2011 twice"),
    ("year,series,breakdown,category,value,source_id\n2011,identified,total,all,3,x\n",
     "series identified/exploitation_type/labour has no rows in"),
])
def test_observed_series_errors_name_the_row_and_the_field(tmp_path, csv, where):
    file = make_folder(tmp_path)
    (tmp_path / "observed.csv").write_text(csv)
    with pytest.raises(BacktestError, match="observed.csv|backtest.toml") as exc:
        load_backtest(file).observations()
    assert where in str(exc.value)


def test_compare_without_a_prediction_says_what_to_run(tmp_path, capsys):
    file = make_folder(tmp_path)
    code, _, err = cli(capsys, "backtest", file, "--compare", "--out", tmp_path / "none")
    assert code == 1 and "no prediction there" in err and "--predict-only" in err


def test_a_scenario_given_to_backtest_is_named_as_such_and_a_backtest_to_run(capsys):
    code, _, err = cli(capsys, "backtest", BASELINE)
    assert code == 1 and "a scenario file" in err and "not a backtest file" in err
    shipped = ROOT / "scenarios" / "backtests" / "stylised" / "backtest.toml"
    code, _, err = cli(capsys, "run", shipped)
    assert code == 1 and f"goes to tipsim backtest {shipped}" in err


def test_a_prediction_cut_short_before_its_json_is_rewritten_from_the_stored_runs(predicted,
                                                                                   tmp_path):
    folder, _, out = predicted
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "pred" / "prediction.json").unlink()  # the json is written last
    (copy / "pred" / "prediction.parquet").write_bytes(b"half a file")
    assert main(["backtest", str(copy / "backtest.toml"), "--predict-only", "--out",
                 str(copy / "pred"), "--quiet"]) == 0
    assert (copy / "pred" / "prediction.parquet").read_bytes() == \
        (out / "prediction.parquet").read_bytes()


def test_observations_must_cite_a_source_the_sources_file_lists(tmp_path):
    file = make_folder(tmp_path, BACKTEST.replace('observed = "observed.csv"',
                                                  'observed = "observed.csv"\n'
                                                  'sources = "sources.toml"'))
    (tmp_path / "sources.toml").write_text(
        '[[source]]\nid = "nrm_2016"\ntitle = "National Referral Mechanism statistics 2016"\n'
        'publisher = "National Crime Agency"\nyear = 2017\nurl = "https://example.org/nrm"\n'
        'gives = "referrals by year"\n')
    header = "year,series,breakdown,category,value,source_id\n"
    (tmp_path / "observed.csv").write_text(header + "2011,identified,total,all,3,nrm_2016\n"
                                           "2011,identified_wrong,total,all,3,nrm_2016\n"
                                           "2011,identified,exploitation_type,labour,1,"
                                           "nrm_2016\n")
    assert len(load_backtest(file).observations()) == 3
    (tmp_path / "observed.csv").write_text(header + "2011,identified,total,all,3,nrm_2061\n")
    with pytest.raises(BacktestError, match="row 2, field 'source_id': got 'nrm_2061', which "
                                            "sources.toml does not list; allowed: nrm_2016"):
        load_backtest(file).observations()


def test_the_frozen_digests_see_an_edit_anywhere_in_the_scenarios_chain(tmp_path):
    (tmp_path / "base.toml").write_text(BASELINE.read_text())
    file = make_folder(tmp_path, BACKTEST.replace(str(BASELINE), "base.toml"))
    (tmp_path / "levers.toml").write_text(LEVERS.replace(str(BASELINE), "base.toml"))
    before = load_backtest(file).frozen()
    text = (tmp_path / "base.toml").read_text()
    assert "# " in text
    (tmp_path / "base.toml").write_text(text + "\n# a comment changes nothing\n")
    assert load_backtest(file).frozen() == before
    (tmp_path / "base.toml").write_text(text.replace("training = 0.25", "training = 0.3", 1))
    after = load_backtest(file).frozen()
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"lever_document", "scenario_document"}  # the lever file's bytes did not


def test_confirmed_victims_and_referrals_by_breakdown_add_up_to_the_totals(tmp_path):
    from simulation.model.registry import CHANNELS

    entries = "".join(
        f'\n[[compare]]\nseries = "by"\nbreakdown = "{field}"\ncategory = "{value}"\n'
        f'statistic = "victims_identified"\n{field} = "{value}"\n'
        for field, values in (("form", ("sexual", "labour", "criminal")),
                              ("age_group", ("adult", "child")),
                              ("origin", ("national", "foreign")))
        for value in values)
    entries += '\n[[compare]]\nseries = "referred"\nstatistic = "victims_referred"\n'
    entries += "".join(
        f'\n[[compare]]\nseries = "by"\nbreakdown = "first_responder"\ncategory = "{c}"\n'
        f'statistic = "victims_referred"\nfirst_responder = "{c}"\n' for c in CHANNELS)
    places = load_scenario(BASELINE).jurisdiction_names
    entries += "".join(
        f'\n[[compare]]\nseries = "ref_by"\nbreakdown = "{field}"\ncategory = "{value}"\n'
        f'statistic = "victims_referred"\n{field} = "{value}"\n'
        for field, values in (("age_group", ("adult", "child")),
                              ("form", ("sexual", "labour", "criminal")),
                              ("origin_jurisdiction", places))
        for value in values)
    file = make_folder(tmp_path, BACKTEST + entries)
    rows = observed_example(load_backtest(file))
    ref_by = rows[rows["series"] == "ref_by"]
    total = rows[(rows["series"] == "identified") & (rows["breakdown"] == "total")]
    total = total.set_index("year")["value"]
    referred = rows[rows["series"] == "referred"].set_index("year")["value"]
    assert total.sum() > 0 and referred.sum() > total.sum() * 0.5
    by = rows[rows["series"] == "by"]
    for field, whole in (("form", total), ("age_group", total), ("origin", total),
                         ("first_responder", referred)):
        summed = by[by["breakdown"] == field].groupby("year")["value"].sum()
        assert summed.to_dict() == pytest.approx(whole.to_dict()), field
    for field in ("age_group", "form", "origin_jurisdiction"):
        summed = ref_by[ref_by["breakdown"] == field].groupby("year")["value"].sum()
        assert summed.to_dict() == pytest.approx(referred.to_dict()), field
    origins = ref_by[ref_by["breakdown"] == "origin_jurisdiction"]
    assert (origins.groupby("category")["value"].sum() > 0).sum() >= 2  # not all from one place


def test_an_origin_jurisdiction_the_scenario_lacks_is_refused(tmp_path, capsys):
    file = make_folder(tmp_path, BACKTEST + '\n[[compare]]\nseries = "a"\n'
                                           'statistic = "victims_referred"\n'
                                           'origin_jurisdiction = "atlantis"\n')
    code, _, err = cli(capsys, "backtest", file, "--predict-only")
    assert code == 1 and "compare[3].origin_jurisdiction: no jurisdiction 'atlantis'" in err
    assert "allowed: " in err and "Traceback" not in err


def test_a_breakdown_of_another_statistic_is_refused(tmp_path, capsys):
    file = make_folder(tmp_path, BACKTEST + '\n[[compare]]\nseries = "a"\n'
                                           'statistic = "arrests"\nform = "labour"\n')
    code, _, err = cli(capsys, "backtest", file, "--predict-only")
    assert code == 1 and "compare.3: statistic: got 'arrests' with form" in err
    assert 'allowed: "victims_referred" or "victims_identified"' in err


def test_compare_needs_only_the_committed_prediction_files(predicted, tmp_path):
    folder, file, out = predicted
    committed = tmp_path / "committed"
    committed.mkdir()
    for name in ("prediction.parquet", "prediction.json"):  # not runs/: it is not committed
        shutil.copy(out / name, committed / name)
    assert main(["backtest", str(file), "--compare", "--out", str(committed)]) == 0
    assert (committed / "report.json").read_bytes() == (out / "report.json").read_bytes()


def test_a_series_no_publication_gives_is_declared_unobserved_and_reported_so(
        predicted, tmp_path, capsys):
    """A registered prediction cannot drop a compared series later, and the publications may
    not give it: ``[unobserved]`` names it with why; the report says so instead of scoring it.
    Undeclared absences, declarations of series the file holds and of series not compared
    stay errors."""
    folder, _, out = predicted
    shutil.copytree(folder, tmp_path, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("runs", "report.*"))
    file = tmp_path / "backtest.toml"
    observed = (tmp_path / "observed.csv").read_text()
    labour = [line for line in observed.splitlines() if "labour" in line]
    assert labour
    (tmp_path / "observed.csv").write_text(
        "\n".join(line for line in observed.splitlines() if "labour" not in line) + "\n")
    with pytest.raises(BacktestError, match="or the series listed under \\[unobserved\\]"):
        load_backtest(file).observations()
    key = "identified/exploitation_type/labour"
    text = file.read_text()
    file.write_text(text.replace("[run]", f'[unobserved]\n"{key}" = "not published by form"'
                                           "\n\n[run]", 1))
    bt = load_backtest(file)
    assert set(bt.observations()["key"]) == {c.key for c in bt.compare} - {key}
    code, _, err = cli(capsys, "backtest", file, "--compare", "--out", tmp_path / "pred")
    assert code == 0, err  # (the frozen prediction still accepted: [unobserved] is no setting)
    report = json.loads((tmp_path / "pred" / "report.json").read_text())
    entry = next(s for s in report["series"] if s["series"] == key)
    assert entry["unobserved"] == "not published by form" and entry["points_scored"] == 0
    assert "not observed (not published by form)" in entry["statement"]
    # a reason for a miss, written after the comparison, is printed beside it as such
    file.write_text(file.read_text().replace(
        "[run]", '[explained]\n"identified/total/all" = "the held-out run differs."\n\n[run]', 1))
    code, _, err = cli(capsys, "backtest", file, "--compare", "--out", tmp_path / "pred")
    assert code == 0, err
    report = json.loads((tmp_path / "pred" / "report.json").read_text())
    entry = next(s for s in report["series"] if s["series"] == "identified/total/all")
    assert entry["statement"].endswith("Likely reason (written after the comparison): the "
                                       "held-out run differs.")
    assert "Likely reason (written after" in (tmp_path / "pred" / "report.md").read_text()
    (tmp_path / "observed.csv").write_text(observed)  # the file holds it after all
    with pytest.raises(BacktestError, match="unobserved: series .* has rows in"):
        load_backtest(file).observations()
    file.write_text(text.replace("[run]", '[unobserved]\n"nothing/total/all" = "x"\n\n[run]', 1))
    code, _, err = cli(capsys, "backtest", file, "--predict-only")
    assert code == 1 and "unobserved: 'nothing/total/all' is not a compared series" in err
