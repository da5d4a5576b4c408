"""A newcomer's first hour with the command line: quick to start, messages that say what a file
is and which command takes it, "did you mean" for slips, tables that fit the terminal."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from simulation.cli import main

HEAVY = ("pandas", "numpy", "scipy", "mesa", "pydantic", "plotly", "pyarrow", "networkx")


def test_help_imports_no_heavy_library():
    """``tipsim --help`` (and the parser every command builds) loads none of the scientific
    libraries: they load inside the command that needs them (see ``python -X importtime``)."""
    code = ("import sys; from simulation.cli import build_parser; build_parser(); "
            "import json; print(json.dumps(sorted(m for m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = set(json.loads(done.stdout))
    assert [m for m in HEAVY if m in loaded] == []


def test_the_package_still_offers_its_one_line_tasks():
    import simulation

    assert simulation.SCENARIOS.name in ("scenarios", "library")
    assert callable(simulation.run) and simulation.load_scenario is not None
    with pytest.raises(AttributeError):
        simulation.no_such_thing  # noqa: B018


# -- messages that say what a file is and which command takes it ------------------------------

ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.toml"
EXPERIMENT = ROOT / "scenarios" / "experiments" / "policy_comparison.toml"


def _error(capsys, *args) -> str:
    capsys.readouterr()
    assert main([str(a) for a in args]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_batch_on_a_scenario_says_it_is_a_scenario_and_which_command_runs_it(capsys, tmp_path):
    err = _error(capsys, "batch", SCENARIO, "--out", tmp_path / "out")
    assert "a scenario file" in err and "not an experiment file" in err
    assert f"tipsim run {SCENARIO}" in err and "unknown field" not in err
    assert not (tmp_path / "out").exists()


def test_run_on_an_experiment_says_it_is_an_experiment_and_which_command_runs_it(capsys):
    err = _error(capsys, "run", EXPERIMENT)
    assert "an experiment file" in err and f"tipsim batch {EXPERIMENT}" in err
    assert "unknown key" not in err and "jurisdictions" not in err


def test_a_wrong_option_prints_the_commands_usage_and_the_nearest_option(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", str(SCENARIO), "--seeds", "3"])
    err = capsys.readouterr().err
    assert stop.value.code == 2
    assert err.startswith("usage: tipsim run ") and "did you mean '--seed'?" in err


def test_a_mistyped_command_or_choice_gets_did_you_mean(capsys):
    with pytest.raises(SystemExit):
        main(["compar", "results"])
    assert "did you mean 'compare'?" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["compare", "results", "--format", "tabel"])
    assert "did you mean 'table'?" in capsys.readouterr().err


def test_a_mistyped_file_or_folder_gets_the_nearest_name(capsys, tmp_path):
    err = _error(capsys, "run", SCENARIO.with_name("baselin.toml"))
    assert f"did you mean '{SCENARIO}'?" in err
    (tmp_path / "policy_results").mkdir()
    err = _error(capsys, "compare", tmp_path / "policy_result")
    assert "no such results folder" in err and "policy_results'?" in err


def test_check_on_an_empty_folder_says_it_is_empty_and_what_writes_one(capsys, tmp_path):
    err = _error(capsys, "check", tmp_path)
    assert "it is empty" in err and "tipsim batch" in err and "--restart" not in err


def test_compare_on_one_runs_output_says_so(capsys, tmp_path):
    code = main(["run", str(SCENARIO), "--weeks", "4", "--out", str(tmp_path / "one"),
                 "--json"])
    assert code == 0
    for command in ("compare", "dashboard", "check"):
        err = _error(capsys, command, tmp_path / "one")
        assert "the output of one run" in err and "does not write" not in err


def test_a_users_own_scenario_in_scenarios_is_not_taken_for_a_shipped_one(tmp_path):
    """The getting-started guide saves a scenario in scenarios/: the tests of the shipped
    library (the comparison lists every shipped scenario, each loads, ...) leave it alone."""
    import uuid

    from shipped import shipped

    draft = ROOT / "scenarios" / f"my_draft_{uuid.uuid4().hex[:8]}.toml"
    draft.write_text('extends = "baseline.toml"\n[levers]\nnot_a_lever = 1\n')
    try:
        names = [p.name for p in shipped()]
        assert draft.name not in names and "baseline.toml" in names
    finally:
        draft.unlink()


# -- tables that fit the terminal --------------------------------------------------------------


def test_levers_is_grouped_and_one_group_can_be_shown(capsys, monkeypatch):
    from simulation.model.registry import LEVERS, PARAMETERS

    monkeypatch.setenv("COLUMNS", "80")
    capsys.readouterr()
    assert main(["levers", "--group", "lever_effects"]) == 0
    out = capsys.readouterr().out
    named = {line.split()[0] for line in out.splitlines()
             if line and not line.startswith((" ", "-", "Parameters", "name"))}
    assert named == {p for p, v in PARAMETERS.items()
                     if v.group == "lever_effects"}
    assert max(len(line) for line in out.splitlines()) <= 80
    assert main(["levers"]) == 0
    out = capsys.readouterr().out
    headings = [line for line in out.splitlines() if line.startswith(("Levers", "Parameters"))]
    assert headings[0].startswith(f"Levers ({len(LEVERS)})") and len(headings) > 5
    assert max(len(line) for line in out.splitlines()) <= 80


def test_compare_table_fits_the_terminal_and_says_what_it_left_out(capsys, monkeypatch,
                                                                   uncertainty_results):
    monkeypatch.setenv("COLUMNS", "100")
    capsys.readouterr()
    assert main(["compare", str(uncertainty_results)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert lines[0].split()[:2] == ["scenario", "outcome"] and "difference" in lines[0]
    note = " ".join(lines[lines.index(next(x for x in lines if x.startswith("("))):])
    assert "left out to fit 100 characters" in note
    assert any(line.startswith("prevention") and "victim_years_exploited" in line
               for line in lines)


# -- a quiet stop ------------------------------------------------------------------------------

STOPPED_BY_SIGTERM = """
import os, signal, time
from simulation.reports.dashboard import whatif
from simulation.reports.dashboard.serve import end_on_sigterm

if __name__ == "__main__":
    end_on_sigterm()  # as the explorer's server process does
    pool = whatif._pool(2)
    [f.result() for f in [pool.submit(time.sleep, 0.1) for _ in range(2)]]
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)
"""


def test_the_explorer_stopped_by_sigterm_leaks_no_semaphore(tmp_path):
    """uvicorn re-raises the SIGTERM it caught once it has shut down; ended by Python's
    default handler, the what-if pool's semaphores were reported leaked by the resource
    tracker (5 of them)."""
    script = tmp_path / "stopped.py"
    script.write_text(STOPPED_BY_SIGTERM)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 143, done.stderr
    assert "leaked" not in done.stderr and "Traceback" not in done.stderr, done.stderr
