"""Scenarios: what the model is asked to simulate.

A scenario file (TOML) is read, inheritance (``extends``) is resolved, the merged document is
validated against the schema built from the registry (:mod:`simulation.model.scenario_schema`),
defaults are filled in, and the result is a frozen :class:`Scenario` that the model reads.
The model only ever sees a resolved Scenario; it never touches files.

A scenario file is data only: nothing in it runs code, and the only other files read are the
ones it ``extends``. Every user mistake becomes a :class:`ScenarioError` that lists each
problem on one line (``FILE: dotted.field: got VALUE; allowed: ...``)::

    >>> scenario = load_scenario("scenarios/training.toml")
    >>> scenario.policies[0]  # doctest: +NORMALIZE_WHITESPACE
    Policy(lever='training', where='destination_a', value=0.8, start_week=0, end_week=None,
           ramp_weeks=52)
    >>> load_scenario({"run": {"weeks": 0}})  # doctest: +NORMALIZE_WHITESPACE
    Traceback (most recent call last):
    simulation.model.scenario.ScenarioError: <scenario>: run.weeks: got 0; allowed: a whole number
    from 1 to 5200
    <scenario>: jurisdictions: missing; required: 3 to 50 tables [jurisdictions.NAME], with at
    least one origin and one destination
"""

from __future__ import annotations

import copy
import errno
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

import tomli_w
from pydantic import ValidationError

from simulation.model.errors import UserError
from simulation.model.files import (MAX_DEPTH, InputFileError, TomlTextError, parse_toml,
                                    read_limited)
from simulation.model.registry import FORMS, JURISDICTION_LEVERS, LEVERS, PAIR_LEVERS, PARAMETERS
from simulation.model.scenario_schema import did_you_mean, dotted, problems_from, show_value
from simulation.model.scenario_schema import validate_document

MAX_FILE_BYTES = 1_000_000  # a scenario is a few kB; anything this big is not one
MAX_EXTENDS_DEPTH = 16
DICT_SOURCE = "<scenario>"  # how a scenario given as a Python dict is named in messages


@dataclass(frozen=True)
class Problem:
    """One mistake in a scenario: where it is and what is allowed instead."""

    source: str  # the file (or "<scenario>" for a dict)
    field: str = ""  # dotted field, "" for the file as a whole
    message: str = ""
    line: int | None = None  # for TOML syntax errors
    column: int | None = None

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}:{self.column}"
        line = ": ".join(part for part in (where, self.field, self.message) if part)
        return "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)  # one line


