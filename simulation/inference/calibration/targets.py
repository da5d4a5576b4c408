"""Calibration targets: what the model should reproduce, how sure we are, and who said so.

A target file (TOML) has one table per target under ``[targets]``::

    [targets.conviction_ratio]
    ratio = ["convictions", "prosecutions"]     # or outcome = "...", or share = [part, whole]
    band = [0.35, 0.80]                          # or mean = 0.55 and sd = 0.1
    source = "UNODC GLOTIP 2022, fig. 60"

    [targets.identified_per_year_destination_a]
    outcome = "victims_identified"
    jurisdiction = "destination_a"               # or form = "sexual", group = "child"
    mean = 190
    sd = 40
    source = "..."
    held_out = true                              # a check, not fitted; then also:
    basis = "emergent"                           # or "fitted", "by_construction" (BASES)
    basis_reason = "another source and statistic: ..."   # one line: why
    derived_from = []                            # targets it is computed from, if any

What the model reports is made comparable with what was published:

- ``outcome`` names any outcome of the registry (``tipsim levers`` lists them). Counts are per
  year and at scale 1: a flow (people identified, convictions) is divided by the policy years
  and by the run's scale, a stock (victims in exploitation) by the scale. Ratios stay as they
  are.
- ``ratio = [a, b]`` is outcome a divided by outcome b, each in those units (so a flow over a
  stock is per year: victims identified a year per victim in exploitation); ``share`` is a
  ratio whose part is inside its whole, so its band must lie within 0 to 1. The numerator may
  be a list of outcomes of one kind, summed: ``share = [["identified_health",
  "identified_child_protection"], "victims_identified"]`` is the share the two services refer
  (a published share of "other" channels is the sum of those the model names separately). With
  ``share_of_region = true`` the numerator is read in the target's place and the denominator in
  the region: ``share = ["victims_identified", "victims_identified"]`` with ``form = "sexual"``
  is the share of all identified victims who were sexually exploited.
- ``statistic`` names a statistic computed from the run's records as a country computes it
  from its own, for published figures that are not a model outcome (:data:`STATISTICS`):
  ``"own_mse_estimate"`` is the multiple-systems estimate the model's own lists give
  (:func:`simulation.inference.mse.estimate`, log-linear models chosen by AIC, on the lists of each
  policy year, averaged over the years), the quantity a published MSE estimate is to be compared
  with (tipsim's MSE undercounts the model's truth: ``docs/estimation.md``); ``"annual_count"`` is
  the number of people exploited at some time in a year
  (:func:`simulation.inference.mse.true_count`, averaged over the policy years), which an annual
  figure counts and a mean stock does not. Both per year at scale 1, for the region or a
  jurisdiction. A year whose lists give no estimate (too few people, no overlap) makes the run
  infinitely far from the target.
- ``years = [first, last]`` with a flow ``outcome`` averages it over those policy years only
  (1 is the first), from the run's weekly series: a series that grows over the calibration
  years is fitted by targets for its early and late years, not by its mean.
- Where: the region (default), a ``jurisdiction`` of the scenario, a ``form`` of exploitation
  (``result.by_form``) or a victim ``group`` (``result.by_group``).
- Uncertainty: a ``band`` (low, high) is read as a 95% interval, so its standard deviation is a
  quarter of its width; or ``mean`` and ``sd`` directly. The distance of a simulated value from
  a target is ``(simulated - mean) / sd``.

A ratio without a denominator in a run (no prosecutions at all) is infinitely far from its
target, so that parameter set is never accepted.

Every held-out target says what kind of check it is (``basis``, issue 23): *emergent* when it
is independent of every fitted target (another statistic, not an arithmetic function of fitted
quantities), *fitted* when it restates a fitted target or follows from fitted ones, and
*by_construction* when a model rule or an input fixes it. Only emergent checks count as checks
of the model; a held-out target declared emergent that is the same statistic as a fitted one,
or follows from fitted ones arithmetically (:mod:`simulation.inference.calibration.independence`),
is refused with an error naming the fitted targets it depends on.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from simulation.model.errors import UserError, explain
from simulation.model.files import read_validated_toml
from simulation.model.clock import WEEKS_PER_YEAR
from simulation.model.registry import (FORM_OUTCOMES, FORMS, GROUP_OUTCOMES, OUTCOMES,
                                       VICTIM_GROUPS, WEEKLY_COLUMNS)
from simulation.model.scenario_schema import did_you_mean

MAX_FILE_BYTES = 1_000_000
BASES = ("by_construction", "fitted", "emergent")
"""What a held-out check or a stylised fact rests on: a model rule or input that makes it hold
(*by construction*), targets the model was fitted to (*fitted*), or neither (*emergent*: only
these are checks of the model)."""
DOCUMENTATION_FIELDS = {"label", "source", "note", "basis", "basis_reason", "derived_from"}
"""Target fields that describe a target without changing what is fitted (not in the hash)."""


class TargetError(UserError, ValueError):
    """A mistake in a target file: the message names the file and the field."""


STATISTICS = ("own_mse_estimate", "annual_count")
"""Statistics of a run's records that a target may name (``statistic = ...``)."""


