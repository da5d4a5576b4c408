"""Where a store's runs came from: the manifest a new store starts with (the experiment, its
seeds and design, tipsim's version, the hash of the model code, the git commit, the platform),
what changed since a store was made, and the hash of the code that decides a run's numbers."""

from __future__ import annotations

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


__all__ = ["MODEL_MODULES", "changes_since", "model_code_hash", "new_manifest", "now", "software"]
