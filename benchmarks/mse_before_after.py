"""The MSE estimates on the model's own lists before and after a change to simulation.inference.mse.

    git show ccc12d44d005c3966575faf0836b0c7c17a73ef6:simulation/mse.py > /tmp/mse_before.py
    .venv/bin/python benchmarks/mse_before_after.py /tmp/mse_before.py

Four baseline runs (208 weeks, seeds 1-4); every policy year; the whole region and five scopes;
AIC and BIC; the averaged and profile intervals. Prints, per scope, how many estimates changed
(total, low, high or model) and how many of those had a model fail the existence or
identifiability check that the new code applies before fitting (issue 26).
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from collections import Counter

import simulation
import simulation.inference.mse as new

SCOPES = ({}, {"form": "labour"}, {"form": "sexual"}, {"jurisdiction": "origin_a"},
          {"jurisdiction": "destination_a"}, {"group": "child"})


def load(path: str):
    spec = importlib.util.spec_from_file_location("mse_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["mse_before"] = module
    spec.loader.exec_module(module)
    return module


def outcome(module, contacts, year, **options):
    try:
        est = module.estimate(contacts, year, **options)
    except Exception as exc:  # noqa: BLE001 - an estimate refused is an outcome to compare
        return (type(exc).__name__,), True
    checked = getattr(est, "excluded", None)
    failed = checked is not None and checked["reason"].str.contains(
        "linear|identifiable").any()
    return (est.total, est.low, est.high, est.model), failed


def same(a, b) -> bool:
    if len(a) != len(b):
        return False
    return all(x == y if isinstance(x, (str, tuple)) else
               (x == y or abs(x - y) <= 1e-9 * max(1.0, abs(x))) for x, y in zip(a, b))


def main(argv=None) -> int:
    warnings.filterwarnings("ignore")
    old = load((argv or sys.argv[1:])[0])
    total, changed, checked = Counter(), Counter(), Counter()
    for seed in (1, 2, 3, 4):
        run = simulation.run(simulation.BASELINE, seed=seed, weeks=208)
        for scope in SCOPES:
            name = new.scope_name(**scope)
            for year in new.policy_years(run.contacts):
                for criterion in ("aic", "bic"):
                    for interval in ("averaged", "profile"):
                        options = dict(criterion=criterion, interval=interval, **scope)
                        a, _ = outcome(old, run.contacts, year, **options)
                        b, failed = outcome(new, run.contacts, year, **options)
                        total[name] += 1
                        if not same(a, b):
                            changed[name] += 1
                            checked[name] += int(failed)
    for name in total:
        print(f"{name}: {total[name]} estimates, {changed[name]} changed, {checked[name]} of "
              "them where a model fails the existence or identifiability check")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
