"""Experiments over parameter uncertainty: which parameter set each replication uses.

An experiment's ``[uncertainty]`` table makes every conclusion carry what is not known about the
parameters as well as the model's randomness::

    [uncertainty]
    ensemble = "../calibration/baseline_ensemble"  # parameter sets fitted to published figures
    sample = ["lever_effects.*"]                  # drawn from their registry ranges
    draws = 40                                    # parameter draws
    # replications (top level) = runs per draw, each with its own seed (at least 2)

Draw *k* takes one member of the calibrated ensemble (systematic resampling by the members'
weights, so the ensemble's weighted distribution is reproduced with the least sampling noise,
in an order shuffled by the seed) and a value of each sampled parameter from its prior (a Latin
hypercube over the draws mapped through each prior's inverse CDF, so each prior is evenly
covered). A parameter's prior is, first found: its table in ``[uncertainty.priors]``
(:mod:`simulation.model.distributions`), its pooled experts' distribution in the ``elicitation``
file (:mod:`simulation.studies.elicitation`), or the evidence map's
(:mod:`simulation.model.evidence`; uniform over the registry range unless the map says otherwise)::

    [uncertainty.priors]
    awareness_recruitment = { distribution = "pert", low = -0.2, mode = 0.1, high = 0.8 }

Parameters the baseline data cannot identify, such as the sizes of the levers' effects
(``lever_effects.*``), are the ones to sample; the ensemble carries those the calibration
fitted. Every scenario's run *(k, r)* uses draw *k* and, with common random numbers, the same
seed, so comparisons are paired over both the parameters and the chance events. The draw is a
function of the experiment's seed and these settings only, and is recorded with every run in
the store (one ``parameters.NAME`` column per varied parameter and ``ensemble_member``).

The analysis of such a batch (:mod:`simulation.inference.conclusions`) separates the two sources of
uncertainty with the replications within each draw.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from simulation.model.errors import UserError
from simulation.studies.file_schemas import MAX_ENSEMBLE_BYTES
from simulation.model.parameters import resolve_parameter_names
from simulation.model.registry import PARAMETERS

MEMBER_COLUMN = "ensemble_member"
PREFIX = "parameters."
# The seed of the draws is the experiment's seed with this tag, so the draws never coincide with
# a run's seed stream (SeedSequence(seed, spawn_key=(point, replication))).
_DRAW_TAG = 0x756E63  # "unc"


class UncertaintyError(UserError, ValueError):
    """A mistake in an experiment's [uncertainty] table or in the ensemble it names."""


