"""Reading a results store: :func:`load_results` gives a :class:`Results`, the store's runs as
tidy pandas tables, every part checked on the way (:mod:`simulation.studies.store_parts`); the
layout of a store is described in :mod:`simulation.studies.store`, which writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from simulation.model.errors import UserError
from simulation.studies.store_parts import (ID_COLUMNS, DamagedStoreError, Damage, Ledger,
                                            StoreError, check_parts, damaged_parts, describe,
                                            missing_parts, parts_in, read_ledger, recognise,
                                            store_manifest)

@dataclass
class Results:
    """A store's results as tidy pandas tables.

    ``runs``: one row per finished run (ids, seed, inputs, region outcomes);
    ``jurisdictions``: one row per run and jurisdiction; ``weekly``: one row per run, week and
    jurisdiction (empty unless the experiment recorded weekly; read on first use); ``failed``:
    runs whose last attempt failed, with the error; ``manifest``: provenance."""

    path: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame
    failed: pd.DataFrame
    _order: dict[str, int] = field(repr=False, default_factory=dict)

    @property
    def scenarios(self) -> list[str]:
        return list(self._order)

    @property
    def inputs(self) -> list[str]:
        """The columns that say what a run was given: a design's inputs, or under
        [uncertainty] the parameter draw (``parameters.NAME``) and ``ensemble_member``."""
        return (list(self.manifest.get("design", {}).get("inputs", []))
                + list((self.manifest.get("uncertainty") or {}).get("columns", [])))

    def scenarios_as_run(self) -> dict[str, Any]:
        """Each scenario as it was run (a :class:`~simulation.model.scenario.Scenario`), when its
        file is still there unchanged (the manifest's hash); None when it has moved or changed
        since."""
        from simulation.model.scenario import load_scenario

        out = {}
        for entry in self.manifest.get("scenarios", []):
            source, scenario = entry.get("source"), None
            if source and Path(source).is_file():
                try:
                    loaded = load_scenario(source)
                except UserError:
                    loaded = None
                if loaded is not None and loaded.hash == entry.get("hash"):
                    scenario = loaded
            out[entry.get("name")] = scenario
        return out

    def with_inputs(self, part: pd.DataFrame) -> pd.DataFrame:
        """A part's rows (jurisdictions, forms, groups) with what each run was given
        (:attr:`inputs`), which the store keeps on the run's region row only: a comparison of
        one jurisdiction or form then pairs and groups runs by their draw as the region's
        does."""
        given = [c for c in self.inputs if c in self.runs and c not in part]
        if not given or part.empty:
            return part
        return part.merge(self.runs[["run_id"] + given], on="run_id", how="left")

    @property
    def outcomes(self) -> list[str]:
        skip = set(ID_COLUMNS) | set(self.inputs)
        return [c for c in self.runs.columns if c not in skip]

    @cached_property
    def jurisdictions(self) -> pd.DataFrame:
        return self._read("jurisdictions", ["jurisdiction"])

    @cached_property
    def forms(self) -> pd.DataFrame:
        """One row per run and form of exploitation (``registry.FORM_OUTCOMES``); empty for
        stores written before results by form existed."""
        return self._read("forms", ["form"])

    @cached_property
    def groups(self) -> pd.DataFrame:
        """One row per run and victim group (sex, age group; ``registry.GROUP_OUTCOMES``)."""
        return self._read("groups", ["group"])

    @cached_property
    def weekly(self) -> pd.DataFrame:
        return self._read("weekly", ["week", "jurisdiction"])

    @cached_property
    def contacts(self) -> pd.DataFrame:
        """One row per run and contact of a victim with a list (``person``, ``list``, ``week``,
        ...; :mod:`simulation.inference.mse`); empty unless the experiment recorded ``contacts``."""
        return self._read("contacts", ["person", "week"])

    @cached_property
    def statistics(self) -> pd.DataFrame:
        """One row per run, policy year and jurisdiction: the statistics as countries publish
        them (:mod:`simulation.model.statistics`); empty for stores written before issue 23."""
        return self._read("statistics", ["year", "jurisdiction"])

    @cached_property
    def exploited(self) -> pd.DataFrame:
        """One row per run and exploitation spell (``person``, ``start``, ``end``, ...)."""
        return self._read("exploited", ["person", "start"])

    def _read(self, part: str, extra_keys: list[str]) -> pd.DataFrame:
        done = set(self.runs["run_id"])
        ledger = read_ledger(self.path, self.manifest)
        if any(d.run_id in done for d in missing_parts(self.path, ledger, part)):
            _refuse_damaged(self.path, _all_damaged(self.path))
        files = [p for p in parts_in(self.path / part, ledger) if p.stem in done]
        return _sorted(_read_parts(self.path, part, self.manifest, files, ledger), self._order,
                       extra_keys)


def load_results(path: str | Path) -> Results:
    """Read a results directory written by :func:`~simulation.studies.executors.run_experiment`.

    Raises :class:`DamagedStoreError` naming the damaged parts, if any."""
    path = Path(path)
    if not path.is_dir():
        raise StoreError(f"{path}: no such results directory")
    found = recognise(path)
    if found.manifest is None:
        raise StoreError(f"{path}: not a tipsim results store ({found.why})")
    manifest = found.manifest
    order = {s["name"]: i for i, s in enumerate(manifest.get("scenarios", []))}
    ledger = read_ledger(path, manifest)
    checked = {part: check_parts(path, part, manifest, ledger=ledger)
               for part in ("runs", "failed")}
    if any(damaged for _, damaged in checked.values()) or missing_parts(path, ledger, "runs"):
        _refuse_damaged(path, _all_damaged(path))  # name every one, weekly included
    runs = _sorted(_frame(checked["runs"][0]), order, [])
    failed = _frame(checked["failed"][0])
    if len(failed):
        failed = failed[~failed["run_id"].isin(set(runs["run_id"]))]
        failed = failed.sort_values("attempt").drop_duplicates("run_id", keep="last")
        failed = _sorted(failed, order, [])
    return Results(path=path, manifest=manifest, runs=runs, failed=failed, _order=order)


def _read_parts(path: Path, part: str, manifest: dict[str, Any],
                files: list[Path] | None = None, ledger: Ledger | None = None) -> pd.DataFrame:
    """One folder's parts as one table, or :class:`DamagedStoreError` naming the damaged."""
    tables, damaged = check_parts(path, part, manifest, files, ledger)
    if damaged:
        _refuse_damaged(path, _all_damaged(path))
    return _frame(tables)


def _refuse_damaged(path: Path, damaged: list[Damage]):
    raise DamagedStoreError(f"{path}: {describe(damaged)}; rerun the batch to redo those runs "
                            f"(tipsim check {path} lists every damaged part)", damaged)


def _frame(tables: list[pa.Table]) -> pd.DataFrame:
    if not tables:
        return pd.DataFrame(columns=list(ID_COLUMNS))
    tables = [t.replace_schema_metadata(None) for t in tables]
    return pa.concat_tables(tables, promote_options="permissive").to_pandas()


def _sorted(df: pd.DataFrame, order: dict[str, int], extra: list[str]) -> pd.DataFrame:
    if df.empty:
        return df
    key = df["scenario"].map(order).fillna(len(order)).astype(int)
    df = df.assign(_order=key).sort_values(["replication", "point", "_order", *extra],
                                           kind="stable")
    return df.drop(columns="_order").reset_index(drop=True)


def _all_damaged(path: Path) -> list[Damage]:
    """Every damaged part of the store, as ``tipsim check`` lists them."""
    manifest = store_manifest(path)
    return damaged_parts(path, manifest, read_ledger(path, manifest))


__all__ = ["Results", "load_results"]
