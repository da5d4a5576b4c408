"""Speed of this tree against another revision, interleaved: the check a refactor must pass
("no speed lost": the ratio to Mesa's Boltzmann within 5% of the old tree's).

    .venv/bin/python benchmarks/compare_trees.py REV [--rounds 4] [--seeds 3]
    .venv/bin/python benchmarks/compare_trees.py REV --together [--scale 4] [--rounds 4]

REV is checked out into a temporary git worktree. Each round runs the throughput measurement of
``benchmarks/run.py`` (baseline runs interleaved with Boltzmann runs, in one fresh process) for
the old tree and then for this one, alternating which goes first, so both see the same spells
of this VM's varying speed. Reports each round's ratio to Boltzmann (person-weeks per CPU second
over agent-steps per CPU second) and the medians.

``--together`` runs the two trees at the same time instead, each in its own process pinned to a
core of its own (the cores swapped every round): the baseline at ``--scale`` for the same seeds
in both. A slow spell of a virtual machine then slows both sides of a round alike, where the
alternating rounds above see spells of several seconds hit one tree and not the other (on the
development machine one tree's rounds spread from 11.3 to 14.6 in ratio to Boltzmann). Reports
each round's CPU time of the new tree over the old one's and their median. Needs two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
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


RUNS = """
import json, time
import simulation
from simulation.model.trafficking_model import BASELINE
scenario = simulation.with_overrides(BASELINE, {{"run.scale": {scale}}})
cpu = 0.0
for seed in {seeds}:
    start = time.process_time()
    simulation.run(scenario, seed=seed)
    cpu += time.process_time() - start
print(json.dumps({{"cpu": cpu, "code": simulation.__file__}}))
"""


def together(old_tree: Path, new_tree: Path, seeds: list[int], scale: float,
             rounds: int) -> list[float]:
    """Each round, both trees' runs at once on cores of their own: the new tree's CPU time
    over the old one's, per round."""
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit("--together needs two cores; this process may use "
                         f"{len(cores)}")
    code = RUNS.format(scale=float(scale), seeds=seeds)
    shares = []
    for r in range(rounds):
        pair = cores[:2] if r % 2 == 0 else cores[1::-1]
        procs = {}
        for (name, tree), core in zip((("old", old_tree), ("new", new_tree)), pair):
            procs[name] = subprocess.Popen(
                [sys.executable, "-c", code], cwd=tree, stdout=subprocess.PIPE, text=True,
                env=dict(os.environ, PYTHONPATH=str(tree)),
                preexec_fn=lambda core=core: os.sched_setaffinity(0, {core}))
        found = {}
        for name, proc in procs.items():
            out, _ = proc.communicate()
            if proc.returncode:
                raise SystemExit(f"the {name} tree's runs failed (exit {proc.returncode})")
            found[name] = json.loads(out.strip().splitlines()[-1])
        assert found["old"]["code"].startswith(str(old_tree)), found["old"]["code"]
        assert found["new"]["code"].startswith(str(new_tree)), found["new"]["code"]
        shares.append(found["new"]["cpu"] / found["old"]["cpu"])
        print(f"round {r + 1}: old {found['old']['cpu']:.2f} s, new {found['new']['cpu']:.2f} s "
              f"of CPU (new / old {shares[-1]:.3f})", flush=True)
    return shares


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--together", action="store_true",
                        help="run both trees at once, one core each, and compare CPU times")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="with --together: the baseline's scale (default 1)")
    args = parser.parse_args()
    seeds = list(range(1, args.seeds + 1))
    sys.path.insert(0, str(ROOT / "tools"))
    from compare_outcomes import checked_out  # (each tree with its C extension built)

    with checked_out(args.rev) as (_, old_tree):
        if args.together:
            shares = together(old_tree, ROOT, seeds, args.scale, args.rounds)
            print(f"median CPU time, new over old: {statistics.median(shares):.3f} "
                  f"(rounds from {min(shares):.3f} to {max(shares):.3f})")
            return 0
        ratios: dict[str, list[float]] = {"old": [], "new": []}
        for r in range(args.rounds):
            order = [("old", old_tree), ("new", ROOT)]
            for name, tree in (order if r % 2 == 0 else order[::-1]):
                m = measure(tree, seeds)
                ratios[name].append(m["ratio"])
                print(f"round {r + 1} {name}: ratio {m['ratio']:.1f} "
                      f"(median wall {m['wall']:.2f} s per run)", flush=True)
    old, new = statistics.median(ratios["old"]), statistics.median(ratios["new"])
    print(f"median ratio to Boltzmann: old {old:.1f}, new {new:.1f} "
          f"({100 * (new / old - 1):+.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
