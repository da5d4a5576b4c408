"""``tipsim run``: summary, JSON and files; bad input is one clear line, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from simulation.cli import main
from simulation.model.registry import OUTCOME_NAMES

from conftest import BASELINE


def test_run_json_has_every_outcome(capsys):
    assert main(["run", str(BASELINE), "--seed", "2", "--weeks", "20", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc) == {"outcomes", "jurisdictions", "by_form", "by_group", "provenance"}
    assert set(doc["by_form"]) == {"sexual", "labour", "criminal"}
    assert set(doc["by_group"]) == {"female", "male", "adult", "child"}
    assert set(doc["outcomes"]) == set(OUTCOME_NAMES)
    assert all(set(o) == set(OUTCOME_NAMES) for o in doc["jurisdictions"].values())
    assert doc["provenance"]["seed"] == 2 and doc["provenance"]["weeks"] == 20


def test_run_summary_and_out_files(tmp_path, capsys):
    assert main(["run", str(BASELINE), "--weeks", "10", "--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "Victims identified" in text and "destination_a" in text
    parquet = pd.read_parquet(tmp_path / "timeseries.parquet")
    csv = pd.read_csv(tmp_path / "timeseries.csv")
    assert len(parquet) == len(csv) == (10 + 104) * 5
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["outcomes"]["new_victims"] == parquet.loc[parquet.week >= 0, "new_victims"].sum()
    assert not list(tmp_path.glob(".*tmp"))


def test_invalid_scenario_is_one_line_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "%s"\n[levers]\ntrainign = 0.5\n' % BASELINE)
    out = subprocess.run([sys.executable, "-m", "simulation.cli", "run", str(bad)],
                         capture_output=True, text=True)
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "levers.trainign" in out.stderr and "did you mean 'training'" in out.stderr
    missing = subprocess.run([sys.executable, "-m", "simulation.cli", "run", "nope.toml"],
                             capture_output=True, text=True)
    assert missing.returncode == 1 and "nope.toml" in missing.stderr
    assert "Traceback" not in missing.stderr
