"""Print the ODD's calibration table: each target of ODD section 7 beside the baseline's measured
value (mean and range over many seeds).

    .venv/bin/python tools/calibration_table.py [N_SEEDS]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import simulation

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"

TARGETS = [
    ("identified victims per year / victims in exploitation", "0.3% to 3%",
     lambda o: o["identification_rate"], "{:.2%}"),
    ("convictions / prosecutions", "0.35 to 0.80", lambda o: o["conviction_ratio"], "{:.2f}"),
    ("convictions / identified victims", "4% to 14%",
     lambda o: o["convictions_per_identified_victim"], "{:.1%}"),
    ("share identified by self-referral", "30% to 50%",
     lambda o: o["identified_self"] / o["victims_identified"], "{:.0%}"),
    ("share identified by police", "20% to 35%",
     lambda o: o["identified_police"] / o["victims_identified"], "{:.0%}"),
    ("share identified by civil society (NGOs)", "5% to 20%",
     lambda o: o["identified_ngo"] / o["victims_identified"], "{:.0%}"),
    ("share identified by inspections (no target)", "-",
     lambda o: o["identified_inspection"] / o["victims_identified"], "{:.0%}"),
    ("mean time in exploitation (years)", "1 to 3",
     lambda o: o["mean_weeks_exploited"] / 52, "{:.2f}"),
]


def main(n: int = 20) -> None:
    runs = [simulation.run(BASELINE, seed=1000 + s).outcomes for s in range(n)]
    print(f"Baseline over {n} seeds (1000-{999 + n}), scale 1, 10 policy years after a 2-year "
          "burn-in.\n")
    print("| pattern | target | baseline mean | range over seeds |")
    print("|---|---|---|---|")
    for name, target, f, fmt in TARGETS:
        v = np.array([f(o) for o in runs])
        print(f"| {name} | {target} | {fmt.format(v.mean())} | "
              f"{fmt.format(v.min())} to {fmt.format(v.max())} |")
    print()
    for name in ("victims_in_exploitation", "new_victims", "victims_identified", "arrests",
                 "prosecutions", "convictions", "traffickers_active", "networks_active",
                 "victims_retrafficked", "unmet_shelter_demand", "victims_misidentified"):
        v = np.array([o[name] for o in runs])
        print(f"- {name}: mean {v.mean():,.0f} (range {v.min():,.0f} to {v.max():,.0f})")
    # disruption (issue 24), where the model reports it
    for name, fmt in (("networks_dismantled", "{:.1f}"), ("networks_dissolved", "{:.0f}"),
                      ("enforcement_share_of_endings", "{:.2%}"), ("leaders_arrested", "{:.1f}"),
                      ("central_members_arrested", "{:.1f}"),
                      ("small_offenders_arrested", "{:.1f}"), ("members_cut_off", "{:.0f}"),
                      ("disruptions_major", "{:.1f}"), ("disruptions_moderate", "{:.1f}"),
                      ("disruptions_minor", "{:.1f}"), ("mean_recovery_weeks", "{:.1f}"),
                      ("share_confiscated", "{:.2%}"), ("network_density", "{:.2f}"),
                      ("leader_betweenness", "{:.2f}")):
        if name not in runs[0]:
            continue
        v = np.array([o[name] for o in runs], float)
        print(f"- {name}: mean {fmt.format(np.nanmean(v))} (range {fmt.format(np.nanmin(v))} "
              f"to {fmt.format(np.nanmax(v))})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
