"""``tipsim batch``, ``compare`` and ``sensitivity`` from the command line, on a stand-in model and
end to end on the real one (tiny: scale 0.1, a year or two, two replications)."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.studies.executors import run_experiment
from simulation.studies.store import load_results

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
COMPARE_COLUMNS = ["scenario", "outcome", "label", "n", "mean", "ci_low", "ci_high",
                   "difference", "difference_low", "difference_high", "relative_change",
                   "excludes_zero", "paired", "verdict"]


def toy_model(spec) -> dict:
    rng = np.random.default_rng(spec.seed)
    lift = 2.0 if spec.scenario_name == "training" else 0.0
    return {"victims_identified": 10 + lift + rng.normal(),
            "victim_weeks_exploited": 900 - 52 * lift + rng.normal(),
            "policy_cost": 100.0 + 10 * lift}


def failing_model(spec) -> dict:
    if spec.replication == 1:
        raise ValueError("no convergence")
    return toy_model(spec)


def write(folder: Path, text: str, name: str = "experiment.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def comparison(folder: Path, replications: int = 3, weeks: int = 52, record: str = "summary"
               ) -> Path:
    return write(folder, f"""
name = "tiny"
scenarios = ["{SCENARIOS / 'baseline.toml'}", "{SCENARIOS / 'training.toml'}"]
replications = {replications}
seed = 5
record = "{record}"
[run]
scale = 0.1
weeks = {weeks}
burn_in_weeks = 26
""")


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def toy_store(tmp_path):
    out = tmp_path / "toy"
    run_experiment(comparison(tmp_path, replications=5), out, workers=1, run_fn=toy_model,
                   progress=False)
    return out


def test_compare_formats_are_parseable_with_the_expected_columns(capsys, toy_store):
    code, out, _ = cli(capsys, "compare", toy_store, "--format", "csv")
    assert code == 0
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == COMPARE_COLUMNS
    assert set(table["scenario"]) == {"baseline", "training"}
    assert "cost_per_victim_year_averted" in set(table["outcome"])
    lift = table[(table.scenario == "training") & (table.outcome == "victims_identified")]
    assert lift["excludes_zero"].item() and lift["difference"].item() == pytest.approx(2.0)

    code, out, _ = cli(capsys, "compare", toy_store, "--format", "json")
    records = json.loads(out)
    assert list(records[0]) == COMPARE_COLUMNS and len(records) == len(table)

    code, out, _ = cli(capsys, "compare", toy_store, "--format", "markdown")
    lines = out.strip().splitlines()
    assert [c.strip() for c in lines[0].strip("|").split("|")] == COMPARE_COLUMNS
    assert set(lines[1]) <= set("|-") and len(lines) == len(table) + 2
    assert all(line.count("|") == len(COMPARE_COLUMNS) + 1 for line in lines)

    code, out, _ = cli(capsys, "compare", toy_store, "--outcomes", "victims_identified")
    lines = out.strip().splitlines()
    assert lines[0].split() == COMPARE_COLUMNS and len(lines) == 1 + 2 + 1


def large_model(spec) -> dict:
    """Outcomes of a realistic size, and a share, to read in a table."""
    rng = np.random.default_rng(spec.seed)
    lift = 1.0 if spec.scenario_name == "training" else 0.0
    return {"victim_weeks_exploited": 703_612.4 - 36_000 * lift + 500 * rng.normal(),
            "conviction_ratio": 0.42 + 0.03 * lift + 0.002 * rng.normal(),
            "policy_cost": 2.5e6 + 1.2e6 * lift}


def test_compare_table_shows_numbers_a_person_reads_and_csv_keeps_full_precision(capsys,
                                                                                  tmp_path):
    out = tmp_path / "large"
    run_experiment(comparison(tmp_path, replications=5), out, workers=1, run_fn=large_model,
                   progress=False)
    code, text, _ = cli(capsys, "compare", out)
    assert code == 0 and not re.search(r"\de[-+]?\d", text)  # no 7.036e+05
    rows = {tuple(line.split()[:2]): re.split(r"\s{2,}", line)
            for line in text.splitlines()[1:]}
    columns = re.split(r"\s{2,}", text.splitlines()[0])
    # exploitation in victim-years, as the report shows it (the stored victim-weeks / 52)
    assert ("training", "victim_weeks_exploited") not in rows
    years = dict(zip(columns, rows[("training", "victim_years_exploited")]))
    # the estimate and its interval to as many figures as tell them apart
    assert re.fullmatch(r"12,8\d\d", years["mean"]) and years["ci_low"] != years["ci_high"]
    assert years["difference"] == "-692" and years["relative_change"] == "-5.1%"
    ratio = dict(zip(columns, rows[("training", "conviction_ratio")]))
    assert ratio["mean"] == "45.0%" and ratio["difference"] == "+3.0 pp"  # a share
    cost = dict(zip(columns, rows[("training", "policy_cost")]))
    assert cost["mean"] == "3.7M" and cost["difference"] == "+1.2M"

    code, csv_text, _ = cli(capsys, "compare", out, "--format", "csv")
    table = pd.read_csv(io.StringIO(csv_text))
    exact = load_results(out).runs.groupby("scenario")["victim_weeks_exploited"].mean()
    mean = table[(table.scenario == "training") & (table.outcome == "victim_weeks_exploited")]
    assert mean["mean"].item() == pytest.approx(exact["training"], rel=1e-12)
    code, json_text, _ = cli(capsys, "compare", out, "--format", "json")
    record = [r for r in json.loads(json_text)
              if r["scenario"] == "training" and r["outcome"] == "conviction_ratio"][0]
    assert 0.4 < record["mean"] < 0.5 and record["mean"] != round(record["mean"], 4)


def test_cli_errors_are_one_clean_line(capsys, toy_store, tmp_path):
    code, _, err = cli(capsys, "compare", toy_store, "--baseline", "nope")
    assert code == 1 and err.count("\n") == 1 and "--baseline 'nope'" in err
    code, _, err = cli(capsys, "sensitivity", toy_store)
    assert code == 1 and "sobol or morris" in err and "Traceback" not in err
    changed = comparison(tmp_path, replications=4)
    code, _, err = cli(capsys, "batch", changed, "--out", toy_store, "--quiet")
    assert code == 1 and err.count("\n") == 1
    assert "different experiment (replications: 5 -> 4" in err and "--restart" in err


def test_bad_experiment_file_gives_one_line_naming_file_and_field(tmp_path):
    bad = write(tmp_path, f'name = "x"\nscenarios = ["{SCENARIOS / "baseline.toml"}"]\n'
                          'replications = "many"\n', "bad.toml")
    proc = subprocess.run([sys.executable, "-m", "simulation.cli", "batch", str(bad), "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "bad.toml" in proc.stderr and "replications" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_batch_exit_status_and_summary_count_failed_runs(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("simulation.studies.experiment.run_spec", failing_model)
    exp = comparison(tmp_path, replications=3)
    code, out, _ = cli(capsys, "batch", exp, "--out", tmp_path / "out", "--workers", "1",
                       "--quiet")
    assert code == 3
    assert "6 runs: 4 completed, 2 failed" in out
    assert "failed: baseline-r001: ValueError: no convergence" in out
    assert sorted(load_results(tmp_path / "out").failed["run_id"]) == ["baseline-r001",
                                                                       "training-r001"]


def test_sensitivity_cli_reports_morris_indices(capsys, tmp_path):
    exp = write(tmp_path, f"""
