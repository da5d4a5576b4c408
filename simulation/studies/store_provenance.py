"""Where a store's runs came from: the manifest a new store starts with (the experiment, its
seeds and design, tipsim's version, the hash of the model code, the git commit, the platform),
what changed since a store was made, and the hash of the code that decides a run's numbers."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from simulation.model.errors import UserError
from simulation.studies.store_parts import FORMAT, LEDGER

# The modules whose code decides a run's numbers (batch, store, analysis and report code do not),
# as paths under simulation/.
MODEL_MODULES = ("model/agents", "model/caches.py", "model/calendars.py", "model/clock.py",
                 "model/distributions.py", "studies/elicitation.py", "model/events.py",
                 "studies/experiment.py", "model/trafficking_model.py", "model/outcomes.py",
                 "model/parameters.py", "model/pools.py", "model/processes", "model/records.py",
                 "model/registry.py", "model/runner.py", "model/scenario.py",
                 "model/scenario_schema.py", "model/statistics.py", "model/streams.py",
                 "model/hashchain.c", "model/fmath.py", "model/fmath.c",
                 "studies/uncertainty.py")


def new_manifest(experiment, model: str) -> dict[str, Any]:
    """A new store's manifest: the experiment, its seeds and design, and where it was made."""
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
        "design_values": design_values(experiment),
        "replications": experiment.replications,
        "record": experiment.record,
        "runs_total": experiment.n_runs,
        "ledger": LEDGER,
        "created": now(),
        **software(),
        "platform": {"python": sys.version.split()[0], "system": platform.platform(),
                     "machine": platform.machine(), "cpus": os.cpu_count(),
                     "packages": _versions()},
        "sessions": [],
    }


def changes_since(manifest: dict, experiment, model: str) -> list[str]:
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


# -- the inputs' values, kept so that a resumed batch runs exactly the same ones ----------------

_ENCODING = "float64 little-endian, row-major, base64"
KEPT_VALUES_BYTES = 8 * 2**20
"""The largest table whose values a manifest keeps (8 MiB of float64: a Morris design of 2,160
points over 215 inputs is 3.5 MiB); of a larger one it keeps the checksum only."""


def design_values(experiment) -> dict[str, Any]:
    """The values every run of ``experiment`` takes from its design and its parameter draws,
    exactly (each table's float64 bytes), for the manifest of a new store.

    Both are derived from the master seed, but by other libraries' code: scipy's and SALib's
    samplers, and scipy's inverse distribution functions for PERT, beta and lognormal priors,
    which can differ in the last bit between two kinds of CPU (ODD 4) and in whole values
    between two versions of a library. A batch resumed elsewhere runs the stored values
    (:func:`adopt_design_values`), so its runs are the ones the uninterrupted batch would have
    made."""
    out: dict[str, Any] = {"encoding": _ENCODING}
    for name, (columns, values, data) in _tables(experiment).items():
        out[name] = {"columns": columns, "shape": list(values.shape),
                     "sha256": hashlib.sha256(data).hexdigest()}
        if len(data) <= KEPT_VALUES_BYTES:
            out[name]["values"] = base64.b64encode(data).decode("ascii")
    return out


def _tables(experiment) -> dict[str, tuple[list[str], np.ndarray, bytes]]:
    """The experiment's design matrix and, under [uncertainty], its draws: (columns, values,
    the values' bytes as :data:`_ENCODING` has them)."""
    tables = {"design": (list(experiment.input_names), experiment.design_matrix)}
    draws = experiment.draws
    if draws is not None:
        tables["draws"] = (list(draws.columns), draws.to_numpy(dtype=np.float64))
    return {name: (columns, np.asarray(values, dtype=np.float64),
                   np.ascontiguousarray(values, dtype="<f8").tobytes())
            for name, (columns, values) in tables.items()}


def adopt_design_values(experiment, manifest: dict[str, Any], where: str) -> int | None:
    """Make ``experiment`` (the one the store at ``where`` holds) run the design and draw
    values its manifest kept when the store was made, instead of the ones derived here.

    Returns how many values derived here differ from the kept ones (0 on the machine and
    install that made the store), or None for a store from before values were kept, whose
    runs keep the values derived here. The kept values must be whole and of the experiment's
    shape; anything else is a :class:`~simulation.model.errors.UserError` naming the field. So
    is a table too large to keep (:data:`KEPT_VALUES_BYTES`) whose values derived here are not
    the ones the store began with: its runs could not be the uninterrupted batch's."""
    kept = manifest.get("design_values")
    if kept is None:
        return None
    field = f"{where}/manifest.json: design_values"
    if not isinstance(kept, dict) or kept.get("encoding") != _ENCODING:
        raise UserError(f"{field}: not as tipsim wrote it; allowed: the manifest as tipsim "
                        "wrote it (rerun with --restart to start the store again)")
    derived = _tables(experiment)
    draws = experiment.draws
    if set(derived) != set(kept) - {"encoding"}:
        raise UserError(f"{field}: holds {sorted(set(kept) - {'encoding'})}, the experiment "
                        f"derives {sorted(derived)}; allowed: the manifest as tipsim wrote it")
    differ = 0
    for name, (columns, values, here) in derived.items():
        entry = kept[name]
        try:
            data = (base64.b64decode(entry["values"], validate=True) if "values" in entry
                    else here)
            ok = (entry["columns"] == columns and entry["shape"] == list(values.shape)
                  and len(data) == len(here))
            whole = ok and hashlib.sha256(data).hexdigest() == entry["sha256"]
        except (KeyError, TypeError, ValueError):
            ok = whole = False
        if not whole and ok and "values" not in entry:
            raise UserError(
                f"{field}.{name}: the {values.size} values derived here are not the ones this "
                "store began with (another kind of CPU or another version of scipy or SALib "
                "derives them otherwise), and the table was too large for the manifest to "
                "keep them; allowed: resume on the machine and install that started the batch, "
                "or rerun with --restart")
        if not whole:
            raise UserError(f"{field}.{name}: damaged, or not the values of this experiment's "
                            f"{len(columns)} inputs; allowed: the manifest as tipsim wrote it "
                            "(rerun with --restart to start the store again)")
        stored = np.frombuffer(data, dtype="<f8").reshape(values.shape)
        differ += int(np.count_nonzero(stored.view(np.uint64) != values.view(np.uint64)))
        if name == "design":
            experiment.__dict__["design_matrix"] = stored.astype(np.float64)
        else:
            frame = draws.copy()
            for i, column in enumerate(columns):
                frame[column] = stored[:, i].astype(draws[column].dtype)
            experiment.__dict__["draws"] = frame
    return differ


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def software() -> dict[str, Any]:
    """tipsim's version, the model code's hash and the git commit."""
    from simulation._version import __version__

    return {"tipsim_version": __version__, "model_code": model_code_hash(), **_git()}


@cache
def model_code_hash() -> str:
    """A short SHA-256 of the source of ``MODEL_MODULES``: changes when the code that decides a
    run's numbers changes, not when batch, report or documentation code does."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for name in MODEL_MODULES:
        path = root / name
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _git() -> dict[str, Any]:
    """The commit of the tipsim source tree, when it is a git checkout (read-only queries)."""
    root = Path(__file__).resolve().parent.parent.parent
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


def now() -> str:
    """The local time with its offset, as the manifest records times."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


__all__ = ["KEPT_VALUES_BYTES", "MODEL_MODULES", "adopt_design_values", "changes_since",
           "design_values", "model_code_hash", "new_manifest", "now", "software"]
