"""The published data of a country model (``scenarios/countries/NAME/``), read and checked.

A country folder holds four files, each with one job:

- ``sources.toml``: one ``[[source]]`` per publication (``id``, ``title``, ``publisher``,
  ``year``, ``url``, ``gives``);
- ``pre_act_statistics.csv``: the calibration series, in long format (``year, series,
  breakdown, category, value, unit, source_id, note``), for the years before the policy change
  only;
- ``policy_facts.toml``: dated facts about the policy change (``[[fact]]``) and what could not be
  found (``[[missing]]``);
- ``country.toml``: populations, origin groups, demand, enforcement and support capacities.

The rule the loader enforces is the issue's: every number names a source that ``sources.toml``
lists, or says ``assumption`` and why. A file that breaks it, or a statistics row from a year
after the cut (an observation the prediction must not see), is refused with one
:class:`CountryDataError` naming the file, the place, the field and what is allowed.

    >>> from simulation.model.country_data import load_country
    >>> uk = load_country("uk")
    >>> int(uk.series("referrals", "total").loc[2013])
    1745
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from simulation.model.errors import UserError
from simulation.model.files import InputFileError, read_limited, read_toml

COUNTRIES = Path(__file__).resolve().parents[2] / "scenarios" / "countries"
"""The shipped country folders in a source checkout (``simulation/library/countries`` in a
wheel: :func:`country_folder` looks in both)."""

FIRST_YEAR, CUT_YEAR = 2009, 2014
"""The calibration window of the UK model: the NRM's first year to the last year before the
Modern Slavery Act 2015 (Royal Assent 26 March 2015)."""

ASSUMPTION = "assumption"
COLUMNS = ("year", "series", "breakdown", "category", "value", "unit", "source_id", "note")
UNITS = {"persons": "people", "decisions": "decisions on cases", "defendants": "defendants",
         "offenders": "offenders cautioned", "offences": "offences charged",
         "applications": "applications", "countries": "countries of origin",
         "share": "a share between 0 and 1"}
NOT_PARTITIONS = ("_partial", "_share", "_overlapping")
"""Suffixes of a breakdown whose categories do not add up to the total: a partial list (the ten
commonest nationalities), shares, or overlapping lists."""
_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_ID = re.compile(r"^[a-z0-9_]+$")
_LIMIT = 2_000_000


class CountryDataError(UserError, ValueError):
    """A country data file that breaks the rules: the message names the file, where, the field
    and what is allowed."""


def country_folder(name: str) -> Path:
    """The folder of a shipped country (``"uk"``), or a path to one's own folder."""
    for folder in (Path(name), COUNTRIES / name,
                   Path(__file__).resolve().parents[1] / "library" / "countries" / name):
        if (folder / "sources.toml").is_file():
            return folder
    shipped = sorted(p.name for p in COUNTRIES.glob("*") if (p / "sources.toml").is_file())
    raise CountryDataError(f"{name}: no country folder with a sources.toml; allowed: a shipped "
                           f"country ({', '.join(shipped) or 'none'}) or a folder path")


def _fail(path: Path, where: str, field: str, problem: str, allowed: str) -> NoReturn:
    raise CountryDataError(f"{path}: {where}, field '{field}': {problem}; allowed: {allowed}")


# -- sources.toml ------------------------------------------------------------------------------

