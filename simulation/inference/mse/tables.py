"""Capture histories from an analyst's own lists: read, check and tidy before any model is fitted.

Two shapes of table are accepted, as CSV or Parquet files or as pandas tables:

- a **capture-history table**: one 0/1 column per list and a count column (its name given, or
  one of :data:`COUNT_NAMES`, in any case, or ``count_`` as :func:`count_column` names it when
  a list is called ``count``), one row per pattern of lists; patterns left out have
  a count of 0 (as the published tables of ``SparseMSE`` leave them out);
- **one row per person**: one 0/1 column per list and no count column (a column named as in
  :data:`ID_NAMES` is taken as the person's identifier and must not repeat).

Every mistake is one :class:`TableError` that names the table, the row or column and what is
allowed: entries other than 0 and 1, negative, fractional, missing or text counts, the all-zero
pattern (no one can be counted as on no list: that is what MSE estimates), a pattern given twice,
fewer than two lists, lists that do not overlap. A list that saw nobody is dropped, with a note.

``lists="A,B,C+D+E"`` keeps lists A and B and merges C, D and E into one list ``C+D+E`` (a person
on any of them is on the merged list), as the five-list versions of published data sets merge
small lists (Chan, Silverman & Vincent 2021, JASA 116:1297). People seen only on lists left out
are then on no chosen list, so they join the unseen.

The number of lists is bounded before any model is built: k lists make 2^k - 1 patterns and
log-linear models of up to 1 + k + k(k-1)/2 parameters (:func:`check_size`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, cast
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.model.errors import UserError

COUNT_NAMES = ("count", "counts", "freq", "frequency", "n", "number", "cases", "total")
ID_NAMES = ("id", "person", "person_id", "case", "case_id", "victim_id")
# The most lists estimated without --allow-large. 12 lists make 4,095 patterns and models of up to
# 79 parameters: a design of 2.6 MB and, with the stepwise search, up to 2,211 fits of it. Each
# further list doubles the patterns; 20 lists need 1.8 GB for one model's design.
MAX_LISTS = 12
MAX_FILE_BYTES = 200 * 2**20
ADVICE = "--allow-large (allow_large=True) estimates it anyway"


class EstimationError(UserError):
    """The lists cannot give an estimate (one list, no overlap, an empty scope): the message
    says why."""


class TableError(EstimationError):
    """A table of lists that cannot be used as it is: the message says where and why."""


@dataclass(frozen=True)
class Histories:
    """Checked capture histories: ``cells`` has a 0/1 column per list and ``count``, one row per
    observable pattern (2^k - 1, ordered as binary numbers with the first list as the lowest
    bit, empty ones with a count of 0); ``notes`` says what was dropped or merged."""

    lists: tuple[str, ...]
    X: np.ndarray
    y: np.ndarray
    notes: tuple[str, ...] = field(default=())

    @property
    def cells(self) -> pd.DataFrame:
        count = count_column(self.lists)
        out = pd.DataFrame({n: self.X[:, i].astype(np.int64) for i, n in enumerate(self.lists)})
        out[count] = self.y.astype(np.int64)
        return out


def count_column(lists) -> str:
    """``count``, or ``count_`` (and so on) when a list is itself called ``count``."""
    name = "count"
    while name in lists:
        name += "_"
    return name


# -- reading -------------------------------------------------------------------------------------


def read_table(path: str | Path, *, count: str | None = None, lists: str | None = None,
               allow_large: bool = False) -> Histories:
    """The capture histories in a CSV or Parquet file (see the module's docstring)."""
    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: no such file; allowed: a CSV or Parquet table of lists")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES and not allow_large:
        raise TableError(f"{path}: {size / 2**20:,.0f} MiB; the limit for a table of lists is "
                         f"{MAX_FILE_BYTES / 2**20:,.0f} MiB ({ADVICE})")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            table = pd.read_parquet(path)
        elif suffix in (".csv", ".txt", ".tsv"):
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, header=None,
                              encoding="utf-8-sig",
                              sep="\t" if suffix == ".tsv" else ",", skipinitialspace=True)
            # the header read as a row, so that a repeated column name is not renamed a.1
            table = raw.iloc[1:].set_axis([c.strip() for c in raw.iloc[0]], axis=1)
        else:
            raise TableError(f"{path}: unknown kind of file {suffix or '(no suffix)'!r}; "
                             "allowed: .csv, .tsv or .parquet")
    except TableError:
        raise
    except UnicodeDecodeError:
        raise TableError(f"{path}: not a text file; allowed: a CSV (UTF-8) or Parquet table "
                         "of lists") from None
    except Exception as exc:  # noqa: BLE001 - pandas and pyarrow raise many kinds for a bad file
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise TableError(f"{path}: cannot read it as {suffix[1:].upper()} ({first})") from None
    return tidy(table, source=str(path), count=count, lists=lists, allow_large=allow_large)


