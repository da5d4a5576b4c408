"""Write the "observed" series of the worked backtest (scenarios/backtests/stylised/): one
held-out run of the model itself under the frozen lever file, with a seed and an ensemble member
the prediction does not use, so the backtest's scores are known in advance; and one deliberately
wrong series (the held-out identifications times WRONG_FACTOR) that the report must flag.

    .venv/bin/python tools/backtest_example.py [BACKTEST_FILE] [OUT_CSV]
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from simulation.studies.backtest import load_backtest, observed_example  # noqa: E402

if __name__ == "__main__":
    file = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        ROOT / "scenarios" / "backtests" / "stylised" / "backtest.toml")
    bt = load_backtest(file)
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else bt.resolve(bt.observed or "observed.csv")
    observed_example(bt).to_csv(out, index=False)
    print(f"wrote {out}")