def load_sources(path: str | Path) -> dict[str, dict]:
    """The sources of ``path`` by id, each checked to have its fields."""
    path = Path(path)
    doc = read_toml(path, "a sources file", CountryDataError)
    unknown = sorted(set(doc) - {"source"})
    if unknown:
        _fail(path, "top level", unknown[0], "is not a section of a sources file",
              "[[source]] tables only")
    entries = doc.get("source")
    if not isinstance(entries, list) or not entries:
        _fail(path, "top level", "source", "no [[source]] entries", "one [[source]] per source")
    sources: dict[str, dict] = {}
    for n, entry in enumerate(entries, 1):
        where = f"[[source]] number {n}"
        if not isinstance(entry, dict):
            _fail(path, where, "source", "is not a table", "a [[source]] table")
        for field in ("id", "title", "publisher", "url", "gives"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                _fail(path, where, field, "is missing or empty", "a non-empty string")
        sid = entry["id"]
        where = f"[[source]] {sid!r}"
        if not _ID.match(sid) or sid == ASSUMPTION:
            _fail(path, where, "id", f"{sid!r} is not a usable id",
                  f"lower-case letters, digits and _, not {ASSUMPTION!r}")
        if sid in sources:
            _fail(path, where, "id", "is used twice", "each id once")
        year = entry.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not 1900 <= year <= 2100:
            _fail(path, where, "year", f"{year!r}", "the year of publication, e.g. 2014")
        if not entry["url"].startswith(("http://", "https://")):
            _fail(path, where, "url", f"{entry['url']!r}", "an http:// or https:// address")
        extra = sorted(set(entry) - {"id", "title", "publisher", "year", "url", "gives"})
        if extra:
            _fail(path, where, extra[0], "is not a field of a source",
                  "id, title, publisher, year, url, gives")
        sources[sid] = entry
    return sources


# -- pre_act_statistics.csv --------------------------------------------------------------------

def load_statistics(path: str | Path, sources: dict[str, dict],
                    years: tuple[int, int] = (FIRST_YEAR, CUT_YEAR)) -> pd.DataFrame:
    """The published series of ``path`` as a table (one row a number), every row checked: a year
    within ``years``, a name, a non-negative value in a known unit, and a known source (or
    ``assumption`` with a note saying why)."""
    path = Path(path)
    try:
        raw = read_limited(path, _LIMIT, "a statistics file (.csv)")
    except InputFileError as exc:
        raise CountryDataError(str(exc)) from None
    except FileNotFoundError:
        raise CountryDataError(f"{path}: no such statistics file") from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise CountryDataError(f"{path}: is not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                               "allowed: a CSV file in UTF-8") from None
    reader = csv.DictReader(io.StringIO(text))
    header = tuple(reader.fieldnames or ())
    if header != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        field = missing[0] if missing else next(c for c in header if c not in COLUMNS)
        _fail(path, "header", field, "missing" if missing else "is not a column",
              "exactly the columns " + ", ".join(COLUMNS))
    rows, seen = [], set()
    low, high = years
    for line, row in enumerate(reader, 2):
        where = f"line {line}"
        if None in row or any(v is None for v in row.values()):
            _fail(path, where, "row", "has a different number of fields from the header",
                  f"{len(COLUMNS)} fields")
        try:
            year = int(row["year"])
        except ValueError:
            _fail(path, where, "year", f"{row['year']!r} is not a year", "a whole year, e.g. 2013")
        if not low <= year <= high:
            _fail(path, where, "year", f"{year} is outside the calibration years",
                  f"a year from {low} to {high} (before the policy change; later years are the "
                  "backtest's observations and are committed only after its prediction)")
        for field in ("series", "breakdown", "category"):
            if not _NAME.match(row[field]):
                _fail(path, where, field, f"{row[field]!r}", "letters, digits and _")
        if row["breakdown"] == "total" and row["category"] != "all":
            _fail(path, where, "category", f"{row['category']!r} under breakdown 'total'", "all")
        try:
            value = float(row["value"])
        except ValueError:
            _fail(path, where, "value", f"{row['value']!r} is not a number",
                  "a number (the word assumption goes in source_id, with a note)")
        if not value >= 0 or value == float("inf"):
            _fail(path, where, "value", f"{row['value']}", "a finite number of at least 0")
        if row["unit"] not in UNITS:
            _fail(path, where, "unit", f"{row['unit']!r}", ", ".join(UNITS))
        if row["unit"] == "share" and value > 1:
            _fail(path, where, "value", f"{value} for a share", "a share from 0 to 1")
        sid = row["source_id"]
        if sid == ASSUMPTION:
            if not row["note"].strip():
                _fail(path, where, "note", "is empty for an assumption",
                      "a note saying why the number is assumed")
        elif sid not in sources:
            _fail(path, where, "source_id", f"{sid!r} is not in sources.toml",
                  f"an id of sources.toml or {ASSUMPTION!r}")
        key = (year, row["series"], row["breakdown"], row["category"], sid)
        if key in seen:
            _fail(path, where, "category", f"{key} appears twice", "each number once")
        seen.add(key)
        rows.append({**row, "year": year, "value": value})
    if not rows:
        _fail(path, "body", "rows", "no rows", "one row per published number")
    return pd.DataFrame(rows, columns=list(COLUMNS))


def breakdown_sums(statistics: pd.DataFrame) -> pd.DataFrame:
    """For every breakdown that partitions a total of the same year, series and source, the sum
    of its categories beside the total (``difference`` = sum - total). Partial lists, shares and
    overlapping lists (:data:`NOT_PARTITIONS`) and intervals are not partitions."""
    counts = statistics[statistics["unit"] != "share"]
    totals = counts[counts["breakdown"] == "total"].set_index(
        ["year", "series", "source_id"])["value"]
    parts = counts[(counts["breakdown"] != "total") & (counts["breakdown"] != "interval")
                   & ~counts["breakdown"].str.endswith(NOT_PARTITIONS)]
    sums = parts.groupby(["year", "series", "source_id", "breakdown"])["value"].sum()
    sums = sums.rename("parts_sum").reset_index()
    sums["total"] = [totals.get((y, s, src)) for y, s, src in
                     zip(sums["year"], sums["series"], sums["source_id"])]
    sums = sums.dropna(subset=["total"])
    sums["difference"] = sums["parts_sum"] - sums["total"]
    return sums.reset_index(drop=True)


# -- policy_facts.toml and country.toml -----------------------------------------------------------

def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float, datetime.date, datetime.time))
            and not isinstance(value, bool))