# -- checking ------------------------------------------------------------------------------------


def tidy(table: pd.DataFrame, *, source: str = "table", count: str | None = None,
         lists: str | None = None, allow_large: bool = False) -> Histories:
    """Check a capture-history or person table and return its :class:`Histories`.

    >>> h = tidy(pd.DataFrame({"a": [1, 0, 1], "b": [0, 1, 1], "frequency": [60, 40, 20]}))
    >>> h.lists, h.y.tolist()
    (('a', 'b'), [60.0, 40.0, 20.0])
    """
    if not isinstance(table, pd.DataFrame):
        raise TableError(f"{source}: not a table; allowed: a pandas DataFrame with a 0/1 "
                         "column per list")
    columns = [str(c).strip() for c in table.columns]
    if "" in columns:
        raise TableError(f"{source}: column {columns.index('') + 1} has no name; allowed: a "
                         "name for every column (each list's, and the counts')")
    if len(set(columns)) < len(columns):
        twice = sorted({c for c in columns if columns.count(c) > 1})
        raise TableError(f"{source}: column {twice[0]!r} appears more than once; allowed: one "
                         "column per list")
    table = table.set_axis(columns, axis=1)
    if {"person", "list"} <= set(columns):
        raise TableError(f"{source}: this is a contacts table (person, list, ...), one row per "
                         "contact; give the run's folder to tipsim estimate, or a table of lists "
                         "(a 0/1 column per list)")
    if table.empty:
        raise TableError(f"{source}: the table has no rows; allowed: one row per pattern of "
                         "lists (with a count) or one row per person")
    count_name = _count_name(columns, count, source)
    ids = [] if count_name else [c for c in columns if c.lower() in ID_NAMES]
    list_names = [c for c in columns if c != count_name and c not in ids]
    if ids:
        _unique_ids(table, ids[0], source)
    indicators = np.column_stack([_indicator(table[c], c, source) for c in list_names]) \
        if list_names else np.zeros((len(table), 0), dtype=np.int64)
    counts = (_counts(table[count_name], count_name, source) if count_name
              else np.ones(len(table), dtype=np.int64))
    nobody: Any = np.flatnonzero(indicators.sum(axis=1) == 0) if list_names else []
    if len(nobody):
        row = int(nobody[0]) + 1
        what = "pattern" if count_name else "person"
        raise TableError(f"{source}: row {row}: the all-zero {what} (on no list); no one can be "
                         "counted as on no list, that is the number MSE estimates; allowed: "
                         "patterns with at least one 1 (remove that row)")
    if count_name:
        hint = ""
        if set(np.unique(counts)) <= {0, 1}:
            hint = (f"; if {count_name!r} is a list and not the counts, each row is a person: "
                    "give the table without that name for a list")
        _no_repeats(indicators, list_names, source, hint)
    names, merged, notes = _choose(list_names, indicators, lists, source)
    notes = list(notes)
    # a list that saw nobody would have an effect of minus infinity: drop it, and say so
    seen = (merged * counts[:, None]).sum(axis=0) > 0
    for name in [n for n, s in zip(names, seen) if not s]:
        notes.append(f"list {name!r} saw nobody and is left out")
    names = [n for n, s in zip(names, seen) if s]
    merged = merged[:, seen]
    if len(names) < 2:
        have = ", ".join(names) or "none"
        raise TableError(f"{source}: {len(names)} list{'s' if len(names) != 1 else ''} with "
                         f"anyone on it ({have}); MSE needs at least two overlapping lists")
    check_size(len(names), source, allow_large=allow_large)
    code = (merged.astype(np.int64) << np.arange(len(names), dtype=np.int64)).sum(axis=1)
    onto_none = code == 0
    if onto_none.any():
        notes.append(f"{int(counts[onto_none].sum()):,} persons seen only on lists left out "
                     "join the unseen")
    totals = np.bincount(code, weights=counts, minlength=2 ** len(names)).astype(np.int64)
    patterns = np.arange(1, 2 ** len(names))
    X = ((patterns[:, None] >> np.arange(len(names))) & 1).astype(float)
    y = totals[1:].astype(float)
    if y[X.sum(axis=1) >= 2].sum() == 0:
        raise TableError(f"{source}: no person is on more than one list ({', '.join(names)}), so "
                         "the lists do not overlap and the number unseen cannot be estimated")
    return Histories(lists=tuple(names), X=X, y=y, notes=tuple(notes))


