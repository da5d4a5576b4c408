"""The model's float math (simulation/model/fmath.py): its C, numpy and Python definitions give
the same bits, the numbers are accurate, and a whole run gives the same numbers whichever code
paths the CPU makes numpy and the C library take."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import subprocess
import sys
from decimal import Decimal, getcontext
from pathlib import Path

import numpy as np
import pytest

from simulation.model import fmath, native

ROOT = Path(__file__).resolve().parent.parent

# The oldest machine's environment is defined once, by the tool that checks every shipped scenario
_spec = importlib.util.spec_from_file_location("machine_independence",
                                               ROOT / "tools" / "machine_independence.py")
machine_independence = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(machine_independence)
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, math.inf, -math.inf, math.nan, 709.78, 709.79,
           -745.1, -745.2, 1e-320, 5e-324, 1e308, -1e-17, 1e-17, 0.9999999999999999]

UNARY = {
    "exp": (fmath._exp, fmath._np_exp, lambda d: d.exp()),
    "log": (fmath._log, fmath._np_log, lambda d: d.ln()),
    "expm1": (fmath._expm1, fmath._np_expm1, lambda d: d.exp() - 1),
    "log1p": (fmath._log1p, fmath._np_log1p, lambda d: (1 + d).ln()),
}


def _inputs(name: str, rng: np.random.Generator) -> np.ndarray:
    if name == "exp":
        parts = [rng.uniform(-708, 709, 2000), rng.uniform(-1, 1, 2000)]
    elif name == "log":
        parts = [np.exp(rng.uniform(-700, 700, 2000)), rng.uniform(0.5, 2, 2000)]
    elif name == "expm1":
        parts = [rng.uniform(-40, 40, 2000), rng.uniform(-0.6, 0.6, 2000)]
    else:
        parts = [rng.uniform(-0.999, 10, 2000), rng.uniform(-0.3, 0.3, 2000)]
    tiny = rng.uniform(-1e-9, 1e-9, 300)
    return np.concatenate(parts + [1.0 + tiny if name == "log" else tiny])


def _bits(values) -> list[int]:
    """Each number's 64 bits (NaNs all one pattern), so that -0.0 and 0.0 differ."""
    return [0x7FF8000000000000 if math.isnan(v) else
            int(np.float64(v).view(np.uint64)) for v in values]


@pytest.mark.parametrize("name", UNARY)
def test_c_numpy_and_python_definitions_give_the_same_bits(name):
    python_def, numpy_def, _ = UNARY[name]
    xs = np.concatenate([_inputs(name, np.random.default_rng(3)), SPECIAL])
    expected = _bits(python_def(float(x)) for x in xs)
    with np.errstate(all="ignore"):
        assert _bits(numpy_def(xs)) == expected
    assert _bits(getattr(fmath, name)(float(x)) for x in xs) == expected  # C where built
    assert _bits(getattr(fmath, f"{name}_all")(xs)) == expected
    # any shape, and lists
    grid = xs[: 40].reshape(4, 10)
    assert getattr(fmath, f"{name}_all")(grid).shape == (4, 10)
    assert _bits(getattr(fmath, f"{name}_all")(grid.T).ravel()) == _bits(
        python_def(float(x)) for x in grid.T.ravel())
    assert _bits(getattr(fmath, f"{name}_all")(xs[:5].tolist())) == expected[:5]


def test_pow_is_the_same_in_every_definition_and_for_a_number_or_an_array_of_exponents():
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.uniform(0, 10, 2000), [0.0, 1.0, math.inf, 2.0, math.nan, -1.0]])
    y = np.concatenate([rng.uniform(-3, 3, 2000), [-1.5, math.nan, -2.0, 0.0, 1.0, 2.0]])
    expected = _bits(fmath._pow(float(a), float(b)) for a, b in zip(x, y))
    with np.errstate(all="ignore"):
        assert _bits(fmath._np_pow(x, y)) == expected
    assert _bits(fmath.pow(float(a), float(b)) for a, b in zip(x, y)) == expected
    assert _bits(fmath.pow_all(x, y)) == expected
    assert _bits(fmath.pow_all(x, 0.7)) == _bits(fmath._pow(float(a), 0.7) for a in x)
    assert fmath.pow_all(x[:6].reshape(2, 3), np.array([1.0, 2.0, 0.5])).shape == (2, 3)
    assert fmath.pow(3.0, 1.0) == 3.0 and fmath.pow(0.0, 0.0) == 1.0
    assert fmath.pow(0.0, -1) == math.inf


