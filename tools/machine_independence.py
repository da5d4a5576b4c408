"""Check that a run's numbers do not depend on the machine: run every shipped scenario as this
machine runs it, as the oldest x86-64 machine would (numpy told to use none of its optional
SIMD code, the C library none of its AVX2 and FMA variants), and without tipsim's C extensions,
and compare all outcomes and weekly series bit for bit (``tools/compare_outcomes.py``).

    .venv/bin/python tools/machine_independence.py [--seeds 2] [--workers 2] [--calibration]

It first counts, on 1,000,000 numbers each, how often the two machines' numpy and C library
give different last bits for exp, log and power, and how often :mod:`simulation.model.fmath`
does (never, by construction). Before ``fmath`` (issue 22, December 2026) numpy's differed for
about one number in twenty on this machine, which has AVX-512, and a run's money figures
differed in their last digits between the two machines. Exit 1 if any number differs. On a
machine whose numpy and C library have no such variants the check passes trivially (it says
so).

``--calibration`` also runs a small ``tipsim calibrate`` (40 particles, 5 generations) both
ways and says which of its ensemble's values differ. That is a report, not a check: pyabc's
perturbation kernel and weights use scipy's and numpy's linear algebra and exp, whose last bits
follow the machine (docs/calibration.md, "Reproducibility, resuming, clusters").
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

COUNT = """
import json, math, numpy as np
from simulation.model import fmath
rng = np.random.default_rng(0)
x = rng.uniform(-20, 2, 1_000_000)
y = rng.uniform(1e-9, 1, 1_000_000)
print(json.dumps({"numpy": [np.exp(x).tolist(), np.log(y).tolist(), np.power(y, 0.7).tolist()],
                  "libm": [[math.exp(v) for v in x.tolist()], [math.log(v) for v in y.tolist()],
                           [v ** 0.7 for v in y.tolist()]],
                  "fmath": [fmath.exp_all(x).tolist(), fmath.log_all(y).tolist(),
                            fmath.pow_all(y, 0.7).tolist()]}))
"""


def oldest_machine() -> dict[str, str]:
    """The environment that makes this process run the oldest x86-64 machine's code paths."""
    from numpy._core import _multiarray_umath as umath

    found = getattr(umath, "__cpu_features__", {})
    targets = [n for n in getattr(umath, "__cpu_dispatch__", []) if found.get(n)]
    return {"NPY_DISABLE_CPU_FEATURES": " ".join(targets),
            "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA,-FMA4,-AVX512F",
            "OPENBLAS_CORETYPE": "Prescott"}  # (OpenBLAS's oldest x86-64 kernels)


CALIBRATION = """
import json, sys
from pathlib import Path
import pandas as pd
from simulation.inference.calibration import calibrate
out = Path(sys.argv[1])
(out / "targets.toml").write_text('''
[targets.self_share]
share = ["identified_self", "victims_identified"]
mean = 0.2
sd = 0.08
source = "a check of machines, not a published figure"
[targets.ngo_share]
share = ["identified_ngo", "victims_identified"]
mean = 0.15
sd = 0.06
source = "a check of machines, not a published figure"
[targets.identification_rate]
outcome = "identification_rate"
mean = 0.05
sd = 0.02
source = "a check of machines, not a published figure"
''')
(out / "cal.toml").write_text('''
name = "machines"
scenario = "%s"
targets = "targets.toml"
seed = 7
fit = ["self_referral_hazard", "ngo_contact_rate"]
[run]
scale = 0.2
weeks = 52
burn_in_weeks = 52
[budget]
population = 40
generations = 5
''')
calibrate(out / "cal.toml", out / "result", workers=1)
ensemble = pd.read_parquet(out / "result" / "ensemble.parquet")
manifest = json.loads((out / "result" / "manifest.json").read_text())
print(json.dumps({"columns": {c: [float(v).hex() for v in ensemble[c]] for c in ensemble},
                  "generations": [[g.get("epsilon"), g.get("runs")]
                                  for g in manifest["generations"]]}))
""" % (ROOT / "scenarios" / "baseline.toml")


def compare_calibrations(old: dict[str, str]) -> None:
    """Run :data:`CALIBRATION` as this machine and as the oldest one; print what differs."""
    found = {}
    for name, env in (("this machine", {}), ("the oldest machine", old)):
        print(f"calibrating (40 particles, 5 generations) as {name} ...", flush=True)
        with tempfile.TemporaryDirectory() as tmp:
            result = _python(["-c", CALIBRATION, tmp], env, capture_output=True)
        found[name] = json.loads(result.stdout.strip().splitlines()[-1])
    here, there = found["this machine"], found["the oldest machine"]
    same = here["generations"] == there["generations"]
    print(f"every generation's tolerance and run count: {'the same' if same else 'differ'}")
    for column, values in here["columns"].items():
        a = [float.fromhex(v) for v in values]
        b = [float.fromhex(v) for v in there["columns"][column]]
        differ = [abs(x - y) / abs(x) for x, y in zip(a, b) if x != y]
        print(f"  {column}: {len(differ)} of {len(a)} values differ"
              + (f", by at most {max(differ):.1e} of their value" if differ else ""))


def _python(args: list[str], env: dict[str, str], check: bool = True,
            **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], cwd=ROOT, text=True, check=check,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env}, **kw)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--calibration", action="store_true",
                        help="also report how a small calibration differs (not checked)")
    args = parser.parse_args()
    old = oldest_machine()
    here_counts = json.loads(_python(["-c", COUNT], {}, capture_output=True).stdout)
    old_counts = json.loads(_python(["-c", COUNT], old, capture_output=True).stdout)
    print("numbers with other last bits on the oldest machine (of 1,000,000; exp, log, "
          "power): ", end="")
    differ = 0
    for what in ("numpy", "libm", "fmath"):
        counts = [sum(a != b for a, b in zip(mine, theirs))
                  for mine, theirs in zip(here_counts[what], old_counts[what])]
        differ += sum(counts) if what != "fmath" else 0
        print(f"{what} {counts}", end="; " if what != "fmath" else "\n")
    if not differ:
        print("(numpy and the C library run the same code on both here: the runs below "
              "cannot differ, and this check proves nothing on this machine)")
    with tempfile.TemporaryDirectory() as tmp:
        snaps = {}
        for name, env in (("this machine", {}), ("the oldest machine", old),
                          ("no C extensions", {"TIPSIM_PURE_PYTHON": "1"})):
            out = Path(tmp) / f"{len(snaps)}.json"
            print(f"running every shipped scenario, {args.seeds} seeds, as {name} ...",
                  flush=True)
            _python(["tools/compare_outcomes.py", "snapshot", str(out), "--seeds",
                     str(args.seeds), "--workers", str(args.workers)], env,
                    stdout=subprocess.DEVNULL)
            snaps[name] = out
        failed = 0
        first = snaps["this machine"]
        for name in ("the oldest machine", "no C extensions"):
            result = _python(["tools/compare_outcomes.py", "diff", str(first), str(snaps[name])],
                             {}, capture_output=True, check=False)
            print(f"this machine against {name}: {result.stdout.strip().splitlines()[0]}")
            failed |= result.returncode
    if args.calibration:
        compare_calibrations(old)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