def check_size(k: int, source: str = "table", *, allow_large: bool = False) -> None:
    """Refuse more than :data:`MAX_LISTS` lists (unless ``allow_large``) before anything of size
    2^k is built."""
    if k <= MAX_LISTS or allow_large:
        return
    from simulation.model.limits import TooLargeError

    cells, params = 2 ** k - 1, 1 + k + k * (k - 1) // 2
    design = cells * params * 8
    raise TooLargeError(f"{source}: {k} lists make {cells:,} patterns and models of up to "
                        f"{params} parameters, about {_size(design)} for one model's design "
                        f"(estimated) and hundreds of fits of it; the limit is {MAX_LISTS} lists "
                        f"(merge small lists with --lists, or {ADVICE})")


def parse_lists(spec: str, source: str = "--lists") -> list[tuple[str, ...]]:
    """``"A,B,C+D+E"`` as ``[("A",), ("B",), ("C", "D", "E")]``."""
    groups = []
    for part in str(spec).split(","):
        names = tuple(n.strip() for n in part.split("+"))
        if not part.strip() or any(not n for n in names):
            raise TableError(f"{source}: {spec!r} has an empty list name; allowed: list names "
                             "separated by commas, lists to merge joined by + (A,B,C+D+E)")
        groups.append(names)
    return groups


def _count_name(columns: list[str], count: str | None, source: str) -> str | None:
    if count is not None:
        if count not in columns:
            raise TableError(f"{source}: no column {count!r} for the counts; the columns are "
                             f"{', '.join(columns)}")
        return count
    underscored = [c for c in columns if re.fullmatch(r"count_+", c)]
    if underscored:  # count_column's name for the counts when a list is called count
        return max(underscored, key=len)
    found = [c for c in columns if c.lower() in COUNT_NAMES]
    if len(found) > 1:
        raise TableError(f"{source}: columns {', '.join(found)} could each be the counts; "
                         "allowed: say which with --count (count= in Python)")
    return found[0] if found else None


def _unique_ids(table: pd.DataFrame, column: str, source: str) -> None:
    values = table[column].astype(str)
    twice = values.duplicated(keep=False)
    if twice.any():
        rows = (np.flatnonzero(twice.to_numpy())[:2] + 1).tolist()
        raise TableError(f"{source}: column {column!r}: {values[twice].iloc[0]!r} on rows "
                         f"{rows[0]} and {rows[1]}; allowed: one row per person")


def _indicator(values: pd.Series, column: str, source: str) -> np.ndarray:
    """A list column as 0/1 integers, or the first entry that is not 0 or 1."""
    text = values.map(_as_text)
    ok = text.isin(("0", "1"))
    if not ok.all():
        row = int(np.flatnonzero(~ok.to_numpy())[0])
        raise TableError(f"{source}: row {row + 1}, column {column!r}: "
                         f"{_show(values.iloc[row])}; allowed in a list's column: 0 (not on "
                         "the list) or 1 (on it)")
    return (text == "1").to_numpy().astype(np.int64)


