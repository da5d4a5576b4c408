"""Check that a change of random streams keeps every distribution: run every shipped scenario on
30 or more seeds with two revisions of the code and test, for every key outcome, that the two
samples could come from the same distribution.

    .venv/bin/python tools/compare_distributions.py against REV [--seeds 30] [--scale 0.25]
    .venv/bin/python tools/compare_distributions.py snapshot OUT.json [--seeds 30] [--scale 0.25]
    .venv/bin/python tools/compare_distributions.py diff OLD.json NEW.json [--alpha 0.05]

A refactor keeps every number (``tools/compare_outcomes.py`` checks that bit for bit); a change
of the random streams cannot, so it must keep every *distribution*. For each scenario and each
key outcome (``simulation.inference.analysis.KEY_OUTCOMES`` at the region level), ``diff`` runs two
tests on the seeds of the old and the new code (the seeds are different draws in the two codes, so
the samples are independent):

- **means**: Welch's t-test (the difference of means against its combined standard error);
- **distributions**: the two-sample Anderson-Darling test (``scipy.stats.anderson_ksamp``,
  sensitive in the tails, where Kolmogorov-Smirnov is not).

The p-values of all tests are adjusted together by Holm's method (statsmodels), since with 16
scenarios x 21 outcomes x 2 tests several hundred tests are made and some would fail at 5% by
chance. The change passes when no adjusted p-value is below ``--alpha``; every test below it is
printed with both means and standard errors. Outcomes that are constant in both samples (for
example a lever's cost with no per-person part) must be equal. An intended model change (the
time fix of issue 22) is measured with the same tool, and its differences are expected.

``against`` checks REV out into a temporary git worktree, snapshots it and the working tree,
each with its own processes, and diffs them (exit 1 on a failure).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _scenarios(root: Path) -> list[Path]:
    return sorted((root / "scenarios").glob("*.toml"))


def _one(job: tuple[str, int, float | None]) -> tuple[str, int, dict]:
    import simulation
    from simulation.model.scenario import with_overrides

    path, seed, scale = job
    scenario = path if scale is None else with_overrides(path, {"run.scale": scale})
    result = simulation.run(scenario, seed=seed)
    return Path(path).stem, seed, result.outcomes


def snapshot(out: Path, seeds: int, workers: int, scale: float | None, first: int) -> None:
    import simulation

    jobs = [(str(p), s, scale) for p in _scenarios(ROOT) for s in range(first, first + seeds)]
    with ProcessPoolExecutor(workers) as pool:
        found = list(pool.map(_one, jobs, chunksize=4))
    data: dict = {"code": simulation.__file__, "scale": scale, "seeds": seeds, "runs": {}}
    for name, seed, outcomes in found:
        data["runs"].setdefault(name, {})[str(seed)] = outcomes
    out.write_text(json.dumps(data, indent=1, default=float))
    print(f"{len(found)} runs ({len(jobs) // seeds} scenarios x {seeds} seeds) from "
          f"{data['code']} -> {out}")


def _values(runs: dict, outcome: str) -> list[float]:
    return [float(o[outcome]) for o in runs.values()
            if o.get(outcome) is not None and not math.isnan(float(o[outcome]))]


def compare(old: dict, new: dict, alpha: float = 0.05) -> tuple[list[dict], list[str]]:
    """Every (scenario, outcome, test) with its raw and Holm-adjusted p-value, and the
    problems found (adjusted p below ``alpha``, or a constant outcome that changed)."""
    import numpy as np
    from scipy import stats
    from statsmodels.stats.multitest import multipletests

    from simulation.inference.analysis import KEY_OUTCOMES

    rows, problems = [], []
    for scenario in sorted(set(old["runs"]) | set(new["runs"])):
        if scenario not in old["runs"] or scenario not in new["runs"]:
            problems.append(f"{scenario}: only in {'new' if scenario in new['runs'] else 'old'}")
            continue
        for outcome in KEY_OUTCOMES:
            a = np.array(_values(old["runs"][scenario], outcome))
            b = np.array(_values(new["runs"][scenario], outcome))
            if len(a) < 3 or len(b) < 3:
                continue
            base = {"scenario": scenario, "outcome": outcome, "old_mean": a.mean(),
                    "new_mean": b.mean(), "old_se": a.std(ddof=1) / math.sqrt(len(a)),
                    "new_se": b.std(ddof=1) / math.sqrt(len(b))}
            if a.std() == 0 and b.std() == 0:
                if a[0] != b[0]:
                    problems.append(f"{scenario} {outcome}: constant {a[0]:g} -> {b[0]:g}")
                continue
            rows.append(base | {"test": "means (Welch)",
                                "p": float(stats.ttest_ind(a, b, equal_var=False).pvalue)})
            with warnings.catch_warnings():  # p-values outside [0.001, 0.25] are capped
                warnings.simplefilter("ignore")
                ad = stats.anderson_ksamp([a, b], method=stats.PermutationMethod(
                    n_resamples=999, random_state=1))
            rows.append(base | {"test": "distribution (Anderson-Darling)",
                                "p": float(ad.pvalue)})
    if rows:
        adjusted = multipletests([r["p"] for r in rows], alpha=alpha, method="holm")[1]
        for row, p in zip(rows, adjusted):
            row["p_holm"] = float(p)
            if p < alpha:
                problems.append(
                    f"{row['scenario']} {row['outcome']} {row['test']}: Holm p={p:.2g} "
                    f"(old {row['old_mean']:.4g} +/- {row['old_se']:.2g}, "
                    f"new {row['new_mean']:.4g} +/- {row['new_se']:.2g})")
    return rows, problems


def diff(old_path: Path, new_path: Path, alpha: float, show: int = 15) -> int:
    old, new = json.loads(old_path.read_text()), json.loads(new_path.read_text())
    rows, problems = compare(old, new, alpha)
    scenarios = len({r["scenario"] for r in rows})
    print(f"{len(rows)} tests over {scenarios} scenarios ({old.get('seeds')} old and "
          f"{new.get('seeds')} new seeds, scale {old.get('scale')}); Holm-adjusted at "
          f"alpha={alpha}")
    smallest = sorted(rows, key=lambda r: r["p"])[:show]
    print("smallest raw p-values:")
    for r in smallest:
        print(f"  {r['scenario']:<28} {r['outcome']:<26} {r['test']:<32} p={r['p']:.3g} "
              f"Holm={r['p_holm']:.3g}  old {r['old_mean']:.4g}  new {r['new_mean']:.4g}")
    if problems:
        print(f"{len(problems)} differences beyond chance:")
        print("\n".join(problems))
        return 1
    print("same distributions: no test rejects after Holm's adjustment")
    return 0


def against(rev: str, seeds: int, workers: int, scale: float | None, alpha: float) -> int:
    from compare_outcomes import checked_out  # beside this script

    with checked_out(rev) as (tmp, tree):
        old, new = tmp / "old.json", tmp / "new.json"
        common = ["--seeds", str(seeds), "--workers", str(workers)]
        if scale is not None:
            common += ["--scale", str(scale)]
        env = dict(os.environ, PYTHONPATH=str(tree))
        subprocess.run([sys.executable, __file__, "snapshot", str(old), *common,
                        "--root", str(tree)], check=True, env=env)
        # the new code's seeds start elsewhere so that the samples are independent
        subprocess.run([sys.executable, __file__, "snapshot", str(new), *common,
                        "--first", str(1000 + 1)], check=True)
        return diff(old, new, alpha)


def main() -> int:
    global ROOT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("snapshot")
    s.add_argument("out", type=Path)
    s.add_argument("--root", type=Path, default=ROOT, help="source tree (its scenarios/)")
    s.add_argument("--first", type=int, default=1, help="first seed")
    d = sub.add_parser("diff")
    d.add_argument("old", type=Path)
    d.add_argument("new", type=Path)
    g = sub.add_parser("against")
    g.add_argument("rev")
    for p in (s, g):
        p.add_argument("--seeds", type=int, default=30)
        p.add_argument("--workers", type=int, default=2)
        p.add_argument("--scale", type=float, default=None,
                       help="run every scenario at this scale (default: the file's)")
    for p in (d, g):
        p.add_argument("--alpha", type=float, default=0.05)
    args = parser.parse_args()
    if args.command == "snapshot":
        ROOT = args.root.resolve()
        snapshot(args.out, args.seeds, args.workers, args.scale, args.first)
        return 0
    if args.command == "diff":
        return diff(args.old, args.new, args.alpha)
    return against(args.rev, args.seeds, args.workers, args.scale, args.alpha)


if __name__ == "__main__":
    sys.exit(main())
