"""Backtests: a policy change predicted from a frozen lever file, then compared with what was
observed.

A backtest file (TOML) names the country or region scenario, the calibrated ensemble its
parameters are drawn from, the *frozen* lever file (a policy file that extends the scenario and
encodes the policy change as timed lever changes), the calendar years the run covers, the cut
year (the last year the calibration saw) and, per observed series, the model's statistic it is
compared with::

    name = "stylised_training"
    scenario = "../../baseline.toml"
    levers = "levers.toml"                          # extends the scenario; never edited again
    ensemble = "../../calibration/baseline_ensemble"
    observed = "observed.csv"                       # year, series, breakdown, category, value,
                                                    # source_id (long format)
    first_year = 2010                               # calendar year of the first policy week
    cut_year = 2011                                 # calibration data end here
    last_year = 2013
    draws = 20                                      # parameter draws from the ensemble
    replications = 2                                # runs (seeds) per draw
    seed = 1
    [run]
    scale = 0.25
    [[compare]]
    series = "referrals"                            # breakdown "total", category "all" if unset
    statistic = "victims_identified"                # a weekly column of the model's run

The prediction is an ordinary batch over parameter draws (:mod:`simulation.studies.uncertainty`, run
by :func:`simulation.studies.executors.run_experiment`): reproducible, resumable, on local processes
or Dask. Each statistic is taken from the runs' weekly series, per model year (52 weeks from the
first policy week): flows summed over the year, stocks averaged over it, summed over the
jurisdictions named (all by default), divided by the run's scale (populations are given at
scale 1) and multiplied by ``factor``. :mod:`simulation.reports.backtest_report` scores and reports.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from simulation.studies.backtest_years import (held_out_run, observed_example, prediction_table,
                                               yearly)
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.errors import UserError
from simulation.model.files import file_digest, read_limited, read_validated_toml
from simulation.model.registry import CHANNELS, OUTCOMES, WEEKLY_COLUMNS

MAX_FILE_BYTES = 1_000_000
MAX_OBSERVED_BYTES = 20_000_000
OBSERVED_COLUMNS = ("year", "series", "breakdown", "category", "value", "source_id")
"""Columns every observed-series file has (``unit`` and ``note`` may follow, and are kept)."""
CHANNEL_NAMES = CHANNELS
"""The first responders a referral breakdown may name (``first_responder``)."""
BREAKDOWN_FIELDS = ("form", "sex", "age_group", "origin", "origin_jurisdiction",
                    "first_responder")
"""A compared series' breakdown fields (at most one per series)."""
STOCKS = frozenset({n for n in WEEKLY_COLUMNS if n in OUTCOMES and OUTCOMES[n].kind == "stock"}
                   | {"victims_waiting_shelter", "victims_in_shelter", "prisoners",
                      "cases_waiting", "trials_waiting"})
"""Weekly columns that are stocks (averaged over a year); every other weekly column is a flow
(summed over the year)."""
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
_LABEL = re.compile(r"[A-Za-z0-9_]{1,100}")


class BacktestError(UserError, ValueError):
    """A mistake in a backtest file, its observed series, or a prediction that no longer
    matches its inputs: the message names the file, the field and what is allowed."""