def _check_sourced(path: Path, where: str, table: dict, sources: dict[str, dict]) -> None:
    """A table holding a number, a date or the word assumption names its source (or says
    assumption, with why); a named source must be in ``sources``."""
    numbers = [k for k, v in table.items() if _is_number(v)
               or (isinstance(v, list) and any(_is_number(x) for x in v))]
    assumed = [k for k, v in table.items() if v == ASSUMPTION and k != "source"]
    given = table.get("source")
    ids = given if isinstance(given, list) else [given] if given is not None else []
    if (numbers or assumed) and not ids:
        field = (numbers or assumed)[0]
        _fail(path, where, field, "has no source", f"a 'source' naming an id of sources.toml, "
              f"or source = {ASSUMPTION!r} with a 'why'")
    for sid in ids:
        if not isinstance(sid, str) or (sid != ASSUMPTION and sid not in sources):
            _fail(path, where, "source", f"{sid!r} is not in sources.toml",
                  f"an id of sources.toml or {ASSUMPTION!r}")
    listed = table.get("sources", [])
    for sid in [listed] if isinstance(listed, str) else listed:
        if not isinstance(sid, str) or sid not in sources:
            _fail(path, where, "sources", f"{sid!r} is not in sources.toml", "ids of sources.toml")
    if (ASSUMPTION in ids or assumed) and not str(table.get("why", "")).strip():
        _fail(path, where, "why", "is missing for an assumption", "a sentence saying why")


def _walk(path: Path, where: str, value: Any, sources: dict[str, dict]) -> None:
    if isinstance(value, dict):
        _check_sourced(path, where, value, sources)
        for key, item in value.items():
            _walk(path, f"{where}.{key}" if where != "top level" else key, item, sources)
    elif isinstance(value, list):
        for n, item in enumerate(value, 1):
            if isinstance(item, dict):
                name = item.get("id") or item.get("name") or item.get("form") or item.get("year")
                _walk(path, f"[[{where}]] {name!r}" if name is not None
                      else f"[[{where}]] number {n}", item, sources)


def load_sourced_toml(path: str | Path, what: str, sources: dict[str, dict]) -> dict:
    """A TOML file of a country folder in which every number has its source."""
    path = Path(path)
    doc = read_toml(path, what, CountryDataError)
    _walk(path, "top level", doc, sources)
    return doc