class Target(BaseModel):
    """One published pattern with its uncertainty and source."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = ""
    label: str = ""
    outcome: str | None = None
    ratio: tuple[str | tuple[str, ...], str] | None = None
    share: tuple[str | tuple[str, ...], str] | None = None
    statistic: Literal["own_mse_estimate", "annual_count"] | None = None
    jurisdiction: str | None = None
    form: str | None = None
    group: str | None = None
    share_of_region: bool = False
    band: tuple[float, float] | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    source: str = Field(min_length=1)
    note: str = ""
    held_out: bool = False
    basis: Literal["by_construction", "fitted", "emergent"] | None = None
    basis_reason: str = ""
    derived_from: tuple[str, ...] = ()
    years: tuple[int, int] | None = None
    """Policy years (first, last; 1 is the first policy year) a flow ``outcome`` is averaged
    over, for a series that changes over the run (for example referrals that grow); all the
    policy years when unset."""

    @field_validator("outcome")
    @classmethod
    def _known_outcome(cls, value: str | None) -> str | None:
        if value is not None:
            _check_outcome(value)
        return value

    @field_validator("ratio", "share")
    @classmethod
    def _known_outcomes(cls, value: tuple[str | tuple[str, ...], str] | None
                        ) -> tuple[str | tuple[str, ...], str] | None:
        if value is not None:
            parts = parts_of(value[0])
            if not parts:
                raise ValueError("an empty list of outcomes to sum; allowed: one outcome or a "
                                 "list of outcomes of the same kind")
            for name in (*parts, value[1]):
                _check_outcome(name)
            kinds = {OUTCOMES[n].kind for n in parts}
            if len(kinds) > 1:
                raise ValueError(f"outcomes summed in a numerator must be of one kind (got "
                                 f"{', '.join(f'{n} ({OUTCOMES[n].kind})' for n in parts)})")
            if len(set(parts)) < len(parts):
                raise ValueError(f"an outcome summed twice in {list(parts)}")
        return value

    @field_validator("form")
    @classmethod
    def _known_form(cls, value: str | None) -> str | None:
        if value is not None and value not in FORMS:
            raise ValueError(f"unknown form {value!r}{did_you_mean(value, FORMS)}; allowed: "
                             + ", ".join(FORMS))
        return value

    @field_validator("group")
    @classmethod
    def _known_group(cls, value: str | None) -> str | None:
        if value is not None and value not in VICTIM_GROUPS:
            raise ValueError(f"unknown victim group {value!r}"
                             f"{did_you_mean(value, VICTIM_GROUPS)}; allowed: "
                             + ", ".join(VICTIM_GROUPS))
        return value

    @model_validator(mode="after")
    def _one_quantity_one_place_one_uncertainty(self) -> Target:
        kinds = [k for k in ("outcome", "ratio", "share", "statistic")
                 if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError("give exactly one of outcome, ratio, share or statistic"
                             + (f" (got {', '.join(kinds)})" if kinds else ""))
        if self.statistic and (self.form or self.group or self.share_of_region):
            raise ValueError(f"statistic {self.statistic!r} is computed for the region or a "
                             "jurisdiction; allowed with it: jurisdiction")
        places = [k for k in ("jurisdiction", "form", "group") if getattr(self, k) is not None]
        if len(places) > 1:
            raise ValueError(f"give at most one of jurisdiction, form or group (got "
                             f"{', '.join(places)})")
        pair = self.ratio or self.share
        if self.form or self.group:  # only some outcomes are reported by form and by group
            reported = FORM_OUTCOMES if self.form else GROUP_OUTCOMES
            read_there = ([cast(str, self.outcome)] if pair is None else
                          list(self.numerator) if self.share_of_region else
                          [*self.numerator, pair[1]])
            missing = [n for n in read_there if n not in reported]
            if missing:
                raise ValueError(f"{missing[0]!r} is not reported by "
                                 f"{'form' if self.form else 'victim group'}; allowed there: "
                                 + ", ".join(reported))
        if self.share_of_region and (pair is None or not places):
            raise ValueError("share_of_region: needs a ratio or share and a jurisdiction, form "
                             "or group (its numerator is read there, its denominator in the "
                             "region)")
        if pair is not None and pair[1] in self.numerator and not self.share_of_region:
            raise ValueError(f"numerator and denominator are both {pair[1]!r} (for a place's "
                             "share of the region's total, add share_of_region = true)")
        if self.band is not None:
            if self.mean is not None or self.sd is not None:
                raise ValueError("give either band or mean and sd, not both")
            low, high = self.band
            if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
                raise ValueError(f"band: empty or reversed band [{low}, {high}]; allowed: "
                                 "[low, high] with low < high")
            if self.share is not None and not (0 <= low and high <= 1):
                raise ValueError(f"band: a share lies between 0 and 1 (got [{low}, {high}])")
        elif self.mean is None or self.sd is None:
            raise ValueError("needs its uncertainty: band = [low, high], or mean and sd")
        elif not math.isfinite(self.mean) or not math.isfinite(self.sd):
            raise ValueError("mean and sd must be finite numbers")
        elif self.share is not None and not 0 <= self.mean <= 1:
            raise ValueError(f"mean: a share lies between 0 and 1 (got {self.mean})")
        if self.years is not None:
            first, last = self.years
            if not 1 <= first <= last:
                raise ValueError(f"years: got [{first}, {last}]; allowed: [first, last] policy "
                                 "years with 1 <= first <= last")
            if (self.outcome is None or self.outcome not in WEEKLY_COLUMNS
                    or OUTCOMES[self.outcome].kind != "flow" or self.form or self.group):
                raise ValueError("years: allowed only with an outcome that is a weekly flow "
                                 "(a count per year: victims_referred, victims_identified, "
                                 "prosecutions...) for the region or a jurisdiction")
        self._check_basis()
        return self

    def _check_basis(self) -> None:
        allowed = ", ".join(BASES)
        if self.held_out and self.basis is None:
            raise ValueError(f"basis: missing (required for a held-out target); allowed: "
                             f"{allowed}, with basis_reason saying why in one line")
        if self.basis is not None and not self.basis_reason.strip():
            raise ValueError(f"basis_reason: missing (required with basis = {self.basis!r}); "
                             "allowed: one line saying why")
        if self.basis == "emergent" and self.derived_from:
            raise ValueError(f"basis: 'emergent' but derived_from names "
                             f"{', '.join(self.derived_from)}; a check computed from fitted "
                             "targets is not emergent; allowed here: fitted, by_construction")

    # -- what is compared ---------------------------------------------------------------------

    @property
    def observed(self) -> float:
        """The central observed value: the band's midpoint or the mean."""
        return (self.band[0] + self.band[1]) / 2 if self.band else float(cast(float, self.mean))

    @property
    def scale(self) -> float:
        """The observed standard deviation (a band is a 95% interval: width / 4)."""
        return (self.band[1] - self.band[0]) / 4 if self.band else float(cast(float, self.sd))

    @property
    def interval(self) -> tuple[float, float]:
        """The observed band, or mean +- 2 sd."""
        if self.band:
            return self.band
        mean, sd = cast(float, self.mean), cast(float, self.sd)  # a band, or a mean and an sd
        return (mean - 2 * sd, mean + 2 * sd)

    @property
    def numerator(self) -> tuple[str, ...]:
        """The outcomes whose sum is a ratio's or share's numerator (empty for an outcome or a
        statistic)."""
        pair = self.ratio or self.share
        return parts_of(pair[0]) if pair is not None else ()

    @property
    def denominator(self) -> str | None:
        """A ratio's or share's denominator (None for an outcome or a statistic)."""
        pair = self.ratio or self.share
        return pair[1] if pair is not None else None

    @property
    def where(self) -> str:
        if self.jurisdiction:
            return f"jurisdiction {self.jurisdiction}"
        if self.form:
            return f"form {self.form}"
        if self.group:
            return f"group {self.group}"
        return "region"

    @property
    def description(self) -> str:
        """What is measured, in words (for the report)."""
        if self.statistic:
            what = {"own_mse_estimate": "the model's own MSE estimate per year",
                    "annual_count": "people exploited at some time in a year"}[self.statistic]
        elif self.outcome:
            what = self.outcome + (" per year" if OUTCOMES[self.outcome].kind == "flow" else "")
            if self.years is not None:
                what += f" in policy years {self.years[0]}-{self.years[1]}"
        else:
            num, den = " + ".join(self.numerator), self.denominator
            if len(self.numerator) > 1:
                num = f"({num})"
            if self.share_of_region:
                return f"{num} ({self.where}) / {den} (region)"
            what = f"{num} / {den}"
        return f"{what} ({self.where})"

    def simulated(self, result: Any, years: float, scale: float) -> float:
        """The value a run gives for this target (NaN when a ratio has no denominator).

        Raises :class:`TargetError` when the result has no outcomes by form or group."""
        if self.statistic:
            return record_statistic(self.statistic, result, years, scale, self.jurisdiction)
        if self.years is not None:
            return self._in_years(result, years, scale)
        table = self._table(result)
        if self.outcome:
            return _per_year(self.outcome, table, years, scale)
        num = sum(_per_year(name, table, years, scale) for name in self.numerator)
        den = _per_year(cast(str, self.denominator),
                        result.outcomes if self.share_of_region else table, years, scale)
        return num / den if den > 0 else math.nan

    def _in_years(self, result: Any, years: float, scale: float) -> float:
        """The outcome per year over :attr:`years`, from the run's weekly series (NaN, never
        accepted, when the run is shorter than the window)."""
        first, last = self.years or (1, 1)
        if last > round(years):
            return math.nan
        ts = result.timeseries
        rows = ts[(ts["week"] >= (first - 1) * WEEKS_PER_YEAR)
                  & (ts["week"] < last * WEEKS_PER_YEAR)]
        if self.jurisdiction:
            rows = rows[rows["jurisdiction"].astype(str) == self.jurisdiction]
        return float(rows[self.outcome].sum()) / (last - first + 1) / scale

    def _table(self, result: Any) -> dict[str, float]:
        if self.jurisdiction:
            return result.jurisdictions[self.jurisdiction]
        if self.form or self.group:
            attribute, key = ("by_form", self.form) if self.form else ("by_group", self.group)
            tables = getattr(result, attribute, None)
            if tables is None:
                raise TargetError(
                    f"target {self.name!r}: {self.where}: this version of the model reports no "
                    f"outcomes by {attribute.removeprefix('by_')} (RunResult.{attribute}); "
                    "allowed here: targets for the region or a jurisdiction")
            return tables[key]
        return result.outcomes


