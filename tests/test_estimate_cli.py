"""tipsim estimate, and the contacts and spells that tipsim run --out and batch stores keep for it
(synthetic tables in the shape the model records; no model runs)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from simulation.cli import main
from simulation.commands.run import write_run
from simulation.studies.executors import run_experiment
from simulation.studies.store import load_results

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
LISTS = ("police", "ngo", "inspection", "hotline")
PROBABILITIES = (0.3, 0.25, 0.2, 0.15)


def lists_and_truth(seed: int, people: int = 800, years: int = 2):
    """Contacts and spells of a closed population per year, seen by independent lists."""
    rng = np.random.default_rng(seed)
    contacts, spells = [], []
    for year in range(years):
        for n in range(people):
            person = year * people + n
            where = ("origin", "destination_a")[n % 2]
            form = ("sexual", "labour", "criminal")[n % 3]
            sex, age = ("female", "male")[n % 4 == 0], ("adult", "child")[n % 6 == 0]
            spells.append((person, 52 * year, 52 * year + 30, where, form, sex, age))
            for name, p in zip(LISTS, PROBABILITIES):
                if rng.random() < p:
                    contacts.append((person, name, 52 * year + 10, where, form, sex, age,
                                     name == "police"))
    group = ["jurisdiction", "form", "sex", "age_group"]
    return (pd.DataFrame(contacts, columns=["person", "list", "week", *group, "identified"]),
            pd.DataFrame(spells, columns=["person", "start", "end", *group]))


def fake_run(contacts=None, exploited=None):
    return SimpleNamespace(timeseries=pd.DataFrame({"week": [0], "x": [1.0]}),
                           to_dict=lambda: {"outcomes": {}, "jurisdictions": {},
                                            "provenance": {"tipsim_version": "0"}},
                           contacts=contacts, exploited=exploited)


def test_run_out_writes_contacts_and_spells_when_the_model_records_them(tmp_path):
    contacts, exploited = lists_and_truth(1)
    write_run(fake_run(contacts, exploited), tmp_path)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "contacts.parquet"), contacts)
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "exploited.parquet"), exploited)
    write_run(fake_run(), tmp_path)  # a model without them leaves none behind
    assert not (tmp_path / "contacts.parquet").exists()
    assert (tmp_path / "summary.json").exists()


def test_estimate_prints_estimate_truth_and_error_per_year(tmp_path, capsys):
    write_run(fake_run(*lists_and_truth(2)), tmp_path)
    assert main(["estimate", str(tmp_path), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["year"] for r in rows] == [0, 1] and {r["truth"] for r in rows} == {800}
    for r in rows:
        assert abs(r["relative_error"]) < 0.2 and r["low"] <= r["estimate"] <= r["high"]
    assert main(["estimate", str(tmp_path), "--year", "1", "--form", "labour",
                 "--criterion", "bic"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["year", "scope", "lists"] and len(out) == 2
    assert out[1].split()[:2] == ["1", "labour"] and "267" in out[1]  # 800 / 3 labour victims


@pytest.mark.parametrize("change, message", [
    (lambda c: c.assign(person=np.arange(len(c))), "no person is on more than one list"),
    (lambda c: c.assign(list="police"), "only one list (police)"),
])
def test_estimate_refuses_lists_that_cannot_give_an_estimate(tmp_path, capsys, change, message):
    contacts, exploited = lists_and_truth(3)
    write_run(fake_run(change(contacts), exploited), tmp_path)
    assert main(["estimate", str(tmp_path), "--year", "0"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("tipsim: error: year 0, region: ") and message in err
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_estimate_names_an_unknown_scope_and_a_folder_without_contacts(tmp_path, capsys):
    write_run(fake_run(*lists_and_truth(4)), tmp_path / "run")
    assert main(["estimate", str(tmp_path / "run"), "--jurisdiction", "atlantis"]) == 1
    assert "unknown jurisdiction 'atlantis'; the contacts have destination_a, origin" in \
        capsys.readouterr().err
    write_run(fake_run(), tmp_path / "bare")
    assert main(["estimate", str(tmp_path / "bare")]) == 1
    assert "no contacts.parquet" in capsys.readouterr().err


def toy_model_with_lists(spec) -> dict:
    """A stand-in for the model that records contacts and spells."""
    out = {"outcomes": {"victims_identified": 1.0}}
    if "contacts" in ({spec.record} if isinstance(spec.record, str) else set(spec.record)):
        out["contacts"], out["exploited"] = lists_and_truth(spec.seed % 1000, people=400,
                                                            years=1)
    return out


def write_experiment(folder: Path, record: str) -> Path:
    (folder / "baseline.toml").write_text(f'extends = "{BASELINE}"\nname = "baseline"\n')
    path = folder / "experiment.toml"
    path.write_text(f'name = "lists"\nscenarios = ["baseline.toml"]\nreplications = 3\n'
                    f"seed = 5\nrecord = {record}\n")
    return path


def test_a_store_keeps_contacts_when_asked_and_estimate_summarises_the_batch(tmp_path, capsys):
    exp = write_experiment(tmp_path, '["weekly", "contacts"]')
    run_experiment(exp, tmp_path / "store", workers=1, run_fn=toy_model_with_lists,
                   progress=False)
    results = load_results(tmp_path / "store")
    assert len(results.contacts) > 0 and results.contacts["run_id"].nunique() == 3
    assert results.contacts["identified"].dtype == bool
    assert set(results.exploited.groupby("run_id")["person"].nunique()) == {400}
    assert main(["estimate", str(tmp_path / "store"), "--format", "csv"]) == 0
    table = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert list(table["scenario"]) == ["baseline"] * 3 and (table["truth"] == 400).all()
    assert main(["estimate", str(tmp_path / "store"), "--summary", "--format", "json"]) == 0
    (summary,) = json.loads(capsys.readouterr().out)
    assert summary["runs"] == 3 and abs(summary["bias"]) < 0.2 and summary["truth"] == 400
    assert main(["check", str(tmp_path / "store")]) == 0


def test_a_store_without_contacts_gets_one_clear_message(tmp_path, capsys):
    exp = write_experiment(tmp_path, '"summary"')
    run_experiment(exp, tmp_path / "store", workers=1, run_fn=toy_model_with_lists,
                   progress=False)
    assert load_results(tmp_path / "store").contacts.empty
    assert main(["estimate", str(tmp_path / "store")]) == 1
    assert 'has no contacts; run the experiment with record = "contacts"' in \
        capsys.readouterr().err


@pytest.mark.parametrize("record, ok", [("contacts", True), (["weekly", "contacts"], True),
                                        ("hourly", False), (["weekly", "summary"], False),
                                        ([], False)])
def test_record_takes_contacts_alone_or_beside_weekly(record, ok):
    from simulation.studies.experiment import Experiment

    doc = {"name": "lists", "scenarios": [str(BASELINE)], "record": record}
    if ok:
        assert Experiment.model_validate(doc).record == record
    else:
        with pytest.raises(ValueError, match='allowed: "summary", "weekly", "contacts"'):
            Experiment.model_validate(doc)
