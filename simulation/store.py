"""The results store: an append-only directory of small Parquet files, one per finished run.

::

    results/NAME/
      manifest.json              provenance: experiment, scenario hashes, seeds, design,
                                 versions, git commit, platform, and one entry per session
                                 (start, end, counts)
      writer.lock                held (fcntl) by the batch writing the store; names its process
      written.jsonl              the ledger: each part tipsim wrote, by name and SHA-256
      damaged/PART/NAME          a file at a part's name not as tipsim wrote it, set aside
      runs/RUN_ID.parquet        one row: the run's id, scenario, design point, replication, seed,
                                 inputs and region outcomes
      jurisdictions/RUN_ID.parquet   one row per jurisdiction: its outcomes
      forms/RUN_ID.parquet       one row per form of exploitation: its outcomes
      groups/RUN_ID.parquet      one row per victim group (female, male, adult, child)
      weekly/RUN_ID.parquet      one row per week and jurisdiction (when record = "weekly")
      contacts/RUN_ID.parquet    one row per victim's contact with a list (record = "contacts")
      exploited/RUN_ID.parquet   one row per exploitation spell (record = "contacts")
      statistics/RUN_ID.parquet  one row per policy year and jurisdiction: the statistics as
                                 countries publish them (simulation.statistics)
      failed/RUN_ID.N.parquet    the N-th failed attempt of a run: its error and traceback

Every file is written to a hidden temporary name, flushed to disk and renamed into place
(``os.replace`` is atomic), so a kill at any moment leaves either the whole file or none; left-over
temporary files are ignored and swept on the next open. Before a run's parts are renamed into
place, their names and checksums are appended to the store's ledger (``written.jsonl``): what
tipsim deletes is what the ledger names, and a part it names that is gone or changed is damage
(:mod:`simulation.store_parts`). tipsim follows no symbolic link in a store. A run counts as
finished when its ``runs/`` file exists, and that file is written last; resuming runs exactly
the runs without one.
Failed runs are retried when a batch resumes (a lost worker or a full disk is often transient;
a deterministic error just fails again), and a later success supersedes the failure, whose
record stays as history.

One batch at a time writes to a store: it holds the store's lock (``writer.lock``,
:mod:`simulation.store_lock`) from opening to the end, and a second writer is refused. Every part
is checked when a batch resumes and when results are read (:mod:`simulation.store_parts`): a part
that is truncated, has a flipped bit, or holds another run or seed is damaged; resuming deletes
the damaged run's parts and runs it again, reading names the damaged parts in one line, and
``tipsim check`` lists them. ``restart`` deletes only what tipsim wrote (the manifest, the ledger
and the parts the ledger records) in a folder it recognises as a store.

A store also remembers the model code that made its runs (a hash of the modules that decide a
run's numbers, in the manifest and in every session). Resuming with other model code is refused,
since old and new runs would not be comparable, unless the caller restarts or explicitly allows
the mix (``--allow-code-change``; each session's code stays on record).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation import store_lock
from simulation.errors import UserError
from simulation.files import atomic_write
from simulation.store_parts import (FORMAT, LEDGER, PARTS, RUN_PART, Damage, Ledger,
                                    check_parts, checksum, describe, discard, foreign_files,
                                    is_temporary, missing_parts, own_files, parts_in,
                                    read_ledger, read_manifest, recognise, record, unrecorded)
ID_COLUMNS = ("run_id", "scenario", "point", "replication", "seed")
DEFAULT_MODEL = "simulation.experiment:run_spec"
# The modules whose code decides a run's numbers (batch, store, analysis and report code do not).
MODEL_MODULES = ("agents", "caches.py", "calendars.py", "clock.py", "distributions.py",
                 "elicitation.py", "events.py", "experiment.py", "model.py", "outcomes.py",
                 "parameters.py", "pools.py", "processes", "records.py", "registry.py",
                 "runner.py", "scenario.py", "scenario_schema.py", "statistics.py",
                 "streams.py", "uncertainty.py")


class StoreError(UserError):
    """A results directory that cannot be used as asked."""


class StaleStoreError(StoreError):
    """A store that holds runs of another experiment, or of other model code, or runs that its
    damaged manifest no longer describes: tipsim's own, so ``restart`` may discard them."""


class DamagedStoreError(StoreError):
    """A store with damaged parts (``damaged`` lists them)."""

    def __init__(self, message: str, damaged: list[Damage]):
        super().__init__(message)
        self.damaged = damaged