class Compare(BaseModel):
    """One observed series and the simulated statistic it is compared with."""

    model_config = ConfigDict(extra="forbid")
    series: str = Field(pattern=_LABEL.pattern)
    breakdown: str = Field(default="total", pattern=_LABEL.pattern)
    category: str = Field(default="all", pattern=_LABEL.pattern)
    statistic: str
    jurisdictions: list[str] | None = Field(default=None, min_length=1)
    factor: float = Field(default=1.0, gt=0, le=1e9)
    # a breakdown of the statistics as countries publish them (simulation.model.statistics, ODD
    # 6.5): referrals (statistic = "victims_referred", counted in the year made) or confirmed
    # victims (statistic = "victims_identified", counted in the year of the decision) by form, sex,
    # age group, origin (national or foreign) or origin_jurisdiction (the jurisdiction a person
    # comes from: their nationality group in a country model), and referrals by first
    # responder; at most one
    form: Literal["sexual", "labour", "criminal"] | None = None
    sex: Literal["female", "male"] | None = None
    age_group: Literal["adult", "child"] | None = None
    origin: Literal["national", "foreign"] | None = None
    origin_jurisdiction: str | None = Field(default=None, pattern=_LABEL.pattern)
    first_responder: Literal[CHANNEL_NAMES] | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _known_statistic(self) -> Compare:
        given = [f for f in BREAKDOWN_FIELDS if getattr(self, f) is not None]
        if len(given) > 1:
            raise ValueError(f"got {', '.join(given)}; allowed: at most one breakdown (the "
                             "statistics are published by one breakdown at a time)")
        if self.first_responder is not None and self.statistic != "victims_referred":
            raise ValueError(f"statistic: got {self.statistic!r} with first_responder; "
                             'allowed: "victims_referred" (referrals are published by first '
                             "responder)")
        if (given and given[0] != "first_responder"
                and self.statistic not in ("victims_identified", "victims_referred")):
            raise ValueError(f"statistic: got {self.statistic!r} with {given[0]}; allowed: "
                             '"victims_referred" or "victims_identified" (referrals and '
                             "confirmed victims are published by form, sex, age group and "
                             "origin; other statistics only as region or jurisdiction "
                             "totals)")
        if self.statistic not in WEEKLY_COLUMNS:
            from simulation.model.scenario_schema import did_you_mean

            raise ValueError(f"statistic: got {self.statistic!r}"
                             f"{did_you_mean(self.statistic, list(WEEKLY_COLUMNS))}; allowed: a "
                             "weekly column of the model's run (flows are summed per year, "
                             f"stocks averaged): {', '.join(WEEKLY_COLUMNS)}")
        return self

    @property
    def key(self) -> str:
        """``series/breakdown/category``: the series' name in the prediction and the report."""
        return f"{self.series}/{self.breakdown}/{self.category}"

    @property
    def published_column(self) -> str | None:
        """The column of the published statistics (:data:`simulation.model.statistics.COLUMNS`) a
        breakdown reads, or None for a total read from the weekly series."""
        if self.first_responder is not None:
            return f"referred_{self.first_responder}"
        stage = "referred" if self.statistic == "victims_referred" else "confirmed"
        if self.origin_jurisdiction is not None:
            return f"{stage}_from_{self.origin_jurisdiction}"
        for field in ("form", "sex", "age_group", "origin"):
            value = getattr(self, field)
            if value is not None:
                return f"{stage}_{value}"
        return None

    @property
    def kind(self) -> str:
        return "stock" if self.statistic in STOCKS else "flow"