def record_statistic(name: str, result: Any, years: float, scale: float,
                     jurisdiction: str | None = None) -> float:
    """A statistic of a run's records (:data:`STATISTICS`), per year at scale 1: the mean over
    the policy years of the year's value; NaN when a year's lists give no estimate."""
    from simulation.inference import mse
    from simulation.inference.mse.tables import EstimationError

    values: list[float] = []
    for year in range(max(1, int(round(years)))):
        if name == "annual_count":
            values.append(mse.true_count(result.exploited, year, jurisdiction=jurisdiction))
            continue
        try:
            values.append(mse.estimate(result.contacts, year, jurisdiction=jurisdiction).total)
        except EstimationError:
            return math.nan
    return float(np.mean(values)) / scale


def _per_year(name: str, table: dict[str, float], years: float, scale: float) -> float:
    """An outcome in the units targets use: a flow per year at scale 1, a stock at scale 1, a
    ratio as it is."""
    value = float(table[name])
    kind = OUTCOMES[name].kind
    if kind == "flow":
        return value / years / scale
    return value / scale if kind == "stock" else value


def parts_of(numerator: str | tuple[str, ...]) -> tuple[str, ...]:
    """The outcomes summed in a ratio's numerator: one name, or a list of them."""
    return (numerator,) if isinstance(numerator, str) else tuple(numerator)


