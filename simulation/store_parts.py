"""What a results store is made of, and whether each piece of it is whole.

tipsim recognises a store by its manifest (a JSON object whose ``format`` is
``tipsim-results/1``) and its own names: the part folders, part files named after run ids
(``runs/baseline-r003.parquet``, ``failed/baseline-r003.2.parquet``) and the hidden temporary
files of a writer. ``--restart`` deletes only those, and only in a store it recognises; a store
whose manifest is damaged (a truncated ``manifest.json``) is still recognised when everything in
it has tipsim's names.

A part is whole when Parquet can read every page of it (parts are written with page checksums,
so a flipped bit in the data is caught, not read as a number), it has the columns and types
tipsim writes, its run id is the one its file name says, and its seed is the one the manifest's
master seed gives that run. :func:`read_part` reads a part and says what is wrong with it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from simulation.errors import UserError
from simulation.files import read_limited
from simulation.store_lock import LOCK_NAME

FORMAT = "tipsim-results/1"
PARTS = ("runs", "jurisdictions", "forms", "groups", "weekly", "contacts", "exploited", "failed")
MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 2**20
_RUN_ID = r"[A-Za-z0-9_.-]+-(?:p\d+-)?r\d+"
RUN_PART = re.compile(rf"^(?P<run_id>{_RUN_ID})\.parquet$")
FAILED_PART = re.compile(rf"^(?P<run_id>{_RUN_ID})\.(?P<attempt>\d+)\.parquet$")
TEMPORARY = re.compile(r"^\..+\.tmp$")
# files tipsim writes at the top of a store (the report is the dashboard command's default)
OWN_FILES = (MANIFEST, LOCK_NAME, "dashboard.html")

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
    "failed": {"run_id": _TEXT, "scenario": _TEXT, "point": _INT, "replication": _INT,
               "seed": _INT, "error": _TEXT, "attempt": _INT},
}


def part_match(part: str, name: str) -> re.Match | None:
    """The parsed name of one of tipsim's part files in folder ``part`` (None: not tipsim's)."""
    return (FAILED_PART if part == "failed" else RUN_PART).match(name)


def is_own_file(part: str, name: str) -> bool:
    """Whether tipsim wrote a file of this name into a part folder (a part or a temporary)."""
    return part_match(part, name) is not None or TEMPORARY.match(name) is not None


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the store at ``path``; ValueError (with why) when it is not readable as
    tipsim's, OSError when it cannot be read at all."""
    data = read_limited(path / MANIFEST, MAX_MANIFEST_BYTES, "a results manifest")
    try:
        manifest = json.loads(data)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ValueError(f"its format is {found!r}, not {FORMAT!r}")
    return manifest


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
        elif not ((entry.name in OWN_FILES or TEMPORARY.match(entry.name)) and entry.is_file()):
            out.append(entry.name)
    return out


def own_files(path: Path) -> list[Path]:
    """Every part and temporary file tipsim wrote into the store at ``path`` (what a restart
    deletes, with the manifest)."""
    out = []
    for part in PARTS:
        folder = path / part
        if folder.is_dir() and not folder.is_symlink():
            out += [f for f in folder.iterdir() if f.is_file() and is_own_file(part, f.name)]
    return out + [f for f in path.iterdir() if TEMPORARY.match(f.name) and f.is_file()]


# -- checking parts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Damage:
    """A part that is not whole: its file, the run it belongs to, and what is wrong."""

    file: Path
    run_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file.parent.name}/{self.file.name} ({self.reason})"


def read_part(file: Path, part: str, manifest: dict[str, Any]) -> tuple[pa.Table | None, str]:
    """The part's table and ``""``, or ``None`` and what is wrong with it."""
    name = part_match(part, file.name)
    if name is None:
        return None, "not a part name tipsim writes"
    try:
        table = pq.read_table(file, page_checksum_verification=True)
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
    return table, ""


def check_parts(path: Path, part: str, manifest: dict[str, Any],
                files: list[Path] | None = None) -> tuple[list[pa.Table], list[Damage]]:
    """Read every part in one folder: the whole ones' tables and the damaged ones.

    For the real model, a part whose columns differ from those of most parts in its folder is
    damaged too (a flipped bit in a column name reads fine otherwise)."""
    files = parts_in(path / part) if files is None else files
    tables, damaged, names = [], [], []
    for file in files:
        table, reason = read_part(file, part, manifest)
        run_id = (part_match(part, file.name) or {"run_id": file.stem})["run_id"]
        if table is None:
            damaged.append(Damage(file, run_id, reason))
        else:
            tables.append((file, run_id, table))
            names.append(tuple(table.column_names))
    if manifest.get("model") == "simulation.experiment:run_spec" and len(set(names)) > 1:
        usual = Counter(names).most_common(1)[0][0]
        for file, run_id, table in [t for t in tables if tuple(t[2].column_names) != usual]:
            odd = sorted(set(table.column_names) ^ set(usual))
            damaged.append(Damage(file, run_id, f"columns {_shown(odd)} differ from the "
                                                "other parts'"))
        tables = [t for t in tables if tuple(t[2].column_names) == usual]
    return [t for _, _, t in tables], damaged


def parts_in(directory: Path) -> list[Path]:
    """Finished part files (temporary files start with a dot and end in .tmp)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir()
                  if p.suffix == ".parquet" and not p.name.startswith("."))


def expected_seed(manifest: dict[str, Any], scenario: str, point: int, replication: int
                  ) -> int | None:
    """The seed the manifest's master seed gives a run (None for a manifest without one)."""
    from simulation.experiment import derive_seed

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


__all__ = ["FORMAT", "PARTS", "Damage", "Recognition", "check_parts", "describe", "read_part",
           "recognise", "own_files", "foreign_files"]