class BacktestRun(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scale: float | None = Field(default=None, gt=0, le=64)
    burn_in_weeks: int | None = Field(default=None, ge=0, le=2600)


class Backtest(BaseModel):
    """A backtest file, validated; paths resolved against the file's folder."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    scenario: str
    levers: str
    ensemble: str
    sample: list[str] = Field(default_factory=list)
    observed: str | None = None
    sources: str | None = None  # a sources.toml (simulation.model.country_data) the rows must cite
    first_year: int = Field(ge=1800, le=2300)
    cut_year: int
    last_year: int
    draws: int = Field(ge=2, le=100_000)
    replications: int = Field(ge=2, le=10_000)
    seed: int = 0
    run: BacktestRun = Field(default_factory=BacktestRun)
    compare: list[Compare] = Field(min_length=1)
    # compared series no publication gives (the prediction was registered before anyone could
    # know): series key -> why; they are reported as not observed, never dropped silently
    unobserved: dict[str, str] = Field(default_factory=dict)
    # why the prediction missed a series, written after the comparison (series key -> text):
    # the report prints it beside the miss, labelled as written afterwards
    explained: dict[str, str] = Field(default_factory=dict)

    _path: Path = PrivateAttr(default=Path("backtest.toml"))

    @model_validator(mode="after")
    def _check(self) -> Backtest:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"name: got {self.name!r}; allowed: up to 100 letters, digits, "
                             "_ . - starting with a letter, digit or _ (it names the folder "
                             "results/backtest/NAME)")
        if not self.first_year <= self.cut_year < self.last_year:
            raise ValueError(f"cut_year: got {self.cut_year} with first_year {self.first_year} "
                             f"and last_year {self.last_year}; allowed: first_year <= cut_year "
                             "< last_year (the cut year is the last year the calibration saw; "
                             "the prediction is scored from the year after)")
        if self.last_year - self.first_year >= 100:
            raise ValueError("last_year: at most 100 years after first_year")
        seen: dict[str, int] = {}
        for i, c in enumerate(self.compare):
            if c.key in seen:
                raise ValueError(f"compare[{i}]: series {c.key} is already compared in "
                                 f"compare[{seen[c.key]}]; allowed: each series, breakdown and "
                                 "category once")
            seen[c.key] = i
        for field, wanted in (("unobserved", "one line saying why no publication gives this "
                                              "series"),
                              ("explained", "a sentence saying why the prediction missed")):
            for key, why in getattr(self, field).items():
                if key not in seen:
                    raise ValueError(f"{field}: {key!r} is not a compared series; allowed: the "
                                     "series/breakdown/category of a [[compare]] entry")
                if not why.strip():
                    raise ValueError(f"{field}.{key}: empty; allowed: {wanted}")
        from simulation.model.seeds import validated_seed

        validated_seed(self.seed)
        return self

    # -- files --------------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    def resolve(self, value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else self._path.parent / p

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    @cached_property
    def lever_scenario(self):
        """The frozen lever file as a scenario (what every run of the prediction runs)."""
        from simulation.model.scenario import load_scenario

        return load_scenario(self.resolve(self.levers))

    @cached_property
    def base_scenario(self):
        from simulation.model.scenario import load_scenario

        return load_scenario(self.resolve(self.scenario))

    @cached_property
    def experiment(self):
        """The batch that makes the prediction: the lever file over the ensemble's draws."""
        from simulation.studies.experiment import Experiment

        run: dict[str, Any] = {"weeks": len(self.years) * WEEKS_PER_YEAR}
        run |= self.run.model_dump(exclude_none=True)
        levers, ensemble = (str(self.resolve(p).resolve()) for p in (self.levers, self.ensemble))
        doc = {"name": f"{self.name}_prediction", "scenarios": [levers],
               "replications": self.replications, "seed": self.seed,
               "record": "weekly",  # (the published statistics are always kept)
               "run": run, "uncertainty": {"ensemble": ensemble, "draws": self.draws,
                                           "sample": self.sample}}
        try:
            return Experiment.load(doc, base_dir=self._path.parent)
        except UserError as exc:
            message = str(exc).removeprefix("experiment: ").removeprefix("experiment")
            raise BacktestError(f"{self._path}: {message.lstrip(': ')}") from None

    def frozen(self) -> dict[str, str]:
        """Digests of what the prediction was made from: the lever file's bytes, the lever file
        and the scenario as written (each merged with every file it extends, before the
        registry's defaults are filled in, so a later model with new parameters or defaults
        still accepts the frozen prediction), the ensemble's content, and the prediction's
        settings in this file."""
        from simulation.model.files import digest
        from simulation.model.scenario import read_document

        settings = self.model_dump(include={"first_year", "cut_year", "last_year", "draws",
                                            "replications", "seed", "sample", "run"})
        # (unset fields left out, so a field added later keeps earlier predictions' digests)
        settings["compare"] = [c.model_dump(exclude_none=True) for c in self.compare]
        ensemble = self.experiment.uncertainty.fingerprint()["ensemble"]
        return {"lever_file": file_digest(self.resolve(self.levers)),
                "lever_document": digest(read_document(self.resolve(self.levers))),
                "scenario_document": digest(read_document(self.resolve(self.scenario))),
                "ensemble": str(ensemble),
                "settings": hashlib.sha256(repr(sorted(_flat(settings))).encode()
                                           ).hexdigest()[:16]}

    # -- observed series ----------------------------------------------------------------------

    def observations(self) -> pd.DataFrame:
        """The observed-series file, checked (one :class:`BacktestError` naming the row and
        the field); only the rows of the series this file compares."""
        if self.observed is None:
            raise BacktestError(f"{self._path}: observed: not set; allowed: the path of a CSV "
                                f"file ({', '.join(OBSERVED_COLUMNS)}), or run with "
                                "--predict-only to write the prediction alone")
        target = self.resolve(self.observed)
        if not target.is_file():
            raise BacktestError(f"{self._path}: observed: no such file {self.observed!r} "
                                f"(looked for {target}); allowed: a path relative to the "
                                "backtest file, or run with --predict-only")
        return read_observations(target, self)


def load_backtest(path: str | Path) -> Backtest:
    """A backtest file, validated, with its scenario, lever file and ensemble checked."""
    path = Path(path)
    _, bt = read_validated_toml(path, "a backtest file", BacktestError, Backtest,
                                MAX_FILE_BYTES, every=True)
    bt._path = path
    for field in ("scenario", "levers"):  # observed series may not exist yet: read later
        value = getattr(bt, field)
        target = bt.resolve(value)
        if not target.is_file():
            raise BacktestError(f"{path}: {field}: no such file {value!r} (looked for "
                                f"{target}); allowed: a path relative to the backtest file")
    _check_extends(bt)
    names = set(bt.lever_scenario.jurisdiction_names)
    for i, c in enumerate(bt.compare):
        unknown = sorted(set(c.jurisdictions or ()) - names)
        if unknown:
            raise BacktestError(f"{path}: compare[{i}].jurisdictions: no jurisdiction "
                                f"{unknown[0]!r} in the scenario; allowed: "
                                f"{', '.join(sorted(names))}")
        if c.origin_jurisdiction is not None and c.origin_jurisdiction not in names:
            raise BacktestError(f"{path}: compare[{i}].origin_jurisdiction: no jurisdiction "
                                f"{c.origin_jurisdiction!r} in the scenario; allowed: "
                                f"{', '.join(sorted(names))}")
    bt.experiment  # noqa: B018 - reads and checks the ensemble and the runs' settings
    return bt


def _check_extends(bt: Backtest) -> None:
    """The lever file must extend the scenario (directly or through other files): the lever
    changes are laid over the country they were written for."""
    import tomllib

    target = bt.resolve(bt.scenario).resolve()
    current = bt.resolve(bt.levers).resolve()
    for _ in range(16):
        if current == target:
            return
        try:
            doc = tomllib.loads(current.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            break
        parent = doc.get("extends")
        if not isinstance(parent, str):
            break
        current = (current.parent / parent).resolve()
    raise BacktestError(f"{bt.path}: levers: {bt.levers!r} does not extend the scenario "
                        f"{bt.scenario!r}; allowed: a policy file whose extends chain reaches "
                        "the scenario (extends = \"...\")")


def read_observations(path: Path, bt: Backtest) -> pd.DataFrame:
    """Observed series in long format (:data:`OBSERVED_COLUMNS`), checked: whole years, finite
    numbers, a source for every row, each point once."""
    try:
        data = read_limited(path, MAX_OBSERVED_BYTES, "an observed-series file (.csv)")
    except FileNotFoundError:
        raise BacktestError(f"{path}: no such observed-series file") from None
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BacktestError(f"{path}: not a CSV file ({str(exc).splitlines()[0]}); allowed: "
                            f"a CSV with columns {', '.join(OBSERVED_COLUMNS)}") from None
    missing = [c for c in OBSERVED_COLUMNS if c not in frame.columns]
    if missing:
        raise BacktestError(f"{path}: column '{missing[0]}' is missing; allowed: a CSV with "
                            f"columns {', '.join(OBSERVED_COLUMNS)} (unit and note optional)")
    listed = None
    if bt.sources is not None:
        from simulation.model.country_data import load_sources

        target = bt.resolve(bt.sources)
        if not target.is_file():
            raise BacktestError(f"{bt.path}: sources: no such file {bt.sources!r} (looked for "
                                f"{target}); allowed: a sources.toml with one [[source]] per "
                                "publication, as a country folder has")
        listed = load_sources(target)
    rows = []
    for i, row in enumerate(frame.to_dict(orient="records")):
        where = f"{path}: row {i + 2}"  # the header is line 1
        try:
            year = int(row["year"])
        except ValueError:
            raise BacktestError(f"{where}, field 'year': got {row['year']!r}; allowed: a whole "
                                "year such as 2016") from None
        try:
            value = float(row["value"])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise BacktestError(f"{where}, field 'value': got {row['value']!r}; allowed: a "
                                "finite number")
        for field in ("series", "breakdown", "category"):
            if not _LABEL.fullmatch(row[field]):
                raise BacktestError(f"{where}, field '{field}': got {row[field]!r}; allowed: "
                                    "letters, digits and _")
        if not row["source_id"].strip():
            raise BacktestError(f"{where}, field 'source_id': empty; allowed: the id of the "
                                "publication the number comes from (every observation has one)")
        if listed is not None and row["source_id"].strip() not in listed:
            raise BacktestError(f"{where}, field 'source_id': got {row['source_id']!r}, which "
                                f"{bt.sources} does not list; allowed: "
                                f"{', '.join(sorted(listed))}")
        rows.append({"year": year, "series": row["series"], "breakdown": row["breakdown"],
                     "category": row["category"], "value": value,
                     "source_id": row["source_id"].strip(), "note": row.get("note", "")})
    out = pd.DataFrame(rows, columns=["year", "series", "breakdown", "category", "value",
                                      "source_id", "note"])
    out["key"] = out["series"] + "/" + out["breakdown"] + "/" + out["category"]
    wanted = {c.key for c in bt.compare}
    out = out[out["key"].isin(wanted)]
    twice = out[out.duplicated(["key", "year"])]
    if len(twice):
        first = twice.iloc[0]
        raise BacktestError(f"{path}: series {first['key']} has year {first['year']} twice; "
                            "allowed: one value per series, breakdown, category and year")
    declared = set(bt.unobserved)
    both = sorted(declared & set(out["key"]))
    if both:
        raise BacktestError(f"{bt.path}: unobserved: series {both[0]} has rows in {path}; "
                            "allowed: only series the file does not hold")
    absent = sorted(wanted - set(out["key"]) - declared)
    if absent:
        raise BacktestError(f"{bt.path}: compare: series {absent[0]} has no rows in {path}; "
                            "allowed: a series, breakdown and category the file holds, or the "
                            "series listed under [unobserved] with why no publication gives "
                            "it")
    return out.reset_index(drop=True)


def _flat(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [kv for k, v in value.items() for kv in _flat(v, f"{prefix}{k}.")]
    if isinstance(value, list):
        return [kv for i, v in enumerate(value) for kv in _flat(v, f"{prefix}{i}.")]
    return [(prefix.rstrip("."), repr(value))]


# the simulated statistics per year (simulation.studies.backtest_years) keep this import path too
__all__ = ["Backtest", "BacktestError", "Compare", "OBSERVED_COLUMNS", "held_out_run",
           "load_backtest", "observed_example", "prediction_table", "read_observations",
           "yearly"]
