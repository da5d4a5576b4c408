"""The scenario file format: pydantic models built from the registry, and plain-words messages.

Every lever and parameter key, its range and its description come from
:mod:`simulation.model.registry`; this module only adds the shape of a scenario (run settings,
jurisdiction attributes, cooperation pairs, timed policies). The same models give the
validation (:func:`validate_document`), the JSON Schema for editors (:func:`json_schema`) and
the "allowed" half of every error message, so the three cannot drift apart.
"""

from __future__ import annotations

import difflib
import json
import re
import types
from decimal import Decimal
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, cast, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic import create_model, field_validator
from pydantic_core import PydanticCustomError

from simulation.model.registry import (CHOICES, FORMS, JURISDICTION_LEVERS, LEVERS, PAIR_LEVERS,
                                       PARAMETERS, ROLES)

MAX_WEEKS = 5200  # 100 years: far beyond any sensible run, small enough to catch typos
# ODD 2: several jurisdictions, typically 3 to about 20
MIN_JURISDICTIONS, MAX_JURISDICTIONS = 3, 50
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
PAIR_SEPARATOR = ":"


@dataclass(frozen=True)
class Setting:
    """One key of a scenario table: its type, its default and what is allowed, in words."""

    annotation: Any
    allowed: str
    default: Any = ...  # ... means required
    description: str = ""
    title: str | None = None


def fmt_number(x: float) -> str:
    """A number as one would type it in TOML: ``20_000``, ``0.25``, ``0.00008``."""
    if isinstance(x, int) or float(x).is_integer():
        return f"{int(x):_}" if abs(x) >= 10_000 else str(int(x))
    return format(Decimal(repr(float(x))), "f")


def _number(low: float, high: float, *, integer: bool = False, above: bool = False,
            default: Any = ..., description: str = "", title: str | None = None) -> Setting:
    """A number in [low, high] (or (low, high] with ``above``); ints only with ``integer``."""
    word = "a whole number" if integer else "a number"
    lo, hi = fmt_number(low), fmt_number(high)
    allowed = f"{word} above {lo} and at most {hi}" if above else f"{word} from {lo} to {hi}"
    bound = {"gt": low} if above else {"ge": low}
    return Setting(Annotated[int if integer else float, Field(**bound, le=high)], allowed, default,
                   description, title)


def _distinct(forms: list[str]) -> list[str]:
    if len(set(forms)) != len(forms):
        raise PydanticCustomError("distinct", "each form may appear once")
    return forms


FORMS_ALLOWED = "a list of distinct forms from " + ", ".join(f'"{f}"' for f in FORMS)


def lever_setting(name: str, *, required: bool = False) -> Setting:
    """The setting for a lever value (optional: an unset lever keeps its inherited value)."""
    lever = LEVERS[name]
    default = ... if required else None
    description = f"{lever.description} Unit: {lever.unit}. Default: {lever.default}."
    if lever.kind == "forms":
        annotation = Annotated[list[Literal[FORMS]], AfterValidator(_distinct)]
        return Setting(annotation, FORMS_ALLOWED, default, description, lever.label)
    if lever.kind == "choice":
        options = CHOICES[name]
        return Setting(Literal[options], "one of " + ", ".join(f'"{o}"' for o in options),
                       default, description, lever.label)
    return _number(cast(float, lever.low), cast(float, lever.high),  # a number's range
                   integer=lever.kind == "int", default=default,
                   description=description, title=lever.label)


# (model name, key) -> allowed, in words; filled as the models are built
_ALLOWED: dict[tuple[str, str], str] = {}
_CONFIG = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


def _table(model_name: str, doc: str, settings: dict[str, Setting],
           validators: dict | None = None) -> type[BaseModel]:
    fields = {}
    for key, s in settings.items():
        _ALLOWED[(model_name, key)] = s.allowed
        extra = {"description": s.description or None, "title": s.title}
        if callable(s.default):
            fields[key] = (s.annotation, Field(default_factory=s.default, **extra))
        else:
            fields[key] = (s.annotation, Field(s.default, **extra))
    return create_model(model_name, __config__=_CONFIG, __doc__=doc,
                        __validators__=validators or {}, **fields)


