"""Inputs that used to give a traceback, a hang or a silently wrong answer give one clear line
naming the file or option, the field and what is allowed (issue 16, items 5, 7-9, 11)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import simulation
from simulation.cli import main
from simulation.model.errors import UserError
from simulation.model.limits import cores
from simulation.studies.executors import run_experiment
from simulation.studies.experiment import Experiment, ExperimentError
from simulation.model.scenario import MAX_FILE_BYTES, ScenarioError, load_scenario
from simulation.studies.store import load_results

from conftest import BASELINE

ALLOWED_SEED = "allowed: a whole number from 0 to 9_223_372_036_854_775_807"
TINY = {"extends": str(BASELINE), "run": {"weeks": 2, "burn_in_weeks": 1, "scale": 0.05}}


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def toy_model(spec) -> dict:
    return {"victims_identified": float(np.random.default_rng(spec.seed).normal(10.0)),
            "victim_weeks_exploited": 500.0, "policy_cost": 1.0}


def toy_store(folder: Path) -> Path:
    exp = folder / "exp.toml"
    exp.write_text(f'name = "toy"\nscenarios = ["{BASELINE}", '
                   f'"{BASELINE.parent / "training.toml"}"]\nreplications = 3\n')
    run_experiment(exp, folder / "store", workers=1, run_fn=toy_model, progress=False)
    return folder / "store"


# -- 5. experiment names ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "-rf", "a/b", "../up", ""])
def test_experiment_name_cannot_escape_the_results_folder(tmp_path, name, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exp = tmp_path / "exp.toml"
    exp.write_text(f'name = {json.dumps(name)}\nscenarios = ["{BASELINE}"]\n')
    with pytest.raises(ExperimentError, match=r"exp.toml: name: got .*; allowed: up to 100 "
                                              r"letters, digits, _ \. - starting with"):
        Experiment.load(exp)
    assert main(["batch", str(exp), "--quiet"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


# -- 7. byte limits and regular files --------------------------------------------------------------


@pytest.mark.parametrize("kind", ["scenario", "experiment"])
def test_dev_zero_and_a_fifo_are_refused_at_once(tmp_path, kind):
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    load = load_scenario if kind == "scenario" else Experiment.load
    for path, what in (("/dev/zero", "is a device"), (fifo, r"is a FIFO \(named pipe\)")):
        errors = []
        reader = threading.Thread(target=lambda: errors.append(_error(load, path)), daemon=True)
        reader.start()
        reader.join(10)
        assert not reader.is_alive(), f"reading {path} hangs"
        assert errors and f"{path}: " in errors[0] and "a regular file" in errors[0]


def _error(load, path) -> str:
    try:
        load(path)
    except UserError as exc:
        return str(exc)
    return "no error"


@pytest.mark.parametrize("kind", ["scenario", "experiment"])
def test_input_file_larger_than_the_limit_is_refused(tmp_path, kind):
    big = tmp_path / "big.toml"
    big.write_text("# " + "x" * MAX_FILE_BYTES + "\n")
    load = load_scenario if kind == "scenario" else Experiment.load
    with pytest.raises(UserError, match=r"big.toml: is larger than 1,000,000 bytes"):
        load(big)


# -- 8. compare --confidence and --resamples ------------------------------------------------------


@pytest.mark.parametrize("args, shown", [(["--confidence", "2"], "--confidence 2.0"),
                                         (["--confidence", "nan"], "--confidence nan"),
                                         (["--confidence", "0"], "--confidence 0.0"),
                                         (["--confidence", "1"], "--confidence 1.0"),
                                         (["--confidence", "inf"], "--confidence inf"),
                                         (["--resamples", "0"], "--resamples 0"),
                                         (["--resamples", "-5"], "--resamples -5")])
def test_compare_refuses_a_confidence_outside_0_1_and_no_resamples(tmp_path, capsys, args,
                                                                    shown):
    store = toy_store(tmp_path)
    code, out, err = cli(capsys, "compare", store, *args)
    assert code == 1 and out == "" and err.count("\n") == 1 and shown in err
    assert "allowed:" in err and "Traceback" not in err
    assert cli(capsys, "compare", store, "--confidence", "0.9", "--resamples", "50")[0] == 0


# -- 9. one rule for seeds -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1.5, 1.0, "1", True, -1, 2**63])
def test_every_entry_point_refuses_a_seed_that_is_not_a_whole_number_in_range(seed, tmp_path):
    for call in (lambda: simulation.evaluate(TINY, seed=seed),
                 lambda: simulation.run(TINY, seed=seed),
                 lambda: Experiment.load({"name": "x", "scenarios": [str(BASELINE)],
                                          "seed": seed})):
        with pytest.raises(UserError, match=rf"seed: got .*; {ALLOWED_SEED}$"):
            call()
    with pytest.raises(ScenarioError, match=rf"run.seed: got .*; {ALLOWED_SEED}$"):
        load_scenario(TINY | {"run": TINY["run"] | {"seed": seed}})


def test_the_largest_seed_is_taken_everywhere_and_one_above_it_nowhere(capsys):
    top = 2**63 - 1
    assert simulation.run(TINY, seed=top).provenance["seed"] == top
    assert Experiment.load({"name": "x", "scenarios": [str(BASELINE)], "seed": top}).seed == top
    assert load_scenario(TINY | {"run": TINY["run"] | {"seed": top}}).seed == top
    assert main(["run", str(BASELINE), "--seed", str(top), "--weeks", "1", "--json"]) == 0
    capsys.readouterr()
    for bad in (str(top + 1), "-1", "1.5"):
        with pytest.raises(SystemExit):
            main(["run", str(BASELINE), "--seed", bad])
        err = capsys.readouterr().err
        assert "--seed: got" in err and ALLOWED_SEED in err


# -- 11. tracebacks that are now one line; files that are not overwritten --------------------------


def test_extends_through_a_loop_of_symbolic_links_is_one_line(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    os.symlink(tmp_path / "c.toml", tmp_path / "b.toml")
    os.symlink(tmp_path / "b.toml", tmp_path / "c.toml")
    proc = subprocess.run([sys.executable, "-m", "simulation.cli", "validate",
                           str(tmp_path / "a.toml")], capture_output=True, text=True)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
    assert 'a.toml: extends: got "b.toml": a loop of symbolic links' in proc.stdout + proc.stderr


def test_a_loop_of_symbolic_links_is_named_where_resolve_does_not_raise(tmp_path, monkeypatch):
    """From Python 3.13 a non-strict ``Path.resolve`` returns a path that loops as it is
    (up to 3.12 it raised RuntimeError), and the loop was then reported as a missing file.
    3.13's resolve is imitated here, so that the suite checks the 3.13 behaviour on any
    Python it runs on."""
    real = Path.resolve

    def resolve_as_in_313(self, strict=False):
        if strict:
            return real(self, strict=True)
        try:
            return real(self)
        except RuntimeError:
            return self.absolute()

    monkeypatch.setattr(Path, "resolve", resolve_as_in_313)
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    os.symlink(tmp_path / "c.toml", tmp_path / "b.toml")
    os.symlink(tmp_path / "b.toml", tmp_path / "c.toml")
    with pytest.raises(ScenarioError, match='extends: got "b.toml": a loop of symbolic links'):
        load_scenario(tmp_path / "a.toml")
    (tmp_path / "d.toml").write_text('extends = "missing.toml"\n')  # a missing file is no loop
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(tmp_path / "d.toml")


def test_binary_experiment_file_is_one_line(tmp_path, capsys):
    exp = tmp_path / "exp.toml"
    exp.write_bytes(bytes(range(256)) * 4)
    code, _, err = cli(capsys, "batch", exp)
    assert code == 1 and err == f"tipsim: error: {exp}: is a binary file; allowed: an " \
                                "experiment file (TOML text)\n"
    exp.write_bytes(b'name = "caf\xe9"\n')
    code, _, err = cli(capsys, "batch", exp)
    assert code == 1 and "is not UTF-8 text (byte 0xe9 at offset 11)" in err


def test_evaluate_with_overrides_that_are_not_a_dict_is_one_clear_error():
    with pytest.raises(ScenarioError, match=r"overrides: got a list; allowed: a dict of dotted "
                                            r"paths to values"):
        simulation.evaluate(TINY, overrides=[("run.weeks", 3)])


def test_run_out_refuses_a_file_and_a_users_summary_unless_forced(tmp_path, capsys):
    args = ["run", BASELINE, "--weeks", "1", "--seed", "1", "--out"]
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    code, _, err = cli(capsys, *args, a_file)
    assert code == 1 and err.count("\n") == 1 and "notes.txt: is a file" in err
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "summary.json").write_text('{"chapter": 1}')
    code, _, err = cli(capsys, *args, folder)
    assert code == 1 and err.count("\n") == 1 and "holds summary.json that tipsim did not " \
                                                   "write" in err and "--force" in err
    assert (folder / "summary.json").read_text() == '{"chapter": 1}'
    assert cli(capsys, *args, folder, "--force")[0] == 0
    assert json.loads((folder / "summary.json").read_text())["provenance"]["seed"] == 1
    assert cli(capsys, *args, folder)[0] == 0  # tipsim's own files are simply replaced


def test_dashboard_refuses_a_folder_and_a_users_file_unless_forced(tmp_path, capsys):
    store = toy_store(tmp_path)
    code, _, err = cli(capsys, "dashboard", store, "-o", tmp_path)
    assert code == 1 and err.count("\n") == 1 and "is a folder" in err
    page = tmp_path / "index.html"
    page.write_text("<html>my page</html>")
    code, _, err = cli(capsys, "dashboard", store, "-o", page)
    assert code == 1 and "exists and is not a tipsim report" in err and "--force" in err
    assert page.read_text() == "<html>my page</html>"
    assert cli(capsys, "dashboard", store, "-o", page, "--force")[0] == 0
    assert cli(capsys, "dashboard", store, "-o", page)[0] == 0  # its own report: replaced


# -- 6. requests that cannot fit are refused before work starts -----------------------------------


def huge_demand(folder: Path) -> Path:
    path = folder / "huge.toml"
    path.write_text(f'extends = "{BASELINE}"\nname = "huge"\n[jurisdictions.destination_a]\n'
                    "demand = { sexual = 1e7, labour = 1e7, criminal = 1e7 }\n")
    return path


def test_run_of_a_scenario_that_cannot_fit_in_memory_is_refused_at_once(tmp_path, capsys):
    start = time.perf_counter()
    code, _, err = cli(capsys, "run", huge_demand(tmp_path))
    assert code == 1 and err.count("\n") == 1 and time.perf_counter() - start < 5
    assert re.search(r"huge.toml: scenario 'huge' at scale 1 holds about 30,005,110 victims, "
                     r"about [\d,.]+ GiB of memory per run \(estimated\); this machine has "
                     r"[\d,.]+ GiB; allowed: a smaller demand or scale \(--allow-large runs it "
                     r"anyway\)", err), err


@pytest.mark.parametrize("extra, runs", [
    ("replications = 1_000_000_000", "2,000,000,000 runs (2 scenarios x 1 design points x "
                                     "1,000,000,000 replications)"),
    ('[design]\nmethod = "lhs"\nsamples = 1_000_000_000\ninputs = ["training"]',
     "2,000,000,000 runs (2 scenarios x 1,000,000,000 design points x 1 replications)"),
    ('[design]\nmethod = "grid"\npoints = 1000\n'
     'inputs = ["training", "intimidation", "recruitment_efficiency", "officers"]',
     "2,000,000,000,000 runs (2 scenarios x 1,000,000,000,000 design points"),
])
def test_experiment_of_too_many_runs_is_refused_before_its_design_is_built(tmp_path, capsys,
                                                                          extra, runs):
    exp = tmp_path / "big.toml"
    exp.write_text(f'name = "big"\nscenarios = ["{BASELINE}", '
                   f'"{BASELINE.parent / "training.toml"}"]\n{extra}\n')
    start = time.perf_counter()
    code, _, err = cli(capsys, "batch", exp, "--out", tmp_path / "out")
    assert code == 1 and err.count("\n") == 1 and time.perf_counter() - start < 5
    assert f"big.toml: {runs}" in err and "allowed: at most 1,000,000 runs" in err
    assert "--allow-large" in err and not (tmp_path / "out").exists()


def test_experiment_whose_runs_cannot_fit_is_refused_and_allowed_with_the_flag(tmp_path):
    huge_demand(tmp_path)
    exp = tmp_path / "exp.toml"
    exp.write_text('name = "big"\nscenarios = ["huge.toml"]\n')
    with pytest.raises(UserError, match=r"exp.toml: scenario 'huge' at scale 1 holds about "
                                        r"30,005,110 victims"):
        Experiment.load(exp)
    assert Experiment.load(exp, allow_large=True).n_runs == 1


def test_workers_are_capped_at_the_cores_and_the_runs(tmp_path):
    from simulation.studies.executors import LocalExecutor

    exp = tmp_path / "exp.toml"
    exp.write_text(f'name = "toy"\nscenarios = ["{BASELINE}"]\nreplications = 3\n')
    executor = LocalExecutor(1000)
    summary = run_experiment(exp, tmp_path / "out", executor=executor, run_fn=toy_model,
                             progress=False)
    assert summary.completed == 3 and executor.workers == min(cores(), 3)
    assert load_results(tmp_path / "out").manifest["sessions"][0]["workers"] == executor.workers


def test_workers_default_to_the_cores_this_process_may_use_not_the_machines(monkeypatch):
    # a cluster job given 1 core of a 64-core node: the affinity says 1, os.cpu_count 64
    from simulation.model import limits
    from simulation.reports.dashboard.whatif import Settings
    from simulation.studies.executors import LocalExecutor

    monkeypatch.delattr(os, "process_cpu_count", raising=False)  # Python 3.13's, tried first
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {5}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    assert cores() == 1
    assert LocalExecutor().workers == 1 and LocalExecutor(8).workers == 8  # asked: as asked
    assert limits.useful_workers(8, runs=100, run_bytes_each=1) == 1  # then capped at the cores
    assert Settings().workers == 1
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    assert cores() == 3 and limits.useful_workers(8, runs=100, run_bytes_each=1) == 3


def test_memory_is_what_the_control_group_allows(tmp_path, monkeypatch):
    # a container or a cluster job with less memory than the machine: its cgroup's limit counts
    from simulation.model import limits

    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    proc, root = tmp_path / "cgroup", tmp_path / "sys"
    monkeypatch.setattr(limits, "PROC_CGROUP", proc)
    monkeypatch.setattr(limits, "CGROUP_ROOT", root)
    proc.write_text("0::/job42\n")  # cgroup v2, a job of 1 GiB
    (root / "job42").mkdir(parents=True)
    (root / "job42" / "memory.max").write_text("1073741824\n")
    assert limits.cgroup_memory_limit() == 2**30
    assert limits.memory_bytes() == min(physical, 2**30)
    assert limits.useful_workers(8, runs=100, run_bytes_each=600 * 2**20) == 1  # one fits
    (root / "job42" / "memory.max").write_text("max\n")  # no limit
    assert limits.cgroup_memory_limit() is None and limits.memory_bytes() == physical
    proc.write_text("4:memory:/slurm/job7\n0::/\n")  # cgroup v1's memory controller, 2 GiB
    (root / "memory" / "slurm" / "job7").mkdir(parents=True)
    (root / "memory" / "slurm" / "job7" / "memory.limit_in_bytes").write_text("2147483648\n")
    (root / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")  # unlimited
    assert limits.memory_bytes() == min(physical, 2 * 2**30)
    proc.unlink()  # not Linux: the machine's memory
    assert limits.cgroup_memory_limit() is None and limits.memory_bytes() == physical


@pytest.mark.skipif(not shutil.which("taskset"), reason="needs util-linux's taskset (Linux)")
def test_a_process_pinned_to_one_core_runs_one_worker():
    code = ("import os; from simulation.model.limits import cores; "
            "from simulation.studies.executors import LocalExecutor; "
            "print(cores(), LocalExecutor().workers, len(os.sched_getaffinity(0)))")
    done = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=120, check=True)
    assert done.stdout.split() == ["1", "1", "1"], done.stdout + done.stderr


# -- 10. the explorer checks its options before it starts a server ---------------------------------


@pytest.fixture
def no_server(monkeypatch):
    """Record the server command instead of replacing this process with it."""
    started = []
    monkeypatch.setattr(os, "execve", lambda exe, argv, env: started.append(argv))
    return started


def test_explore_on_every_interface_warns_that_anyone_on_the_network_can_use_it(capsys,
                                                                               no_server):
    assert main(["explore", "--no-open", "--host", "0.0.0.0", "--port", "0"]) == 0
    err = capsys.readouterr().err
    assert "warning: --host 0.0.0.0" in err and "anyone who can reach it on the network" in err
    assert no_server and no_server[0][no_server[0].index("--host") + 1] == "0.0.0.0"
    assert main(["explore", "--no-open", "--host", "127.0.0.1", "--port", "0"]) == 0
    assert "warning" not in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [
    (["--weeks", "1000000000"], "--weeks: got 1000000000; allowed: a whole number from 4 to 5200"),
    (["--port", "70000"], "--port: got 70000; allowed: a whole number from 0 to 65535"),
    (["--port", "-1"], "--port: got -1; allowed"),
    (["--host", "no such host.invalid"], "--host no such host.invalid: not an address"),
    (["--replications", "100000"], "--replications: got 100000"),
])
def test_explore_refuses_bad_options_before_starting_the_server(capsys, no_server, args,
                                                                 message):
    assert main(["explore", "--no-open", *args]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and not no_server


def test_explore_refuses_a_port_in_use(capsys, no_server):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["explore", "--no-open", "--host", "127.0.0.1", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"--port {port}: cannot listen there" in err and not no_server


# -- issue 27: names, devices, IPv6 -----------------------------------------------------------


@pytest.mark.parametrize("name", [".hidden", "..", "x\n", "-rf"])
def test_scenario_names_that_are_hidden_or_hold_a_newline_are_refused(tmp_path, name, capsys):
    (tmp_path / "s.toml").write_text(f'extends = "{BASELINE}"\nname = {json.dumps(name)}\n')
    exp = tmp_path / "exp.toml"
    exp.write_text('name = "e"\nscenarios = ["s.toml"]\nreplications = 2\n')
    code, _, err = cli(capsys, "batch", exp, "--out", tmp_path / "out", "--quiet")
    assert code == 1 and err.count("\n") == 1, err
    assert "scenario name" in err and "allowed: up to 100 letters" in err
    assert not (tmp_path / "out").exists()


def test_experiment_name_with_a_final_newline_is_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    exp = tmp_path / "exp.toml"
    exp.write_text(f'name = "small\\n"\nscenarios = ["{BASELINE}"]\n')
    with pytest.raises(ExperimentError, match=r"name: got 'small\\n'; allowed"):
        Experiment.load(exp)
    assert main(["batch", str(exp), "--quiet"]) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.toml"]


def test_extends_naming_a_device_says_what_it_is(tmp_path):
    os.symlink("/dev/zero", tmp_path / "zero.toml")
    (tmp_path / "a.toml").write_text('extends = "zero.toml"\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.toml")
    assert "is not a regular file" in str(info.value) and "no such file" not in str(info.value)


def test_explorer_prints_an_ipv6_address_in_brackets(capsys, no_server):
    import socket

    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    assert main(["explore", "--no-open", "--host", "::1", "--port", "0"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"http://\[::1\]:\d+ ", out), out


# -- issue 27: one resource estimate before work starts; the ensemble as an input file -------------

ENSEMBLE = BASELINE.parent / "calibration" / "baseline_ensemble"


def test_parameter_draws_count_in_the_runs_of_a_batch(tmp_path, capsys):
    exp = tmp_path / "exp.toml"
    exp.write_text(f'name = "e"\nscenarios = ["{BASELINE}"]\nreplications = 20\n'
                   '[uncertainty]\nsample = ["lever_effects.*"]\ndraws = 100000\n')
    code, _, err = cli(capsys, "batch", exp, "--out", tmp_path / "out", "--quiet")
    assert code == 1 and err.count("\n") == 1
    assert "2,000,000 runs (1 scenarios x 100,000 parameter draws x 20 replications)" in err
    assert "allowed: at most 1,000,000 runs" in err and "--allow-large" in err
    assert not (tmp_path / "out").exists()


def test_morris_levels_are_bounded(tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text(f'name = "e"\nscenarios = ["{BASELINE}"]\n[design]\nmethod = "morris"\n'
                   'samples = 2\nlevels = 1000000000\ninputs = ["training"]\n')
    with pytest.raises(ExperimentError, match=r"exp.toml: design.levels: .*less than or equal "
                                              r"to 100"):
        Experiment.load(exp)


def ensemble_copy(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "ensemble"
    shutil.copytree(ENSEMBLE, folder)
    return folder


def uncertain_experiment(tmp_path: Path, ensemble: Path) -> Path:
    exp = tmp_path / "exp.toml"
    exp.write_text(f'name = "e"\nscenarios = ["{BASELINE}"]\nreplications = 2\n'
                   f'[uncertainty]\nensemble = "{ensemble}"\ndraws = 3\n')
    return exp


def test_an_ensemble_member_that_is_not_a_number_is_refused_up_front(tmp_path, capsys):
    import pandas as pd

    folder = ensemble_copy(tmp_path)
    frame = pd.read_parquet(folder / "ensemble.parquet")
    name = [c for c in frame.columns if c not in ("member", "weight")
            and not c.startswith("sim.")][0]
    frame.loc[3, name] = float("nan")
    frame.to_parquet(folder / "ensemble.parquet", index=False)
    code, _, err = cli(capsys, "batch", uncertain_experiment(tmp_path, folder), "--out",
                       tmp_path / "out", "--quiet")
    assert code == 1 and err.count("\n") == 1
    assert f"member 3 has {name} = nan; allowed: a finite number" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text", ['{"priors": ["a", "b"]}', '{"priors": {}}',
                                  '{"priors": {"x": {"low": "0", "high": 1}}}',
                                  '{"priors": ' + "[" * 50_000 + "]" * 50_000 + "}",
                                  "not json"])
def test_a_hand_edited_ensemble_manifest_is_one_line(tmp_path, capsys, text):
    folder = ensemble_copy(tmp_path)
    (folder / "manifest.json").write_text(text)
    code, _, err = cli(capsys, "batch", uncertain_experiment(tmp_path, folder), "--out",
                       tmp_path / "out", "--quiet")
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert "manifest.json" in err and "allowed" in err


def test_an_ensemble_file_larger_than_the_limit_is_refused_without_reading_it(tmp_path, capsys,
                                                                             monkeypatch):
    import simulation.studies.uncertainty as uncertainty

    folder = ensemble_copy(tmp_path)
    size = (folder / "ensemble.parquet").stat().st_size
    monkeypatch.setattr(uncertainty, "MAX_ENSEMBLE_BYTES", size - 1)
    code, _, err = cli(capsys, "batch", uncertain_experiment(tmp_path, folder), "--out",
                       tmp_path / "out", "--quiet")
    assert code == 1 and err.count("\n") == 1
    assert f"is larger than {size - 1:,} bytes" in err


@pytest.mark.parametrize("resamples", ["100000000000000000000", "1000000000"])
def test_compare_refuses_resamples_that_would_not_fit_with_the_estimate(tmp_path, capsys,
                                                                        resamples):
    store = toy_store(tmp_path)
    code, out, err = cli(capsys, "compare", store, "--resamples", resamples)
    assert code == 1 and out == "" and err.count("\n") == 1 and "Traceback" not in err
    assert "--resamples" in err and "allowed: " in err
    if resamples == "1000000000":  # 3 runs a scenario: 1e9 x 3 x 8 bytes x 4
        assert "about 89.4 GiB of memory for the bootstrap of 3 runs" in err
        assert "--allow-large" in err


def test_compare_allow_large_lifts_the_memory_estimate(tmp_path, capsys, monkeypatch):
    import simulation.model.limits as limits

    store = toy_store(tmp_path)
    monkeypatch.setattr(limits, "memory_bytes", lambda: 1000)  # a machine of 1000 bytes
    code, _, err = cli(capsys, "compare", store, "--resamples", "50")
    assert code == 1 and "at most 5 resamples" in err
    assert cli(capsys, "compare", store, "--resamples", "50", "--allow-large")[0] == 0


# -- issue 27: the corpus of bad inputs in tests/data/bad_inputs -----------------------------------

BAD = Path(__file__).parent / "data" / "bad_inputs"


def corpus(kind: str) -> list[Path]:
    return sorted((BAD / kind).iterdir())


@pytest.mark.parametrize("bad", corpus("store_manifest"), ids=lambda p: p.name)
def test_every_bad_store_manifest_is_one_line_for_every_reader(tmp_path, capsys, bad):
    import shutil

    store = toy_store(tmp_path)
    shutil.copy(bad, store / "manifest.json")
    for command in (["check", store], ["compare", store],
                    ["batch", tmp_path / "exp.toml", "--out", store, "--quiet"]):
        code, _, err = cli(capsys, *command)
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err, (command, err)
        assert "manifest.json" in err
    with pytest.raises(UserError, match="manifest.json"):
        load_results(store)


@pytest.mark.parametrize("bad", corpus("ensemble_manifest"), ids=lambda p: p.name)
def test_every_bad_ensemble_manifest_is_one_line(tmp_path, bad):
    import shutil

    from simulation.inference.calibration.abc import CalibrationRunError, load_ensemble
    from simulation.studies.uncertainty import UncertaintyError

    folder = ensemble_copy(tmp_path)
    shutil.copy(bad, folder / "manifest.json")
    with pytest.raises(UncertaintyError) as info:
        Experiment.load(uncertain_experiment(tmp_path, folder))
    assert "\n" not in str(info.value) and "manifest.json" in str(info.value)
    with pytest.raises(CalibrationRunError) as info:
        load_ensemble(folder)
    assert "\n" not in str(info.value) and "manifest.json" in str(info.value)


@pytest.mark.parametrize("bad", corpus("calibration_state"), ids=lambda p: p.name)
def test_every_bad_calibration_state_is_one_line(tmp_path, bad):
    import shutil

    from simulation.inference.calibration.folder import (CalibrationRunError,
                                                         read_state as _read_state)

    shutil.copy(bad, tmp_path / "state.json")
    with pytest.raises(CalibrationRunError) as info:
        _read_state(tmp_path)
    assert "\n" not in str(info.value) and "state.json" in str(info.value)
    assert "--restart" in str(info.value)


@pytest.mark.parametrize("bad", corpus("toml"), ids=lambda p: p.name)
def test_every_deep_toml_file_is_one_line_as_a_scenario_and_an_experiment(bad):
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    assert "nested too deeply" in str(info.value) and "Traceback" not in str(info.value)
    with pytest.raises(ExperimentError) as info:
        Experiment.load(bad)
    assert "\n" not in str(info.value) and "nested too deeply" in str(info.value)
