"""Find (and with --fix rewrite) the import paths the package had before its layers became
folders (issue 28, docs/architecture.md): ``simulation.store`` is ``simulation.studies.store``,
``simulation/parameters.py`` is ``simulation/model/parameters.py``, and so on.

    .venv/bin/python tools/old_import_paths.py            # list every old path; exit 1 if any
    .venv/bin/python tools/old_import_paths.py --fix      # rewrite them in place

For a branch begun before the move and merged after it. It reads the files git tracks, except
the scenario library, results, CHANGELOG.md (history is not rewritten) and the benchmarks' data;
the name stores record for the model (``simulation.experiment:run_spec``,
``store_parts.DEFAULT_MODEL``) is left alone on purpose. Rewriting is idempotent: a new path is
never taken for an old one.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MODEL = ("errors", "files", "seeds", "limits", "display", "guide", "clock", "calendars",
         "registry", "parameters", "distributions", "evidence", "scenario", "scenario_schema",
         "agents", "processes", "events", "caches", "pools", "outcomes", "records", "streams",
         "runner", "statistics", "country_calendar", "country_data", "country_statistics",
         "datasets")
STUDIES = ("experiment", "experiment_design", "experiment_runs", "uncertainty", "elicitation",
           "executors", "store", "store_parts", "store_reader", "store_provenance", "store_lock",
           "file_schemas", "backtest", "backtest_years")
INFERENCE = ("batch_runs", "analysis", "conclusions", "effect_statistics", "effect_sentences",
             "sweep", "voi", "credibility", "stylised_facts", "calibration")
MSE = ("models", "tables", "checks", "sparse", "bayes", "lcmcr", "bootstrap", "synthetic")

MOVED = {
    **{m: f"model.{m}" for m in MODEL},
    **{m: f"studies.{m}" for m in STUDIES},
    **{m: f"inference.{m}" for m in INFERENCE},
    "mse": "inference.mse", **{f"mse_{m}": f"inference.mse.{m}" for m in MSE},
    "dashboard": "reports.dashboard", "backtest_report": "reports.backtest_report",
    "shown": "reports.shown", "calibration.report": "reports.calibration_report",
}
"""Old module (under ``simulation``) -> new module. ``simulation.model`` itself (the module
``model.py``, now ``model/trafficking_model.py``) is handled apart: ``simulation.model`` is now
the model layer's folder, and it still gives ``TraffickingModel``, ``BASELINE`` and
``SCENARIOS``."""

ON_FIRST_USE = ("TraffickingModel", "BASELINE", "SCENARIOS")
NEW_IN_MODEL = (*MODEL, "trafficking_model", *ON_FIRST_USE)

_NAMES = sorted(MOVED, key=len, reverse=True)
DOTTED = re.compile(r"(?<![\w.])simulation\.(%s)(?!\w)(?!:run_spec)"
                    % "|".join(map(re.escape, _NAMES)))
MODEL_ATTRIBUTE = re.compile(r"(?<![\w.])simulation\.model\.(?!(?:%s)\b)(?=[A-Za-z_])"
                             % "|".join(NEW_IN_MODEL))
SLASH = re.compile(r"(?<![\w./:])simulation/(%s)(\.py\b|\.toml\b|/|(?![\w.]))"
                   % "|".join(re.escape(n.replace(".", "/")) for n in _NAMES))
SLASH_MODEL = re.compile(r"(?<![\w./:])simulation/model\.py\b")
FROM_TOP = re.compile(r"^([ \t]*)from simulation import ([\w, ]+?)[ \t]*$", re.M)
FROM_MODEL = re.compile(r"^[ \t]*from simulation\.model import ([\w, ()]+)", re.M)
MODEL_AS_MODULE = re.compile(r"^[ \t]*import simulation\.model as \w+", re.M)
KEEP = ("scenarios/", "results/", "CHANGELOG.md")


def _slash(match: re.Match) -> str:
    new = "simulation/" + MOVED[match.group(1).replace("/", ".")].replace(".", "/")
    if new == "simulation/inference/mse" and match.group(2) == ".py":
        return "simulation/inference/mse/__init__.py"
    return new + match.group(2)


def _from_top(match: re.Match) -> str:
    """``from simulation import store, run`` -> one import per new package, names kept."""
    indent, entries = match.group(1), [e.strip() for e in match.group(2).split(",")]
    kept, lines = [], []
    for entry in entries:
        name, _, alias = (part.strip() for part in entry.partition(" as "))
        if name in MOVED:
            parent, _, leaf = f"simulation.{MOVED[name]}".rpartition(".")
            local = alias or name
            lines.append(f"{indent}from {parent} import {leaf}"
                         + (f" as {local}" if local != leaf else ""))
        else:
            kept.append(entry)
    if not lines:
        return match.group(0)
    if kept:
        lines.insert(0, f"{indent}from simulation import {', '.join(kept)}")
    return "\n".join(lines)


def rewrite(text: str, python: bool) -> str:
    text = DOTTED.sub(lambda m: f"simulation.{MOVED[m.group(1)]}", text)
    text = MODEL_ATTRIBUTE.sub("simulation.model.trafficking_model.", text)
    text = SLASH.sub(_slash, text)
    text = SLASH_MODEL.sub("simulation/model/trafficking_model.py", text)
    return FROM_TOP.sub(_from_top, text) if python else text


def unresolved(text: str) -> list[str]:
    """``from simulation.model import`` of a name the layer's folder does not give (a name of the
    old module ``model.py``), or ``import simulation.model as``: left for a person to point at
    ``simulation.model.trafficking_model``."""
    found = [m.group(0).strip() for m in MODEL_AS_MODULE.finditer(text)]
    for match in FROM_MODEL.finditer(text):
        names = {n.split(" as ")[0].strip() for n in match.group(1).strip("()").split(",")}
        if names - set(NEW_IN_MODEL) - {""}:
            found.append(match.group(0).strip())
    return found


def tracked() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout.split()
    keep = []
    for name in names:
        if name.startswith(KEEP) or (name.startswith("benchmarks/") and
                                     not name.endswith(".py")):
            continue
        if name.endswith((".py", ".md", ".ipynb", ".toml")) or name in ("Makefile", ".ci/run"):
            keep.append(ROOT / name)
    return keep


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fix", action="store_true", help="rewrite the old paths in place")
    args = parser.parse_args(argv)
    old = 0
    for path in tracked():
        if not path.is_file() or path == Path(__file__).resolve():
            continue
        text = path.read_text()
        new = rewrite(text, path.suffix in (".py", ".ipynb"))
        for line in unresolved(new):
            print(f"{path.relative_to(ROOT)}: by hand: {line}")
            old += 1
        if new == text:
            continue
        changed = [(i, a, b) for i, (a, b) in enumerate(zip(text.splitlines(),
                                                           new.splitlines()), 1) if a != b]
        old += max(1, len(changed))
        for i, before, _ in changed:
            print(f"{path.relative_to(ROOT)}:{i}: {before.strip()}")
        if args.fix:
            path.write_text(new)
    print(f"{old} line(s) with an old path" + (" rewritten" if args.fix and old else ""))
    return 1 if old and not args.fix else 0


if __name__ == "__main__":
    sys.exit(main())
