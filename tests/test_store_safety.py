"""Results are never mixed or lost: one writer per store, restart only on tipsim's own stores,
damaged parts found and redone, a full disk and SIGTERM ending a batch cleanly (issue 16)."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulation.cli import main
from simulation.model.errors import UserError
from simulation.studies.executors import run_experiment
from simulation.studies.experiment import Experiment
from simulation.studies.store import ResultStore, load_results
from simulation.studies.store_lock import StoreLockedError

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def toy_model(spec) -> dict:
    """A stand-in for the model (TOY_DELAY seconds per run; while the file TOY_GATE exists, it
    waits, for up to a minute)."""
    time.sleep(float(os.environ.get("TOY_DELAY", "0")))
    gate, deadline = os.environ.get("TOY_GATE"), time.time() + 60
    while gate and os.path.exists(gate) and time.time() < deadline:
        time.sleep(0.01)
    rng = np.random.default_rng(spec.seed)
    y = rng.normal(10.0, 1.0) + spec.inputs.get("training", 0.0)
    return {"outcomes": {"victims_identified": y, "policy_cost": 5.0},
            "jurisdictions": {"north": {"victims_identified": 0.25 * y},
                              "south": {"victims_identified": 0.75 * y}}}


def experiment(folder: Path, replications: int = 3, seed: int = 3, name: str = "exp.toml",
               values: str = "") -> Path:
    for scenario in ("baseline", "policy"):
        path = folder / f"{scenario}.toml"
        if not path.exists():
            path.write_text(f'extends = "{BASELINE}"\nname = "{scenario}"\n')
    lines = ['name = "toy"', 'scenarios = ["baseline.toml", "policy.toml"]',
             f"replications = {replications}", f"seed = {seed}"]
    if values:
        lines += ["[design]", 'method = "grid"', f"inputs = {{training = [{values}]}}"]
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def batch(exp, out, **kw):
    return run_experiment(exp, out, **({"workers": 1, "run_fn": toy_model, "progress": False}
                                       | kw))


def cli(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


DRIVER = """import os, sys, time
sys.path[:0] = {path!r}
from {module} import toy_model
from simulation.studies.executors import run_experiment
from simulation.studies.experiment import Experiment
from simulation.studies.store import ResultStore
from simulation.studies.experiment import Experiment
mode = sys.argv[1]
if mode == "hold-and-die":
    ResultStore.open(sys.argv[3], Experiment.load(sys.argv[2]), model="{module}:toy_model")
    os.kill(os.getpid(), 9)
try:
    run_experiment(sys.argv[2], sys.argv[3], workers=1, run_fn=toy_model, progress=False,
                   restart=mode == "restart")
except Exception as exc:
    print(type(exc).__name__ + ": " + str(exc), file=sys.stderr)
    sys.exit(1)
