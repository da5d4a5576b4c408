"""Run-to-run noise of the calibration's fitted statistics at two scales, for one parameter set.

    .venv/bin/python benchmarks/calibration_noise.py [--ensemble DIR] [--out FILE]

Why the shipped calibration runs at scale 1 (issue 23, third refit): ABC-SMC compares one run
per particle with each target's band, so a statistic whose run-to-run standard deviation is as
large as its band's own (half-width / 1.96) cannot tell parameter sets apart. The parameter set is
the ensemble's weighted mean (each fitted parameter); every other parameter keeps its default.
Runs are the calibration's: 3 policy years after 2 of burn-in; 30 seeds at scale 0.2 and 10 at
scale 1 (seeds 700 on). Writes the mean and standard deviation of every fitted target's
statistic and of the confirmed victims of the policy period, per scale.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

import simulation
from simulation.inference.calibration import load_ensemble
from simulation.inference.calibration.targets import load_targets
from simulation.model.clock import WEEKS_PER_YEAR

ROOT = Path(__file__).resolve().parent.parent
WEEKS, BURN_IN = 156, 104
SCALES = ((0.2, 30), (1.0, 10))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ensemble", default=str(ROOT / "scenarios/calibration/baseline_ensemble"))
    parser.add_argument("--targets",
                        default=str(ROOT / "scenarios/calibration/baseline_targets.toml"))
    parser.add_argument("--out", default=str(ROOT / "benchmarks/calibration_noise.json"))
    args = parser.parse_args(argv)
    ensemble, manifest = load_ensemble(args.ensemble)
    w = ensemble["weight"] / ensemble["weight"].sum()
    point = {p: float((w * ensemble[p]).sum()) for p in manifest["priors"]}
    fitted = [t for t in load_targets(args.targets).targets if not t.held_out]
    out: dict = {"ensemble": args.ensemble, "parameters": point, "weeks": WEEKS,
                 "burn_in_weeks": BURN_IN, "scales": {}}
    for scale, n in SCALES:
        scenario = simulation.with_overrides(simulation.BASELINE, {
            **{f"parameters.{p}": v for p, v in point.items()},
            "run.scale": scale, "run.weeks": WEEKS, "run.burn_in_weeks": BURN_IN})
        rows = []
        for k in range(n):
            result = simulation.run(scenario, seed=700 + k)
            row = {t.name: t.simulated(result, WEEKS / WEEKS_PER_YEAR, scale) for t in fitted}
            f = result.referrals
            row["confirmed_victims"] = float(((f["confirmed"] == True) & (f["week"] >= 0)).sum())  # noqa: E712
            rows.append(row)
        table = pd.DataFrame(rows)
        stats = {c: {"mean": float(table[c].mean()), "sd": float(table[c].std(ddof=1))}
                 for c in table.columns}
        for t in fitted:
            low, high = t.interval
            stats[t.name]["band_sd"] = (high - low) / (2 * 1.96)
        out["scales"][str(scale)] = {"runs": n, "statistics": stats}
        print(f"scale {scale} ({n} runs)")
        for c, s in stats.items():
            ratio = f"  sd / band sd {s['sd'] / s['band_sd']:.2f}" if "band_sd" in s else ""
            print(f"  {c:36s} mean {s['mean']:9.4g}  sd {s['sd']:8.3g}{ratio}")
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
