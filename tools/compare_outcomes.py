"""Check that a refactor keeps every number: run every shipped scenario on several seeds and
compare all outcomes (region and each jurisdiction) and the full weekly series, bit for bit,
with another revision of the code.

    .venv/bin/python tools/compare_outcomes.py against REV      # e.g. against HEAD or main~3
    .venv/bin/python tools/compare_outcomes.py snapshot OUT.json [--seeds 6] [--workers 2]
    .venv/bin/python tools/compare_outcomes.py diff OLD.json NEW.json

``against`` checks REV out into a temporary git worktree, takes a snapshot of it and one of the
working tree (each in its own processes), and prints every difference; it exits 1 if any
number differs. A change that alters numbers is a model change: it belongs in its own commit,
with the ODD and the calibration table re-measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import sysconfig
import tempfile
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _scenarios(root: Path) -> list[Path]:
    return sorted((root / "scenarios").glob("*.toml"))


def _one(job: tuple[str, int]) -> tuple[str, int, dict]:
    import numpy as np

    import simulation

    path, seed = job
    result = simulation.run(path, seed=seed)
    frame = result.timeseries
    digest = hashlib.sha256(
        np.ascontiguousarray(frame.drop(columns=["jurisdiction"]).to_numpy(float)).tobytes()
    ).hexdigest()
    return Path(path).stem, seed, {
        "region": result.outcomes,
        "jurisdictions": result.jurisdictions,
        "weekly_sha256": digest,
        "weekly_columns": list(frame.columns),
        "by_form": result.by_form,
        "by_group": result.by_group,
        "contacts_sha256": _records_digest(result.contacts),
        "exploited_sha256": _records_digest(result.exploited),
    }


def _records_digest(frame) -> str:
    """A digest of a record table (contacts, spells) in its order, with each person renumbered
    by their first appearance: the records must be the same, whatever number a person has
    (Mesa's counter before the victims' table, the table's row since)."""
    import pandas as pd

    if frame.empty:
        return "empty"
    renumbered = frame.assign(person=pd.factorize(frame["person"])[0])
    return hashlib.sha256(pd.util.hash_pandas_object(renumbered, index=False)
                          .to_numpy().tobytes()).hexdigest()


def snapshot(out: Path, seeds: int, workers: int) -> None:
    import simulation

    jobs = [(str(p), s) for p in _scenarios(ROOT) for s in range(1, seeds + 1)]
    with ProcessPoolExecutor(workers) as pool:
        found = list(pool.map(_one, jobs))
    data: dict = {"code": simulation.__file__, "runs": {}}
    for name, seed, record in found:
        data["runs"][f"{name}/seed={seed}"] = record
    out.write_text(json.dumps(data, indent=1, default=float))
    print(f"{len(found)} runs ({len(jobs) // seeds} scenarios x {seeds} seeds) from "
          f"{data['code']} -> {out}")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _same_nested(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_nested(a[k], b[k]) for k in a)
    return _same(a, b)


def diff(old: Path, new: Path) -> int:
    a, b = json.loads(old.read_text())["runs"], json.loads(new.read_text())["runs"]
    problems = []
    for key in sorted(set(a) | set(b)):
        if key not in a or key not in b:
            problems.append(f"{key}: only in {'new' if key in b else 'old'}")
            continue
        ra, rb = a[key], b[key]
        for name in sorted(set(ra["region"]) | set(rb["region"])):
            va, vb = ra["region"].get(name), rb["region"].get(name)
            if not _same(va, vb):
                problems.append(f"{key} region {name}: {va} -> {vb}")
        for jur in ra["jurisdictions"]:
            for name, va in ra["jurisdictions"][jur].items():
                vb = rb["jurisdictions"].get(jur, {}).get(name)
                if not _same(va, vb):
                    problems.append(f"{key} {jur} {name}: {va} -> {vb}")
        for part in ("by_form", "by_group"):
            if not _same_nested(ra.get(part), rb.get(part)):
                problems.append(f"{key}: outcomes {part.replace('_', ' ')} differ")
        for part in ("contacts_sha256", "exploited_sha256"):
            if ra.get(part) != rb.get(part):
                problems.append(f"{key}: {part.split('_')[0]} records differ")
        if ra["weekly_columns"] != rb["weekly_columns"]:
            problems.append(f"{key}: weekly columns differ")
        elif ra["weekly_sha256"] != rb["weekly_sha256"]:
            problems.append(f"{key}: weekly series differ")
    n_out = sum(len(r["region"]) + sum(len(v) for v in r["jurisdictions"].values())
                for r in a.values())
    if problems:
        print(f"{len(problems)} differences:")
        print("\n".join(problems[:200]))
        return 1
    print(f"identical: {len(a)} runs, {n_out} outcome values and every weekly series")
    return 0


def built(tree: Path) -> Path:
    """``tree`` with its C extensions built in place (``setup.py build_ext --inplace``) where it
    has them and a build is missing or older than its source, so that each side of a
    comparison runs as an install of it would. A tree from before the extensions, or a machine
    with no C compiler, runs its Python path (the same numbers)."""
    model = tree / "simulation" / "model"
    # each source and this interpreter's build of it (a build for another Python beside it
    # does not count)
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    pairs = [(model / "hashchain.c", model / f"hashchain{suffix}"),
             (model / "fmath.c", model / f"_fmath{suffix}")]
    pairs = [(source, done) for source, done in pairs if source.exists()]
    if (tree / "setup.py").exists() and pairs:
        if any(not done.exists() or done.stat().st_mtime < source.stat().st_mtime
               for source, done in pairs):
            out = subprocess.run([sys.executable, "setup.py", "--quiet", "build_ext",
                                  "--inplace"], cwd=tree, check=False, capture_output=True,
                                 text=True)
            if not all(done.exists() for _, done in pairs):
                print(f"(no C extension could be built in {tree}: it runs the streams' Python "
                      f"path, the same numbers, slower)\n{out.stderr[-500:]}", file=sys.stderr)
    return tree


@contextmanager
def checked_out(rev: str):
    """``(folder, tree)``: a temporary folder, and REV checked out into a detached git worktree
    inside it with its C extension :func:`built`, removed afterwards
    (``tools/compare_distributions.py`` and ``benchmarks/compare_trees.py`` use it too)."""
    built(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev],
                       check=True, capture_output=True)
        built(tree)
        try:
            yield Path(tmp), tree
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)],
                           check=False, capture_output=True)


def against(rev: str, seeds: int, workers: int) -> int:
    with checked_out(rev) as (tmp, tree):
        old, new = tmp / "old.json", tmp / "new.json"
        env = dict(os.environ, PYTHONPATH=str(tree))
        # the old tree's own copy of this script may not exist: run this one against it
        subprocess.run([sys.executable, __file__, "snapshot", str(old), "--seeds", str(seeds),
                        "--workers", str(workers), "--root", str(tree)], check=True, env=env)
        subprocess.run([sys.executable, __file__, "snapshot", str(new), "--seeds", str(seeds),
                        "--workers", str(workers)], check=True)
        return diff(old, new)


def main() -> int:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("out", type=Path)
    s.add_argument("--root", type=Path, default=ROOT, help="source tree (its scenarios/)")
    d = sub.add_parser("diff")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    g = sub.add_parser("against")
    g.add_argument("rev")
    for p in (s, g):
        p.add_argument("--seeds", type=int, default=6)
        p.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.command == "snapshot":
        ROOT = args.root.resolve()
        snapshot(args.out, args.seeds, args.workers)
        return 0
    if args.command == "diff":
        return diff(args.old, args.new)
    return against(args.rev, args.seeds, args.workers)


if __name__ == "__main__":
    sys.exit(main())