"""


def driver(mode: str, exp: Path, out: Path, delay: float = 0.0, gate: Path | None = None
           ) -> subprocess.Popen:
    code = DRIVER.format(path=sys.path, module=toy_model.__module__)
    env = os.environ | {"TOY_DELAY": str(delay), "TOY_GATE": str(gate or "")}
    return subprocess.Popen([sys.executable, "-c", code, mode, str(exp), str(out)], env=env,
                            text=True, stderr=subprocess.PIPE)


# -- 1. one writer at a time ----------------------------------------------------------------------


def test_second_writer_is_refused_naming_the_process_that_holds_the_store(tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    with ResultStore.open(out, Experiment.load(exp), model=f"{toy_model.__module__}:toy_model"):
        for restart in (False, True):
            with pytest.raises(StoreLockedError, match=rf"another batch is writing this store "
                                                       rf"\(process {os.getpid()} on "):
                batch(exp, out, restart=restart)
    assert batch(exp, out).completed == 6  # the lock went with the first writer


def test_concurrent_batches_in_two_processes_never_mix_seeds(tmp_path):
    a, b = experiment(tmp_path, seed=1, name="a.toml"), experiment(tmp_path, seed=2, name="b.toml")
    out, gate = tmp_path / "out", tmp_path / "gate"
    gate.touch()  # the first batch holds the store, waiting in its first run, until removed
    first = driver("start", a, out, gate=gate)
    deadline = time.time() + 60
    while not (out / "runs").is_dir() and time.time() < deadline:
        time.sleep(0.02)
    second = driver("restart", b, out)
    assert second.wait(60) == 1
    gate.unlink()
    err = second.stderr.read()
    assert err.count("\n") == 1 and f"process {first.pid} on" in err, err
    assert first.wait(60) == 0
    results = load_results(out)  # checks every part's seed against the manifest
    assert results.manifest["seeds"]["master"] == 1 and len(results.runs) == 6


def test_lock_left_by_a_killed_batch_is_taken_over(tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    dead = driver("hold-and-die", exp, out)
    assert dead.wait(60) == -signal.SIGKILL
    assert json.loads((out / "writer.lock").read_text())["pid"] == dead.pid
    summary = batch(exp, out)
    assert summary.completed == 6 and summary.previous_writer["pid"] == dead.pid
    assert load_results(out).manifest["sessions"][-1]["took_over_lock_of"]["pid"] == dead.pid
    assert (out / "writer.lock").read_text() == ""  # a clean end leaves no holder behind


# -- 2. restart deletes only what tipsim wrote ---------------------------------------------------


def test_restart_never_touches_a_folder_that_is_not_a_store(tmp_path, capsys):
    exp = experiment(tmp_path)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "manifest.json").write_text('{"title": "my thesis figures"}')
    (mine / "chapter1.docx").write_text("years of work")
    (mine / "runs").mkdir()
    (mine / "runs" / "data.csv").write_text("1,2,3")
    before = sorted(p.relative_to(mine) for p in mine.rglob("*"))
    for restart in ([], ["--restart"]):
        code, _, err = cli(capsys, "batch", exp, "--out", mine, "--quiet", *restart)
        assert code == 1 and err.count("\n") == 1 and "not a tipsim results store" in err
        assert "--restart" not in err
    assert sorted(p.relative_to(mine) for p in mine.rglob("*")) == before
    assert (mine / "chapter1.docx").read_text() == "years of work"


def test_restart_deletes_tipsims_files_and_keeps_a_users_file_in_a_store(tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    (out / "runs" / "README.txt").write_text("notes")
    summary = batch(experiment(tmp_path, seed=9), out, restart=True)
    assert summary.ran == 6 and (out / "runs" / "README.txt").read_text() == "notes"
    assert load_results(out).manifest["seeds"]["master"] == 9


def test_truncated_manifest_is_refused_without_restart_and_restarted_with_it(tmp_path, capsys):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    text = (out / "manifest.json").read_text()
    (out / "manifest.json").write_text(text[: len(text) // 2])
    code, _, err = cli(capsys, "batch", exp, "--out", out, "--quiet")
    assert code == 1 and err.count("\n") == 1
    assert "manifest.json is damaged" in err and "--restart" in err
    assert batch(exp, out, restart=True).ran == 6
    assert json.loads((out / "manifest.json").read_text())["format"] == "tipsim-results/1"


# -- 3. damaged parts ----------------------------------------------------------------------------


def flip_a_data_bit(file: Path, column: str) -> None:
    """Flip one bit inside ``column``'s data page (not the footer)."""
    meta = pq.read_metadata(file).row_group(0)
    chunk = next(meta.column(i) for i in range(meta.num_columns)
                 if meta.column(i).path_in_schema == column)
    end = (chunk.dictionary_page_offset or chunk.data_page_offset) + chunk.total_compressed_size
    data = bytearray(file.read_bytes())
    data[end - 2] ^= 0x04
    file.write_bytes(bytes(data))


