"""What a results store is made of, and whether each piece of it is whole.

tipsim recognises a store by its manifest (a JSON object whose ``format`` is
``tipsim-results/1``) and its own names: the part folders, part files named after run ids
(``runs/baseline-r003.parquet``, ``failed/baseline-r003.2.parquet``) and the hidden temporary
files of a writer (``.NAME.PID.XXXXXXXX.tmp``, for a NAME tipsim writes). A store whose
manifest is damaged (a truncated ``manifest.json``) is still recognised when everything in it
has tipsim's names. A store whose part folders or own files are symbolic links is not: tipsim
follows no link in a store, since writing or deleting through one reaches files elsewhere.

Every part a batch writes is recorded, before it is renamed into place, in the store's ledger
(``written.jsonl``: one line per run, each part's name and SHA-256). What tipsim deletes (a
damaged run's parts on resume, everything on ``--restart``) is what the ledger names, nothing
else: a file of the user's in a part folder is neither read nor deleted, and one at a name tipsim
would write is refused, so that it is never overwritten. The ledger also says which parts a
finished run has, so a part deleted by hand is damage (``missing``) that ``tipsim check`` lists
and resuming redoes, and a part whose bytes are not the ones written is damage too. Stores
written before the ledger existed (no ``ledger`` in their manifest) are managed by names
alone, as they were.

A part is whole when Parquet can read every page of it (parts are written with page checksums,
so a flipped bit in the data is caught, not read as a number), it has the columns and types
tipsim writes, its run id is the one its file name says, and its seed is the one the manifest's
master seed gives that run. :func:`read_part` reads a part and says what is wrong with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from simulation.model.errors import UserError
from simulation.studies.file_schemas import (MAX_MANIFEST_BYTES, StoreManifest,
                                             store_manifest_problem)
from simulation.model.files import InputFileError, read_json, read_limited
from simulation.studies.store_lock import LOCK_NAME

FORMAT = "tipsim-results/1"
PARTS = ("runs", "jurisdictions", "forms", "groups", "weekly", "contacts", "exploited",
         "statistics", "failed")
MANIFEST = "manifest.json"
LEDGER = "written.jsonl"
MAX_LEDGER_BYTES = 2**30  # about 700 bytes a run: a million runs fit
MAX_PART_BYTES = 2**30  # a run's weekly rows at scale 8 over 12 years are a few MB
DEFAULT_MODEL = "simulation.experiment:run_spec"
"""What a manifest's ``model`` records for the real model (:func:`simulation.studies.experiment.
run_spec`): the function's import path when the first stores were written, kept when the module
moved into ``studies/`` so that every store, older or newer, names the real model the same way
(and an older one still resumes). A function passed as ``run_fn`` is recorded by its own path."""
_RUN_ID = r"[A-Za-z0-9_.-]+-(?:p\d+-)?r\d+"
RUN_PART = re.compile(rf"^(?P<run_id>{_RUN_ID})\.parquet$")
FAILED_PART = re.compile(rf"^(?P<run_id>{_RUN_ID})\.(?P<attempt>\d+)\.parquet$")
# what simulation.model.files.atomic_write names its temporary file: .NAME.PID.XXXXXXXX.tmp
TEMPORARY = re.compile(r"^\.(?P<target>.+)\.\d+\.[0-9a-f]{8}\.tmp$")
# files tipsim writes at the top of a store (the report is the dashboard command's default)
OWN_FILES = (MANIFEST, LOCK_NAME, LEDGER, "dashboard.html")
# where a file at one of tipsim's names that is not as tipsim wrote it is moved, never deleted
SET_ASIDE = "damaged"

_TEXT = (pa.string(), pa.large_string())
_INT = (pa.int64(),)
_REQUIRED: dict[str, dict[str, tuple]] = {
    "runs": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
             "seed": _INT},
    "jurisdictions": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
                      "jurisdiction": _TEXT},
    "forms": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
              "form": _TEXT},
    "groups": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
               "group": _TEXT},
    "weekly": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
               "week": _INT, "jurisdiction": _TEXT},
    "contacts": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
                 "person": _INT, "list": _TEXT, "week": _INT},
    "exploited": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
                  "person": _INT, "start": _INT, "end": _INT},
    "statistics": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
                   "year": _INT, "jurisdiction": _TEXT, "referred": _INT, "confirmed": _INT},
    "failed": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
               "seed": _INT, "error": _TEXT, "attempt": _INT},
}


def part_match(part: str, name: str) -> re.Match | None:
    """The parsed name of one of tipsim's part files in folder ``part`` (None: not tipsim's)."""
    return (FAILED_PART if part == "failed" else RUN_PART).match(name)


def is_temporary(folder: str, name: str) -> bool:
    """Whether ``name`` is a temporary file tipsim writes in ``folder`` (a part folder, or ""
    for the store's top): ``.TARGET.PID.XXXXXXXX.tmp`` for a TARGET tipsim writes there."""
    m = TEMPORARY.match(name)
    if m is None:
        return False
    target = m["target"]
    return part_match(folder, target) is not None if folder else target in (MANIFEST, LEDGER)


def is_own_file(part: str, name: str) -> bool:
    """Whether tipsim writes a file of this name into a part folder (a part or a temporary)."""
    return part_match(part, name) is not None or is_temporary(part, name)


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the store at ``path``; ValueError (with why) when it is not readable as
    tipsim's, OSError when it cannot be read at all."""
    try:
        manifest = read_json(path / MANIFEST, MAX_MANIFEST_BYTES, "a results manifest")
    except ValueError as exc:
        raise ValueError(getattr(exc, "reason", str(exc))) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(f"its format is {found!r}, not {FORMAT!r}")
    from pydantic import ValidationError

    try:
        StoreManifest.model_validate(manifest)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        raise ValueError(f"{where}: {first['msg']}; allowed: the manifest as tipsim wrote it"
                         ) from None
    problem = store_manifest_problem(manifest)
    if problem:
        raise ValueError(problem)
    return manifest


# -- the ledger: what tipsim wrote -------------------------------------------------------------


@dataclass
class Ledger:
    """What the store's ledger records: each file tipsim wrote (``"runs/ID.parquet"``) and its
    SHA-256, and for each run the parts its last attempt wrote (none if that attempt failed).
    ``strict`` is False for a store from before the ledger: then tipsim's names are its files."""

    strict: bool
    written: dict[str, str] = field(default_factory=dict)
    parts: dict[str, set[str]] = field(default_factory=dict)

    def owns(self, relative: str) -> bool:
        if self.strict:
            return relative in self.written
        folder, _, name = relative.partition("/")
        return folder in PARTS and part_match(folder, name) is not None


def read_ledger(path: Path, manifest: dict[str, Any] | None) -> Ledger:
    """The ledger of the store at ``path``. A line that is not a whole record (the last line
    of a writer killed while appending it: the parts it names were never renamed into place) is
    skipped."""
    file = path / LEDGER
    recorded = manifest is not None and manifest.get("ledger") == LEDGER
    try:
        data = read_limited(file, MAX_LEDGER_BYTES, "tipsim's ledger of the files it wrote")
    except FileNotFoundError:
        if recorded:
            raise UserError(f"{file}: missing, so tipsim cannot tell the files it wrote from "
                            "yours; allowed: the ledger tipsim wrote (move the store's files "
                            "you want to keep, then delete the folder and rerun)") from None
        return Ledger(strict=False)
    except InputFileError as exc:
        raise UserError(str(exc)) from None
    ledger = Ledger(strict=True)
    for line in data.splitlines():
        try:
            entry = json.loads(line)
            run_id, files = entry["run"], entry["files"]
        except (ValueError, TypeError, KeyError, RecursionError):
            continue
        if not (isinstance(run_id, str) and isinstance(files, dict)
                and all(isinstance(k, str) and isinstance(v, str) for k, v in files.items())):
            continue
        ledger.written |= files
        ledger.parts[run_id] = {f for f in files if not f.startswith("failed/")}
    return ledger


def record(path: Path, run_id: str, files: dict[str, str]) -> None:
    """Append one run's files and checksums to the ledger, flushed to disk (before they are
    renamed into place, so the ledger never misses a file tipsim wrote)."""
    line = (json.dumps({"run": run_id, "files": files}, separators=(",", ":")) + "\n").encode()
    fd = os.open(path / LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC
                 | os.O_NOFOLLOW, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def discard(path: Path, file: Path, ledger: Ledger) -> str:
    """Remove one of tipsim's files from the store at ``path``: deleted when it is what tipsim
    wrote (the ledger's checksum; any file with tipsim's name in a store from before the
    ledger), otherwise moved to ``damaged/FOLDER/`` (a user's file, or a part changed since:
    never deleted). Returns where it went ("" when deleted or already gone)."""
    if not (file.exists() or file.is_symlink()):
        return ""
    relative = f"{file.parent.name}/{file.name}"
    if not ledger.strict:
        file.unlink(missing_ok=True)
        return ""
    data, _ = part_bytes(file)
    if data is not None and checksum(data) == ledger.written.get(relative):
        file.unlink(missing_ok=True)
        return ""
    folder = path / SET_ASIDE / file.parent.name
    folder.mkdir(parents=True, exist_ok=True)
    target, n = folder / file.name, 1
    while target.exists() or target.is_symlink():
        target, n = folder / f"{file.name}.{n}", n + 1
    os.rename(file, target)
    return f"{SET_ASIDE}/{file.parent.name}/{target.name}"


def links(path: Path) -> list[str]:
    """tipsim's names in the store at ``path`` that are symbolic links, or part folders that are
    not folders: tipsim follows none of them."""
    out = []
    for name in PARTS + OWN_FILES + (SET_ASIDE,):
        entry = path / name
        if entry.is_symlink():
            out.append(f"{name} is a symbolic link")
        elif name in PARTS and entry.exists() and not entry.is_dir():
            out.append(f"{name} is not a folder")
    return out


def unrecorded(path: Path, ledger: Ledger) -> list[str]:
    """Files at names tipsim writes in part folders that the ledger does not record: not
    tipsim's, and in the way of a file tipsim may write (so never overwritten or deleted)."""
    if not ledger.strict:
        return []
    out = []
    for part in PARTS:
        folder = path / part
        if folder.is_dir() and not folder.is_symlink():
            out += [f"{part}/{f.name}" for f in sorted(folder.iterdir())
                    if part_match(part, f.name) and f"{part}/{f.name}" not in ledger.written]
    return out


@dataclass(frozen=True)
class Recognition:
    """What a folder is: ``store`` (tipsim's), and if so whether its manifest is readable."""

    store: bool
    manifest: dict[str, Any] | None
    why: str = ""  # why it is not a store, or why its manifest is unreadable


def recognise(path: Path) -> Recognition:
    """Whether ``path`` (an existing directory) is a tipsim results store: its manifest is
    tipsim's, or it has none (or a damaged one) and holds nothing but tipsim's own files (an
    empty folder is an empty store)."""
    linked = links(path)
    if linked:
        return Recognition(False, None, f"{'; '.join(linked)}; allowed: the folders and files "
                                        "tipsim made (it follows no link in a store: writing "
                                        "or deleting through one reaches files elsewhere)")
    try:
        return Recognition(True, read_manifest(path))
    except FileNotFoundError:
        problem = "no manifest.json"
    except ValueError as exc:  # JSON, but not tipsim's: somebody else's folder
        if "format is" in str(exc):
            return Recognition(False, None, f"manifest.json: {exc}")
        problem = f"manifest.json is damaged: {exc}"
    except (OSError, UserError) as exc:
        problem = f"manifest.json cannot be read: {getattr(exc, 'reason', None) or exc}"
    foreign = foreign_files(path)
    if foreign:  # a folder with anything of somebody else's is not tipsim's to manage
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        return Recognition(False, None, f"{problem}; holds files tipsim does not write: {shown}")
    return Recognition(True, None, problem)  # empty, or tipsim's files with a bad manifest


def foreign_files(path: Path) -> list[str]:
    """Files and folders in a store that tipsim does not write (relative names)."""
    out = []
    for entry in sorted(path.iterdir()):
        if entry.name in PARTS and entry.is_dir() and not entry.is_symlink():
            out += [f"{entry.name}/{f.name}" for f in sorted(entry.iterdir())
                    if not (f.is_file() and is_own_file(entry.name, f.name))]
        elif entry.name == SET_ASIDE and entry.is_dir() and not entry.is_symlink():
            continue  # files tipsim set aside rather than delete: kept, not read
        elif not ((entry.name in OWN_FILES or is_temporary("", entry.name))
                  and entry.is_file()):
            out.append(entry.name)
    return out


def own_files(path: Path, ledger: Ledger | None = None) -> list[Path]:
    """Every part and temporary file tipsim wrote into the store at ``path`` (what a restart
    deletes, with the manifest and the ledger): with a ledger, the parts it records."""
    out = []
    for part in PARTS:
        folder = path / part
        if folder.is_dir() and not folder.is_symlink():
            out += [f for f in folder.iterdir()
                    if (is_temporary(part, f.name) and f.is_file() and not f.is_symlink())
                    or ((f.is_file() or f.is_symlink()) and part_match(part, f.name)
                        and (ledger is None or ledger.owns(f"{part}/{f.name}")))]
    return out + [f for f in path.iterdir()
                  if is_temporary("", f.name) and f.is_file() and not f.is_symlink()]


# -- checking parts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    """A part that is not whole: its file, the run it belongs to, and what is wrong."""

    file: Path
    run_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file.parent.name}/{self.file.name} ({self.reason})"


def read_part(file: Path, part: str, manifest: dict[str, Any], written: str | None = None
              ) -> tuple[pa.Table | None, str]:
    """The part's table and ``""``, or ``None`` and what is wrong with it (``written``: the
    checksum the ledger records for it)."""
    name = part_match(part, file.name)
    if name is None:
        return None, "not a part name tipsim writes"
    data, problem = part_bytes(file)
    if data is None:
        return None, problem
    try:
        table = pq.read_table(pa.BufferReader(data), page_checksum_verification=True)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds for a broken file
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return None, f"unreadable: {text[:120]}"
    for column, types in _REQUIRED[part].items():
        if column not in table.column_names:
            return None, f"no column {column!r}"
        if table.schema.field(column).type not in types:
            return None, f"column {column!r} is {table.schema.field(column).type}"
    if table.num_rows == 0 or (part in ("runs", "failed") and table.num_rows != 1):
        return None, f"{table.num_rows} rows"
    ids = {k: table.column(k).unique().to_pylist() for k in ("run_id", "scenario", "point",
                                                            "replication")}
    if any(len(v) != 1 for v in ids.values()) or ids["run_id"][0] != name["run_id"]:
        return None, f"run_id {_shown(ids['run_id'])} does not match its file name"
    (run_id,), (scenario,), (point,), (replication,) = ids.values()
    rest = run_id[len(scenario) + 1:] if run_id.startswith(f"{scenario}-") else ""
    parsed = re.fullmatch(r"(?:[pd](\d+)-)?r(\d+)", rest)  # d: a parameter draw
    if parsed is None or (int(parsed[1] or 0), int(parsed[2])) != (point, replication):
        return None, (f"scenario {scenario!r}, point {point}, replication {replication} do not "
                      f"match run id {run_id!r}")
    if "seed" in table.column_names:
        seed = table.column("seed")[0].as_py()
        want = expected_seed(manifest, scenario, point, replication)
        if want is not None and seed != want:
            return None, f"seed {seed} is not this store's seed for the run ({want})"
    if written is not None and checksum(data) != written:
        return None, "its checksum is not the one tipsim recorded when it wrote the part"
    return table, ""


def part_bytes(file: Path) -> tuple[bytes | None, str]:
    """A part's bytes, read without following a link or waiting on a FIFO."""
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return None, ("a symbolic link" if file.is_symlink() else
                      f"unreadable: {exc.strerror}")
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None, "not a regular file"
        chunks, size = [], 0
        while size <= MAX_PART_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_PART_BYTES:
            return None, f"larger than {MAX_PART_BYTES:,} bytes"
        return b"".join(chunks), ""
    except OSError as exc:
        return None, f"unreadable: {exc.strerror}"
    finally:
        os.close(fd)


def missing_parts(path: Path, ledger: Ledger, part: str | None = None) -> list[Damage]:
    """Parts the ledger says a run's last attempt wrote that are no longer there (in folder
    ``part``, or in every folder)."""
    out = []
    for run_id, files in ledger.parts.items():
        for relative in sorted(files):
            if part is not None and not relative.startswith(f"{part}/"):
                continue
            file = path / relative
            if not (file.exists() or file.is_symlink()):
                out.append(Damage(file, run_id, "missing: tipsim wrote it and it has been "
                                                "deleted since"))
    return out


def check_parts(path: Path, part: str, manifest: dict[str, Any],
                files: list[Path] | None = None, ledger: Ledger | None = None
                ) -> tuple[list[pa.Table], list[Damage]]:
    """Read every part in one folder: the whole ones' tables and the damaged ones.

    For the real model, a part whose columns differ from those of most parts in its folder is
    damaged too (a flipped bit in a column name reads fine otherwise)."""
    files = parts_in(path / part, ledger) if files is None else files
    written = ledger.written if ledger is not None and ledger.strict else {}
    tables, damaged, names = [], [], []
    for file in files:
        table, reason = read_part(file, part, manifest, written.get(f"{part}/{file.name}"))
        run_id = (part_match(part, file.name) or {"run_id": file.stem})["run_id"]
        if table is None:
            damaged.append(Damage(file, run_id, reason))
        else:
            tables.append((file, run_id, table))
            names.append(tuple(table.column_names))
    if manifest.get("model") == DEFAULT_MODEL and len(set(names)) > 1:
        usual = Counter(names).most_common(1)[0][0]
        for file, run_id, table in [t for t in tables if tuple(t[2].column_names) != usual]:
            odd = sorted(set(table.column_names) ^ set(usual))
            damaged.append(Damage(file, run_id, f"columns {_shown(odd)} differ from the "
                                                "other parts'"))
        tables = [t for t in tables if tuple(t[2].column_names) == usual]
    return [t for _, _, t in tables], damaged


def parts_in(directory: Path, ledger: Ledger | None = None) -> list[Path]:
    """Finished part files: files with a part's name (with a ledger, those it records; a
    temporary file starts with a dot), in a part folder that is not a link."""
    if directory.is_symlink() or not directory.is_dir():
        return []
    part = directory.name
    return sorted(p for p in directory.iterdir()
                  if part_match(part, p.name) and (ledger is None
                                                   or ledger.owns(f"{part}/{p.name}")))


def expected_seed(manifest: dict[str, Any], scenario: str, point: int, replication: int
                  ) -> int | None:
    """The seed the manifest's master seed gives a run (None for a manifest without one)."""
    from simulation.model.seeds import derive_seed

    seeds = manifest.get("seeds") or {}
    master = seeds.get("master")
    if not isinstance(master, int) or isinstance(master, bool) or master < 0:
        return None
    return derive_seed(master, seeds.get("common_random_numbers", True), scenario, point,
                       replication)


def describe(damaged: list[Damage], limit: int = 4) -> str:
    """Damaged parts in one line."""
    shown = "; ".join(str(d) for d in damaged[:limit])
    more = f"; and {len(damaged) - limit} more" if len(damaged) > limit else ""
    return f"{len(damaged)} damaged part{'s' * (len(damaged) != 1)}: {shown}{more}"


def _shown(values: Any) -> str:
    text = json.dumps(values, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


ID_COLUMNS = ("run_id", "scenario", "point", "replication", "seed")
"""The columns that say which run a row of any part belongs to."""


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


def store_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the store at ``path``, or :class:`StoreError` saying why it cannot be
    read."""
    try:
        return read_manifest(path)
    except (OSError, ValueError, UserError) as exc:
        why = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        raise StoreError(f"{path}/manifest.json: cannot read it ({why})") from None


def damaged_parts(path: Path, manifest: dict[str, Any], ledger: Ledger) -> list[Damage]:
    """Every damaged part of the store at ``path``, missing ones included."""
    return ([d for part in PARTS for d in check_parts(path, part, manifest, ledger=ledger)[1]]
            + missing_parts(path, ledger))


__all__ = ["DEFAULT_MODEL", "FORMAT", "ID_COLUMNS", "LEDGER", "PARTS", "DamagedStoreError",
           "Damage", "Ledger", "Recognition", "StaleStoreError", "StoreError", "check_parts",
           "damaged_parts", "describe", "discard", "foreign_files", "missing_parts", "own_files",
           "read_ledger", "read_part", "recognise", "record", "store_manifest", "unrecorded"]
