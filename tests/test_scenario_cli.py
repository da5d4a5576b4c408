"""`tipsim validate`, `levers`, `show` and `schema`, and the generated docs."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest

from simulation.cli import main
from simulation.commands.scenario import DOC_END, DOC_START, render_levers
from simulation.model.registry import LEVERS, PARAMETERS
from simulation.model.scenario import load_scenario, read_document, to_document
from shipped import shipped

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = shipped()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_accepts_every_shipped_scenario(capsys):
    code, out, err = run(capsys, "validate", *map(str, SHIPPED))
    assert code == 0, out + err
    assert out.splitlines() == [f"{p}: ok" for p in SHIPPED]


def test_validate_prints_one_line_per_problem_and_fails(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"\n'
                   "[levers]\ntraining = 2\ntrainig = 0.5\n", encoding="utf-8")
    code, out, err = run(capsys, "validate", "-q", str(bad), str(SHIPPED[0]))
    assert code == 1
    assert out.splitlines() == [
        f"{bad}: levers.training: got 2; allowed: a number from 0 to 1",
        f"{bad}: levers.trainig: unknown key (did you mean 'training'?); allowed: "
        + ", ".join(n for n in LEVERS if LEVERS[n].scope == "jurisdiction"),
    ]
    assert "Traceback" not in err


def test_validate_reports_unreadable_files_without_traceback(capsys, tmp_path):
    binary = tmp_path / "x.toml"
    binary.write_bytes(b"\x00\x01\x02")
    code, out, err = run(capsys, "validate", str(binary), str(tmp_path / "missing.toml"))
    assert code == 1
    assert out.splitlines() == [f"{binary}: is a binary file; allowed: a TOML text file",
                                f"{tmp_path / 'missing.toml'}: no such scenario file"]


def test_installed_command_validates_the_library():
    tipsim = Path(sys.executable).parent / "tipsim"
    if not tipsim.exists():
        pytest.fail("the tipsim command is not installed: run `make test` (pip install -e .)")
    done = subprocess.run([str(tipsim), "validate", "-q", *map(str, SHIPPED)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_show_prints_toml_that_loads_to_the_same_hash(capsys, tmp_path, path):
    code, out, _ = run(capsys, "show", str(path))
    assert code == 0
    resolved = tmp_path / "resolved.toml"
    resolved.write_text(out, encoding="utf-8")
    assert "extends" not in tomllib.loads(out)
    assert load_scenario(resolved).hash == load_scenario(path).hash


def test_show_of_an_invalid_file_fails_cleanly(capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[run]\nweeks = 0\n", encoding="utf-8")
    code, out, err = run(capsys, "show", str(bad))
    assert code == 1 and out == ""
    assert f"{bad}: run.weeks: got 0; allowed: a whole number from 1 to 5200" in err


def test_schema_is_a_json_schema_that_matches_the_validator(capsys):
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in SHIPPED:
        validator.validate(read_document(path))
        validator.validate(to_document(load_scenario(path)))
    doc = read_document(ROOT / "scenarios" / "training.toml")
    doc["jurisdictions"]["destination_a"]["training"] = 2
    doc["policy"][0]["value"] = 5
    doc["levers"]["trainig"] = 0.5
    assert len(list(validator.iter_errors(doc))) == 3


def test_schema_documents_every_lever_with_its_range(capsys):
    _, out, _ = run(capsys, "schema")
    levers = json.loads(out)["$defs"]["RegionLevers"]["properties"]
    assert levers["training"]["minimum"] == 0 and levers["training"]["maximum"] == 1
    assert levers["officers"]["type"] == "integer"
    assert levers["training"]["title"] == LEVERS["training"].label


@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_levers_lists_every_lever_and_parameter(capsys, fmt):
    code, out, _ = run(capsys, "levers", "--format", fmt)
    assert code == 0
    for name in list(LEVERS) + list(PARAMETERS):
        assert name in out


def test_levers_json_carries_the_registry(capsys):
    _, out, _ = run(capsys, "levers", "--format", "json")
    data = json.loads(out)
    assert [x["name"] for x in data["levers"]] == list(LEVERS)
    assert [x["name"] for x in data["parameters"]] == list(PARAMETERS)
    training = data["levers"][list(LEVERS).index("training")]
    assert (training["scope"], training["default"], training["low"], training["high"],
            training["unit_cost"]) == ("jurisdiction", LEVERS["training"].default, 0, 1,
                                       LEVERS["training"].unit_cost)


def test_levers_markdown_has_a_row_per_lever(capsys):
    _, out, _ = run(capsys, "levers", "--format", "markdown")
    rows = [line for line in out.splitlines() if line.startswith("| `")]
    assert len(rows) == len(LEVERS) + len(PARAMETERS)
    assert "| `extradition` | pair |" in out


def test_docs_lever_tables_are_current():
    doc = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    generated = doc.split(DOC_START, 1)[1].split(DOC_END, 1)[0].strip()
    assert generated == render_levers("markdown"), (
        "docs/scenarios.md is out of date: run `tipsim levers --into docs/scenarios.md`")


def test_levers_into_rewrites_only_the_generated_section(capsys, tmp_path):
    page = tmp_path / "page.md"
    page.write_text(f"before\n{DOC_START}\nstale-table\n{DOC_END}\nafter\n", encoding="utf-8")
    assert run(capsys, "levers", "--into", str(page))[0] == 0
    text = page.read_text(encoding="utf-8")
    assert text.startswith(f"before\n{DOC_START}\n### Levers") and text.endswith(
        f"{DOC_END}\nafter\n")
    assert "stale-table" not in text
    page.write_text("no markers", encoding="utf-8")
    code, _, err = run(capsys, "levers", "--into", str(page))
    assert code == 1 and "no generated section" in err