class ResultStore:
    """One experiment's results on disk. Open it with :meth:`open`, which takes the store's
    writer's lock; :meth:`close` (or leaving a ``with`` block) lets it go."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock: store_lock.StoreLock | None = None
        #: damaged parts found when the store was opened; their runs were deleted, to be redone
        self.redone: list[Damage] = []
        # whether writes are recorded in the ledger: not in a store from before the ledger,
        # whose parts it would not list (it is managed by tipsim's names, as it was)
        self._records = True

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, experiment, *, model: str = DEFAULT_MODEL,
             restart: bool = False, allow_code_change: bool = False) -> ResultStore:
        """Create the store for ``experiment``, or reopen it to resume, holding its lock.

        A folder that is not a tipsim store is refused, even with ``restart``. A store that holds
        a different experiment (or the same one run with a different model function) is refused
        with what changed, unless ``restart`` discards its results. So is one whose finished runs
        came from other model code, unless ``restart``, or ``allow_code_change`` to add this
        code's runs to them. Another batch writing the store is refused, naming its process."""
        store = cls(path)
        if store.path.exists() and not store.path.is_dir():
            raise StoreError(f"{store.path}: exists and is not a directory; choose another --out")
        if store.path.is_dir():
            store._refuse_a_foreign_folder()  # before writing anything, even a lock file
        try:
            store.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{store.path}: cannot create the results directory "
                             f"({exc.strerror})") from None
        store._lock = store_lock.acquire(store.path)
        try:
            store._prepare(experiment, model, restart, allow_code_change)
        except OSError as exc:  # a full disk or a read-only folder while writing the manifest
            store.close()
            raise StoreError(f"{store.path}: cannot prepare the store ({exc.strerror or exc}); "
                             "nothing was run") from None
        except BaseException:
            store.close()
            raise
        return store

    @property
    def previous_writer(self) -> dict[str, Any] | None:
        """The batch that held the lock and died without letting it go (None if none did)."""
        return self._lock.previous if self._lock is not None else None

    def close(self) -> None:
        """Let the writer's lock go (the store stays as it is)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> ResultStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _refuse_a_foreign_folder(self):
        found = recognise(self.path)
        if not found.store:
            raise StoreError(f"{self.path}: not a tipsim results store ({found.why}); choose "
                             "another --out (tipsim deletes nothing in a folder it did not "
                             "write)")
        return found

    def _prepare(self, experiment, model: str, restart: bool, allow_code_change: bool) -> None:
        found = self._refuse_a_foreign_folder()  # again: it may have changed before the lock
        old = found.manifest
        ledger = self.ledger(old)
        in_the_way = unrecorded(self.path, ledger)
        if in_the_way:  # never overwritten, never deleted, even with restart
            shown = ", ".join(in_the_way[:3]) + (" ..." if len(in_the_way) > 3 else "")
            raise StoreError(f"{self.path}: {shown}: not written by tipsim (not in its ledger "
                             f"{LEDGER}) but at a name tipsim writes; allowed: tipsim's own "
                             "files (move yours out of the store and rerun)")
        if old is None and self._has_parts() and not restart:
            raise StaleStoreError(f"{self.path}: {found.why}, so its runs cannot be matched to "
                                  "an experiment; rerun with --restart to discard them, or "
                                  "choose another --out")
        if old is not None:
            changes = _changes(old, experiment, model)
            if changes and not restart:
                raise StaleStoreError(
                    f"{self.path}: holds results of a different experiment "
                    f"({'; '.join(changes)}); rerun with --restart to discard them, or choose "
                    "another --out")
            if not restart and not allow_code_change and model == DEFAULT_MODEL:
                self._check_model_code(old)
        if restart or old is None:
            self._clear(ledger)
            self._write_manifest(_new_manifest(experiment, model))
            record_empty = os.open(self.path / LEDGER, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC
                                   | os.O_NOFOLLOW, 0o644)
            os.close(record_empty)
        for part in PARTS:
            (self.path / part).mkdir(exist_ok=True)
        for tmp in own_files(self.path, ledger):
            if is_temporary("" if tmp.parent == self.path else tmp.parent.name, tmp.name):
                tmp.unlink(missing_ok=True)  # debris of a killed writer
        if not restart and old is not None:
            self._records = old.get("ledger") == LEDGER
            self.redone = self._remove_damaged()

    def ledger(self, manifest: dict[str, Any] | None = None) -> Ledger:
        """What the store's ledger says tipsim wrote (see :mod:`simulation.store_parts`)."""
        if manifest is None:
            try:
                manifest = read_manifest(self.path)
            except (OSError, ValueError, UserError):
                manifest = None
        return read_ledger(self.path, manifest)

    def _has_parts(self) -> bool:
        ledger = self.ledger()
        return any(parts_in(self.path / part, ledger) for part in PARTS)

    def _check_model_code(self, manifest: dict[str, Any]) -> None:
        """Refuse to resume when the finished runs came from other model code."""
        sessions = [s for s in manifest.get("sessions", []) if s.get("model_code")]
        recorded = sessions[-1]["model_code"] if sessions else manifest.get("model_code")
        if recorded is None or recorded == model_code_hash():
            return  # a store from before code was recorded, or the same code
        finished = len(self.completed_ids())
        if not finished:
            return  # nothing to mix with
        made_by = sessions[-1] if sessions else manifest
        commit = made_by.get("git_commit")
        raise StaleStoreError(
            f"{self.path}: its {finished} finished runs came from other model code (model code "
            f"{recorded}, tipsim {made_by.get('tipsim_version', '?')}"
            f"{f', commit {commit[:10]}' if commit else ''}; now {model_code_hash()}), so new "
            "runs would not be comparable with them; rerun with --restart to discard them, or "
            "with --allow-code-change to add runs from this code anyway (manifest.json records "
            "each session's code)")

    def _clear(self, ledger: Ledger) -> None:
        """Delete what tipsim wrote (the parts its ledger records, temporary files, the manifest
        and the ledger), nothing else; a part changed since it was written is set aside in
        ``damaged/``."""
        for file in own_files(self.path, ledger):
            if is_temporary("" if file.parent == self.path else file.parent.name, file.name):
                file.unlink(missing_ok=True)
            else:
                discard(self.path, file, ledger)
        (self.path / "manifest.json").unlink(missing_ok=True)
        (self.path / LEDGER).unlink(missing_ok=True)

    def damaged(self) -> list[Damage]:
        """Every damaged part in the store, missing ones included (see
        :mod:`simulation.store_parts`)."""
        manifest = self.manifest
        ledger = self.ledger(manifest)
        return ([d for part in PARTS
                 for d in check_parts(self.path, part, manifest, ledger=ledger)[1]]
                + missing_parts(self.path, ledger))

    def _remove_damaged(self) -> list[Damage]:
        """Delete the parts of every run with a damaged part, its ``runs/`` part first (so the
        run counts as unfinished at every moment after), so that resuming runs it again. Only
        files the ledger records are deleted."""
        damaged = self.damaged()
        ledger = self.ledger()
        for run_id in dict.fromkeys(d.run_id for d in damaged if d.file.parent.name != "failed"):
            for part in ("runs",) + tuple(p for p in PARTS if p not in ("runs", "failed")):
                if ledger.owns(f"{part}/{run_id}.parquet"):  # not its failure history
                    discard(self.path, self.path / part / f"{run_id}.parquet", ledger)
        for d in damaged:
            if ledger.owns(f"{d.file.parent.name}/{d.file.name}"):
                discard(self.path, d.file, ledger)  # a damaged failure record: set aside
        return damaged

    # -- state --------------------------------------------------------------------------------

    @property
    def manifest(self) -> dict[str, Any]:
        try:
            return read_manifest(self.path)
        except (OSError, ValueError, UserError) as exc:
            why = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
            raise StoreError(f"{self.path}/manifest.json: cannot read it ({why})") from None

    def completed_ids(self) -> set[str]:
        return {m["run_id"] for p in parts_in(self.path / "runs", self.ledger())
                if (m := RUN_PART.match(p.name))}

    def failed_ids(self) -> set[str]:
        """Runs whose last attempt failed (a later success supersedes a failure)."""
        failed = {p.name.rsplit(".", 2)[0] for p in parts_in(self.path / "failed", self.ledger())}
        return failed - self.completed_ids()

    # -- writing ------------------------------------------------------------------------------

    def write(self, record) -> None:
        """Write one finished run (a :class:`~simulation.executors.RunRecord`) at once: every
        part to a temporary file, then their names and checksums to the ledger, then each
        renamed into place, its ``runs/`` part last (it marks the run finished)."""
        spec = record.spec
        ids = {"run_id": spec.run_id, "scenario": spec.scenario_name, "point": spec.point,
               "replication": spec.replication}
        staged: list[tuple[pa.Table, Path]] = []
        if not record.ok:
            attempt = 1 + sum(1 for _ in (self.path / "failed").glob(f"{spec.run_id}.*.parquet"))
            row = ids | {"seed": spec.seed} | spec.inputs | spec.recorded | {
                "error": record.error, "traceback": record.traceback or "",
                "worker": record.worker, "attempt": attempt, "failed_at": _now()}
            staged.append((pa.Table.from_pylist([row], schema=_schema(row)),
                           self.path / "failed" / f"{spec.run_id}.{attempt}.parquet"))
            self._commit(spec.run_id, staged)
            return
        if record.weekly is not None and len(record.weekly):
            staged.append((_weekly_table(ids, record.weekly),
                           self.path / "weekly" / f"{spec.run_id}.parquet"))
        for part in ("contacts", "exploited", "statistics"):
            people = getattr(record, part, None)
            if people is not None and len(people):
                staged.append((_people_table(ids, people),
                               self.path / part / f"{spec.run_id}.parquet"))
        for part, key, table in (("jurisdictions", "jurisdiction", record.jurisdictions),
                                 ("forms", "form", record.by_form),
                                 ("groups", "group", record.by_group)):
            if table:
                rows = [ids | {key: name} | {k: float(v) for k, v in out.items()}
                        for name, out in table.items()]
                staged.append((pa.Table.from_pylist(rows, schema=_schema(rows[0])),
                               self.path / part / f"{spec.run_id}.parquet"))
        row = ids | {"seed": spec.seed} | spec.inputs | spec.recorded | record.outcomes
        meta = {"seconds": f"{record.seconds:.4f}", "worker": record.worker, "finished_at": _now()}
        table = pa.Table.from_pylist([row], schema=_schema(row).with_metadata(meta))
        staged.append((table, self.path / "runs" / f"{spec.run_id}.parquet"))  # last
        self._commit(spec.run_id, staged)

    def _commit(self, run_id: str, staged: list[tuple[pa.Table, Path]]) -> None:
        """Write each table to a temporary file flushed to disk, record them all in the ledger,
        then rename each into place in order; a failure before the ledger leaves nothing."""
        done: list[tuple[Path, Path, str]] = []
        try:
            for table, target in staged:
                tmp = _temporary(target)
                done.append((tmp, target, ""))
                pq.write_table(table, tmp, write_page_checksum=True)
                with open(tmp, "rb+") as fh:
                    data = fh.read()
                    os.fsync(fh.fileno())
                done[-1] = (tmp, target, checksum(data))
            if self._records:
                record(self.path, run_id, {f"{t.parent.name}/{t.name}": digest
                                           for _, t, digest in done})
        except BaseException:
            for tmp, _, _ in done:
                tmp.unlink(missing_ok=True)
            raise
        for tmp, target, _ in done:
            os.replace(tmp, target)

    def start_session(self, **info: Any) -> None:
        manifest = self.manifest
        manifest.setdefault("sessions", []).append(
            {"started": _now(), **_software(), **info})
        self._write_manifest(manifest)

    def finish_session(self, **info: Any) -> None:
        manifest = self.manifest
        if manifest.get("sessions"):
            manifest["sessions"][-1] |= {"finished": _now(), **info}
        manifest["status"] = {"completed": len(self.completed_ids()),
                              "failed": len(self.failed_ids()),
                              "total": manifest.get("runs_total")}
        self._write_manifest(manifest)

    def _write_manifest(self, manifest: dict) -> None:
        text = json.dumps(manifest, indent=2, default=str)
        atomic_write(self.path / "manifest.json", lambda tmp: tmp.write_text(text))


