"""The results store and the executors: resume after a kill, atomic parts, refusal of a changed
experiment, failed runs, bounded memory, and Dask giving the local executor's results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.model.errors import UserError
from simulation.studies.executors import DaskExecutor, LocalExecutor, run_experiment
from simulation.studies.experiment import Experiment
from simulation.studies.store import load_results

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def toy_model(spec) -> dict:
    """A stand-in for the model. The environment can slow it (TOY_DELAY seconds), make some runs
    raise (TOY_FAIL) or kill their worker process (TOY_EXIT): comma-separated run ids."""
    time.sleep(float(os.environ.get("TOY_DELAY", "0")))
    if spec.run_id in os.environ.get("TOY_FAIL", "").split(","):
        raise RuntimeError(f"injected failure in {spec.run_id}")
    if spec.run_id in os.environ.get("TOY_EXIT", "").split(","):
        os._exit(1)
    rng = np.random.default_rng(spec.seed)
    y = rng.normal(10.0, 1.0) + (2.0 if spec.scenario_name == "policy" else 0.0)
    out = {"outcomes": {"victims_identified": y, "policy_cost": 5.0},
           "jurisdictions": {"north": {"victims_identified": 0.25 * y},
                             "south": {"victims_identified": 0.75 * y}}}
    if spec.record == "weekly":
        weeks = np.arange(-2, 4)
        out["weekly"] = pd.DataFrame({
            "week": np.repeat(weeks, 2), "jurisdiction": ["north", "south"] * len(weeks),
            "victims_identified": rng.poisson(3, 2 * len(weeks))})
    return out


def write_experiment(folder: Path, replications: int = 6, **extra: str) -> Path:
    for name in ("baseline", "policy"):
        (folder / f"{name}.toml").write_text(f'extends = "{BASELINE}"\nname = "{name}"\n')
    lines = ['name = "toy"', 'scenarios = ["baseline.toml", "policy.toml"]',
             f"replications = {replications}", "seed = 3"]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    path = folder / "experiment.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def batch(exp, out, **kw):
    kw = {"workers": 1, "run_fn": toy_model, "progress": False} | kw
    return run_experiment(exp, out, **kw)


def children(pid: int) -> list[int]:
    """Child processes of ``pid`` (Linux; empty elsewhere)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def part_state(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in folder.glob("*.parquet")}


