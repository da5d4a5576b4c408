"""What the JSON files tipsim writes and reads back must hold: a results store's manifest, a
calibration's manifest (which an experiment's ``[uncertainty]`` reads as its ensemble's) and a
calibration's ``state.json``.

They are validated with pydantic, the schema machinery of scenario and experiment files, after
:func:`simulation.model.files.read_json` has checked the file's size and nesting, so a file edited
by hand (a list where a table was, a text where a number was, a document thousands of levels deep)
is one line naming the file, the field and what is allowed, never a ``TypeError`` or a
``RecursionError`` later. The models check the fields tipsim reads and pass over the others
(a newer tipsim may write more); the reader keeps the document as it was read.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from simulation.model.seeds import MAX_SEED

# a store's manifest: the experiment file, and one entry per session
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_STATE_BYTES = 16 * 2**20
# a calibration's ensemble: a few hundred members, a few KB each
MAX_ENSEMBLE_BYTES = 256 * 2**20
# the two files of a calibrated ensemble (tipsim calibrate writes them, an experiment's
# [uncertainty] table reads them)
ENSEMBLE_TABLE = "ensemble.parquet"
ENSEMBLE_MANIFEST = "manifest.json"


class _Lenient(BaseModel):
    """Fields of the right kind (no conversion: "5" is not 5); other fields passed over."""

    model_config = ConfigDict(extra="ignore", strict=True)


class _ScenarioEntry(_Lenient):
    name: str
    source: str | None = None
    hash: str | None = None


class _Seeds(_Lenient):
    master: int | None = Field(default=None, ge=0, le=MAX_SEED)
    common_random_numbers: bool = True


class StoreManifest(_Lenient):
    """``STORE/manifest.json``."""

    format: Literal["tipsim-results/1"]
    experiment_name: str | None = None
    experiment_hash: str | None = None
    experiment: dict[str, Any] | None = None
    model: str | None = None
    scenarios: list[_ScenarioEntry] = Field(default_factory=list)
    seeds: _Seeds | None = None
    design: dict[str, Any] | None = None
    uncertainty: dict[str, Any] | None = None
    replications: int | None = Field(default=None, ge=1)
    runs_total: int | None = Field(default=None, ge=0)
    record: str | list[str] | None = None
    model_code: str | None = None
    ledger: str | None = None
    sessions: list[dict[str, Any]] = Field(default_factory=list)


def store_manifest_problem(manifest: dict[str, Any]) -> str:
    """What makes a manifest that has the right fields disagree with itself ("" if nothing):
    its master seed or its experiment edited by hand, so that every part's seed would look
    wrong and every resume would redo every run."""
    from simulation.model.files import digest

    experiment, seeds = manifest.get("experiment"), manifest.get("seeds") or {}
    if experiment is None:
        return ""
    if manifest.get("experiment_hash") not in (None, digest(experiment)):
        return ("experiment: differs from the experiment_hash it was written with (edited by "
                "hand); allowed: the manifest as tipsim wrote it")
    for key, field in (("master", "seed"), ("common_random_numbers", "common_random_numbers")):
        if key in seeds and field in experiment and seeds[key] != experiment[field]:
            return (f"seeds.{key}: got {seeds[key]!r}, but the experiment it records has "
                    f"{field} {experiment[field]!r} (edited by hand); allowed: the manifest as "
                    "tipsim wrote it")
    return ""


class _Prior(_Lenient):
    low: float
    high: float


class EnsembleManifest(_Lenient):
    """A calibration's ``manifest.json``, as an ensemble's reader needs it."""

    priors: dict[str, _Prior] = Field(min_length=1)
    calibration: str | None = None
    targets_file: str | None = None
    model_code_hash: str | None = None
    effective_sample_size: float | None = None
    generations: list[dict[str, Any]] = Field(default_factory=list)
    sessions: list[dict[str, Any]] = Field(default_factory=list)


class _Session(_Lenient):
    seconds: float = Field(ge=0)


class CalibrationState(_Lenient):
    """A calibration's ``state.json``: what it is (so a rerun resumes only the same one), its
    sessions, and the files it wrote with their checksums."""

    calibration_hash: str
    model_code_hash: str
    sampler: str
    sessions: list[_Session] = Field(default_factory=list)
    finished: dict[str, Any] | None = None
    written: dict[str, str | None] = Field(default_factory=dict)


__all__ = ["CalibrationState", "EnsembleManifest", "StoreManifest", "store_manifest_problem"]
