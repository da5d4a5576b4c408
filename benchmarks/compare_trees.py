"""Speed of this tree against another revision, interleaved: the check a refactor must pass
("no speed lost": the ratio to Mesa's Boltzmann within 5% of the old tree's).

    .venv/bin/python benchmarks/compare_trees.py REV [--rounds 4] [--seeds 3]

REV is checked out into a temporary git worktree. Each round runs the throughput measurement of
``benchmarks/run.py`` (baseline runs interleaved with Boltzmann runs, in one fresh process) for
the old tree and then for this one, alternating which goes first, so both see the same spells
of this VM's varying speed. Reports each round's ratio to Boltzmann (person-weeks per CPU second
over agent-steps per CPU second) and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

PROBE = """
import json, sys
sys.path.insert(0, {bench!r})
import run
ours, ref = run.throughput({seeds})
print(json.dumps({{"ours": ours["median"]["person_weeks_per_cpu_s"],
                  "ref": ref["median"]["agent_steps_per_cpu_s"],
                  "wall": ours["median"]["wall_s"], "code": run.simulation.__file__}}))
"""


def measure(tree: Path, seeds: list[int]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))  # and run in the tree: -c puts its cwd first
    # each tree's own benchmarks/run.py: this one's imports the package's current module paths,
    # which an older tree may not have (issue 28 moved them into folders)
    bench = tree / "benchmarks" if (tree / "benchmarks" / "run.py").exists() else HERE
    code = PROBE.format(bench=str(bench), seeds=seeds)
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=tree,
                         capture_output=True, text=True).stdout
    found = json.loads(out.strip().splitlines()[-1])
    assert found["code"].startswith(str(tree)), found["code"]
    return found | {"ratio": found["ours"] / found["ref"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    with tempfile.TemporaryDirectory() as tmp:
        old_tree = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(old_tree),
                        args.rev], check=True, capture_output=True)
        try:
            ratios: dict[str, list[float]] = {"old": [], "new": []}
            for r in range(args.rounds):
                order = [("old", old_tree), ("new", ROOT)]
                for name, tree in (order if r % 2 == 0 else order[::-1]):
                    m = measure(tree, seeds)
                    ratios[name].append(m["ratio"])
                    print(f"round {r + 1} {name}: ratio {m['ratio']:.1f} "
                          f"(median wall {m['wall']:.2f} s per run)", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(old_tree)], check=False, capture_output=True)
    old, new = statistics.median(ratios["old"]), statistics.median(ratios["new"])
    print(f"median ratio to Boltzmann: old {old:.1f}, new {new:.1f} "
          f"({100 * (new / old - 1):+.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
