"""How often held-out runs of the model fall inside a backtest's prediction intervals: the
check that the worked backtest's intervals mean what they say (docs/backtest.md).

Each held-out run is the frozen lever file run once more with an ensemble member drawn by the
ensemble's weights and a seed no prediction run uses (10_000 + i); its value of every compared
series (those whose name ends in ``_wrong`` left out) in every year after the cut is checked
against the prediction's 50% and 95% intervals, both kinds.

    .venv/bin/python tools/backtest_coverage.py BACKTEST_FILE PREDICTION_DIR [N]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulation.studies.backtest import held_out_run, load_backtest  # noqa: E402
from simulation.reports.backtest_report import read_prediction  # noqa: E402


def coverage(file: Path, prediction: Path, n: int) -> dict:
    bt = load_backtest(file)
    meta, _ = read_prediction(bt, prediction)
    bands = {(b["series"], b["year"]): b for b in meta["intervals"]}
    weights = np.asarray(bt.experiment.uncertainty._ensemble[1]["weights"])
    rng = np.random.default_rng(20261206)
    inside = {k: [] for k in ("combined95", "combined50", "randomness95", "randomness50")}
    per_series: dict[str, list[bool]] = {}
    for i in range(n):
        member = int(rng.choice(len(weights), p=weights))
        rows = held_out_run(bt, 10_000 + i, member)
        for _, r in rows.iterrows():
            key = f"{r['series']}/{r['breakdown']}/{r['category']}"
            if r["year"] <= bt.cut_year or r["series"].endswith("_wrong"):
                continue
            b, v = bands[(key, int(r["year"]))], float(r["value"])
            for kind in ("combined", "randomness"):
                for level in ("95", "50"):
                    low, high = b[f"{kind}_low{level}"], b[f"{kind}_high{level}"]
                    inside[f"{kind}{level}"].append(low <= v <= high)
            per_series.setdefault(key, []).append(
                b["combined_low95"] <= v <= b["combined_high95"])
    points = len(inside["combined95"])
    return {"held_out_runs": n, "points": points,
            **{k: float(np.mean(v)) for k, v in inside.items()},
            "combined95_by_series": {k: float(np.mean(v)) for k, v in per_series.items()}}


if __name__ == "__main__":
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    print(json.dumps(coverage(Path(sys.argv[1]), Path(sys.argv[2]), n), indent=1))