def _check_outcome(name: str) -> None:
    if name not in OUTCOMES:
        raise ValueError(f"unknown outcome {name!r}{did_you_mean(name, list(OUTCOMES))} "
                         "(`tipsim levers` lists the outcomes)")


@dataclass(frozen=True)
class TargetSet:
    """The targets of one file, fitted and held out."""

    targets: tuple[Target, ...]
    source: str
    title: str = ""

    @property
    def fitted(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if not t.held_out)

    @property
    def held_out(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.held_out)

    @property
    def checks(self) -> tuple[Target, ...]:
        """The held-out targets that are checks of the model (basis = "emergent")."""
        return tuple(t for t in self.held_out if t.basis == "emergent")

    @property
    def hash(self) -> str:
        """What the calibration depends on: every target's quantity, place, value and
        uncertainty (sources, notes and labels are documentation and do not count)."""
        spec = [t.model_dump(exclude=DOCUMENTATION_FIELDS) for t in self.targets]
        for item in spec:  # (hashes of files written before these fields stay the same)
            for field in ("statistic", "years"):
                if item.get(field) is None:
                    item.pop(field, None)
        return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]

    def check_places(self, jurisdictions: tuple[str, ...]) -> None:
        """Every jurisdiction a target names must be one of the scenario's."""
        for t in self.targets:
            if t.jurisdiction is not None and t.jurisdiction not in jurisdictions:
                raise TargetError(
                    f"{self.source}: targets.{t.name}.jurisdiction: unknown jurisdiction "
                    f"{t.jurisdiction!r}{did_you_mean(t.jurisdiction, jurisdictions)}; "
                    f"the scenario has: {', '.join(jurisdictions)}")

    def simulated(self, result: Any, years: float, scale: float) -> dict[str, float]:
        return {t.name: t.simulated(result, years, scale) for t in self.targets}


