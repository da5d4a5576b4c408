"""Scenarios: what the model is asked to simulate.

A scenario file (TOML) is read, inheritance (`extends`) is resolved, defaults from the
registry are filled in, and the result is a frozen :class:`Scenario` that the model reads.
The model only ever sees a resolved Scenario; it never touches files.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from simulation.errors import UserError
from simulation.registry import FORMS, JURISDICTION_LEVERS, LEVERS, PAIR_LEVERS, PARAMETERS


class ScenarioError(UserError, ValueError):
    """A user mistake in a scenario: the message names the file, the field and what is allowed."""


@dataclass(frozen=True)
class Jurisdiction:
    """A jurisdiction's fixed attributes and its lever values (before timed policies)."""

    name: str
    role: str
    population: float  # at-risk population at scale 1
    vulnerability: float  # 0-1
    demand: dict[str, float]  # form -> victims the market absorbs at scale 1
    price_level: float  # revenue per victim-week, CU
    corruption: float  # 0-1 share of cases at risk of being lost to corruption
    levers: dict[str, Any]


@dataclass(frozen=True)
class Policy:
    """A timed lever change. ``where`` is "*" (everywhere), a jurisdiction, or a pair "a:b".

    Weeks count from the start of the policy period (week 0 is the first week after burn-in).
    """

    lever: str
    where: str
    value: Any
    start_week: int = 0
    end_week: int | None = None
    ramp_weeks: int = 0


@dataclass(frozen=True)
class Scenario:
    """A fully resolved scenario."""

    name: str
    description: str
    weeks: int
    burn_in_weeks: int
    scale: float
    seed: int
    parameters: dict[str, float]
    jurisdictions: tuple[Jurisdiction, ...]
    cooperation: dict[str, dict[str, float]]  # "a:b" (sorted names) -> pair levers
    policies: tuple[Policy, ...] = ()
    costs: dict[str, float] = field(default_factory=dict)
    source: str | None = None
    document: dict = field(default_factory=dict, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("source")
        d.pop("document")
        return d

    @property
    def hash(self) -> str:
        """Stable content hash (independent of file layout, comments and inheritance)."""
        blob = json.dumps(self.to_dict(), sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    @property
    def jurisdiction_names(self) -> tuple[str, ...]:
        return tuple(j.name for j in self.jurisdictions)


def pair_key(a: str, b: str) -> str:
    """Canonical key of an unordered pair of jurisdictions."""
    return ":".join(sorted((a, b)))


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def read_document(path: Path, _seen: tuple[Path, ...] = ()) -> dict:
    """Read a scenario file and everything it extends, merged (child wins)."""
    path = path.resolve()
    if path in _seen:
        raise ScenarioError(f"{path}: extends: cycle {' -> '.join(str(p) for p in _seen + (path,))}")
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    parent = doc.pop("extends", None)
    if parent is None:
        return doc
    base = read_document(path.parent / parent, _seen + (path,))
    return _deep_merge(base, doc)


def resolve(doc: dict, source: str | None = None) -> Scenario:
    """Turn a merged scenario document into a Scenario, filling defaults from the registry."""
    run = doc.get("run", {})
    params = {n: p.default for n, p in PARAMETERS.items()} | dict(doc.get("parameters", {}))
    region_levers = {n: LEVERS[n].default for n in JURISDICTION_LEVERS} | {
        k: v for k, v in doc.get("levers", {}).items() if k in JURISDICTION_LEVERS
    }
    jurisdictions = []
    for name, table in doc.get("jurisdictions", {}).items():
        overrides = {k: v for k, v in table.items() if k in JURISDICTION_LEVERS}
        jurisdictions.append(Jurisdiction(
            name=name,
            role=table["role"],
            population=float(table["population"]),
            vulnerability=float(table["vulnerability"]),
            demand={f: float(table.get("demand", {}).get(f, 0.0)) for f in FORMS},
            price_level=float(table.get("price_level", 100.0)),
            corruption=float(table.get("corruption", 0.2)),
            levers=region_levers | overrides,
        ))
    coop_doc = doc.get("cooperation", {})
    pair_defaults = {n: LEVERS[n].default for n in PAIR_LEVERS} | {
        k: v for k, v in coop_doc.items() if k in PAIR_LEVERS
    }
    names = [j.name for j in jurisdictions]
    cooperation = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            cooperation[pair_key(a, b)] = dict(pair_defaults)
    for key, table in coop_doc.get("pairs", {}).items():
        a, b = key.split(":")
        cooperation[pair_key(a, b)] |= table
    policies = tuple(
        Policy(lever=p["lever"], where=p.get("where", "*"), value=p["value"],
               start_week=int(p.get("start_week", 0)), end_week=p.get("end_week"),
               ramp_weeks=int(p.get("ramp_weeks", 0)))
        for p in doc.get("policy", [])
    )
    costs = {n: LEVERS[n].unit_cost for n in LEVERS} | dict(doc.get("costs", {}))
    return Scenario(
        name=doc.get("name", Path(source).stem if source else "scenario"),
        description=doc.get("description", ""),
        weeks=int(run.get("weeks", 520)),
        burn_in_weeks=int(run.get("burn_in_weeks", 104)),
        scale=float(run.get("scale", 1.0)),
        seed=int(run.get("seed", 0)),
        parameters=params,
        jurisdictions=tuple(jurisdictions),
        cooperation=cooperation,
        policies=policies,
        costs=costs,
        source=source,
        document=doc,
    )


def load_scenario(scenario: Scenario | str | Path | dict) -> Scenario:
    """Load a scenario from a file path, a document dict, or pass a Scenario through."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        return resolve(scenario)
    path = Path(scenario)
    return resolve(read_document(path), source=str(path))


def with_overrides(scenario: Scenario | str | Path | dict, overrides: dict[str, Any] | None = None,
                   **levers: Any) -> Scenario:
    """A copy of ``scenario`` with values changed.

    ``overrides`` maps dotted paths of the scenario document to values
    (``{"jurisdictions.destination_a.training": 0.8, "run.weeks": 104}``). Each keyword names a
    lever or parameter and sets it region-wide: a jurisdiction lever in every jurisdiction
    (replacing per-jurisdiction values), a pair lever for every pair, a parameter everywhere.
    """
    base = load_scenario(scenario)
    doc = copy.deepcopy(base.document)
    for name, value in levers.items():
        if name in PARAMETERS:
            doc.setdefault("parameters", {})[name] = value
        elif name in JURISDICTION_LEVERS:
            doc.setdefault("levers", {})[name] = value
            for table in doc.get("jurisdictions", {}).values():
                table.pop(name, None)
        elif name in PAIR_LEVERS:
            coop = doc.setdefault("cooperation", {})
            coop[name] = value
            for table in coop.get("pairs", {}).values():
                table.pop(name, None)
        else:
            raise ScenarioError(f"{base.source or base.name}: unknown lever or parameter {name!r}")
    for path, value in (overrides or {}).items():
        keys = path.split(".")
        node = doc
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    return resolve(doc, source=base.source)