def _counts(values: pd.Series, column: str, source: str) -> np.ndarray:
    """A count column as integers >= 0, or the first entry that is not one."""
    out = np.zeros(len(values), dtype=np.int64)
    for row, value in enumerate(values.tolist()):
        number = _as_number(value)
        problem = None
        if number is None:
            problem = "missing" if _as_text(value) == "" else "not a number"
        elif not math.isfinite(number):
            problem = "not a finite number"
        elif number != math.floor(number):
            problem = "not a whole number"
        elif number < 0:
            problem = "negative"
        elif number > 2 ** 53:
            problem = "too large"
        if problem:
            raise TableError(f"{source}: row {row + 1}, column {column!r}: {_show(value)} is "
                             f"{problem}; allowed: a whole number of persons, 0 or more")
        out[row] = int(cast(float, number))  # checked above: a whole number >= 0
    return out


def _no_repeats(indicators: np.ndarray, names: list[str], source: str, hint: str = "") -> None:
    code = (indicators << np.arange(indicators.shape[1], dtype=np.int64)).sum(axis=1) \
        if indicators.shape[1] < 63 else [tuple(r) for r in indicators]
    first: dict = {}
    for row, c in enumerate(np.asarray(code).tolist() if indicators.shape[1] < 63 else code):
        c = c if not isinstance(c, list) else tuple(c)
        if c in first:
            on = [n for n, v in zip(names, indicators[row]) if v] or ["no list"]
            raise TableError(f"{source}: rows {first[c] + 1} and {row + 1} are the same pattern "
                             f"({'+'.join(on)}); allowed: each pattern once (add their counts)"
                             f"{hint}")
        first[c] = row


def _choose(names: list[str], indicators: np.ndarray, spec: str | None, source: str):
    """The lists chosen and merged by ``spec``: names, 0/1 matrix, notes."""
    if spec is None:
        return names, indicators, ()
    groups = parse_lists(spec)
    used: dict[str, str] = {}
    for group in groups:
        for n in group:
            if n not in names:
                raise TableError(f"--lists: no list {n!r} in {source}; its lists are "
                                 f"{', '.join(names)}")
            if n in used:
                raise TableError(f"--lists: list {n!r} is used twice ({used[n]} and "
                                 f"{'+'.join(group)}); allowed: each list once")
            used[n] = "+".join(group)
    columns = [indicators[:, [names.index(n) for n in g]].max(axis=1) for g in groups]
    out = np.column_stack(columns).astype(np.int64)
    notes = [f"lists {', '.join(g)} merged into {'+'.join(g)}" for g in groups if len(g) > 1]
    left = [n for n in names if n not in used]
    if left:
        notes.append(f"lists left out: {', '.join(left)}")
    return ["+".join(g) for g in groups], out, tuple(notes)


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _as_text(value) -> str:
    """An entry as the text a reader sees: 1, 1.0 and True read as "1"; missing as ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value).strip()
    if _NUMBER.match(text):
        number = float(text)
        return str(int(number)) if number.is_integer() and abs(number) < 2 ** 53 else text
    return text


def _as_number(value) -> float | None:
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer, float, np.floating)):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = "" if value is None or value is pd.NA else str(value).strip()
    if text.lower() in ("inf", "+inf", "-inf", "infinity", "-infinity"):
        return float(text)
    return float(text) if _NUMBER.match(text) else None


def _show(value) -> str:
    text = _as_text(value)
    if text == "":
        return "an empty entry"
    return repr(text) if isinstance(value, str) else text


def _size(n: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} bytes"


__all__ = ["COUNT_NAMES", "EstimationError", "Histories", "MAX_LISTS", "TableError",
           "check_size", "count_column", "parse_lists", "read_table", "tidy"]