class _TargetFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = ""
    description: str = ""
    targets: dict[str, dict[str, Any]] = Field(min_length=1)


def load_targets(path: str | Path) -> TargetSet:
    """Read a target file; one :class:`TargetError` names the file and the field of the first
    mistake."""
    path = Path(path)
    _, top = read_validated_toml(path, "a target file", TargetError, _TargetFile,
                                 MAX_FILE_BYTES)
    targets = []
    for name, table in top.targets.items():
        if not isinstance(table, dict):
            raise TargetError(f"{path}: targets.{name}: expected a table [targets.{name}]")
        try:
            targets.append(Target.model_validate({**table, "name": name}))
        except ValidationError as exc:
            raise TargetError(f"{path}: {explain(exc, prefix=f'targets.{name}')}") from None
    if not any(not t.held_out for t in targets):
        raise TargetError(f"{path}: targets: every target is held_out; at least one must be "
                          "fitted")
    fitted = [t for t in targets if not t.held_out]
    check_emergent(path, [t for t in targets if t.held_out], fitted)
    return TargetSet(tuple(targets), source=str(path), title=top.title)


def check_emergent(path: str | Path, checks, fitted) -> None:
    """Refuse a check labelled emergent that depends on the ``fitted`` targets: one
    :class:`TargetError` naming the file, the check's ``basis`` and the fitted targets."""
    from simulation.inference.calibration.independence import dependence

    names = {t.name for t in fitted}
    for t in checks:
        if t.basis != "emergent":
            continue
        why = dependence(t, fitted)
        if why is None and names & set(t.derived_from):
            why = f"derived from fitted targets {', '.join(sorted(names & set(t.derived_from)))}"
        if why is not None:
            raise TargetError(f"{path}: targets.{t.name}.basis: 'emergent' but it is {why}; "
                              "allowed here: fitted (or by_construction), with basis_reason "
                              "saying so")
