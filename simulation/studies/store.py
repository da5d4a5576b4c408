"""The results store: an append-only directory of small Parquet files, one per finished run.

::

    results/NAME/
      manifest.json              provenance: experiment, scenario hashes, seeds, design,
                                 the exact values of the design's points and parameter draws
                                 (what a resumed batch runs), versions, git commit, platform,
                                 and one entry per session (start, end, counts)
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
                                 countries publish them (simulation.model.statistics)
      failed/RUN_ID.N.parquet    the N-th failed attempt of a run: its error and traceback

Every file is written to a hidden temporary name, flushed to disk and renamed into place
(``os.replace`` is atomic), so a kill at any moment leaves either the whole file or none; left-over
temporary files are ignored and swept on the next open. Before a run's parts are renamed into
place, their names and checksums are appended to the store's ledger (``written.jsonl``): what
tipsim deletes is what the ledger names, and a part it names that is gone or changed is damage
(:mod:`simulation.studies.store_parts`). tipsim follows no symbolic link in a store. A run counts as
finished when its ``runs/`` file exists, and that file is written last; resuming runs exactly
the runs without one.
Failed runs are retried when a batch resumes (a lost worker or a full disk is often transient;
a deterministic error just fails again), and a later success supersedes the failure, whose
record stays as history.

One batch at a time writes to a store: it holds the store's lock (``writer.lock``,
:mod:`simulation.studies.store_lock`) from opening to the end, and a second writer is refused. Every
part is checked when a batch resumes and when results are read
(:mod:`simulation.studies.store_parts`): a part that is truncated, has a flipped bit, or holds
another run or seed is damaged; resuming deletes the damaged run's parts and runs it again, reading
names the damaged parts in one line, and ``tipsim check`` lists them. ``restart`` deletes only what
tipsim wrote (the manifest, the ledger and the parts the ledger records) in a folder it recognises
as a store.

A store also remembers the model code that made its runs (a hash of the modules that decide a
run's numbers, in the manifest and in every session). Resuming with other model code is refused,
since old and new runs would not be comparable, unless the caller restarts or explicitly allows
the mix (``--allow-code-change``; each session's code stays on record).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.studies import store_lock
from simulation.model.errors import UserError
from simulation.model.files import atomic_write
from simulation.studies.store_parts import (DEFAULT_MODEL, ID_COLUMNS, LEDGER, PARTS, RUN_PART,
                                            DamagedStoreError, Damage, Ledger, StaleStoreError,
                                            StoreError, checksum, damaged_parts, discard,
                                            is_temporary, own_files, parts_in, read_ledger,
                                            read_manifest, recognise, record, store_manifest,
                                            unrecorded)
from simulation.studies.store_provenance import (MODEL_MODULES, changes_since, model_code_hash,
                                                 new_manifest, now, software)
from simulation.studies.store_reader import Results, load_results


class ResultStore:
    """One experiment's results on disk. Open it with :meth:`open`, which takes the store's
    writer's lock; :meth:`close` (or leaving a ``with`` block) lets it go."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock: store_lock.StoreLock | None = None
        #: damaged parts found when the store was opened; their runs were deleted, to be redone
        self.redone: list[Damage] = []
        # whether writes are recorded in the ledger: not in a store from before the ledger,
        # whose parts it would not list (it is managed by tipsim's names, as it was)
        self._records = True

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike, experiment, *, model: str = DEFAULT_MODEL,
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
            changes = changes_since(old, experiment, model)
            if changes and not restart:
                raise StaleStoreError(
                    f"{self.path}: holds results of a different experiment "
                    f"({'; '.join(changes)}); rerun with --restart to discard them, or choose "
                    "another --out")
            if not restart and not allow_code_change and model == DEFAULT_MODEL:
                self._check_model_code(old)
        if restart or old is None:
            self._clear(ledger)
            self._write_manifest(new_manifest(experiment, model))
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
        """What the store's ledger says tipsim wrote (see :mod:`simulation.studies.store_parts`)."""
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
        :mod:`simulation.studies.store_parts`)."""
        manifest = self.manifest
        return damaged_parts(self.path, manifest, self.ledger(manifest))

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
        return store_manifest(self.path)

    def completed_ids(self) -> set[str]:
        return {m["run_id"] for p in parts_in(self.path / "runs", self.ledger())
                if (m := RUN_PART.match(p.name))}

    def failed_ids(self) -> set[str]:
        """Runs whose last attempt failed (a later success supersedes a failure)."""
        failed = {p.name.rsplit(".", 2)[0] for p in parts_in(self.path / "failed", self.ledger())}
        return failed - self.completed_ids()

    # -- writing ------------------------------------------------------------------------------

    def write(self, record) -> None:
        """Write one finished run (a :class:`~simulation.studies.executors.RunRecord`) at once:
        every part to a temporary file, then their names and checksums to the ledger, then each
        renamed into place, its ``runs/`` part last (it marks the run finished)."""
        spec = record.spec
        ids = {"run_id": spec.run_id, "scenario": spec.scenario_name, "point": spec.point,
               "replication": spec.replication}
        staged: list[tuple[pa.Table, Path]] = []
        if not record.ok:
            attempt = 1 + sum(1 for _ in (self.path / "failed").glob(f"{spec.run_id}.*.parquet"))
            row = ids | {"seed": spec.seed} | spec.inputs | spec.recorded | {
                "error": record.error, "traceback": record.traceback or "",
                "worker": record.worker, "attempt": attempt, "failed_at": now()}
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
        meta = {"seconds": f"{record.seconds:.4f}", "worker": record.worker, "finished_at": now()}
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
            {"started": now(), **software(), **info})
        self._write_manifest(manifest)

    def finish_session(self, **info: Any) -> None:
        manifest = self.manifest
        if manifest.get("sessions"):
            manifest["sessions"][-1] |= {"finished": now(), **info}
        manifest["status"] = {"completed": len(self.completed_ids()),
                              "failed": len(self.failed_ids()),
                              "total": manifest.get("runs_total")}
        self._write_manifest(manifest)

    def _write_manifest(self, manifest: dict) -> None:
        text = json.dumps(manifest, indent=2, default=str)
        atomic_write(self.path / "manifest.json", lambda tmp: tmp.write_text(text))


# -- writing helpers --------------------------------------------------------------------------


def _temporary(target: Path) -> Path:
    """A hidden temporary name beside ``target``, as :func:`simulation.model.files.atomic_write`
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


# the store's reader (simulation.studies.store_reader), provenance
# (simulation.studies.store_provenance) and errors (simulation.studies.store_parts) keep this module
# as their import path
__all__ = ["DEFAULT_MODEL", "ID_COLUMNS", "MODEL_MODULES", "DamagedStoreError", "ResultStore",
           "Results", "StaleStoreError", "StoreError", "load_results", "model_code_hash"]