def load_policy_facts(path: str | Path, sources: dict[str, dict]) -> dict:
    """The ``[[fact]]`` and ``[[missing]]`` entries of a policy facts file: each fact with an
    id, what it says and its source; a missing entry with what and why, and no number."""
    path = Path(path)
    doc = load_sourced_toml(path, "a policy facts file", sources)
    unknown = sorted(set(doc) - {"fact", "missing"})
    if unknown:
        _fail(path, "top level", unknown[0], "is not a section of a policy facts file",
              "[[fact]] and [[missing]] tables")
    ids = set()
    for n, fact in enumerate(doc.get("fact", []), 1):
        for field in ("id", "what", "source"):
            if not fact.get(field):
                _fail(path, f"[[fact]] number {n}", field, "is missing",
                      "every fact has an id, what it says and its source")
        if fact["id"] in ids:
            _fail(path, f"[[fact]] {fact['id']!r}", "id", "is used twice", "each id once")
        ids.add(fact["id"])
        date = fact.get("date")
        if date is not None and not (isinstance(date, datetime.date) or (
                isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}", date))):
            _fail(path, f"[[fact]] {fact['id']!r}", "date", f"{date!r}",
                  "a date (2015-11-01) or a month as a string (\"2017-01\")")
    for n, entry in enumerate(doc.get("missing", []), 1):
        where = f"[[missing]] number {n}"
        for field in ("what", "why"):
            if not str(entry.get(field, "")).strip():
                _fail(path, where, field, "is missing", "what is missing and why")
        numbers = [k for k, v in entry.items() if _is_number(v)]
        if numbers:
            _fail(path, where, numbers[0], "holds a number", "no number in a missing entry")
    return doc


def load_country_file(path: str | Path, sources: dict[str, dict]) -> dict:
    """A ``country.toml``: every number sourced, and a calendar whose calibration years end
    before its last year."""
    path = Path(path)
    doc = load_sourced_toml(path, "a country file", sources)
    cal = doc.get("calendar")
    if not isinstance(cal, dict):
        _fail(path, "top level", "calendar", "is missing",
              "a [calendar] with first_year, last_calibration_year, last_year")
    keys = ("first_year", "last_calibration_year", "last_year")
    given = [cal.get(k) for k in keys]
    years = [y for y in given if isinstance(y, int) and not isinstance(y, bool)]
    if len(years) != len(keys) or not years[0] <= years[1] < years[2]:
        _fail(path, "[calendar]", "last_calibration_year", f"{given}",
              "whole years with first_year <= last_calibration_year < last_year")
    return doc


# -- a whole country ---------------------------------------------------------------------------

@dataclass(frozen=True)
class CountryData:
    """A country's checked data: its sources by id, its pre-policy statistics (one row a
    published number), its policy facts and its structure."""

    folder: Path
    sources: dict[str, dict]
    statistics: pd.DataFrame
    policy_facts: dict
    country: dict

    def series(self, series: str, breakdown: str = "total", source_id: str | None = None
               ) -> pd.Series:
        """The values of one series and breakdown, indexed by year (and by category too, for a
        breakdown other than ``total``). Without ``source_id`` every source's rows are taken,
        which is refused when two sources give the same year and category."""
        rows = self.statistics[(self.statistics["series"] == series)
                               & (self.statistics["breakdown"] == breakdown)]
        if rows.empty:
            raise CountryDataError(f"{self.folder}: no series {series!r} with breakdown "
                                   f"{breakdown!r}; allowed: "
                                   + ", ".join(sorted(set(self.statistics["series"]))))
        if source_id is not None:
            rows = rows[rows["source_id"] == source_id]
        values = rows.set_index("year" if breakdown == "total" else ["year", "category"])["value"]
        if not values.index.is_unique:
            raise CountryDataError(f"{self.folder}: series {series!r}, breakdown {breakdown!r} "
                                   "has the same year from several sources; allowed: "
                                   "source_id= one of " + ", ".join(sorted(set(rows["source_id"]))))
        return values


def load_country(name: str | Path) -> CountryData:
    """A shipped country (``"uk"``) or a country folder, every file checked."""
    folder = country_folder(str(name))
    sources = load_sources(folder / "sources.toml")
    country = load_country_file(folder / "country.toml", sources)
    cal = country["calendar"]
    statistics = load_statistics(folder / "pre_act_statistics.csv", sources,
                                 (cal["first_year"], cal["last_calibration_year"]))
    facts = load_policy_facts(folder / "policy_facts.toml", sources)
    return CountryData(folder, sources, statistics, facts, country)


__all__ = ["COUNTRIES", "CountryData", "CountryDataError", "breakdown_sums", "country_folder",
           "load_country", "load_country_file", "load_policy_facts", "load_sources",
           "load_statistics"]