name = "sweep"
scenarios = ["{SCENARIOS / 'baseline.toml'}"]
seed = 1
[design]
method = "morris"
samples = 4
inputs = ["training", "intimidation"]
""")
    run_experiment(exp, tmp_path / "out", workers=1, run_fn=toy_model, progress=False)
    code, out, _ = cli(capsys, "sensitivity", tmp_path / "out", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["input"] for r in rows} == {"training", "intimidation"}
    assert set(rows[0]) == {"scenario", "outcome", "input", "mu", "mu_star", "mu_star_conf",
                            "sigma"}


# -- the real model -------------------------------------------------------------------------


@pytest.mark.slow
def test_real_model_batch_then_compare_and_sensitivity(capsys, tmp_path):
    exp = comparison(tmp_path, replications=2, record="weekly")
    code, out, _ = cli(capsys, "batch", exp, "--out", tmp_path / "out", "--workers", "1",
                       "--quiet")
    assert code == 0 and "4 runs: 4 completed, 0 failed" in out
    results = load_results(tmp_path / "out")
    assert len(results.runs) == 4 and {"arrests", "policy_cost"} <= set(results.runs.columns)
    assert len(results.jurisdictions) == 4 * 5
    weekly = results.weekly
    assert weekly["week"].min() == -26 and weekly["week"].max() == 51
    assert len(weekly) == 4 * 5 * (52 + 26)
    code, out, _ = cli(capsys, "compare", tmp_path / "out", "--format", "json")
    rows = json.loads(out)
    assert {r["scenario"] for r in rows} == {"baseline", "training"}
    training_cost = [r for r in rows if r["scenario"] == "training"
                     and r["outcome"] == "policy_cost"][0]
    assert training_cost["difference"] > 0  # training officers costs money

    sweep = write(tmp_path, f"""