# -- reading ----------------------------------------------------------------------------------


@dataclass
class Results:
    """A store's results as tidy pandas tables.

    ``runs``: one row per finished run (ids, seed, inputs, region outcomes);
    ``jurisdictions``: one row per run and jurisdiction; ``weekly``: one row per run, week and
    jurisdiction (empty unless the experiment recorded weekly; read on first use); ``failed``:
    runs whose last attempt failed, with the error; ``manifest``: provenance."""

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    failed: pd.DataFrame
    _order: dict[str, int] = field(repr=False, default_factory=dict)

    @property
    def scenarios(self) -> list[str]:
        return list(self._order)

    @property
    def inputs(self) -> list[str]:
        """The columns that say what a run was given: a design's inputs, or under
        [uncertainty] the parameter draw (``parameters.NAME``) and ``ensemble_member``."""
        return (list(self.manifest.get("design", {}).get("inputs", []))
                + list((self.manifest.get("uncertainty") or {}).get("columns", [])))

    def scenarios_as_run(self) -> dict[str, Any]:
        """Each scenario as it was run (a :class:`~simulation.scenario.Scenario`), when its file
        is still there unchanged (the manifest's hash); None when it has moved or changed
        since."""
        from simulation.scenario import load_scenario

        out = {}
        for entry in self.manifest.get("scenarios", []):
            source, scenario = entry.get("source"), None
            if source and Path(source).is_file():
                try:
                    loaded = load_scenario(source)
                except UserError:
                    loaded = None
                if loaded is not None and loaded.hash == entry.get("hash"):
                    scenario = loaded
            out[entry.get("name")] = scenario
        return out

    def with_inputs(self, part: pd.DataFrame) -> pd.DataFrame:
        """A part's rows (jurisdictions, forms, groups) with what each run was given
        (:attr:`inputs`), which the store keeps on the run's region row only: a comparison of
        one jurisdiction or form then pairs and groups runs by their draw as the region's
        does."""
        given = [c for c in self.inputs if c in self.runs and c not in part]
        if not given or part.empty:
            return part
        return part.merge(self.runs[["run_id"] + given], on="run_id", how="left")

    @property
    def outcomes(self) -> list[str]:
        skip = set(ID_COLUMNS) | set(self.inputs)
        return [c for c in self.runs.columns if c not in skip]

    @cached_property
    def jurisdictions(self) -> pd.DataFrame:
        return self._read("jurisdictions", ["jurisdiction"])

    @cached_property
    def forms(self) -> pd.DataFrame:
        """One row per run and form of exploitation (``registry.FORM_OUTCOMES``); empty for
        stores written before results by form existed."""
        return self._read("forms", ["form"])

    @cached_property
    def groups(self) -> pd.DataFrame:
        """One row per run and victim group (sex, age group; ``registry.GROUP_OUTCOMES``)."""
        return self._read("groups", ["group"])

    @cached_property
    def weekly(self) -> pd.DataFrame:
        return self._read("weekly", ["week", "jurisdiction"])

    @cached_property
    def contacts(self) -> pd.DataFrame:
        """One row per run and contact of a victim with a list (``person``, ``list``, ``week``,
        ...; :mod:`simulation.mse`); empty unless the experiment recorded ``contacts``."""
        return self._read("contacts", ["person", "week"])

    @cached_property
    def statistics(self) -> pd.DataFrame:
        """One row per run, policy year and jurisdiction: the statistics as countries publish
        them (:mod:`simulation.statistics`); empty for stores written before issue 23."""
        return self._read("statistics", ["year", "jurisdiction"])

    @cached_property
    def exploited(self) -> pd.DataFrame:
        """One row per run and exploitation spell (``person``, ``start``, ``end``, ...)."""
        return self._read("exploited", ["person", "start"])

    def _read(self, part: str, extra_keys: list[str]) -> pd.DataFrame:
        done = set(self.runs["run_id"])
        ledger = read_ledger(self.path, self.manifest)
        if any(d.run_id in done for d in missing_parts(self.path, ledger, part)):
            _refuse_damaged(self.path, ResultStore(self.path).damaged())
        files = [p for p in parts_in(self.path / part, ledger) if p.stem in done]
        return _sorted(_read_parts(self.path, part, self.manifest, files, ledger), self._order,
                       extra_keys)


