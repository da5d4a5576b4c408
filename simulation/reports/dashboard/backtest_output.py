"""A backtest's output folder as the report reads it (``tipsim backtest FILE --out DIR``
writes it, :mod:`simulation.reports.backtest_report`): ``prediction.json`` and, once compared,
``report.json``, each checked against its schema (:class:`BacktestOutput`, :func:`read_output`),
and which backtests share a figure (:func:`groups`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from simulation.model.errors import UserError

PREDICTION = "prediction.json"
REPORT = "report.json"
MAX_JSON_BYTES = 50_000_000  # as simulation.reports.backtest_report.read_prediction
ALLOWED = ("allowed: a folder tipsim backtest FILE --out DIR wrote, holding prediction.json "
           "(and report.json once the prediction is compared)")


class _Band(BaseModel):
    series: str
    year: int
    median: float | None
    combined_low95: float | None
    combined_low50: float | None
    combined_high50: float | None
    combined_high95: float | None


class _Compared(BaseModel):
    key: str
    statistic: str


class _Prediction(BaseModel):
    backtest: str
    first_year: int
    cut_year: int
    last_year: int
    draws: int
    replications: int
    compare: list[_Compared]
    intervals: list[_Band]
    frozen: dict[str, str]
    prediction_digest: str


class _Point(BaseModel):
    series: str
    year: int
    observed: float | None
    after_cut: bool
    predicted: bool


class _Scores(BaseModel):
    series: str
    statistic: str
    points_scored: int
    statement: str


class _Report(BaseModel):
    backtest: str
    prediction_digest: str
    series: list[_Scores]
    points: list[_Point]


@dataclass(frozen=True)
class BacktestOutput:
    """One backtest's output folder: its prediction and, once compared, its report."""

    folder: Path
    prediction: dict
    report: dict | None

    @property
    def name(self) -> str:
        return self.prediction["backtest"]

    @property
    def scored(self) -> bool:
        return self.report is not None

    def series(self) -> list[str]:
        """The compared series' keys, in the backtest file's order."""
        return [c["key"] for c in self.prediction["compare"]]

    def bands(self, series: str) -> list[dict]:
        return sorted((b for b in self.prediction["intervals"] if b["series"] == series),
                      key=lambda b: b["year"])

    def points(self, series: str) -> list[dict]:
        return sorted((p for p in (self.report or {}).get("points", [])
                       if p["series"] == series), key=lambda p: p["year"])

    def misses(self) -> dict[str, tuple[int, int]]:
        """Per scored series with a point outside the 95% interval (randomness and
        parameters): (points outside, points scored), scored points being those after the cut."""
        out = {}
        for s in (self.report or {}).get("series", []):
            scored = [p for p in self.points(s["series"]) if p["after_cut"] and p["predicted"]]
            outside = sum(not p.get("inside95", True) for p in scored)
            if outside:
                out[s["series"]] = (outside, len(scored))
        return out


def read_output(folder: str | Path) -> BacktestOutput:
    """The backtest output in ``folder``, checked: one :class:`UserError` naming the folder (or
    its file) and what is allowed when it is not one."""
    from simulation.model.files import read_json
    from simulation.model.guide import did_you_mean, file_kind

    folder = Path(folder)
    where = f"--backtest {folder}"
    if not folder.exists():
        raise UserError(f"{where}: no such folder{did_you_mean(folder)}; {ALLOWED}")
    if not folder.is_dir():
        raise UserError(f"{where}: a file, not a folder; {ALLOWED}")
    if not (folder / PREDICTION).is_file():
        what = ("a results store (give it as RESULTS), not a backtest's output"
                if (folder / "manifest.json").is_file() else
                "not a backtest's output (it holds no prediction.json)")
        files = [f for f in sorted(folder.glob("*.toml"))[:50] if file_kind(f) == "backtest"]
        if files and what.startswith("not"):
            what += (f"; it holds {files[0].name}: tipsim backtest {files[0]} --out DIR "
                     "writes a folder to give here")
        raise UserError(f"{where}: {what}; {ALLOWED}")
    prediction = read_json(folder / PREDICTION, MAX_JSON_BYTES,
                           "a backtest's prediction.json",
                           model=_Prediction)
    report = None
    if (folder / REPORT).exists():
        report = read_json(folder / REPORT, MAX_JSON_BYTES,
                           "a backtest's report.json", model=_Report)
        if report["prediction_digest"] != prediction["prediction_digest"]:
            raise UserError(f"{folder / REPORT}: scores the prediction "
                            f"{report['prediction_digest']}, but {folder / PREDICTION} is "
                            f"{prediction['prediction_digest']}; allowed: the report tipsim "
                            "backtest --compare wrote from this folder's prediction (run it "
                            "again)")
    return BacktestOutput(folder, prediction, report)


def read_outputs(folders: Iterable[str | Path]) -> list[BacktestOutput]:
    """Every folder read and checked, in order; a folder given twice counts once."""
    seen, out = set(), []
    for folder in folders:
        key = Path(folder).resolve()
        if key not in seen:
            seen.add(key)
            out.append(read_output(folder))
    return out


def groups(outputs: Sequence[BacktestOutput]) -> list[list[BacktestOutput]]:
    """The outputs in the order given, those made from the same scenario, ensemble and
    settings (a policy and its counterfactual: only the lever files differ) in one group."""
    out: list[list[BacktestOutput]] = []
    where: dict[tuple, int] = {}
    for o in outputs:
        f = o.prediction["frozen"]
        key = (f.get("scenario_document"), f.get("ensemble"), f.get("settings"))
        if None in key or key not in where:
            where[key] = len(out)
            out.append([o])
        else:
            out[where[key]].append(o)
    return out


__all__ = ["ALLOWED", "MAX_JSON_BYTES", "PREDICTION", "REPORT", "BacktestOutput", "groups",
           "read_output", "read_outputs"]