class Uncertainty(BaseModel):
    """The ``[uncertainty]`` table of an experiment file."""

    model_config = ConfigDict(extra="forbid")
    ensemble: str | None = None
    sample: list[str] = Field(default_factory=list)
    draws: int = Field(ge=2, le=100_000)
    priors: dict[str, Any] = Field(default_factory=dict)
    elicitation: str | None = None

    _base_dir: Path = PrivateAttr(default_factory=Path.cwd)
    _where: str = PrivateAttr(default="experiment")
    _elicited: Any = PrivateAttr(default=None)  # simulation.studies.elicitation.Elicitation

    def bind(self, base_dir: Path, where: str) -> Uncertainty:
        """Resolve the ensemble's folder against the experiment file's and check everything
        now, so a mistake is one error before any run."""
        self._base_dir = Path(base_dir)
        if self.ensemble is None and not self.sample:
            raise UncertaintyError(f"{where}: uncertainty: nothing to draw; allowed: an "
                                   "'ensemble' folder (a calibration's output), a 'sample' list "
                                   "of parameters or groups (e.g. [\"lever_effects.*\"]), or both")
        try:
            self.sampled_ranges  # noqa: B018 - validates the names
        except KeyError as exc:
            raise UncertaintyError(f"{where}: uncertainty.sample: {exc.args[0]}") from None
        self._where = where
        self.sampled_priors  # noqa: B018 - validates the priors and reads the elicitation
        if self.ensemble is not None:
            try:
                self.members  # noqa: B018 - reads and checks the ensemble
            except UncertaintyError as exc:
                raise UncertaintyError(f"{where}: {exc}") from None
            both = sorted(set(self.fitted) & set(self.sampled_ranges))
            if both:
                raise UncertaintyError(
                    f"{where}: uncertainty.sample: {', '.join(both)} "
                    f"{'is' if len(both) == 1 else 'are'} fitted in the ensemble "
                    f"{self.ensemble!r}; drawing {'it' if len(both) == 1 else 'them'} from the "
                    "registry range would discard the calibration; allowed: parameters the "
                    "ensemble does not fit")
        return self

    # -- what is drawn ------------------------------------------------------------------------

    @cached_property
    def sampled_ranges(self) -> dict[str, tuple[float, float]]:
        """Each parameter drawn from its registry range: name -> (low, high)."""
        names = resolve_parameter_names(self.sample) if self.sample else []
        unknown = [n for n in names if n not in PARAMETERS]
        if unknown:
            from simulation.model.scenario_schema import did_you_mean

            raise KeyError(f"unknown parameter {unknown[0]!r}"
                           f"{did_you_mean(unknown[0], list(PARAMETERS))}; allowed: a parameter "
                           "or GROUP.* (see `tipsim levers`)")
        return {n: (float(PARAMETERS[n].low), float(PARAMETERS[n].high)) for n in names}

    @cached_property
    def sampled_priors(self) -> dict[str, Any]:
        """Each sampled parameter's prior (a :class:`simulation.model.distributions.Distribution` or
        a pooled :class:`~simulation.model.distributions.Mixture`), in the order of the sample."""
        from simulation.model.distributions import DistributionError, parse
        from simulation.model.evidence import prior

        where = f"{self._where}: uncertainty"
        names = list(self.sampled_ranges)
        elicited: dict[str, Any] = {}
        if self.elicitation is not None:
            from simulation.studies.elicitation import load_elicitation

            path = Path(self.elicitation)
            path = path if path.is_absolute() else self._base_dir / path
            self._elicited = load_elicitation(path)
            elicited = self._elicited.pooled
        for name in list(self.priors) + list(elicited):
            if name not in names:
                source = ("priors" if name in self.priors else f"elicitation {self.elicitation!r}")
                raise UncertaintyError(f"{where}.{source}: {name!r} is not a sampled parameter; "
                                       "allowed: a parameter the sample list draws "
                                       f"({', '.join(names) or 'none'})")
        out = {}
        for name in names:
            p = PARAMETERS[name]
            if name in self.priors:
                try:
                    out[name] = parse(self.priors[name], f"{where}.priors.{name}", low=p.low,
                                      high=p.high, bounds=p.bounds)
                except DistributionError as exc:
                    raise UncertaintyError(str(exc)) from None
            elif name in elicited:
                out[name] = elicited[name]
            else:
                out[name] = prior(name)
        return out

    @property
    def ensemble_path(self) -> Path | None:
        if self.ensemble is None:
            return None
        path = Path(self.ensemble)
        return path if path.is_absolute() else self._base_dir / path

    @cached_property
    def _ensemble(self) -> tuple[pd.DataFrame, dict[str, Any], str]:
        import io

        from simulation.studies.file_schemas import ENSEMBLE_MANIFEST, ENSEMBLE_TABLE

        folder = cast(Path, self.ensemble_path)  # called only when there is an ensemble
        table, manifest = folder / ENSEMBLE_TABLE, folder / ENSEMBLE_MANIFEST
        where = f"uncertainty.ensemble {self.ensemble!r}"
        if not table.is_file() or not manifest.is_file():
            raise UncertaintyError(f"{where}: no calibrated ensemble there (looked for "
                                   f"{table} and {manifest}); allowed: the output folder of "
                                   "tipsim calibrate, e.g. scenarios/calibration/"
                                   "baseline_ensemble")
        from simulation.studies.file_schemas import MAX_STATE_BYTES, EnsembleManifest
        from simulation.model.files import read_json, read_limited

        try:
            # read once, at most MAX_ENSEMBLE_BYTES: hashed and parsed
            data = read_limited(table, MAX_ENSEMBLE_BYTES, "a calibrated ensemble (.parquet)")
            frame = pd.read_parquet(io.BytesIO(data))
            meta = read_json(manifest, MAX_STATE_BYTES, "a calibration's manifest",
                             EnsembleManifest)
        except UserError as exc:
            raise UncertaintyError(f"{where}: {exc}") from None
        except (OSError, ValueError) as exc:
            raise UncertaintyError(f"{where}: cannot read the ensemble {table} "
                                   f"({str(exc).splitlines()[0] if str(exc) else exc}); "
                                   "allowed: the ensemble.parquet tipsim calibrate writes"
                                   ) from None
        names = list(meta.get("priors", {}))
        unknown = [n for n in names if n not in PARAMETERS]
        missing = [n for n in names + ["weight"] if n not in frame]
        if not names or unknown or missing:
            raise UncertaintyError(
                f"{where}: not an ensemble this version can use "
                f"({'unknown parameters ' + ', '.join(unknown) if unknown else ''}"
                f"{'missing columns ' + ', '.join(missing) if missing else ''}"
                f"{'no fitted parameters in its manifest' if not names else ''})")
        try:
            weights = frame["weight"].to_numpy(float)
            values = frame[names].to_numpy(float)
        except (TypeError, ValueError):
            raise UncertaintyError(f"{where}: {table}: weight and {', '.join(names)} must be "
                                   "numbers; allowed: the ensemble tipsim calibrate writes"
                                   ) from None
        if not (np.isfinite(weights).all() and (weights >= 0).all() and weights.sum() > 0):
            raise UncertaintyError(f"{where}: the members' weights are not a distribution")
        for j, name in enumerate(names):  # every run drawn from a bad member would fail
            bad = np.flatnonzero(~np.isfinite(values[:, j]))
            if len(bad):
                raise UncertaintyError(
                    f"{where}: {table}: member {int(bad[0])} has {name} = {values[bad[0], j]}; "
                    f"allowed: a finite number ({len(bad)} member(s) are not)")
        digest = hashlib.sha256(data).hexdigest()[:16]
        return frame[names].astype(float).reset_index(drop=True), meta | {
            "weights": (weights / weights.sum()).tolist()}, digest

    @property
    def fitted(self) -> list[str]:
        """The parameters the ensemble fits (none without an ensemble)."""
        return [] if self.ensemble is None else list(self._ensemble[0].columns)

    @property
    def members(self) -> pd.DataFrame:
        return self._ensemble[0]

    @property
    def columns(self) -> list[str]:
        """The columns the store records for every run of the batch."""
        cols = [PREFIX + n for n in self.fitted + list(self.sampled_ranges)]
        return cols + ([MEMBER_COLUMN] if self.ensemble is not None else [])

    def draw_table(self, seed: int) -> pd.DataFrame:
        """One row per draw: ``ensemble_member`` (with an ensemble) and the value of every
        drawn parameter (``parameters.NAME``). A function of ``seed`` and these settings only."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, _DRAW_TAG]))
        out: dict[str, Any] = {}
        if self.ensemble is not None:
            weights = np.asarray(self._ensemble[1]["weights"])
            # systematic resampling: one uniform offset, draws evenly spaced in the cumulative
            # weights (Kitagawa 1996), then shuffled so draw order carries no weight order
            cumulative = np.cumsum(weights)
            cumulative[-1] = 1.0
            positions = (rng.random() + np.arange(self.draws)) / self.draws
            member = rng.permutation(np.searchsorted(cumulative, positions, side="right"))
            out[MEMBER_COLUMN] = member
            for name in self.fitted:
                out[PREFIX + name] = self.members[name].to_numpy()[member]
        if self.sampled_ranges:
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=len(self.sampled_ranges), rng=rng).random(self.draws)
            for i, (name, dist) in enumerate(self.sampled_priors.items()):
                value = dist.ppf(unit[:, i])
                if PARAMETERS[name].integer:
                    value = np.round(value)
                out[PREFIX + name] = value
        return pd.DataFrame(out)

    def describe(self, seed: int) -> dict[str, Any]:
        """What the store's manifest records about the draws."""
        info: dict[str, Any] = {
            "draws": self.draws,
            "sample": self.sample,
            "sampled": {n: {"low": lo, "high": hi} for n, (lo, hi) in self.sampled_ranges.items()},
            "priors": {n: d.spec() for n, d in self.sampled_priors.items()},
            "elicitation": self.elicitation,
            "elicited": (None if self.elicitation is None else self._elicited.describe()),
            "columns": self.columns,
            "derivation": ("numpy SeedSequence([seed, 0x756E63]): ensemble members by "
                           "systematic resampling of the weights, shuffled; sampled parameters "
                           "by a scipy Latin hypercube over the draws, mapped through each "
                           "prior's inverse CDF"),
        }
        if self.ensemble is not None:
            frame, meta, digest = self._ensemble
            info["ensemble"] = {
                "path": str(self.ensemble), "hash": digest, "members": len(frame),
                "effective_sample_size": meta.get("effective_sample_size"),
                "parameters": self.fitted,
                "calibration": meta.get("calibration"),
                "targets_file": meta.get("targets_file"),
                "model_code_hash": meta.get("model_code_hash"),
                "priors": meta.get("priors", {})}
        return info

    def fingerprint(self) -> dict[str, Any]:
        """What the runs depend on: the settings, the ranges and the ensemble's content."""
        out = {"draws": self.draws, "sampled": {n: list(r) for n, r in
                                                self.sampled_ranges.items()},
               "ensemble": None if self.ensemble is None else self._ensemble[2]}
        shaped = {n: d.spec() for n, d in self.sampled_priors.items()
                  if d.kind != "uniform" or (d.low, d.high) != self.sampled_ranges[n]}
        if shaped:  # uniform priors are the ranges above: old batches keep their hash
            out["priors"] = shaped
        return out


__all__ = ["MEMBER_COLUMN", "PREFIX", "Uncertainty", "UncertaintyError"]
