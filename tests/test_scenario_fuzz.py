"""Generated malformed scenarios: the loader answers with a ScenarioError, never a crash."""

from __future__ import annotations

import copy
import tempfile
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.model.registry import FORMS, LEVERS, PARAMETERS
from simulation.model.scenario import Scenario, ScenarioError, load_scenario, with_overrides

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = tomllib.loads((SCENARIOS / "baseline.toml").read_text(encoding="utf-8"))
FUZZ = settings(max_examples=120, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Keys a scenario really uses, so generated documents reach deep into the schema.
KEYS = (["run", "parameters", "levers", "jurisdictions", "cooperation", "pairs", "costs",
         "policy", "extends", "name", "description", "weeks", "burn_in_weeks", "scale", "seed",
         "role", "population", "vulnerability", "demand", "price_level", "corruption", "lever",
         "where", "value", "start_week", "end_week", "ramp_weeks", "origin_a", "destination_a",
         "origin_a:destination_a", "*", "origin", "destination"]
        + list(LEVERS) + list(PARAMETERS) + list(FORMS))

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20), st.sampled_from(KEYS),
    st.binary(max_size=8), st.just(float("nan")), st.just(1e308),
)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=12), st.integers(-3, 3))
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(keys, children, max_size=5),
                               st.tuples(children), st.sets(st.integers(), max_size=3)),
    max_leaves=25)


def loads_or_refuses(source) -> None:
    """The only acceptable outcomes: a Scenario, or a ScenarioError with clean lines."""
    try:
        scenario = load_scenario(source)
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            line = str(problem)
            assert line and "\n" not in line and "Traceback" not in line
            assert problem.message
    else:
        assert isinstance(scenario, Scenario)


def _paths(doc, prefix=()):
    """Every path to a value inside a document (tables and lists)."""
    yield prefix
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(
        doc, list) else ()
    for k, v in items:
        yield from _paths(v, prefix + (k,))


BASELINE_PATHS = [p for p in _paths(BASELINE) if p]


@FUZZ
@given(st.dictionaries(keys, values, max_size=8))
def test_random_documents_are_refused_cleanly(doc):
    loads_or_refuses(doc)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(BASELINE_PATHS), values, st.booleans()), min_size=1,
                max_size=4))
def test_baseline_with_random_values_is_loaded_or_refused_cleanly(changes):
    doc = copy.deepcopy(BASELINE)
    for path, value, delete in changes:
        node = doc
        try:
            for key in path[:-1]:
                node = node[key]
            if delete:
                del node[path[-1]]
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed or replaced this path
    loads_or_refuses(doc)


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(list(LEVERS) + ["nope", 3]),
                          st.one_of(st.sampled_from(["*", "origin_a", "destination_a:origin_a",
                                                     "transit:transit", ":", "x:y:z"]), values),
                          values, st.one_of(st.integers(-5, 6000), values),
                          st.one_of(st.none(), st.integers(-5, 6000), values)),
                max_size=5))
def test_random_policies_are_checked_cleanly(entries):
    doc = copy.deepcopy(BASELINE)
    doc["policy"] = [{"lever": lever, "where": where, "value": value, "start_week": start}
                     | ({} if end is None else {"end_week": end})
                     for lever, where, value, start, end in entries]
    loads_or_refuses(doc)


TOML_FRAGMENTS = [
    'extends = "baseline.toml"', "[run]", "weeks = 10", "[levers]", "training = 0.5",
    "[jurisdictions.origin_a]", "[jurisdictions.x]", 'role = "origin"', "population = 1e308",
    "[[policy]]", 'lever = "training"', "value = 2", "end_week = -1", "[cooperation.pairs.\"a:b\"]",
    "x = [", "]", "= 1", "[[jurisdictions]]", 'extends = "none.toml"', 'extends = "fuzz.toml"',
    "[costs]", "officers = inf", "seed = 99999999999999999999999", "criminalisation = [1, 2]",
]


def _load_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "baseline.toml").write_bytes((SCENARIOS / "baseline.toml").read_bytes())
        path = Path(tmp) / "fuzz.toml"
        path.write_bytes(data)
        loads_or_refuses(path)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(TOML_FRAGMENTS), st.text(max_size=30)), max_size=12))
def test_random_toml_text_is_refused_cleanly(lines):
    _load_file("\n".join(lines).encode("utf-8", errors="surrogatepass"))


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_are_refused_cleanly(data):
    _load_file(data)


BASELINE_SCENARIO = load_scenario(SCENARIOS / "baseline.toml")


@FUZZ
@given(st.dictionaries(st.one_of(st.sampled_from([".".join(map(str, p)) for p in BASELINE_PATHS]),
                                 st.text(max_size=30)), values, max_size=3),
       st.dictionaries(st.sampled_from(list(LEVERS) + list(PARAMETERS) + ["nope"]), values,
                       max_size=2))
def test_random_overrides_are_validated_cleanly(overrides, levers):
    try:
        scenario = with_overrides(BASELINE_SCENARIO, overrides, **levers)
    except ScenarioError as exc:
        assert exc.problems and all("\n" not in str(p) for p in exc.problems)
    else:
        assert isinstance(scenario, Scenario)


# -- issue 27: deep documents and names with control characters ----------------------------------


def test_a_dotted_key_thousands_of_levels_deep_is_refused_before_parsing(tmp_path):
    from simulation.studies.experiment import Experiment, ExperimentError

    # 60 KB: tomllib alone took half a minute, then validation hit Python's recursion limit
    text = ".".join(["a"] * 30_000) + " = 1\n"
    for name, loader, error in (("s.toml", load_scenario, ScenarioError),
                                ("e.toml", Experiment.load, ExperimentError)):
        path = tmp_path / name
        path.write_text(text)
        try:
            loader(path)
        except error as exc:
            assert "nested too deeply" in str(exc) and "30000 levels" in str(exc)
            assert "\n" not in str(exc)
        else:
            raise AssertionError("accepted")


@FUZZ
@given(st.integers(33, 3000), st.sampled_from(["[", "{x = ", "a."]))
def test_deep_nesting_of_any_kind_is_one_clean_error(levels, opener):
    closer = {"[": "]", "{x = ": "}", "a.": ""}[opener]
    text = ("v = " + opener * levels + "1" + closer * levels if opener != "a."
            else opener * levels + "b = 1")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deep.toml"
        path.write_text(text + "\n")
        loads_or_refuses(path)


@FUZZ
@given(st.text(min_size=1, max_size=6))
def test_scenario_names_are_plain_folder_and_file_names_or_refused(name):
    from simulation.studies.experiment import _NAME, Experiment, ExperimentError

    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "s.toml"
        scenario.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\n'
                            f"name = {json_string(name)}\n")
        exp = Path(folder) / "e.toml"
        exp.write_text('name = "e"\nscenarios = ["s.toml"]\n')
        try:
            loaded = Experiment.load(exp)
            names = [s.name for s in loaded.scenario_objects]
        except (ExperimentError, ScenarioError) as exc:
            assert "\n" not in str(exc) or isinstance(exc, ScenarioError)
        else:
            assert names == [name] and _NAME.fullmatch(name)
            assert not name.startswith(".") and "\n" not in name and name not in ("..", ".")


def json_string(text: str) -> str:
    import json

    return json.dumps(text)
