"""The model's exp, log, expm1, log1p and pow: the same numbers on every machine (ODD 4,
"Reproducibility").

A run's numbers must follow from its scenario and seed alone, on a laptop or on any node of a
Dask cluster. numpy's vectorised ``exp``, ``log`` and ``power`` do not give that: on a CPU with
AVX-512 they run their own SIMD code, whose last bit differs from the C library's for about one
number in twenty (exp, power) or in 300 (log) (``tools/machine_independence.py`` counts them),
and the C library (what ``math.exp`` calls) picks a code path of its own by the CPU's features
too (with or without fused multiply-adds: about one number in 1,500 for exp and power). Money
figures then differed in their last digits between machines, and a chance compared with a
uniform number could, rarely, be decided the other way.

These functions use only IEEE 754 additions, subtractions, multiplications and divisions, each
correctly rounded on every machine, and exact steps (``frexp``, ``ldexp``, rounding to a whole
number): fdlibm's algorithms for ``exp`` and ``log`` (Sun Microsystems 1993, the algorithms of
Java's ``StrictMath``), ``expm1`` and ``log1p`` from them with Kahan's and Goldberg's
corrections (Goldberg 1991, "What every computer scientist should know about floating-point
arithmetic", theorem 4), and ``pow(x, y)`` as ``exp(y log x)`` for ``x >= 0`` (the model raises
no negative number to a power). Their error is a few units in the last place at most
(``tests/test_fmath.py`` measures it against 50-digit decimal arithmetic); what matters here is
that it is the same error everywhere.

Each function is written twice with the very same operations in the very same order: in C
(``simulation/model/fmath.c``, built with the package where a compiler is found, and compiled
without fused multiply-adds) and here, where one kernel of the arithmetic (``_exp_kernel``,
``_log_kernel``) serves plain Python floats and numpy arrays (each ufunc rounds each element
once). The C module is used when it is built; the Python and numpy paths give the same bits,
more slowly (``tests/test_fmath.py`` checks all three paths against each other).

Scalars: :func:`exp`, :func:`log`, :func:`expm1`, :func:`log1p`, :func:`pow`. Arrays (any
shape, returned as new float64 arrays): :func:`exp_all`, :func:`log_all`, :func:`expm1_all`,
:func:`log1p_all`, :func:`pow_all`. Special values follow C's: ``log(0) = -inf``,
``log(x < 0) = nan``, ``exp(-inf) = 0``; no warning and no exception.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from simulation.model import native

__all__ = ["exp", "log", "expm1", "log1p", "pow", "exp_all", "log_all", "expm1_all",
           "log1p_all", "pow_all", "normal_quantile"]

LN2_HI = 6.93147180369123816490e-01  # 3fe62e42 fee00000: 32 significant bits
LN2_LO = 1.90821492927058770002e-10  # 3dea39ef 35793c76
INV_LN2 = 1.44269504088896338700e+00
P1, P2, P3 = 1.66666666666666019037e-01, -2.77777777770155933842e-03, 6.61375632143793436117e-05
P4, P5 = -1.65339022054652515390e-06, 4.13813679705723846039e-08
EXP_OVER, EXP_UNDER = 7.09782712893383973096e+02, -7.45133219101941108420e+02
LG1, LG2, LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
LG4, LG5, LG6 = 2.222219843214978396e-01, 1.818357216161805012e-01, 1.531383769920937332e-01
LG7 = 1.479819860511658591e-01
SQRT_HALF = 7.07106781186547572737e-01


# -- the arithmetic, on floats or element by element on arrays ----------------------------------

def _exp_kernel(x, k):
    """``exp(x) / 2**k`` for ``k`` = ``x / ln 2`` rounded to a whole number: fdlibm's reduction
    to ``r`` in [-ln 2 / 2, ln 2 / 2] and its rational approximation of ``exp(r)``. The same
    operations on a float and, element by element, on numpy arrays."""
    hi = x - k * LN2_HI
    lo = k * LN2_LO
    r = hi - lo
    t = r * r
    c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))))
    return 1.0 - ((lo - (r * c) / (2.0 - c)) - hi)


def _log_kernel(f, k):
    """``log((1 + f) 2**k)`` for ``1 + f`` in [sqrt(2) / 2, sqrt(2)): fdlibm's polynomial in
    ``s = f / (2 + f)``. The same operations on a float and, element by element, on arrays."""
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    t1 = w * (LG2 + w * (LG4 + w * LG6))
    t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)))
    r = t2 + t1
    hfsq = 0.5 * f * f
    return k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f)


# -- plain Python floats ------------------------------------------------------------------------

def _exp(x: float) -> float:
    if x != x:
        return x
    if x > EXP_OVER:
        return math.inf
    if x < EXP_UNDER:
        return 0.0
    k = round(x * INV_LN2)  # halves to even, as C's nearbyint and numpy's rint
    return math.ldexp(_exp_kernel(x, k), k)


def _log(x: float) -> float:
    if x != x:
        return x
    if x < 0.0:
        return math.nan
    if x == 0.0:
        return -math.inf
    if x == math.inf:
        return x
    m, e = math.frexp(x)
    if m < SQRT_HALF:
        m = m * 2.0
        e = e - 1
    return _log_kernel(m - 1.0, float(e))


def _expm1(x: float) -> float:
    if x != x:
        return x
    if x > 0.5 or x < -0.5:
        return _exp(x) - 1.0
    u = _exp(x)
    if u == 1.0:
        return x
    return (u - 1.0) * x / _log(u)


def _log1p(x: float) -> float:
    if x != x:
        return x
    if x < -1.0:
        return math.nan
    if x == -1.0:
        return -math.inf
    u = 1.0 + x
    if u == 1.0:
        return x
    if u == math.inf:
        return u
    return _log(u) * x / (u - 1.0)


def _pow(x: float, y: float) -> float:
    if y == 0.0 or x == 1.0:
        return 1.0
    if y == 1.0:
        return x
    if x != x or y != y or x < 0.0:
        return math.nan
    return _exp(y * _log(x))


# -- numpy, element by element ------------------------------------------------------------------

def _np_exp(x: np.ndarray) -> np.ndarray:
    ok = (x <= EXP_OVER) & (x >= EXP_UNDER)
    xs = np.where(ok, x, 0.0)
    k = np.rint(xs * INV_LN2)
    out = np.ldexp(_exp_kernel(xs, k), k.astype(np.int32))
    if not ok.all():
        out[x > EXP_OVER] = math.inf
        out[x < EXP_UNDER] = 0.0
        nan = np.isnan(x)
        out[nan] = x[nan]
    return out


def _np_log(x: np.ndarray) -> np.ndarray:
    ok = (x > 0.0) & (x < math.inf)
    m, e = np.frexp(np.where(ok, x, 1.0))
    small = m < SQRT_HALF
    m = np.where(small, m * 2.0, m)
    out = _log_kernel(m - 1.0, (e - small).astype(np.float64))
    if not ok.all():
        out[x == 0.0] = -math.inf
        out[x < 0.0] = math.nan
        out[x == math.inf] = math.inf
        nan = np.isnan(x)
        out[nan] = x[nan]
    return out


def _np_expm1(x: np.ndarray) -> np.ndarray:
    u = _np_exp(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (u - 1.0) * x / _np_log(u)
    far = (x > 0.5) | (x < -0.5)
    out[far] = u[far] - 1.0
    one = ~far & (u == 1.0)
    out[one] = x[one]
    nan = np.isnan(x)
    out[nan] = x[nan]
    return out


def _np_log1p(x: np.ndarray) -> np.ndarray:
    u = 1.0 + x
    with np.errstate(divide="ignore", invalid="ignore"):
        out = _np_log(u) * x / (u - 1.0)
    one = u == 1.0
    out[one] = x[one]
    out[u == math.inf] = math.inf
    out[x < -1.0] = math.nan
    out[x == -1.0] = -math.inf
    nan = np.isnan(x)
    out[nan] = x[nan]
    return out


def _np_pow(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, y = np.broadcast_arrays(x, y)
    with np.errstate(invalid="ignore"):
        out = _np_exp(y * _np_log(x))
    out[np.isnan(x) | np.isnan(y) | (x < 0.0)] = math.nan
    one = y == 1.0
    out[one] = x[one]
    out[(y == 0.0) | (x == 1.0)] = 1.0
    return out


# -- the functions the model calls --------------------------------------------------------------

_C = native.fmath

exp: Callable[[float], float] = _C.exp if _C is not None else _exp
log: Callable[[float], float] = _C.log if _C is not None else _log
expm1: Callable[[float], float] = _C.expm1 if _C is not None else _expm1
log1p: Callable[[float], float] = _C.log1p if _C is not None else _log1p
pow: Callable[[float, float], float] = _C.pow if _C is not None else _pow  # noqa: A001


def _floats(x: Any) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64)


def _unary(c_into, numpy_def):
    if c_into is None:
        def elementwise(x: Any) -> np.ndarray:
            with np.errstate(all="ignore"):
                return numpy_def(np.array(x, dtype=np.float64, ndmin=1)).reshape(np.shape(x))
    else:
        def elementwise(x: Any) -> np.ndarray:
            a = _floats(x)
            out = np.empty_like(a)
            c_into(a.reshape(-1), out.reshape(-1))
            return out
    elementwise.__doc__ = f"``{numpy_def.__name__[4:]}`` of each element of ``x`` (a new array)."
    return elementwise


exp_all = _unary(None if _C is None else _C.exp_into, _np_exp)
log_all = _unary(None if _C is None else _C.log_into, _np_log)
expm1_all = _unary(None if _C is None else _C.expm1_into, _np_expm1)
log1p_all = _unary(None if _C is None else _C.log1p_into, _np_log1p)


def pow_all(x: Any, y: Any) -> np.ndarray:
    """``pow`` of each element of ``x`` and of ``y`` (a number, or an array that broadcasts
    with ``x``): a new array."""
    if _C is None:
        with np.errstate(all="ignore"):
            a, b = np.broadcast_arrays(np.array(x, dtype=np.float64, ndmin=1),
                                       np.array(y, dtype=np.float64, ndmin=1))
            return _np_pow(a, b).reshape(np.broadcast_shapes(np.shape(x), np.shape(y)))
    if isinstance(y, float | int) and not isinstance(y, bool):
        a = _floats(x)
        out = np.empty_like(a)
        _C.pow_into(a.reshape(-1), float(y), out.reshape(-1))
        return out
    a, b = (np.ascontiguousarray(v) for v in np.broadcast_arrays(_floats(x), _floats(y)))
    out = np.empty(a.shape)
    _C.pow_into(a.reshape(-1), b.reshape(-1), out.reshape(-1))
    return out


def normal_quantile(p: float) -> float:
    """The standard normal quantile of ``p`` in (0, 1): Wichura's algorithm AS241 (1988,
    Applied Statistics 37: 477-484, "The percentage points of the normal distribution"), as
    Python's ``statistics.NormalDist.inv_cdf`` computes it, with this module's ``log`` (and
    ``math.sqrt``, correctly rounded everywhere)."""
    q = p - 0.5
    if math.fabs(q) <= 0.425:
        r = 0.180625 - q * q
        num = (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r
                    + 6.7265770927008700853e+4) * r + 4.5921953931549871457e+4) * r
                  + 1.3731693765509461125e+4) * r + 1.9715909503065514427e+3) * r
                + 1.3314166789178437745e+2) * r + 3.3871328727963666080e+0) * q
        den = (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r
                    + 3.9307895800092710610e+4) * r + 2.1213794301586595867e+4) * r
                  + 5.3941960214247511077e+3) * r + 6.8718700749205790830e+2) * r
                + 4.2313330701600911252e+1) * r + 1.0)
        return num / den
    r = p if q <= 0.0 else 1.0 - p
    r = math.sqrt(-log(r))
    if r <= 5.0:
        r = r - 1.6
        num = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r
                    + 2.41780725177450611770e-1) * r + 1.27045825245236838258e+0) * r
                  + 3.64784832476320460504e+0) * r + 5.76949722146069140550e+0) * r
                + 4.63033784615654529590e+0) * r + 1.42343711074968357734e+0)
        den = (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r
                    + 1.51986665636164571966e-2) * r + 1.48103976427480074590e-1) * r
                  + 6.89767334985100004550e-1) * r + 1.67638483018380384940e+0) * r
                + 2.05319162663775882187e+0) * r + 1.0)
    else:
        r = r - 5.0
        num = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r
                    + 1.24266094738807843860e-3) * r + 2.65321895265761230930e-2) * r
                  + 2.96560571828504891230e-1) * r + 1.78482653991729133580e+0) * r
                + 5.46378491116411436990e+0) * r + 6.65790464350110377720e+0)
        den = (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r
                    + 1.84631831751005468180e-5) * r + 7.86869131145613259100e-4) * r
                  + 1.48753612908506148525e-2) * r + 1.36929880922735805310e-1) * r
                + 5.99832206555887937690e-1) * r + 1.0)
    x = num / den
    return -x if q < 0.0 else x
