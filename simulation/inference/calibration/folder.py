"""A calibration's output folder: the files ``tipsim calibrate`` writes there, and the record
(``state.json``) of which ones it wrote, by name and checksum, so that it deletes or overwrites
nothing else (the store's rule, :mod:`simulation.studies.store_parts`)."""

from __future__ import annotations

import json
from pathlib import Path

from simulation.model.errors import UserError
from simulation.studies.file_schemas import ENSEMBLE_MANIFEST, ENSEMBLE_TABLE
from simulation.model.files import atomic_write

HISTORY = "history.db"
ENSEMBLE = ENSEMBLE_TABLE
MANIFEST = ENSEMBLE_MANIFEST
STATE = "state.json"
REPORT = "report.html"
OWN = (HISTORY, ENSEMBLE, MANIFEST, STATE, REPORT)  # what calibrate writes in its folder


class CalibrationRunError(UserError):
    """A calibration that cannot start or resume as asked."""


def read_state(out: Path) -> dict | None:
    """The folder's ``state.json``, validated (None when there is none);
    :class:`CalibrationRunError` when it is damaged."""
    state, damaged = owned_state(out)
    if damaged:
        raise CalibrationRunError(f"{out}: {damaged}; rerun with --restart to start over")
    return state


def owned_state(out: Path) -> tuple[dict | None, str]:
    """``(state, "")`` for a folder with a valid ``state.json`` (``state`` None when there is
    none), or ``(None, why)`` when it is damaged or edited by hand."""
    from simulation.studies.file_schemas import MAX_STATE_BYTES, CalibrationState
    from simulation.model.files import read_json

    try:
        return read_json(out / STATE, MAX_STATE_BYTES, "a calibration's state.json",
                         CalibrationState), ""
    except (FileNotFoundError, NotADirectoryError):
        return None, ""
    except UserError as exc:
        return None, str(exc)
    except OSError as exc:
        return None, f"{out / STATE}: cannot be read ({exc.strerror})"


def file_checksum(path: Path) -> str | None:
    from simulation.studies.store_parts import checksum, part_bytes

    data, _ = part_bytes(path)
    return None if data is None else checksum(data)


def own_files(out: Path, state: dict | None, damaged: str) -> list[str]:
    """The files in ``out`` that calibrate wrote (what ``--restart`` deletes), or
    :class:`CalibrationRunError` naming a file at one of its names that it did not write:
    with a valid state, the files it records (by checksum, the history by name); with a damaged
    one, its names in a folder that holds nothing else."""
    if not out.is_dir():
        return []
    present = [name for name in OWN if (out / name).exists() or (out / name).is_symlink()]
    if state is not None and "written" not in state:  # written before files were recorded
        foreign = []
    elif state is not None:
        written = state.get("written") or {}
        foreign = [n for n in present if n != STATE and not (
            n in written and not (out / n).is_symlink()
            and (written[n] is None or written[n] == file_checksum(out / n)))]
    elif damaged:
        others = sorted(p.name for p in out.iterdir() if p.name not in OWN)
        foreign = others and present
    else:
        foreign = present
    if foreign:
        raise CalibrationRunError(
            f"{out}: {', '.join(foreign)}: not written by tipsim calibrate (or changed since); "
            "tipsim deletes and overwrites only its own files; allowed: a new folder or one "
            "that tipsim calibrate wrote (move these files, or choose another --out)")
    return present


def record_written(out: Path, name: str) -> None:
    """Record in ``state.json`` that calibrate wrote ``out/name``, with its checksum (a file
    changed since is then not deleted or overwritten by a later run)."""
    state = read_state(out)
    if state is None:
        return
    state.setdefault("written", {})[name] = file_checksum(out / name)
    write_json(out / STATE, state)


def check_writable(out: Path, name: str) -> None:
    """Refuse to write ``out/name`` over a file calibrate did not write."""
    if (out / name).exists() or (out / name).is_symlink():
        state, damaged = owned_state(out)
        if state is not None and "written" not in state:
            return  # a folder written before files were recorded: its names are its own
        written = (state or {}).get("written") or {}
        if damaged or name not in written or written[name] != file_checksum(out / name):
            raise CalibrationRunError(
                f"{out / name}: not written by tipsim calibrate (or changed since); tipsim "
                "overwrites only its own files; allowed: move it, or choose another --out")


def write_json(path: Path, obj: dict) -> None:
    text = json.dumps(obj, indent=2, default=str)
    atomic_write(path, lambda tmp: tmp.write_text(text + "\n"))


__all__ = ["ENSEMBLE", "HISTORY", "MANIFEST", "OWN", "REPORT", "STATE", "CalibrationRunError",
           "check_writable", "file_checksum", "own_files", "owned_state", "read_state",
           "record_written", "write_json"]