name = "sweep"
scenarios = ["{SCENARIOS / 'baseline.toml'}"]
seed = 2
[run]
scale = 0.1
weeks = 52
burn_in_weeks = 26
[design]
method = "morris"
samples = 2
inputs = ["training", "intimidation"]
""", "sweep.toml")
    code, _, _ = cli(capsys, "batch", sweep, "--out", tmp_path / "sweep", "--quiet",
                     "--workers", "1")
    assert code == 0
    # (a year at scale 0.1 sees too few arrests for them to vary between the sweep's runs: a
    # constant outcome has no elementary effects, and its mu_star is NaN)
    code, out, _ = cli(capsys, "sensitivity", tmp_path / "sweep", "--format", "csv",
                       "--outcomes", "victims_identified,new_victims")
    table = pd.read_csv(io.StringIO(out))
    assert len(table) == 2 * 2 and table["mu_star"].notna().all()


@pytest.mark.slow
def test_interrupted_real_batch_resumes_to_the_uninterrupted_results(capsys, tmp_path):
    exp = comparison(tmp_path, replications=6)
    out = tmp_path / "interrupted"
    proc = subprocess.Popen([sys.executable, "-m", "simulation.cli", "batch", str(exp), "--out",
                             str(out), "--workers", "2", "--quiet"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while len(list((out / "runs").glob("*.parquet"))) < 2 and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    landed = len(list((out / "runs").glob("*.parquet")))
    assert proc.returncode == 130, err
    assert "run the same command to resume" in err and landed < 12

    code, text, _ = cli(capsys, "batch", exp, "--out", out, "--workers", "1", "--quiet")
    assert code == 0 and f"ran {12 - landed} in" in text
    run_experiment(exp, tmp_path / "whole", workers=1, progress=False)
    resumed, whole = load_results(out), load_results(tmp_path / "whole")
    pd.testing.assert_frame_equal(resumed.runs, whole.runs)
    pd.testing.assert_frame_equal(resumed.jurisdictions, whole.jurisdictions)
    assert os.path.exists(out / "manifest.json")


def _pretend_other_code(out: Path) -> None:
    """Make a store look as if older model code had made its runs."""
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["model_code"] = "0123456789abcdef"
    for session in manifest["sessions"]:
        session["model_code"] = "0123456789abcdef"
    (out / "manifest.json").write_text(json.dumps(manifest))


def test_resuming_with_other_model_code_is_refused_unless_allowed_or_restarted(capsys, tmp_path):
    from simulation.studies.store import StoreError, model_code_hash

    exp, out = comparison(tmp_path, replications=1, weeks=4), tmp_path / "out"
    run_experiment(exp, out, workers=1, progress=False)
    _pretend_other_code(out)
    parts = sorted((out / "runs").glob("*.parquet"))
    before = {p.name: p.read_bytes() for p in parts}
    with pytest.raises(StoreError, match=r"2 finished runs came from other model code \(model "
                                         r"code 0123456789abcdef.*--restart.*--allow-code-change"):
        run_experiment(exp, out, workers=1, progress=False)
    code, _, err = cli(capsys, "batch", exp, "--out", out, "--quiet")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in sorted((out / "runs").glob("*.parquet"))} == before

    parts[0].unlink()  # one run to do, from this code, beside one from the other
    summary = run_experiment(exp, out, workers=1, progress=False, allow_code_change=True)
    assert summary.ran == 1 and summary.completed == 2
    sessions = json.loads((out / "manifest.json").read_text())["sessions"]
    assert [s["model_code"] for s in sessions] == ["0123456789abcdef", model_code_hash()]
    assert run_experiment(exp, out, workers=1, progress=False).ran == 0  # now this code's store

    _pretend_other_code(out)
    summary = run_experiment(exp, out, workers=1, progress=False, restart=True)
    assert summary.ran == 2
    assert json.loads((out / "manifest.json").read_text())["model_code"] == model_code_hash()


def test_demo_starts_over_when_its_store_is_from_other_model_code(capsys, tmp_path):
    from simulation.studies.store import model_code_hash

    exp, out = comparison(tmp_path, replications=2, weeks=4), tmp_path / "demo"
    assert cli(capsys, "demo", "--experiment", exp, "--out", out, "--workers", "1")[0] == 0
    _pretend_other_code(out)
    code, stdout, _ = cli(capsys, "demo", "--experiment", exp, "--out", out, "--workers", "1")
    assert code == 0 and "starts over" in stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model_code"] == model_code_hash() and manifest["status"]["completed"] == 4
    assert (out / "dashboard.html").stat().st_size > 0


def test_readable_numbers_docstring_examples_hold():
    import doctest

    import simulation.commands.batch as batch
    import simulation.model.display as display
    import simulation.reports.shown as shown

    assert doctest.testmod(batch).failed == 0 and doctest.testmod(display).failed == 0
    assert doctest.testmod(shown).attempted >= 2 and doctest.testmod(shown).failed == 0


def test_demo_never_wipes_another_experiments_store_or_a_users_dashboard(capsys, tmp_path):
    exp, out = comparison(tmp_path, replications=1, weeks=4), tmp_path / "out"
    assert cli(capsys, "batch", exp, "--out", out, "--quiet")[0] == 0
    runs = {p.name: p.read_bytes() for p in (out / "runs").glob("*.parquet")}
    other = tmp_path / "other.toml"
    other.write_text(exp.read_text().replace('name = "tiny"', 'name = "other"'))
    code, _, err = cli(capsys, "demo", "--experiment", other, "--out", out, "--workers", "1")
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "different experiment" in err and "tipsim demo with --restart" in err
    assert {p.name: p.read_bytes() for p in (out / "runs").glob("*.parquet")} == runs

    (out / "dashboard.html").write_text("<p>my own notes</p>")
    code, _, err = cli(capsys, "demo", "--experiment", exp, "--out", out, "--workers", "1")
    assert code == 1 and "dashboard.html: exists and is not a tipsim report" in err
    assert (out / "dashboard.html").read_text() == "<p>my own notes</p>"
    assert {p.name: p.read_bytes() for p in (out / "runs").glob("*.parquet")} == runs
