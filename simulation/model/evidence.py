"""The evidence map: what each parameter rests on (``simulation/model/evidence.toml``).

For every lever-effect parameter, and every other parameter where there is something to say:
the kind of evidence (:data:`KINDS`), its sources, what it says about direction and size, how
the registry range was derived, and the prior distribution that parameter draws and calibration
use (:mod:`simulation.model.distributions`; uniform over the registry range when none is given).

``tipsim levers --evidence`` lists it; ``docs/evidence.md`` explains it; the dashboard's "depends
on" sentences name the kind of evidence behind each parameter (:func:`kind_phrase`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from simulation.model.distributions import Distribution, parse, uniform
from simulation.model.parameters import PARAMETERS

FILE = Path(__file__).with_name("evidence.toml")

KINDS = {
    "randomised": "a randomised evaluation",
    "quasi_experimental": "a quasi-experimental evaluation",
    "observational": "observational studies",
    "official_statistics": "official statistics",
    "calibrated": "calibrated to published figures",
    "expert_judgement": "expert judgement, no evaluation",
    "none": "none on its size, an assumption",
}
"""Kinds of evidence, strongest first, with the words the reports use."""


@dataclass(frozen=True)
class Evidence:
    name: str
    kind: str
    sources: tuple[str, ...]
    says: str
    derivation: str
    prior: Distribution

    def citations(self) -> list[str]:
        return [load()[1][s]["cite"] for s in self.sources]


class EvidenceError(ValueError):
    """The shipped evidence file is inconsistent (a bug in the package, not user input)."""


@cache
def load() -> tuple[dict[str, Evidence], dict[str, dict[str, str]]]:
    """``(entries by parameter, sources by key)``, checked."""
    doc = tomllib.loads(FILE.read_text(encoding="utf-8"))
    sources = doc.get("sources", {})
    entries: dict[str, Evidence] = {}
    for name, e in doc.get("parameters", {}).items():
        where = f"{FILE.name}: parameters.{name}"
        if name not in PARAMETERS:
            raise EvidenceError(f"{where}: no such parameter")
        if e.get("kind") not in KINDS:
            raise EvidenceError(f"{where}.kind: {e.get('kind')!r}; allowed: {', '.join(KINDS)}")
        unknown = [s for s in e.get("sources", []) if s not in sources]
        if unknown:
            raise EvidenceError(f"{where}.sources: unknown source {unknown[0]!r}")
        p = PARAMETERS[name]
        prior = (parse(e["prior"], f"{where}.prior", low=p.low, high=p.high, bounds=p.bounds)
                 if "prior" in e else uniform(p.low, p.high))
        entries[name] = Evidence(name, e["kind"], tuple(e.get("sources", [])), e["says"],
                                 e["derivation"], prior)
    return entries, sources


def evidence(name: str) -> Evidence | None:
    return load()[0].get(name)


def prior(name: str) -> Distribution:
    """The prior a parameter draw uses: the evidence map's, else uniform over the range."""
    e = evidence(name)
    p = PARAMETERS[name]
    return e.prior if e is not None else uniform(p.low, p.high)


def kind_phrase(name: str, fitted: bool = False) -> str:
    """The kind of evidence behind a parameter, in words for a report."""
    if fitted:
        return KINDS["calibrated"]
    e = evidence(name)
    if e is None:
        p = PARAMETERS[name]
        return ("an assumption, no direct evidence" if p.source.lower().startswith("assumption")
                else f"source: {p.source.rstrip('.')}")
    return KINDS[e.kind]


def table() -> list[dict]:
    """One row per parameter with an entry: what ``tipsim levers --evidence`` prints."""
    entries, _ = load()
    rows = []
    for name, e in entries.items():
        p = PARAMETERS[name]
        rows.append({"parameter": name, "group": p.group, "label": p.label, "kind": e.kind,
                     "default": p.default, "low": p.low, "high": p.high,
                     "prior": e.prior.spec(), "says": e.says, "derivation": e.derivation,
                     "sources": [load()[1][s]["cite"] for s in e.sources]})
    return rows


def render(fmt: str = "text") -> str:
    """The evidence map as text, markdown or JSON."""
    import json

    rows = table()
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if fmt == "markdown":
        out = ["| Parameter | Kind | Default | Range | Prior | What the evidence says |",
               "|---|---|---|---|---|---|"]
        for r in rows:
            prior_ = r["prior"]["distribution"]
            says = r["says"].replace("|", "/")
            out.append(f"| `{r['parameter']}` | {r['kind'].replace('_', ' ')} | {r['default']:g} "
                       f"| {r['low']:g} to {r['high']:g} | {prior_} | {says} |")
        return "\n".join(out)
    out = []
    for r in rows:
        out.append(f"{r['parameter']}  [{r['kind']}]  default {r['default']:g}, range "
                   f"{r['low']:g} to {r['high']:g}, prior {r['prior']['distribution']}")
        out.append(f"    says: {r['says']}")
        out.append(f"    range: {r['derivation']}")
        for cite in r["sources"]:
            out.append(f"    - {cite}")
    return "\n".join(out)


__all__ = ["KINDS", "Evidence", "evidence", "kind_phrase", "load", "prior", "render", "table"]
