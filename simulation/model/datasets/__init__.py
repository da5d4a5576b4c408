"""Published lists of victims of trafficking, shipped as examples (see ``README.md`` here for
each table's source and licence).

>>> sorted(NAMES)[:2]
['netherlands_five_lists', 'netherlands_six_lists']
>>> int(load("uk_2013_six_lists")["count"].sum())
2744
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
NAMES = tuple(sorted(p.stem for p in HERE.glob("*.csv")))


def path(name: str) -> Path:
    """The CSV file of a shipped data set."""
    from simulation.model.errors import UserError

    if name not in NAMES:
        raise UserError(f"unknown data set {name!r}; allowed: {', '.join(NAMES)}")
    return HERE / f"{name}.csv"


def load(name: str) -> pd.DataFrame:
    """A shipped data set as a capture-history table."""
    return pd.read_csv(path(name))


__all__ = ["NAMES", "load", "path"]