# --- cross-references: names of jurisdictions come in through the validation context ----------

def _names(info: ValidationInfo) -> list[str] | None:
    return (info.context or {}).get("jurisdictions")


def did_you_mean(word: Any, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _check_pair(key: str, info: ValidationInfo) -> str:
    names = _names(info)
    allowed = "two different jurisdictions joined by ':', e.g. \"origin_a:destination_a\""
    parts = key.split(PAIR_SEPARATOR)
    if len(parts) != 2 or parts[0] == parts[1]:
        raise PydanticCustomError("pair", "not a pair", {"allowed": allowed})
    for part in parts:
        if names is not None and part not in names:
            raise PydanticCustomError(
                "pair", "unknown jurisdiction",
                {"allowed": f"{allowed}; '{part}' is not a jurisdiction: one of {', '.join(names)}",
                 "hint": did_you_mean(part, names)})
    return key


def _distinct_pairs(pairs: dict[str, Any]) -> dict[str, Any]:
    seen: dict[frozenset, str] = {}
    for key in pairs:
        pair = frozenset(key.split(PAIR_SEPARATOR))
        if pair in seen:
            raise PydanticCustomError(
                "pair_twice", "pair given twice",
                {"allowed": f"each pair once ('{seen[pair]}' and '{key}' are the same pair)"})
        seen[pair] = key
    return pairs


def _where_check(scope: str):
    """Validator of a policy's ``where`` for a lever of ``scope`` ("jurisdiction" or "pair")."""
    def check(where: str, info: ValidationInfo) -> str:
        names = _names(info)  # None when the region itself is broken: check the form only
        if where == "*":
            return where
        parts = where.split(PAIR_SEPARATOR)
        if scope == "pair":
            allowed = '"*" (every pair) or a pair "a:b" of two different jurisdictions'
            expected = len(parts) == 2 and parts[0] != parts[1]
        else:
            allowed = '"*" (every jurisdiction) or one jurisdiction'
            expected = len(parts) == 1
            if names is not None:
                allowed += ": " + ", ".join(names)
        unknown = [p for p in parts if names is not None and p not in names]
        if not expected or unknown:
            hint = did_you_mean(unknown[0], names or []) if expected and unknown else ""
            raise PydanticCustomError("where", "not a place for this lever", {
                "allowed": f"{allowed}; this is a {scope} lever", "hint": hint})
        return where
    return check


def _end_after_start(cls, end_week, info: ValidationInfo):
    start = info.data.get("start_week")
    if end_week is not None and start is not None and end_week <= start:
        raise PydanticCustomError(
            "end_before_start", "policy ends before it starts",
            {"allowed": f"a week after start_week ({start}), or leave it out to keep the policy"})
    return end_week


def _ramp_within(cls, ramp, info: ValidationInfo):
    start, end = info.data.get("start_week"), info.data.get("end_week")
    if end is not None and start is not None and ramp > end - start:
        raise PydanticCustomError(
            "ramp_too_long", "ramp longer than the policy",
            {"allowed": f"at most end_week - start_week ({end - start})"})
    return ramp


def _check_region(jurisdictions: dict[str, Any]) -> dict[str, Any]:
    roles = {j.role for j in jurisdictions.values()}
    missing = [r for r in ("origin", "destination") if r not in roles]
    if missing:
        raise PydanticCustomError(
            "roles", "missing roles",
            {"allowed": "a region with at least one origin and one destination (no "
                        + " and no ".join(missing) + " here)"})
    lower: dict[str, str] = {}
    for name in jurisdictions:
        if name.lower() in lower:
            raise PydanticCustomError(
                "case", "names differ only in case",
                {"allowed": f"names that differ by more than case ('{lower[name.lower()]}' and "
                            f"'{name}')"})
        lower[name.lower()] = name
    return jurisdictions


# --- the models ---------------------------------------------------------------------------------

Run = _table("Run", "How long, how big and with which seed to simulate.", {
    "weeks": _number(1, MAX_WEEKS, integer=True, default=520,
                     description="Weeks in the policy period (after burn-in)."),
    "burn_in_weeks": _number(0, MAX_WEEKS // 2, integer=True, default=104,
                             description="Weeks simulated before the policy period starts."),
    "scale": _number(0, 64, above=True, default=1.0,
                     description="Multiplies every population and capacity."),
    "seed": _number(0, 2**63 - 1, integer=True, default=0, description="Random seed."),
})

Parameters = _table("Parameters", "Uncertain behavioural parameters (registry defaults).", {
    p.name: _number(*p.bounds, default=p.default, title=p.label,
                    description=f"{p.description} Unit: {p.unit}. Plausible range (sampled "
                                f"in sensitivity analysis): {p.low:g} to {p.high:g}.")
    for p in PARAMETERS.values()
})

RegionLevers = _table("RegionLevers", "Jurisdiction levers set for every jurisdiction.",
                      {n: lever_setting(n) for n in JURISDICTION_LEVERS})

Demand = _table("Demand", "Victims each market absorbs at scale 1, by form of exploitation.", {
    f: _number(0, 1e7, default=0.0) for f in FORMS
})

JURISDICTION_ATTRIBUTES: dict[str, Setting] = {
    "role": Setting(Literal[ROLES], "one of " + ", ".join(f'"{r}"' for r in ROLES),
                    description="Where the jurisdiction sits on trafficking routes."),
    "population": _number(0, 1e10, above=True, description="At-risk population at scale 1."),
    "vulnerability": _number(0, 1, description="Vulnerability of the at-risk population."),
    "demand": Setting(Demand, "a table with " + ", ".join(FORMS) + " (each a number >= 0)",
                      default=Demand, description="Demand for exploited victims by form."),
    "price_level": _number(0, 1e6, above=True, default=100.0,
                           description="Revenue per victim-week, in CU."),
    "corruption": _number(0, 1, default=0.2,
                          description="Share of cases at risk of being lost to corruption."),
    "online_reach": _number(0, 10, default=1.0,
                            description="How much of recruitment here happens online, relative "
                                        "to each form's share (online_share_<form>): above 1 "
                                        "where more people are reached online."),
}

Jurisdiction = _table(
    "Jurisdiction", "A jurisdiction: its attributes and any lever it sets for itself.",
    JURISDICTION_ATTRIBUTES | {n: lever_setting(n) for n in JURISDICTION_LEVERS})

PairLevers = _table("PairLevers", "Cooperation levers for one pair of jurisdictions.",
                    {n: lever_setting(n) for n in PAIR_LEVERS})

PairKey = Annotated[str, AfterValidator(_check_pair)]
Cooperation = _table("Cooperation", "Pair levers for every pair, then per-pair overrides.", {
    n: lever_setting(n) for n in PAIR_LEVERS
} | {"pairs": Setting(Annotated[dict[PairKey, PairLevers], AfterValidator(_distinct_pairs)],
                      'tables [cooperation.pairs."a:b"] of pair levers', default=dict,
                      description="Per-pair overrides; the pair may be named in either order.")})

Costs = _table("Costs", "Unit cost of each lever, in CU (registry defaults).", {
    n: _number(0, 1e12, default=None, description=f"{LEVERS[n].cost_basis}; default "
               f"{fmt_number(LEVERS[n].unit_cost)}.") for n in LEVERS
})


def _policy_model(name: str) -> type[BaseModel]:
    lever = LEVERS[name]
    return _table(f"Policy_{name}", f"A timed change of {name}.", {
        "lever": Setting(Literal[name], "a lever name", description="The lever to change."),
        "where": Setting(Annotated[str, AfterValidator(_where_check(lever.scope))],
                         '"*" or a ' + ("pair \"a:b\"" if lever.scope == "pair"
                                        else "jurisdiction name"), default="*",
                         description="Where: '*' (everywhere), a jurisdiction, or a pair 'a:b'."),
        "value": lever_setting(name, required=True),
        "start_week": _number(0, MAX_WEEKS, integer=True, default=0,
                              description="First week (0 = first week of the policy period)."),
        "end_week": _number(1, MAX_WEEKS, integer=True, default=None,
                            description="Week the lever returns to its earlier value."),
        "ramp_weeks": _number(0, MAX_WEEKS, integer=True, default=0,
                              description="Weeks over which the value moves linearly."),
    }, validators={"end_after_start": field_validator("end_week")(_end_after_start),
                   "ramp_within": field_validator("ramp_weeks")(_ramp_within)})


POLICY_MODELS = {name: _policy_model(name) for name in LEVERS}
PolicyEntry = Annotated[Union[tuple(POLICY_MODELS.values())], Field(discriminator="lever")]
JurisdictionName = Annotated[str, Field(pattern=NAME_PATTERN)]

Document = _table("Scenario", "A tipsim scenario file.", {
    "name": Setting(Annotated[str, Field(min_length=1, max_length=100)],
                    "a text of 1 to 100 characters", default=None,
                    description="Short name (defaults to the file name)."),
    "description": Setting(Annotated[str, Field(max_length=2000)],
                           "a text of at most 2000 characters", default="",
                           description="One sentence: the idea of this scenario."),
    "extends": Setting(Annotated[str, Field(pattern=r"\.toml$")],
                       "a path to a .toml file, relative to this file", default=None,
                       description="A scenario this one inherits and overrides."),
    "run": Setting(Run, "a [run] table", default=Run),
    "parameters": Setting(Parameters, "a [parameters] table", default=Parameters),
    "levers": Setting(RegionLevers, "a [levers] table", default=RegionLevers),
    "jurisdictions": Setting(
        Annotated[dict[JurisdictionName, Jurisdiction],
                  Field(min_length=MIN_JURISDICTIONS, max_length=MAX_JURISDICTIONS),
                  AfterValidator(_check_region)],
        f"{MIN_JURISDICTIONS} to {MAX_JURISDICTIONS} tables [jurisdictions.NAME], with at "
        "least one origin and one destination",
        description="The region: one table per jurisdiction."),
    "cooperation": Setting(Cooperation, "a [cooperation] table", default=Cooperation),
    "costs": Setting(Costs, "a [costs] table", default=Costs),
    "policy": Setting(Annotated[list[PolicyEntry], Field(max_length=1000)],
                      "at most 1000 [[policy]] tables", default=list,
                      description="Timed lever changes."),
    "add_policy": Setting(Annotated[list[PolicyEntry], Field(max_length=1000)],
                          "at most 1000 [[add_policy]] tables", default=list,
                          description="Timed lever changes added after the inherited ones "
                                      "(where [[policy]] would replace them)."),
})

_KEY_ALLOWED = {
    "jurisdictions": "a name of letters, digits, '_' or '-' starting with a letter "
                     "(at most 64 characters)",
}


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a scenario file, for editors."""
    def drop_null_defaults(node: Any) -> Any:  # an unset lever inherits; null is not TOML
        if isinstance(node, dict):
            return {k: drop_null_defaults(v) for k, v in node.items()
                    if not (k == "default" and v is None)}
        return [drop_null_defaults(v) for v in node] if isinstance(node, list) else node

    schema = drop_null_defaults(Document.model_json_schema())
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://tipsim.invalid/scenario.schema.json", **schema}


def validate_document(doc: dict[str, Any]) -> BaseModel:
    """Validate a merged scenario document; raises pydantic's ValidationError."""
    names = doc.get("jurisdictions")
    names = [n for n in names if isinstance(n, str)] if isinstance(names, dict) else None
    return Document.model_validate(doc, context={"jurisdictions": names})


# --- messages -----------------------------------------------------------------------------------

def show_value(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it (TOML-ish), shortened."""
    if isinstance(value, dict):
        keys = dotted([k for k in value], sep=", ")
        text = f"a table with keys {keys}" if value else "an empty table"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list | tuple | set):
        text = "[" + ", ".join(show_value(v, limit) for v in list(value)[:limit]) + "]"
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=repr)
        except (ValueError, TypeError, RecursionError):
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def dotted(loc: tuple | list, sep: str = ".") -> str:
    """A location as a TOML dotted key: ``jurisdictions.destination_a.training``,
    ``cooperation.pairs."a:b".extradition``, ``policy[2].value``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        part = str(part)
        if not re.fullmatch(r"[A-Za-z0-9_-]+", part):
            part = json.dumps(part, ensure_ascii=False)
        out += (sep if out else "") + part
    return out


def _strip(tp: Any) -> Any:
    """Remove Annotated and Optional wrappers."""
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif get_origin(tp) in (Union, types.UnionType) and type(None) in get_args(tp):
            tp = next(a for a in get_args(tp) if a is not type(None))
        else:
            return tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _at(loc: tuple, is_key: bool = False) -> tuple[str | None, list[str]]:
    """What is allowed at ``loc`` (in words), and the keys allowed in its table. With
    ``is_key``, the last part of ``loc`` is a key of a table of named entries."""
    node: Any = Document
    allowed, keys, field = None, list(Document.model_fields), None
    for i, part in enumerate(loc):
        node = _strip(node)
        if is_key and i == len(loc) - 1:
            return (_KEY_ALLOWED.get(field, "a valid key") if field is not None
                    else "a valid key"), keys
        if _is_model(node):
            keys = list(node.model_fields)
            if part not in node.model_fields:
                return None, keys
            allowed = _ALLOWED.get((node.__name__, part))
            field, node = part, node.model_fields[part].annotation
        elif get_origin(node) is dict:
            node, allowed = get_args(node)[1], None
        elif get_origin(node) is list:
            node, allowed = get_args(node)[0], None
        elif get_origin(node) is Union and part in POLICY_MODELS:
            node = POLICY_MODELS[part]
        elif get_origin(node) is Literal:
            break
        else:
            return allowed, keys
    node = _strip(node)
    if get_origin(node) is Union:  # a [[policy]] or [[add_policy]] entry
        node = next(iter(POLICY_MODELS.values()))
    if allowed is None and _is_model(node):
        allowed = "a table with keys " + ", ".join(node.model_fields)
    elif get_origin(node) is Literal:
        allowed = "one of " + ", ".join(f'"{v}"' for v in get_args(node))
    return allowed, keys


def problems_from(error: ValidationError) -> list[tuple[tuple, str]]:
    """(location, message) for every problem pydantic found, in plain words."""
    out = []
    for e in error.errors(include_url=False):
        full, kind, ctx, value = tuple(e["loc"]), e["type"], e.get("ctx") or {}, e.get("input")
        # pydantic marks a problem with a table's key (not its value) by a last "[key]"
        is_key = full[-1:] == ("[key]",) and kind not in ("extra_forbidden", "missing")
        loc = full = full[:-1] if is_key else full
        if len(loc) >= 3 and loc[0] in ("policy", "add_policy") and loc[2] in POLICY_MODELS:
            loc = loc[:2] + loc[3:]  # drop pydantic's union tag
        if kind in ("union_tag_invalid", "union_tag_not_found"):
            loc = loc + ("lever",)
            levers = list(LEVERS)
            if kind == "union_tag_not_found":
                msg = "missing; required: a lever name (see `tipsim levers`)"
            else:
                tag = value.get("lever") if isinstance(value, dict) else value
                msg = (f"got {show_value(tag)}; allowed: a lever name, one of "
                       f"{', '.join(levers)}{did_you_mean(tag, levers)}")
            out.append((loc, msg))
            continue
        allowed, keys = _at(full, is_key)
        if kind == "extra_forbidden":
            msg = (f"unknown key{did_you_mean(loc[-1], keys)}; allowed: " + ", ".join(keys))
        elif kind == "missing":
            msg = f"missing; required: {allowed or 'a value'}"
        else:
            allowed = ctx.get("allowed") or allowed or e["msg"]
            hint = ctx.get("hint", "")
            if not hint and kind == "literal_error" and isinstance(value, str):
                hint = did_you_mean(value, [str(v) for v in re.findall(r"'([^']*)'",
                                                                        ctx.get("expected", ""))])
            if kind in ("too_short", "too_long") and isinstance(value, dict):
                shown = f"{len(value)} ({', '.join(map(str, value))})"
            else:
                shown = show_value(value)
            msg = f"got {shown}; allowed: {allowed}{hint}"
        out.append((loc, msg))
    return out