class ScenarioError(UserError, ValueError):
    """A user mistake in a scenario: each problem names the file, the field and what is allowed.

    ``problems`` lists them; ``str()`` gives one line per problem.
    """

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem(source="", message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


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
    online_reach: float = 1.0  # online recruitment here, relative to each form's share


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


# --- reading files --------------------------------------------------------------------------

def _syntax_problem(shown: str, text: str, error: Exception | None) -> Problem:
    message = str(error)
    line = column = None
    if m := re.search(r"\s*\(at line (\d+), column (\d+)\)$", message):
        line, column, message = int(m[1]), int(m[2]), message[: m.start()]
    elif m := re.search(r"\s*\(at end of document\)$", message):
        line, message = text.count("\n") + 1, message[: m.start()] + " at the end of the file"
        column = len(text) - text.rfind("\n")
    if m := re.fullmatch(r"Cannot declare \((.*)\) twice", message):
        table = ".".join(re.findall(r"'([^']*)'", m[1]))
        message = (f"[{table}] is declared twice; allowed: each table once (so each "
                   "jurisdiction name once)")
    elif message == "Cannot overwrite a value":
        message = "a key is set twice; allowed: each key once in its table"
    else:
        message = f"TOML syntax error: {message}"
    return Problem(shown, message=message, line=line, column=column)


def _read_toml(path: Path, shown: str) -> dict:
    """One file's own document (no inheritance)."""
    def fail(message: str) -> ScenarioError:
        return ScenarioError(Problem(shown, message=message))

    try:
        # at most MAX_FILE_BYTES are read, whatever size the file claims (/dev/zero claims 0),
        # and only from a regular file (a FIFO would wait forever)
        data = read_limited(path, MAX_FILE_BYTES, "a scenario file (.toml)")
    except InputFileError as exc:
        raise fail(exc.reason) from None
    except FileNotFoundError:
        raise fail("no such file") from None
    except (OSError, ValueError) as exc:
        raise fail(f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        doc = parse_toml(data)
    except TomlTextError as problem:
        if problem.kind == "syntax":
            raise ScenarioError(_syntax_problem(shown, problem.text, problem.cause)) from None
        raise fail({
            "binary": "is a binary file; allowed: a TOML text file",
            "encoding": f"is not UTF-8 text ({problem.detail}); allowed: a TOML text file in "
                        "UTF-8",
            "deep": f"is nested too deeply to be a scenario ({problem.detail}); allowed: at "
                    f"most {MAX_DEPTH} levels",
            "recursion": "is nested too deeply to be a scenario",
            "nesting": f"is nested too deeply to be a scenario; allowed: at most {MAX_DEPTH} "
                       "levels",
        }[problem.kind]) from None
    if not doc:
        raise fail('is empty; allowed: a scenario with extends = "baseline.toml" or '
                   "[jurisdictions.NAME] tables")
    return doc


def _origins(doc: dict, source: str, prefix: tuple = ()) -> dict[tuple, str]:
    """Which file set each table and key (so a problem is reported where it was written)."""
    out = {}
    for key, value in doc.items():
        out[prefix + (key,)] = source
        if isinstance(value, dict):
            out |= _origins(value, source, prefix + (key,))
    return out


def _deep_merge(base: dict, over: dict) -> dict:
    """Tables merge key by key (``over`` wins); any other value, lists included, is replaced."""
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def _inherit(doc: dict, folder: Path, shown: str, chain: tuple[tuple[Path, str], ...]
             ) -> tuple[dict, dict[tuple, str]]:
    """``doc`` merged over everything it extends, and where each key came from."""
    doc = dict(doc)
    parent = doc.pop("extends", None)
    origins = _origins(doc, shown)
    if parent is None:
        return doc, origins
    allowed = "a path to an existing .toml file, relative to this file"
    if not isinstance(parent, str) or not parent.endswith(".toml") or "\x00" in parent:
        raise ScenarioError(Problem(shown, "extends", f"got {show_value(parent)}; allowed: "
                                                      f"{allowed}"))
    target = folder / parent
    shown_target = os.path.normpath(os.path.join(os.path.dirname(shown), parent))
    try:
        if _symlink_loop(target):
            raise ScenarioError(Problem(shown, "extends", f"got {show_value(parent)}: a loop "
                                        f"of symbolic links; allowed: {allowed}"))
        resolved, exists = target.resolve(), target.is_file()
        siblings = [] if exists or not target.parent.is_dir() else [
            p.name for p in target.parent.glob("*.toml")]
    except OSError as exc:
        raise ScenarioError(Problem(shown, "extends", f"got {show_value(parent)}: cannot be read "
                                    f"({exc.strerror}); allowed: {allowed}")) from None
    seen = [p for p, _ in chain]
    if resolved in seen:
        names = [name for _, name in chain[seen.index(resolved):]] + [shown_target]
        raise ScenarioError(Problem(shown, "extends", "cycle " + " -> ".join(names)
                                    + "; allowed: a chain that ends in a file without extends"))
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(Problem(shown, "extends", f"chain longer than {MAX_EXTENDS_DEPTH} "
                                                      "files; allowed: a shorter chain"))
    if not exists and target.exists():  # a folder, a device, a FIFO: there, but not a file
        raise ScenarioError(Problem(shown, "extends", f"got {show_value(parent)}: "
                                    f"{shown_target} is not a regular file; allowed: {allowed}"))
    if not exists:
        raise ScenarioError(Problem(shown, "extends", f"got {show_value(parent)}: no such file "
                                    f"{shown_target}; allowed: {allowed}"
                                    + did_you_mean(target.name, siblings)))
    base_doc, base_origins = _inherit(_read_toml(target, shown_target), target.parent,
                                      shown_target, chain + ((resolved, shown_target),))
    _fold_added_policies(base_doc, base_origins)
    return _deep_merge(base_doc, doc), base_origins | origins


def _symlink_loop(path: Path) -> bool:
    """Whether ``path`` leads into a loop of symbolic links. Only a strict resolve notices in
    every supported Python: it raises ``RuntimeError`` up to 3.12 and ``OSError`` (``ELOOP``)
    from 3.13, where a non-strict ``Path.resolve`` returns the path as it is instead. A path
    that does not exist is no loop (the caller says it is missing)."""
    try:
        path.resolve(strict=True)
    except RuntimeError:
        return True
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _fold_added_policies(doc: dict, origins: dict[tuple, str]) -> None:
    """An inherited file's ``[[add_policy]]`` entries join its ``[[policy]]`` list, so that the
    file extending it adds to (or, with its own ``[[policy]]``, replaces) all of them. Each
    entry keeps the file it was written in, for error messages."""
    added = doc.get("add_policy")
    if not isinstance(added, list):
        return  # absent, or wrong: validation reports it where it was written
    policies = doc.get("policy", [])
    if not isinstance(policies, list):
        return
    # _origins records every key of a file, so where add_policy was written is known
    written_in = cast(str, origins.get(("add_policy",)))
    for i, entry in enumerate(added):
        origins[("policy", len(policies) + i)] = origins.get(("add_policy", i), written_in)
    doc["policy"] = policies + added
    del doc["add_policy"]
    origins.pop(("add_policy",), None)


def read_document(path: str | Path) -> dict:
    """Read a scenario file and everything it extends, merged (the extending file wins)."""
    return _load_file(Path(path))[0]


def _load_file(path: Path) -> tuple[dict, dict[tuple, str]]:
    shown = str(path)
    doc = _read_toml(path, shown)
    try:
        resolved = path.resolve()
    except (RuntimeError, OSError):  # a link loop, up to Python 3.12 (read above refuses it)
        raise ScenarioError(Problem(shown, message="a loop of symbolic links; allowed: a "
                                    "scenario file (.toml)")) from None
    return _inherit(doc, path.parent, shown, ((resolved, shown),))


# --- validation and defaults --------------------------------------------------------------------

def _lever_value(name: str, value: Any) -> Any:
    kind = LEVERS[name].kind
    if kind == "forms":
        return [f for f in FORMS if f in value]  # the law covers a set; one order for all
    if kind == "choice":
        return str(value)
    return int(value) if kind == "int" else float(value)


def _set_levers(table: Any, names: tuple[str, ...]) -> dict[str, Any]:
    given = table.model_dump(exclude_unset=True)
    return {n: _lever_value(n, given[n]) for n in names if n in given}


def _plain(value: Any) -> Any:
    """Values from Python as TOML would give them: numpy numbers and arrays, and tuples, become
    plain numbers and lists (so a design's ``np.int64(300)`` officers is a whole number)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return _plain(value.tolist())
    return value


def resolve(doc: dict, source: str | None = None,
            origins: dict[tuple, str] | None = None) -> Scenario:
    """Validate a merged scenario document and turn it into a Scenario with registry defaults."""
    shown = source or DICT_SOURCE
    doc = _plain(doc)
    try:
        # a model built from the registry at import (scenario_schema): its fields are not
        # visible to the type checker
        m: Any = validate_document(doc)
    except ValidationError as exc:
        raise ScenarioError(_problems(exc, shown, origins or {})) from None
    region = {n: LEVERS[n].default for n in JURISDICTION_LEVERS} | _set_levers(
        m.levers, JURISDICTION_LEVERS)
    jurisdictions = tuple(
        Jurisdiction(name=name, role=j.role, population=float(j.population),
                     vulnerability=float(j.vulnerability),
                     demand={f: float(getattr(j.demand, f)) for f in FORMS},
                     price_level=float(j.price_level), corruption=float(j.corruption),
                     levers=region | _set_levers(j, JURISDICTION_LEVERS),
                     online_reach=float(j.online_reach))
        for name, j in m.jurisdictions.items())
    names = [j.name for j in jurisdictions]
    pair_defaults = {n: LEVERS[n].default for n in PAIR_LEVERS} | _set_levers(
        m.cooperation, PAIR_LEVERS)
    cooperation = {pair_key(a, b): dict(pair_defaults)
                   for i, a in enumerate(names) for b in names[i + 1:]}
    for key, table in m.cooperation.pairs.items():
        cooperation[pair_key(*key.split(":"))] |= _set_levers(table, PAIR_LEVERS)
    policies = tuple(
        Policy(lever=p.lever,
               where=pair_key(*p.where.split(":")) if ":" in p.where else p.where,
               value=_lever_value(p.lever, p.value), start_week=p.start_week,
               end_week=p.end_week, ramp_weeks=p.ramp_weeks)
        for p in [*m.policy, *m.add_policy])
    costs = {n: float(v.unit_cost) for n, v in LEVERS.items()} | {
        n: float(v) for n, v in m.costs.model_dump(exclude_unset=True).items()}
    return Scenario(
        name=m.name or (Path(source).stem if source else "scenario"),
        description=m.description,
        weeks=m.run.weeks,
        burn_in_weeks=m.run.burn_in_weeks,
        scale=float(m.run.scale),
        seed=m.run.seed,
        parameters={n: float(getattr(m.parameters, n)) for n in PARAMETERS},
        jurisdictions=jurisdictions,
        cooperation=cooperation,
        policies=policies,
        costs=costs,
        source=source,
        document=doc,
    )


def _problems(exc: ValidationError, shown: str, origins: dict[tuple, str]) -> list[Problem]:
    out = []
    for loc, message in problems_from(exc):
        written_in = next((origins[loc[:i]] for i in range(len(loc), 0, -1)
                           if loc[:i] in origins), shown)
        if written_in != shown:
            message += f" (inherited by {shown})"
        out.append(Problem(written_in, dotted(loc), message))
    return out


def load_scenario(scenario: Scenario | str | Path | dict) -> Scenario:
    """Load a scenario from a file path, a document dict, or pass a Scenario through.

    A dict may use ``extends`` too (relative to the working directory).
    """
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, dict):
        try:
            doc, origins = _inherit(_plain(scenario), Path.cwd(), DICT_SOURCE, ())
        except RecursionError:
            raise ScenarioError(Problem(DICT_SOURCE, message="is nested too deeply (or contains "
                                        "itself); allowed: a scenario document")) from None
        return resolve(doc, origins=origins)
    if not isinstance(scenario, (str, Path)):
        raise ScenarioError(Problem(DICT_SOURCE, message=f"got {type(scenario).__name__}; "
                                    "allowed: a path to a .toml file, a dict or a Scenario"))
    path = Path(scenario)
    doc, origins = _load_file(path)
    return resolve(doc, source=str(path), origins=origins)


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem in a scenario file (an empty list when it is valid)."""
    try:
        load_scenario(Path(path))
    except ScenarioError as exc:
        return list(exc.problems)
    return []


# --- changing and writing scenarios ---------------------------------------------------------------

def with_overrides(scenario: Scenario | str | Path | dict, overrides: dict[str, Any] | None = None,
                   **levers: Any) -> Scenario:
    """A copy of ``scenario`` with values changed, validated like a file.

    ``overrides`` maps dotted paths of the scenario document to values
    (``{"jurisdictions.destination_a.training": 0.8, "run.weeks": 104}``). Each keyword names a
    lever or parameter and sets it region-wide: a jurisdiction lever in every jurisdiction
    (replacing per-jurisdiction values), a pair lever for every pair, a parameter everywhere.
    """
    base = load_scenario(scenario)
    shown = base.source or DICT_SOURCE
    if overrides is not None and not isinstance(overrides, dict):
        raise ScenarioError(Problem(shown, "overrides", f"got a {type(overrides).__name__}; "
                                    "allowed: a dict of dotted paths to values, e.g. "
                                    '{"jurisdictions.destination_a.training": 0.8}'))
    doc = copy.deepcopy(base.document) if base.document else to_document(base)
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
            known = list(LEVERS) + list(PARAMETERS)
            raise ScenarioError(Problem(shown, name, f"unknown lever or parameter"
                                        f"{did_you_mean(name, known)}; allowed: "
                                        + ", ".join(known)))
    for path, value in (overrides or {}).items():
        _set_path(doc, path, value, shown)
    return resolve(doc, source=base.source)


def with_policy(scenario: Scenario | str | Path | dict, lever: str, value: Any, where: str = "*",
                *, start_week: int = 0, end_week: int | None = None, ramp_weeks: int = 0,
                name: str | None = None) -> Scenario:
    """A copy of ``scenario`` with one more timed policy after the ones it has (inherited ones
    included), validated like a file; ``name`` renames the result.

    >>> combined = with_policy("scenarios/training.toml", "shelter_places", 400,
    ...                        where="destination_a", ramp_weeks=26)  # doctest: +SKIP
    """
    base = load_scenario(scenario)
    doc = copy.deepcopy(base.document) if base.document else to_document(base)
    entry = {"lever": lever, "where": where, "value": value, "start_week": start_week,
             "ramp_weeks": ramp_weeks}
    if end_week is not None:
        entry["end_week"] = end_week
    doc["add_policy"] = [*doc.get("add_policy", []), entry]
    if name is not None:
        doc["name"] = name
    return resolve(doc, source=base.source)


def _set_path(doc: dict, path: str, value: Any, shown: str) -> None:
    node: Any = doc
    keys: list[Any] = path.split(".") if isinstance(path, str) else []
    for i, key in enumerate(keys):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            key = int(key)
        elif not (isinstance(node, dict) and key):
            break
        if i == len(keys) - 1:
            node[key] = value
            return
        node = node.setdefault(key, {}) if isinstance(node, dict) else node[key]
    raise ScenarioError(Problem(shown, str(path), "cannot be set; allowed: a dotted path to a "
                                "key in a table, e.g. jurisdictions.destination_a.training"))


def to_document(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as a document: every default written out, no inheritance."""
    def policy(p: Policy) -> dict[str, Any]:
        d = {"lever": p.lever, "where": p.where, "value": p.value, "start_week": p.start_week}
        if p.end_week is not None:
            d["end_week"] = p.end_week
        return d | {"ramp_weeks": p.ramp_weeks}

    return {
        "name": scenario.name,
        "description": scenario.description,
        "run": {"weeks": scenario.weeks, "burn_in_weeks": scenario.burn_in_weeks,
                "scale": scenario.scale, "seed": scenario.seed},
        "parameters": dict(scenario.parameters),
        "jurisdictions": {
            j.name: {"role": j.role, "population": j.population,
                     "vulnerability": j.vulnerability, "demand": dict(j.demand),
                     "price_level": j.price_level, "corruption": j.corruption,
                     "online_reach": j.online_reach} | dict(j.levers)
            for j in scenario.jurisdictions},
        "cooperation": {"pairs": {k: dict(v) for k, v in scenario.cooperation.items()}},
        "costs": dict(scenario.costs),
        "policy": [policy(p) for p in scenario.policies],
    }


def dump_toml(scenario: Scenario) -> str:
    """The fully resolved scenario as TOML; loading it again gives the same ``hash``."""
    header = (f"# Scenario '{scenario.name}' fully resolved (inheritance and defaults applied)"
              f"\n# from {scenario.source or DICT_SOURCE}; hash {scenario.hash}\n\n")
    return header + tomli_w.dumps(to_document(scenario))