def damage(out: Path) -> set[str]:
    """Truncate one part, flip a bit in another, put a third run's part under a wrong name."""
    runs = out / "runs"
    data = (runs / "baseline-r001.parquet").read_bytes()
    (runs / "baseline-r001.parquet").write_bytes(data[: len(data) // 2])
    flip_a_data_bit(out / "jurisdictions" / "policy-r000.parquet", "victims_identified")
    (runs / "policy-r002.parquet").write_bytes((runs / "policy-r001.parquet").read_bytes())
    return {"baseline-r001", "policy-r000", "policy-r002"}


def test_check_lists_damaged_parts_and_resume_redoes_exactly_them(tmp_path, capsys):
    exp = experiment(tmp_path)
    good, out = tmp_path / "good", tmp_path / "out"
    batch(exp, good)
    batch(exp, out)
    broken = damage(out)
    code, text, _ = cli(capsys, "check", out)
    assert code == 1 and "3 damaged parts" in text
    listed = [line for line in text.splitlines() if "damaged:" in line]
    assert len(listed) == 3
    assert any("runs/baseline-r001.parquet (unreadable" in line for line in listed)
    assert any("jurisdictions/policy-r000.parquet (unreadable" in line for line in listed)
    assert any("runs/policy-r002.parquet (run_id" in line for line in listed)
    summary = batch(exp, out)
    assert summary.ran == 3 and sorted(d.split(" ")[0] for d in summary.redone) == [
        "jurisdictions/policy-r000.parquet", "runs/baseline-r001.parquet",
        "runs/policy-r002.parquet"]
    assert cli(capsys, "check", out)[0] == 0
    a, b = load_results(good), load_results(out)
    pd.testing.assert_frame_equal(a.runs, b.runs)
    pd.testing.assert_frame_equal(a.jurisdictions, b.jurisdictions)
    assert sorted(broken) == sorted({d.split("/")[1].split(".")[0] for d in summary.redone})


def test_compare_and_dashboard_name_damaged_parts_in_one_line(tmp_path, capsys):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    damage(out)
    for command in (["compare", out], ["dashboard", out, "-o", tmp_path / "r.html"]):
        code, _, err = cli(capsys, *command)
        assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
        assert "3 damaged parts" in err and "runs/baseline-r001.parquet" in err
        assert "jurisdictions/policy-r000.parquet" in err


def test_part_with_another_stores_seed_is_damaged(tmp_path):
    exp = experiment(tmp_path)
    other, out = tmp_path / "other", tmp_path / "out"
    batch(experiment(tmp_path, seed=8, name="other.toml"), other)
    batch(exp, out)
    (out / "runs" / "policy-r001.parquet").write_bytes(
        (other / "runs" / "policy-r001.parquet").read_bytes())
    with pytest.raises(UserError, match=r"runs/policy-r001.parquet \(seed \d+ is not this "):
        load_results(out)


# -- 4. a full disk, SIGTERM ---------------------------------------------------------------------


def test_write_failing_half_way_leaves_no_partial_part_and_resume_is_exact(tmp_path, monkeypatch,
                                                                          capsys):
    exp = experiment(tmp_path)
    good, out = tmp_path / "good", tmp_path / "out"
    batch(exp, good)
    real_write = pq.write_table
    writes = []

    def disk_fills(table, where, **kw):
        writes.append(where)
        if len(writes) == 6:  # the 3rd run's runs/ part: half the bytes land, then ENOSPC
            real_write(table, where, **kw)
            data = Path(where).read_bytes()
            Path(where).write_bytes(data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(table, where, **kw)

    monkeypatch.setattr(pq, "write_table", disk_fills)
    with pytest.raises(UserError) as info:
        batch(exp, out)
    message = str(info.value)
    assert "\n" not in message and "No space left on device" in message
    assert "2 of 6 runs are saved" in message and "run the same command to resume" in message
    assert not list(out.rglob("*.tmp"))
    assert sorted(p.stem for p in (out / "runs").glob("*.parquet")) == ["baseline-r000",
                                                                      "policy-r000"]
    monkeypatch.setattr(pq, "write_table", real_write)
    assert batch(exp, out).ran == 4
    pd.testing.assert_frame_equal(load_results(good).runs, load_results(out).runs)


def start_toy_batch(exp, out, *, workers: int, delay: float, **popen) -> subprocess.Popen:
    """``tipsim batch`` of the toy model in a child process (each run sleeps ``delay`` s)."""
    code = (f"import sys; sys.path[:0] = {sys.path!r}\n"
            f"from {toy_model.__module__} import toy_model\n"
            "import simulation.studies.experiment as e; e.run_spec = toy_model\n"
            "from simulation.cli import main; sys.exit(main(sys.argv[1:]))\n")
    return subprocess.Popen([sys.executable, "-c", code, "batch", str(exp), "--out", str(out),
                             "--workers", str(workers), "--quiet"], text=True,
                            stderr=subprocess.PIPE, env=os.environ | {"TOY_DELAY": str(delay)},
                            **popen)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_a_batch_like_ctrl_c(tmp_path, sig, monkeypatch):
    exp = experiment(tmp_path, replications=40)
    out = tmp_path / "out"
    proc = start_toy_batch(exp, out, workers=1, delay=0.05)
    deadline = time.time() + 60
    while len(list((out / "runs").glob("*.parquet"))) < 3 and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(sig)
    assert proc.wait(60) == 130
    err = proc.stderr.read()
    saved = len(list((out / "runs").glob("*.parquet")))
    assert f"interrupted by {sig.name}; {saved} of 80 runs are saved" in err
    assert "Traceback" not in err
    session = json.loads((out / "manifest.json").read_text())["sessions"][-1]
    assert session["interrupted"] is True and "finished" in session


# -- any sequence of starts, kills and restarts -------------------------------------------------


def _batch_in_child(exp: str, out: str, restart: bool, delay: float) -> None:
    os.environ["TOY_DELAY"] = str(delay)
    try:
        batch(exp, out, restart=restart)
    except UserError as exc:
        sys.stderr.write(f"refused: {exc}\n")
        os._exit(3)
    os._exit(0)


def assert_refused_or_consistent(out: Path, experiments: dict[str, Experiment]) -> None:
    """Either the store is refused as it stands, or every part agrees with its manifest: it is
    the manifest's experiment's run, with that run's seed and inputs (read with pyarrow alone)."""
    if not (out / "manifest.json").exists():
        if any((out / "runs").glob("*.parquet")):
            with pytest.raises(UserError, match="no manifest.json"):
                batch(next(iter(experiments.values())).source, out)
        return
    manifest = json.loads((out / "manifest.json").read_text())
    exp = experiments[manifest["experiment_hash"]]
    specs = {spec.run_id: spec for spec in exp.runs()}
    for part in ("runs", "jurisdictions"):
        for file in (out / part).glob("*.parquet"):
            rows = pq.read_table(file).to_pylist()
            spec = specs[file.stem]
            assert {r["run_id"] for r in rows} == {spec.run_id}
            for row in rows if part == "runs" else []:
                assert row["seed"] == spec.seed, (file, row["seed"], spec.seed)
                assert {k: row[k] for k in spec.inputs} == spec.inputs


def test_any_sequence_of_start_kill_restart_leaves_a_store_refused_or_consistent(tmp_path):
    import multiprocessing

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "simulation.studies.executors",
                                "simulation.studies.store"])
    paths = [experiment(tmp_path, replications=3, seed=1, name="a.toml", values="0.2, 0.4"),
             experiment(tmp_path, replications=3, seed=2, name="b.toml", values="0.3, 0.5")]
    experiments = {e.hash: e for e in map(Experiment.load, paths)}
    action = st.one_of(st.tuples(st.sampled_from(["start", "restart"]), st.sampled_from([0, 1])),
                       st.just(("kill", 0)))
    step = st.tuples(action, st.sampled_from([0.0, 0.05, 0.2]))
    examples = iter(range(1000))
    seen = []

    @settings(max_examples=20, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(step, min_size=1, max_size=5))
    def scenario(steps):
        out = tmp_path / f"store{next(examples)}"
        live = []
        for (kind, which), pause in steps:
            if kind == "kill":
                if live:
                    live[-1].kill()
            else:
                proc = ctx.Process(target=_batch_in_child,
                                   args=(str(paths[which]), str(out), kind == "restart", 0.03))
                proc.start()
                live.append(proc)
            time.sleep(pause)
        for proc in live:
            proc.join(60)
            assert proc.exitcode in (0, 3, -signal.SIGKILL), proc.exitcode  # done, refused, killed
            seen.append(proc.exitcode)
        if out.exists():
            assert_refused_or_consistent(out, experiments)

    scenario()
    assert {0, 3, -signal.SIGKILL} <= set(seen), seen  # the sequences did race and kill


# -- issue 27: a store follows no link it did not make and deletes nothing it did not write -------


def tree(folder: Path) -> dict[str, bytes]:
    """Every regular file under ``folder`` and its bytes (links not followed)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


def test_a_symlinked_writer_lock_is_refused_and_its_target_kept(tmp_path, capsys):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    precious = tmp_path / "thesis.txt"
    precious.write_text("years of work")
    (out / "writer.lock").unlink()
    os.symlink(precious, out / "writer.lock")
    for restart in ([], ["--restart"]):
        code, _, err = cli(capsys, "batch", exp, "--out", out, "--quiet", *restart)
        assert code == 1 and err.count("\n") == 1, err
        assert "writer.lock" in err and "symbolic link" in err
    assert precious.read_text() == "years of work"
    # a hard link to a file elsewhere is not truncated either
    (out / "writer.lock").unlink()
    os.link(precious, out / "writer.lock")
    code, _, err = cli(capsys, "batch", exp, "--out", out, "--quiet")
    assert code == 1 and "writer.lock" in err and precious.read_text() == "years of work"


def test_a_users_parquet_in_a_part_folder_is_kept_and_not_read(tmp_path, capsys):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    mine = out / "runs" / "my_analysis.parquet"
    pd.DataFrame({"x": [1.0, 2.0]}).to_parquet(mine)
    data = mine.read_bytes()
    assert batch(exp, out).ran == 0
    assert mine.read_bytes() == data
    assert cli(capsys, "check", out)[0] == 0
    assert len(load_results(out).runs) == 6


def test_a_symlinked_part_folder_is_refused_and_the_files_it_points_to_kept(tmp_path, capsys):
    exp = experiment(tmp_path)
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    batch(exp, out)
    (out / "jurisdictions").rename(elsewhere)
    os.symlink(elsewhere, out / "jurisdictions")
    (elsewhere / "policy-r000.parquet").write_bytes(b"a user's own file, not a part")
    before = tree(elsewhere)
    for restart in ([], ["--restart"]):
        code, _, err = cli(capsys, "batch", exp, "--out", out, "--quiet", *restart)
        assert code == 1 and err.count("\n") == 1, err
        assert "jurisdictions" in err and "symbolic link" in err
    assert tree(elsewhere) == before


def test_a_users_file_at_a_part_name_is_never_overwritten_or_deleted(tmp_path, capsys):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    (out / "runs" / "policy-r002.parquet").unlink()
    (out / "jurisdictions" / "policy-r002.parquet").unlink()
    ledger = out / "written.jsonl"  # as if tipsim had never written that run
    ledger.write_text("".join(line for line in ledger.read_text().splitlines(keepends=True)
                              if '"policy-r002"' not in line))
    mine = out / "runs" / "policy-r002.parquet"
    pd.DataFrame({"x": [1.0]}).to_parquet(mine)  # not tipsim's: not in its ledger
    data = mine.read_bytes()
    code, text, _ = cli(capsys, "check", out)
    assert code == 0 and "not written by tipsim: runs/policy-r002.parquet" in text
    for restart in (False, True):
        with pytest.raises(UserError) as info:
            batch(exp, out, restart=restart)
        assert "runs/policy-r002.parquet: not written by tipsim" in str(info.value)
        assert "\n" not in str(info.value)
    assert mine.read_bytes() == data


def test_a_file_put_over_a_part_is_set_aside_not_deleted_and_the_run_redone(tmp_path):
    exp = experiment(tmp_path)
    good, out = tmp_path / "good", tmp_path / "out"
    batch(exp, good)
    batch(exp, out)
    mine = out / "runs" / "policy-r002.parquet"
    pd.DataFrame({"x": [1.0]}).to_parquet(mine)  # over tipsim's part: a user's file now
    data = mine.read_bytes()
    summary = batch(exp, out)
    assert summary.ran == 1 and "runs/policy-r002.parquet" in summary.redone[0]
    assert (out / "damaged" / "runs" / "policy-r002.parquet").read_bytes() == data
    pd.testing.assert_frame_equal(load_results(good).runs, load_results(out).runs)
    summary = batch(exp, out, restart=True)  # restart keeps what was set aside, too
    assert summary.ran == 6
    assert (out / "damaged" / "runs" / "policy-r002.parquet").read_bytes() == data


def test_temporary_looking_files_of_a_user_are_kept(tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    mine = [out / ".notes.tmp", out / "runs" / ".draft.tmp", out / ".manifest.json.tmp"]
    for file in mine:
        file.write_text("mine")
    debris = out / "runs" / f".baseline-r000.parquet.{os.getpid()}.0123abcd.tmp"
    debris.write_bytes(b"half a part")  # what a killed writer leaves: swept
    batch(exp, out)
    batch(exp, out, restart=True)
    assert all(file.read_text() == "mine" for file in mine)
    assert not debris.exists()


@pytest.mark.parametrize("part", ["jurisdictions", "runs"])
def test_a_part_deleted_by_hand_is_damage_that_check_lists_and_resume_redoes(tmp_path, capsys,
                                                                             part):
    exp = experiment(tmp_path)
    good, out = tmp_path / "good", tmp_path / "out"
    batch(exp, good)
    batch(exp, out)
    (out / part / "policy-r001.parquet").unlink()
    code, text, _ = cli(capsys, "check", out)
    assert code == 1 and "1 damaged part" in text
    assert f"{part}/policy-r001.parquet (missing" in text
    if part != "runs":  # a comparison by jurisdiction would silently use fewer runs
        with pytest.raises(UserError, match=f"{part}/policy-r001.parquet \\(missing"):
            load_results(out).jurisdictions
    else:
        code, _, err = cli(capsys, "compare", out)
        assert code == 1 and err.count("\n") == 1 and f"{part}/policy-r001.parquet" in err
    summary = batch(exp, out)
    assert summary.ran == 1 and cli(capsys, "check", out)[0] == 0
    pd.testing.assert_frame_equal(load_results(good).jurisdictions,
                                  load_results(out).jurisdictions)


def test_a_replaced_part_is_damage_even_when_it_reads_well(tmp_path, capsys):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    file = out / "jurisdictions" / "policy-r001.parquet"
    table = pq.read_table(file).to_pandas()
    table["victims_identified"] *= 2  # a well-formed part with other numbers
    table.to_parquet(file, index=False)
    code, text, _ = cli(capsys, "check", out)
    assert code == 1 and "jurisdictions/policy-r001.parquet (its checksum" in text


def test_a_hand_edited_master_seed_is_refused_not_redone_for_ever(tmp_path, capsys):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["seeds"]["master"] = 12345
    (out / "manifest.json").write_text(json.dumps(manifest))
    runs = tree(out / "runs")
    for command in (["batch", exp, "--out", out, "--quiet"], ["check", out], ["compare", out]):
        code, _, err = cli(capsys, *command)
        assert code == 1 and err.count("\n") == 1 and "manifest.json" in err, err
        assert "seeds.master" in err
    assert tree(out / "runs") == runs
    assert batch(exp, out, restart=True).ran == 6


@pytest.mark.parametrize("text", [
    "[" * 100_000 + "]" * 100_000,
    '{"format": "tipsim-results/1", "seeds": "many", "scenarios": 3}',
    '{"format": "tipsim-results/1", "sessions": {"a": 1}, "experiment": []}',
    '{"format": "tipsim-results/1", "seeds": {"master": -4}}',
    '{"format": "tipsim-results/1", "scenarios": [' + '{"a": ' * 5000 + '1' + '}' * 5000 + ']}',
])
def test_a_hand_edited_manifest_is_one_line_and_restart_recovers(tmp_path, capsys, text):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    batch(exp, out)
    (out / "manifest.json").write_text(text)
    for command in (["batch", exp, "--out", out, "--quiet"], ["check", out], ["compare", out],
                    ["dashboard", out, "-o", tmp_path / "r.html"]):
        code, _, err = cli(capsys, *command)
        assert code == 1 and err.count("\n") == 1 and "manifest.json" in err, (command, err)
    assert batch(exp, out, restart=True).ran == 6


def test_a_deleted_writer_lock_does_not_let_a_second_writer_in(tmp_path):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    with ResultStore.open(out, Experiment.load(exp), model=f"{toy_model.__module__}:toy_model"):
        (out / "writer.lock").unlink()
        with pytest.raises(StoreLockedError, match="another batch is writing this store"):
            batch(exp, out)
    assert batch(exp, out).completed == 6


def test_a_full_disk_when_the_lock_is_written_is_one_line(tmp_path, monkeypatch):
    exp = experiment(tmp_path)
    out = tmp_path / "out"
    real = os.pwrite

    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(UserError, match=r"writer.lock: cannot .*No space left on device"):
        batch(exp, out)
    monkeypatch.setattr(os, "pwrite", real)
    assert batch(exp, out).completed == 6


def test_sighup_to_the_whole_process_group_ends_a_batch_with_one_line(tmp_path):
    exp = experiment(tmp_path, replications=40)
    out = tmp_path / "out"
    proc = start_toy_batch(exp, out, workers=2, delay=0.1, start_new_session=True)
    deadline = time.time() + 60
    while len(list((out / "runs").glob("*.parquet"))) < 4 and time.time() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGHUP)  # a closed terminal: the batch, its workers, the tracker
    assert proc.wait(60) == 130
    err = proc.stderr.read()
    assert "Traceback" not in err and "KeyError" not in err, err
    assert err.count("\n") == 1 and "interrupted by SIGHUP" in err


def test_any_hostile_edit_of_a_store_is_redone_and_no_file_of_the_user_is_lost(tmp_path,
                                                                                capsys):
    """Property: whatever a user does to a finished store (delete parts, write over them, link
    them elsewhere, leave files of their own), resuming gives the uninterrupted store's results,
    every file of the user's is still there byte for byte (where it was, or set aside in
    damaged/), the files links point to are untouched, and ``check`` then finds nothing."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    exp = experiment(tmp_path)
    good = tmp_path / "good"
    batch(exp, good)
    expected = load_results(good)
    outside = tmp_path / "outside.parquet"
    outside.write_bytes(b"a file elsewhere that no store may touch")
    run_ids = sorted(p.stem for p in (good / "runs").glob("*.parquet"))
    act = st.tuples(st.sampled_from(["delete", "replace", "link", "own_file", "own_tmp"]),
                    st.sampled_from(["runs", "jurisdictions"]), st.sampled_from(run_ids))
    examples = iter(range(1000))

    @settings(max_examples=15, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(act, min_size=1, max_size=6))
    def hostile(acts):
        out = tmp_path / f"store{next(examples)}"
        batch(exp, out)
        kept, set_aside = {}, []
        for i, (kind, part, run_id) in enumerate(acts):
            file = out / part / f"{run_id}.parquet"
            if kind == "delete":
                file.unlink(missing_ok=True)
            elif kind == "replace":
                if file.is_symlink():
                    file.unlink()
                data = f"the user's bytes {i}".encode()
                file.write_bytes(data)
                set_aside.append(data)
            elif kind == "link":
                file.unlink(missing_ok=True)
                os.symlink(outside, file)
            else:
                name = f"notes-{i}.parquet" if kind == "own_file" else f".draft{i}.tmp"
                kept[out / part / name] = f"mine {i}".encode()
                (out / part / name).write_bytes(kept[out / part / name])
        for data in list(set_aside):  # a file written over and then deleted is the user's loss
            if not any(p.read_bytes() == data for p in out.rglob("*.parquet")
                       if p.is_file() and not p.is_symlink()):
                set_aside.remove(data)
        batch(exp, out)
        resumed = load_results(out)
        pd.testing.assert_frame_equal(expected.runs, resumed.runs)
        pd.testing.assert_frame_equal(expected.jurisdictions, resumed.jurisdictions)
        assert all(path.read_bytes() == data for path, data in kept.items())
        aside = [p.read_bytes() for p in (out / "damaged").rglob("*")
                 if p.is_file() and not p.is_symlink()]
        assert all(data in aside for data in set_aside), (acts, aside)
        assert outside.read_bytes() == b"a file elsewhere that no store may touch"
        assert cli(capsys, "check", out)[0] == 0

    hostile()


def test_a_store_from_before_the_ledger_resumes_as_it_did(tmp_path):
    exp = experiment(tmp_path)
    good, out = tmp_path / "good", tmp_path / "out"
    batch(exp, good)
    batch(exp, out)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["ledger"]  # as written before the ledger existed
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "written.jsonl").unlink()
    (out / "runs" / "policy-r001.parquet").unlink()
    assert batch(exp, out).ran == 1 and not (out / "written.jsonl").exists()
    assert batch(exp, out).ran == 0  # and again: its parts are still tipsim's
    pd.testing.assert_frame_equal(load_results(good).runs, load_results(out).runs)
    assert batch(exp, out, restart=True).ran == 6  # a restart makes a store with a ledger
    assert (out / "written.jsonl").stat().st_size > 0