@pytest.mark.slow
def test_resume_after_sigkill_runs_only_missing_runs_and_matches_uninterrupted(tmp_path):
    exp = write_experiment(tmp_path, replications=15)
    full, killed = tmp_path / "full", tmp_path / "killed"
    batch(exp, full)
    driver = (f"import sys; sys.path[:0] = {sys.path!r}\n"
              f"from {toy_model.__module__} import toy_model\n"
              "from simulation.studies.executors import run_experiment\n"
              f"run_experiment({str(exp)!r}, {str(killed)!r}, workers=2, run_fn=toy_model, "
              "progress=False)\n")
    proc = subprocess.Popen([sys.executable, "-c", driver], env=os.environ | {"TOY_DELAY": "0.1"})
    deadline = time.time() + 90
    while len(list((killed / "runs").glob("*.parquet"))) < 8 and time.time() < deadline:
        time.sleep(0.02)
    workers = children(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.time() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "orphaned workers"
    before = part_state(killed / "runs")
    assert 8 <= len(before) < 30
    for part in before:  # a kill never leaves a partial part under a real name
        pd.read_parquet(killed / "runs" / part)
    # debris of a writer killed mid-write must be ignored and swept; a user's hidden .tmp file
    # that is not tipsim's debris is ignored and kept (issue 27)
    (killed / "runs" / ".toy-r999.parquet.1.0123dead.tmp").write_bytes(b"PAR1 half a file")
    (killed / "jurisdictions" / ".garbage.tmp").write_bytes(b"\x00" * 10)

    summary = batch(exp, killed)
    assert summary.ran == 30 - len(before) and summary.skipped == len(before)
    after = part_state(killed / "runs")
    assert {k: after[k] for k in before} == before  # finished runs untouched
    assert list(killed.rglob("*.tmp")) == [killed / "jurisdictions" / ".garbage.tmp"]
    a, b = load_results(full), load_results(killed)
    pd.testing.assert_frame_equal(a.runs.sort_values("run_id").reset_index(drop=True),
                                  b.runs.sort_values("run_id").reset_index(drop=True))
    pd.testing.assert_frame_equal(a.jurisdictions, b.jurisdictions)
    sessions = b.manifest["sessions"]
    assert len(sessions) == 2 and "finished" not in sessions[0]
    assert sessions[1]["ran"] == summary.ran


def test_changed_experiment_is_refused_unless_restarted(tmp_path):
    exp = write_experiment(tmp_path, replications=2)
    batch(exp, tmp_path / "out")
    changed = write_experiment(tmp_path, replications=3)
    with pytest.raises(UserError,
                       match=r"different experiment \(replications: 2 -> 3\).*--restart"):
        batch(changed, tmp_path / "out")
    (tmp_path / "policy.toml").write_text(f'extends = "{BASELINE}"\nname = "policy"\n'
                                          "[parameters]\nintimidation = 0.8\n")
    with pytest.raises(UserError, match="scenario 'policy' changed"):
        batch(changed, tmp_path / "out")
    summary = batch(changed, tmp_path / "out", restart=True)
    assert summary.ran == summary.completed == 6
    assert len(load_results(tmp_path / "out").runs) == 6


def test_store_refuses_a_directory_that_is_not_a_store(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not a tipsim results store"):
        batch(write_experiment(tmp_path), tmp_path / "out")
    assert (tmp_path / "out" / "notes.txt").exists()


def test_failed_run_is_recorded_batch_continues_and_resume_retries_it(tmp_path, monkeypatch):
    exp = write_experiment(tmp_path, replications=3)
    monkeypatch.setenv("TOY_FAIL", "policy-r001,baseline-r002")
    summary = batch(exp, tmp_path / "out")
    assert (summary.completed, summary.failed, summary.ran) == (4, 2, 6)
    failed = load_results(tmp_path / "out").failed
    assert sorted(failed["run_id"]) == ["baseline-r002", "policy-r001"]
    assert failed["error"].str.contains("RuntimeError: injected failure").all()
    assert failed["traceback"].str.contains("toy_model").all()
    monkeypatch.delenv("TOY_FAIL")
    summary = batch(exp, tmp_path / "out")
    assert (summary.completed, summary.failed, summary.ran) == (6, 0, 2)
    assert load_results(tmp_path / "out").failed.empty


@pytest.mark.slow
def test_lost_worker_fails_only_in_flight_runs_and_batch_goes_on(tmp_path, monkeypatch):
    exp = write_experiment(tmp_path, replications=4)
    monkeypatch.setenv("TOY_EXIT", "policy-r001")
    summary = batch(exp, tmp_path / "out", workers=2)
    assert summary.ran == 8 and 1 <= summary.failed <= 4  # the dead run and its in-flight peers
    failed = load_results(tmp_path / "out").failed
    assert "policy-r001" in set(failed["run_id"])
    assert failed["error"].str.contains("BrokenProcessPool").all()
    monkeypatch.delenv("TOY_EXIT")
    summary = batch(exp, tmp_path / "out")
    assert (summary.completed, summary.failed) == (8, 0)


class Spy:
    """A stream of specs that counts how many have been taken from it."""

    def __init__(self, specs):
        self.specs, self.taken = iter(specs), 0

    def __iter__(self):
        return self

    def __next__(self):
        spec = next(self.specs)
        self.taken += 1
        return spec


def test_executor_keeps_a_bounded_number_of_runs_in_flight(tmp_path):
    # (the worker-pool case is checked in test_experiment, the Dask case below)
    exp = Experiment.load(write_experiment(tmp_path, replications=6))
    spy = Spy(exp.runs())
    handed = 0
    for _ in LocalExecutor(1).run(toy_model, spy):
        assert spy.taken - handed <= 1
        handed += 1
    assert handed == spy.taken == 12


def test_batch_streams_each_result_to_the_store_before_taking_the_next(tmp_path):
    class Checking(LocalExecutor):
        def run(self, run_fn, specs):
            assert not isinstance(specs, (list, tuple))  # a lazy stream, never all runs at once
            for n, record in enumerate(super().run(run_fn, specs)):
                yield record
                stored = len(list((tmp_path / "out" / "runs").glob("*.parquet")))
                assert stored == n + 1

    summary = batch(write_experiment(tmp_path, replications=3), tmp_path / "out",
                    executor=Checking(1))
    assert summary.completed == 6


def test_weekly_records_and_manifest_provenance(tmp_path):
    exp = write_experiment(tmp_path, replications=2, record='"weekly"')
    batch(exp, tmp_path / "out")
    results = load_results(tmp_path / "out")
    weekly = results.weekly
    assert len(weekly) == 4 * 6 * 2
    assert list(weekly.columns[:6]) == ["run_id", "scenario", "point", "replication", "week",
                                        "jurisdiction"]
    assert not weekly.duplicated(["run_id", "week", "jurisdiction"]).any()
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["experiment_hash"] == Experiment.load(exp).hash
    assert manifest["seeds"]["master"] == 3
    assert {s["name"] for s in manifest["scenarios"]} == {"baseline", "policy"}
    assert all(len(s["hash"]) == 16 for s in manifest["scenarios"])
    for key in ("tipsim_version", "git_commit", "platform", "created", "design", "runs_total"):
        assert key in manifest
    assert "replications = 2" in manifest["experiment_file"]["text"]
    assert manifest["status"] == {"completed": 4, "failed": 0, "total": 4}


@pytest.mark.slow
def test_dask_cluster_gives_the_local_executors_results(tmp_path):
    distributed = pytest.importorskip("distributed")
    exp = write_experiment(tmp_path, replications=4, record='"weekly"')
    batch(exp, tmp_path / "local")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        summary = batch(exp, tmp_path / "dask",
                        executor=DaskExecutor(scheduler=cluster.scheduler_address))
        spy = Spy(Experiment.load(exp).runs())
        handed = 0
        for _ in DaskExecutor(scheduler=cluster.scheduler_address, max_in_flight=2).run(
                toy_model, spy):
            assert spy.taken - handed <= 2
            handed += 1
    assert summary.completed == 8 and summary.failed == 0
    local, dask = load_results(tmp_path / "local"), load_results(tmp_path / "dask")
    pd.testing.assert_frame_equal(local.runs, dask.runs)
    pd.testing.assert_frame_equal(local.jurisdictions, dask.jurisdictions)
    pd.testing.assert_frame_equal(local.weekly, dask.weekly)


def uncertain_experiment(folder: Path) -> Path:
    """An experiment whose inputs come from scipy's code: a Latin hypercube design and draws
    from a PERT and a lognormal prior."""
    for name in ("baseline", "policy"):
        (folder / f"{name}.toml").write_text(f'extends = "{BASELINE}"\nname = "{name}"\n')
    path = folder / "experiment.toml"
    path.write_text('name = "toy"\nscenarios = ["baseline.toml", "policy.toml"]\n'
                    'replications = 2\nseed = 3\n'
                    '[design]\nmethod = "lhs"\nsamples = 3\ninputs = ["awareness_recruitment"]\n'
                    '[uncertainty]\nsample = ["online_identification_rate", "recognition_trained"]'
                    '\ndraws = 4\n[uncertainty.priors]\n'
                    'recognition_trained = { distribution = "pert", low = 0.1, mode = 0.3, '
                    'high = 0.9 }\n')
    return path


def as_another_machine_derives(monkeypatch) -> None:
    """Every design point and prior quantile derived from now on one unit in the last place
    higher, as another kind of CPU or another scipy could derive them."""
    from simulation.model import distributions
    from simulation.studies import experiment as experiment_module

    ppf, design_matrix = distributions.Distribution.ppf, experiment_module.design_matrix
    monkeypatch.setattr(distributions.Distribution, "ppf",
                        lambda self, u: np.nextafter(ppf(self, u), np.inf))
    monkeypatch.setattr(experiment_module, "design_matrix",
                        lambda *a: np.nextafter(design_matrix(*a), np.inf))


def test_a_resume_where_the_design_and_draws_come_out_otherwise_runs_the_stored_values(
        tmp_path, monkeypatch):
    """The design's points (scipy's Latin hypercube) and the parameter draws (scipy's inverse
    distribution functions of PERT and lognormal priors) are derived from the master seed by
    other libraries' code, which can give other last bits on another kind of CPU (ODD 4) and
    other values with another version of scipy. A batch resumed there must still run the values
    it started with: the store keeps them, and the resumed store equals the uninterrupted one."""
    path = uncertain_experiment(tmp_path)
    full, resumed = tmp_path / "full", tmp_path / "resumed"
    batch(path, full)
    batch(path, resumed)
    manifest = json.loads((resumed / "manifest.json").read_text())
    kept = manifest["design_values"]
    assert kept["design"]["shape"] == [3, 1] and kept["draws"]["shape"] == [4, 2]
    for part in sorted((resumed / "runs").glob("*.parquet"))[::2]:  # as if stopped mid-batch
        part.unlink()
    as_another_machine_derives(monkeypatch)
    summary = batch(path, resumed)
    assert summary.ran == 24
    after = json.loads((resumed / "manifest.json").read_text())
    # 3 design values and 4 draws of 2 parameters, each one ulp off, were replaced
    assert after["sessions"][-1]["design_values_derived_here_differ"] == 3 + 8
    pd.testing.assert_frame_equal(load_results(resumed).runs, load_results(full).runs)
    # without the kept values, the resumed runs would have taken the other machine's values
    del after["design_values"]
    (resumed / "manifest.json").write_text(json.dumps(after))
    for part in sorted((resumed / "runs").glob("*.parquet"))[::2]:
        part.unlink()
    batch(path, resumed)
    assert not load_results(resumed).runs.equals(load_results(full).runs)


def test_a_manifest_whose_kept_design_values_were_edited_is_one_clear_error(tmp_path):
    exp = write_experiment(tmp_path, replications=2)
    out = tmp_path / "out"
    batch(exp, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["design_values"]["design"]["shape"] == [1, 0]
    manifest["design_values"]["design"]["shape"] = [2, 0]
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match=r"manifest.json: design_values.design: damaged, or not "
                                        r"the values of this experiment's 0 inputs"):
        batch(exp, out)
    assert len(load_results(out).runs) == 4  # nothing written is lost


def test_a_design_too_large_to_keep_resumes_only_where_it_derives_the_same_values(
        tmp_path, monkeypatch):
    from simulation.studies import store_provenance

    monkeypatch.setattr(store_provenance, "KEPT_VALUES_BYTES", 0)  # keep checksums only
    path = uncertain_experiment(tmp_path)
    out = tmp_path / "out"
    batch(path, out)
    kept = json.loads((out / "manifest.json").read_text())["design_values"]
    assert "values" not in kept["draws"] and len(kept["draws"]["sha256"]) == 64
    for part in sorted((out / "runs").glob("*.parquet"))[::2]:
        part.unlink()
    before = {p.name for p in (out / "runs").glob("*.parquet")}
    with monkeypatch.context() as elsewhere:
        as_another_machine_derives(elsewhere)
        with pytest.raises(UserError, match=r"design_values.design: the 3 values derived here "
                                            r"are not the ones this store began with"):
            batch(path, out)
    assert {p.name for p in (out / "runs").glob("*.parquet")} == before  # nothing lost
    assert batch(path, out).ran == 24  # where they are the same, it resumes