def load_results(path: str | Path) -> Results:
    """Read a results directory written by :func:`~simulation.executors.run_experiment`.

    Raises :class:`DamagedStoreError` naming the damaged parts, if any."""
    path = Path(path)
    if not path.is_dir():
        raise StoreError(f"{path}: no such results directory")
    found = recognise(path)
    if found.manifest is None:
        raise StoreError(f"{path}: not a tipsim results store ({found.why})")
    manifest = found.manifest
    order = {s["name"]: i for i, s in enumerate(manifest.get("scenarios", []))}
    ledger = read_ledger(path, manifest)
    checked = {part: check_parts(path, part, manifest, ledger=ledger)
               for part in ("runs", "failed")}
    if any(damaged for _, damaged in checked.values()) or missing_parts(path, ledger, "runs"):
        _refuse_damaged(path, ResultStore(path).damaged())  # name every one, weekly included
    runs = _sorted(_frame(checked["runs"][0]), order, [])
    failed = _frame(checked["failed"][0])
    if len(failed):
        failed = failed[~failed["run_id"].isin(set(runs["run_id"]))]
        failed = failed.sort_values("attempt").drop_duplicates("run_id", keep="last")
        failed = _sorted(failed, order, [])
    return Results(path=path, manifest=manifest, runs=runs, failed=failed, _order=order)