@pytest.mark.parametrize("name", UNARY)
def test_the_numbers_are_within_two_units_in_the_last_place_of_the_exact_value(name):
    python_def, _, exact = UNARY[name]
    getcontext().prec = 50
    worst = 0.0
    for x in _inputs(name, np.random.default_rng(5))[::4].tolist():
        true = exact(Decimal(x))
        got = getattr(fmath, name)(x)
        worst = max(worst, float(abs(Decimal(got) - true)) / math.ulp(float(true)))
    # fdlibm's exp and log are within one unit; Kahan's and Goldberg's corrections add one
    assert worst <= (1.0 if name in ("exp", "log") else 2.0), worst


def test_pow_is_accurate_to_a_few_units_for_the_models_exponents():
    getcontext().prec = 50
    rng = np.random.default_rng(6)
    worst = 0.0
    for a, b in zip(rng.uniform(0.05, 5, 1500).tolist(), rng.uniform(-3, 3, 1500).tolist()):
        true = (Decimal(b) * Decimal(a).ln()).exp()
        worst = max(worst, float(abs(Decimal(fmath.pow(a, b)) - true)) / math.ulp(float(true)))
    assert worst < 8.0, worst  # exp(y log x): log's error times |y log x| (here up to 4.8)


def test_the_normal_quantile_is_pythons_up_to_the_last_bits_of_its_logarithm():
    from statistics import NormalDist

    normal = NormalDist()
    u = np.random.default_rng(7).uniform(0, 1, 20000).tolist() + [1e-300, 0.5, 0.075, 0.925]
    worst = max(abs(fmath.normal_quantile(p) - normal.inv_cdf(p)) for p in u)
    assert worst < 1e-14
    # the central region uses no logarithm: the same numbers bit for bit
    assert all(fmath.normal_quantile(p) == normal.inv_cdf(p) for p in u if abs(p - 0.5) <= 0.425)


def test_the_float_math_is_built_in_c_where_the_tests_run():
    assert native.fmath is not None, (
        "simulation/model/fmath.c is not built: run `make venv` (or `python setup.py "
        "build_ext --inplace`); without it tipsim gives the same numbers, more slowly")
    assert fmath.exp is native.fmath.exp


# -- the same run on every machine -----------------------------------------------------------

RUN = """
import hashlib, json, sys
import numpy as np
import simulation
from simulation.model.trafficking_model import BASELINE, TraffickingModel
from simulation.model import fmath
from simulation.model.streams import Streams, poissons
scenario = simulation.with_overrides(BASELINE, {"run.scale": 0.25})
result = simulation.run(scenario, seed=5, weeks=104)
series = result.timeseries.drop(columns=["jurisdiction"]).to_numpy(float)
x = np.random.default_rng(0).uniform(-20, 2, 200_000)
print(json.dumps({"outcomes": {k: float(v).hex() for k, v in result.outcomes.items()},
                  "series": hashlib.sha256(np.ascontiguousarray(series).tobytes()).hexdigest(),
                  "numpy_exp": hashlib.sha256(np.exp(x).tobytes()).hexdigest(),
                  "fmath_exp": hashlib.sha256(fmath.exp_all(x).tobytes()).hexdigest(),
                  "poisson": hashlib.sha256(poissons(
                      Streams(5).uniforms("x", (), np.arange(3000, dtype=np.uint64)),
                      np.linspace(650.0, 20_000.0, 3000)).tobytes()).hexdigest()}))
"""


def _run(env: dict[str, str]) -> dict:
    out = subprocess.run([sys.executable, "-c", RUN], capture_output=True, text=True, check=True,
                         cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                         timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_run_gives_the_same_numbers_whichever_code_paths_the_cpu_selects():
    """The oldest x86-64 machine, simulated: numpy told to use none of its SIMD targets, the
    C library none of its AVX2 and FMA variants (which differ in the last bit from what this
    machine runs by default, and did change a run's money figures before fmath)."""
    here = _run({})
    old = _run(machine_independence.oldest_machine())
    assert old["fmath_exp"] == here["fmath_exp"]
    assert old["poisson"] == here["poisson"]  # (means past POISSON_SEARCH_MAX among them)
    assert old["outcomes"] == here["outcomes"]
    assert old["series"] == here["series"]
    pure = _run({"TIPSIM_PURE_PYTHON": "1"})  # no C extension: the numpy and Python paths
    assert pure["outcomes"] == here["outcomes"] and pure["series"] == here["series"]
    assert pure["poisson"] == here["poisson"]
    if old["numpy_exp"] == here["numpy_exp"]:
        pytest.skip("this machine's numpy runs the same exp either way (no AVX-512), so this "
                    "test could not have told the two machines apart")
