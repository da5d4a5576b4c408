"""Print the ODD's table of who is trafficked and who is detected: the mix of forms, sex and age
the model is given (prevalence), the mix it detects (confirmed victims), and the detected mix
UNODC publishes (ODD section 7). Since issue 23 the first responders' visibilities are set to
approach UNODC's mix and the refit fits it: a fit, no longer an out-of-sample check.

    .venv/bin/python tools/detected_profile.py [N_SEEDS]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

import simulation
from simulation.model.registry import FORMS

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.toml"

# Detected victims, UNODC Global Report on Trafficking in Persons 2020 (2018 data) and 2024
# (2022 data): share of detected victims.
PUBLISHED = {
    "sexual": "50% (2018)", "labour": "38% (2018)", "criminal": "6% (2018); 8% (2022)",
    "female": "65% (2018); 61% (2022)", "child": "34% (2018); 38% (2022)",
}


def main(n: int = 6) -> None:
    results = [simulation.run(BASELINE, seed=1000 + s) for s in range(n)]
    rows = []
    for form in FORMS:
        trafficked = [r.by_form[form]["new_victims"] / r.outcomes["new_victims"]
                      for r in results]
        found = [r.by_form[form]["victims_identified"] / r.outcomes["victims_identified"]
                 for r in results]
        rows.append((form, trafficked, found))
    for group in ("female", "child"):
        trafficked = [r.by_group[group]["new_victims"] / r.outcomes["new_victims"]
                      for r in results]
        found = [r.by_group[group]["victims_identified"] / r.outcomes["victims_identified"]
                 for r in results]
        rows.append((group, trafficked, found))
    print(f"Baseline over {n} seeds (1000-{999 + n}), policy period.\n")
    print("| share of | among people trafficked (model) | among victims identified (model) "
          "| among detected victims (UNODC) |")
    print("|---|---|---|---|")
    for name, trafficked, found in rows:
        print(f"| {name} | {np.mean(trafficked):.0%} | {np.mean(found):.0%} "
              f"({min(found):.0%} to {max(found):.0%}) | {PUBLISHED[name]} |")
    print()
    for form in FORMS:
        rate = [r.by_form[form]["convictions"] / r.by_form[form]["victims_identified"]
                for r in results if r.by_form[form]["victims_identified"]]
        print(f"- convictions per identified victim, {form}: {np.mean(rate):.1%}")
    lesser = np.mean([r.outcomes["lesser_convictions"] for r in results])
    print(f"- convictions for lesser offences (labour cases), mean: {lesser:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 6)