def _read_parts(path: Path, part: str, manifest: dict[str, Any],
                files: list[Path] | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """One folder's parts as one table, or :class:`DamagedStoreError` naming the damaged."""
    tables, damaged = check_parts(path, part, manifest, files, ledger)
    if damaged:
        _refuse_damaged(path, ResultStore(path).damaged())
    return _frame(tables)


def _refuse_damaged(path: Path, damaged: list[Damage]):
    raise DamagedStoreError(f"{path}: {describe(damaged)}; rerun the batch to redo those runs "
                            f"(tipsim check {path} lists every damaged part)", damaged)


def _frame(tables: list[pa.Table]) -> pd.DataFrame:
    if not tables:
        return pd.DataFrame(columns=list(ID_COLUMNS))
    tables = [t.replace_schema_metadata(None) for t in tables]
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def _sorted(df: pd.DataFrame, order: dict[str, int], extra: list[str]) -> pd.DataFrame:
    if df.empty:
        return df
    key = df["scenario"].map(order).fillna(len(order)).astype(int)
    df = df.assign(_order=key).sort_values(["replication", "point", "_order", *extra],
                                           kind="stable")
    return df.drop(columns="_order").reset_index(drop=True)


# -- writing helpers --------------------------------------------------------------------------


def _temporary(target: Path) -> Path:
    """A hidden temporary name beside ``target``, as :func:`simulation.files.atomic_write`
    names its own (``.NAME.PID.XXXXXXXX.tmp``)."""
    import uuid

    return target.with_name(f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _schema(row: dict[str, Any]) -> pa.Schema:
    """Ids as strings and integers, everything else a float64 (so parts always agree)."""
    fields = []
    for name, value in row.items():
        if name in INTEGER_COLUMNS:
            fields.append(pa.field(name, pa.int64()))
        elif isinstance(value, str) or name in ("run_id", "scenario", "jurisdiction"):
            fields.append(pa.field(name, pa.string()))
        else:
            fields.append(pa.field(name, pa.float64()))
    return pa.schema(fields)


INTEGER_COLUMNS = ("point", "replication", "seed", "attempt", "week")


def _id_columns(ids: dict[str, Any], n: int, text: pa.DataType) -> dict[str, pa.Array]:
    """A run's ids repeated on each of its ``n`` rows (``INTEGER_COLUMNS`` int64, the rest
    ``text``)."""
    return {name: pa.repeat(pa.scalar(value, pa.int64() if name in INTEGER_COLUMNS else text), n)
            for name, value in ids.items()}


def _people_table(ids: dict[str, Any], people: pd.DataFrame) -> pa.Table:
    """A run's contacts or spells with its ids in front, each column keeping its kind (whole
    numbers int64, flags bool, the rest strings), so every run's part has the same schema."""
    columns = _id_columns(ids, len(people), pa.string())
    for name in people.columns:
        col = people[name]
        if pd.api.types.is_bool_dtype(col):
            columns[name] = pa.array(col.to_numpy(dtype=bool))
        elif pd.api.types.is_integer_dtype(col):
            columns[name] = pa.array(col.to_numpy(dtype="int64"))
        elif pd.api.types.is_float_dtype(col):
            columns[name] = pa.array(col.to_numpy(dtype="float64"))
        else:
            columns[name] = pa.array(col.astype(str).to_numpy(dtype=object), pa.string())
    return pa.table(columns)


def _weekly_table(ids: dict[str, Any], weekly: pd.DataFrame) -> pa.Table:
    """A run's weekly rows with its ids in front.

    Numbers become float64 (``INTEGER_COLUMNS`` int64) and everything else plain strings, so
    every run's part has the same schema whatever the model returned. Built column by column
    from numpy: converting with pandas (``astype`` per column, then ``from_pandas``) made a
    run's write cost 22-33 ms of CPU, against 15-22 ms now, in the one process that writes for
    every worker."""
    columns = _id_columns(ids, len(weekly), pa.large_string())
    for name in weekly.columns:
        col = weekly[name]
        if pd.api.types.is_numeric_dtype(col):
            kind = "int64" if name in INTEGER_COLUMNS else "float64"
            columns[name] = pa.array(col.to_numpy(dtype=kind))
        else:
            columns[name] = pa.array(col.astype(str).to_numpy(dtype=object), pa.large_string())
    return pa.table(columns)


# -- provenance -------------------------------------------------------------------------------


def _new_manifest(experiment, model: str) -> dict[str, Any]:
    design = experiment.design
    seeds = ("numpy SeedSequence(seed, spawn_key=(point, replication)); 63 high bits of its "
             "first 64-bit word")
    if not experiment.common_random_numbers:
        seeds = seeds.replace("(point,", "(sha256(scenario)[:8], point,")
    text = None
    if experiment.source and Path(experiment.source).exists():
        text = Path(experiment.source).read_text()
    return {
        "format": FORMAT,
        "experiment_name": experiment.name,
        "description": experiment.description,
        "experiment_hash": experiment.hash,
        "experiment": experiment.fingerprint(),
        "experiment_file": {"path": experiment.source, "text": text},
        "model": model,
        "scenarios": [{"name": s.name, "source": s.source, "hash": s.hash}
                      for s in experiment.scenario_objects],
        "seeds": {"master": experiment.seed,
                  "common_random_numbers": experiment.common_random_numbers,
                  "derivation": seeds},
        "design": {"method": design.method if design else None,
                   "inputs": experiment.input_names,
                   "ranges": experiment.input_ranges,
                   "points": experiment.n_points,
                   "settings": design.model_dump(exclude={"inputs"}) if design else {}},
        "uncertainty": (experiment.uncertainty.describe(experiment.seed)
                        if experiment.uncertainty is not None else None),
        "replications": experiment.replications,
        "record": experiment.record,
        "runs_total": experiment.n_runs,
        "ledger": LEDGER,
        "created": _now(),
        **_software(),
        "platform": {"python": sys.version.split()[0], "system": platform.platform(),
                     "machine": platform.machine(), "cpus": os.cpu_count(),
                     "packages": _versions()},
        "sessions": [],
    }


def _changes(manifest: dict, experiment, model: str) -> list[str]:
    """What differs between the experiment a store holds and ``experiment``, in words."""
    if manifest.get("experiment_hash") == experiment.hash and manifest.get("model") == model:
        return []
    old, new = manifest.get("experiment", {}), experiment.fingerprint()
    changes = []
    for key in sorted(set(old) | set(new)):
        if key == "scenarios":
            before = {s["name"]: s["hash"] for s in old.get(key, [])}
            after = {s["name"]: s["hash"] for s in new.get(key, [])}
            for n in sorted(set(before) | set(after)):
                if before.get(n) != after.get(n):
                    how = ("added" if n not in before else "removed" if n not in after
                           else "changed")
                    changes.append(f"scenario {n!r} {how}")
            if not changes and list(before) != list(after):
                changes.append("scenario order")
        elif json.dumps(old.get(key), sort_keys=True, default=str) != json.dumps(
                new.get(key), sort_keys=True, default=str):
            changes.append(f"{key}: {_short(old.get(key))} -> {_short(new.get(key))}")
    if manifest.get("model") != model:
        changes.append(f"model: {manifest.get('model')} -> {model}")
    return changes or ["experiment hash"]


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _software() -> dict[str, Any]:
    from simulation._version import __version__

    return {"tipsim_version": __version__, "model_code": model_code_hash(), **_git()}


@cache
def model_code_hash() -> str:
    """A short SHA-256 of the source of ``MODEL_MODULES``: changes when the code that decides a
    run's numbers changes, not when batch, report or documentation code does."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in MODEL_MODULES:
        path = root / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _git() -> dict[str, Any]:
    """The commit of the tipsim source tree, when it is a git checkout (read-only queries)."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return {"git_commit": None}
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip() or None
        status = subprocess.run(["git", "--no-optional-locks", "-C", str(root), "status",
                                 "--porcelain", "--untracked-files=no", "--", "simulation"],
                                capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": None}
    return {"git_commit": commit, "git_dirty": bool(status.strip())}


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("mesa", "numpy", "scipy", "pandas", "pyarrow", "SALib", "distributed"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")

