/* The model's exp, log, expm1, log1p and pow, the same numbers on every machine
 * (simulation/model/fmath.py, ODD 4 "Reproducibility").
 *
 * Why: numpy's vectorised exp, log and power take a different code path on a CPU with AVX-512
 * than on one without, and the C library's take another again with FMA, so the same run gave
 * different last bits (and could, rarely, take a different branch) on a laptop and on a
 * cluster node. These functions use only IEEE 754 additions, subtractions, multiplications and
 * divisions, each correctly rounded, plus exact operations (frexp, ldexp, rounding to a whole
 * number): fdlibm's algorithms (Sun Microsystems, 1993; the constants are fdlibm's), with
 * expm1 and log1p by Kahan's and Goldberg's corrections. Every operation is written out in
 * the order fmath.py's numpy and pure-Python definitions perform it, so the three give the
 * same bits; tests/test_fmath.py checks that, and the accuracy (within a few units in the last
 * place of the exact value).
 *
 * Compiled with -ffp-contract=off: a fused multiply-add would round once where these
 * definitions round twice, and change the numbers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <math.h>

#if defined(__FAST_MATH__)
#error "fmath.c must not be compiled with -ffast-math: it would change the numbers"
#endif
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "fmath.c needs double arithmetic in double precision (FLT_EVAL_METHOD 0, e.g. SSE2)"
#endif
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static const double LN2_HI = 6.93147180369123816490e-01,  /* 3fe62e42 fee00000 */
    LN2_LO = 1.90821492927058770002e-10,                  /* 3dea39ef 35793c76 */
    INV_LN2 = 1.44269504088896338700e+00,                 /* 3ff71547 652b82fe */
    P1 = 1.66666666666666019037e-01, P2 = -2.77777777770155933842e-03,
    P3 = 6.61375632143793436117e-05, P4 = -1.65339022054652515390e-06,
    P5 = 4.13813679705723846039e-08,
    EXP_OVER = 7.09782712893383973096e+02, EXP_UNDER = -7.45133219101941108420e+02,
    LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01,
    LG3 = 2.857142874366239149e-01, LG4 = 2.222219843214978396e-01,
    LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01,
    LG7 = 1.479819860511658591e-01,
    SQRT_HALF = 7.07106781186547572737e-01; /* sqrt(2) / 2, rounded */

static double fm_exp(double x) {
    if (x != x) return x;
    if (x > EXP_OVER) return HUGE_VAL;
    if (x < EXP_UNDER) return 0.0;
    double k = nearbyint(x * INV_LN2); /* halves to even, as Python's round and numpy's rint */
    double hi = x - k * LN2_HI;       /* exact: LN2_HI has 32 significant bits */
    double lo = k * LN2_LO;
    double r = hi - lo;
    double t = r * r;
    double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    return ldexp(y, (int)k);
}

static double fm_log(double x) {
    if (x != x) return x;
    if (x < 0.0) return NAN;
    if (x == 0.0) return -HUGE_VAL;
    if (x == HUGE_VAL) return x;
    int e;
    double m = frexp(x, &e); /* x = m 2**e, 0.5 <= m < 1 */
    if (m < SQRT_HALF) {
        m = m * 2.0;
        e = e - 1;
    }
    double f = m - 1.0, k = (double)e;
    double s = f / (2.0 + f);
    double z = s * s;
    double w = z * z;
    double t1 = w * (LG2 + w * (LG4 + w * LG6));
    double t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    double r = t2 + t1;
    double hfsq = 0.5 * f * f;
    return k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f);
}

static double fm_expm1(double x) {
    if (x != x) return x;
    if (x > 0.5 || x < -0.5) return fm_exp(x) - 1.0; /* no cancellation to correct */
    double u = fm_exp(x);
    if (u == 1.0) return x;
    return (u - 1.0) * x / fm_log(u); /* Kahan: the error of u cancels */
}

static double fm_log1p(double x) {
    if (x != x) return x;
    if (x < -1.0) return NAN;
    if (x == -1.0) return -HUGE_VAL;
    double u = 1.0 + x;
    if (u == 1.0) return x;
    if (u == HUGE_VAL) return u;
    return fm_log(u) * x / (u - 1.0); /* Goldberg: the rounding of 1 + x cancels */
}

static double fm_pow(double x, double y) {
    if (y == 0.0 || x == 1.0) return 1.0;
    if (y == 1.0) return x;
    if (x != x || y != y || x < 0.0) return NAN; /* the model raises no negative number */
    return fm_exp(y * fm_log(x));
}

/* -- Python's side ------------------------------------------------------------------------ */

static int as_double(PyObject *obj, double *out) {
    *out = PyFloat_AsDouble(obj);
    return (*out == -1.0 && PyErr_Occurred()) ? -1 : 0;
}

#define SCALAR(name)                                                       \
    static PyObject *py_##name(PyObject *self, PyObject *arg) {           \
        (void)self;                                                        \
        double x;                                                          \
        if (as_double(arg, &x) < 0) return NULL;                           \
        return PyFloat_FromDouble(fm_##name(x));                           \
    }
SCALAR(exp)
SCALAR(log)
SCALAR(expm1)
SCALAR(log1p)

static PyObject *py_pow(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    double x, y;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "pow() takes two numbers");
        return NULL;
    }
    if (as_double(args[0], &x) < 0 || as_double(args[1], &y) < 0) return NULL;
    return PyFloat_FromDouble(fm_pow(x, y));
}

/* `obj`'s C-contiguous buffer of float64 (writable if asked) of `n` items (any if n < 0). */
static int get(PyObject *obj, Py_buffer *view, Py_ssize_t n, int writable, const char *what) {
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    if (view->itemsize != 8 || view->format == NULL || strcmp(view->format, "d") != 0) {
        PyErr_Format(PyExc_TypeError, "%s: a buffer of float64 expected", what);
        PyBuffer_Release(view);
        return -1;
    }
    if (n >= 0 && view->len / 8 != n) {
        PyErr_Format(PyExc_ValueError, "%s: %zd items expected, got %zd", what, n,
                     view->len / 8);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

#define VECTOR(name)                                                                 \
    static PyObject *py_##name##_into(PyObject *self, PyObject *args) {             \
        (void)self;                                                                  \
        PyObject *src_obj, *out_obj;                                                 \
        Py_buffer src, out;                                                          \
        if (!PyArg_ParseTuple(args, "OO", &src_obj, &out_obj)) return NULL;         \
        if (get(src_obj, &src, -1, 0, "x") < 0) return NULL;                         \
        if (get(out_obj, &out, src.len / 8, 1, "out") < 0) {                         \
            PyBuffer_Release(&src);                                                  \
            return NULL;                                                             \
        }                                                                            \
        const double *x = (const double *)src.buf;                                   \
        double *o = (double *)out.buf;                                               \
        Py_ssize_t n = src.len / 8;                                                  \
        for (Py_ssize_t i = 0; i < n; i++) o[i] = fm_##name(x[i]);                   \
        PyBuffer_Release(&src);                                                      \
        PyBuffer_Release(&out);                                                      \
        Py_RETURN_NONE;                                                              \
    }
VECTOR(exp)
VECTOR(log)
VECTOR(expm1)
VECTOR(log1p)

/* pow_into(x, y, out): out[i] = pow(x[i], y[i]), or pow(x[i], y) for a number y. */
static PyObject *py_pow_into(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *x_obj, *y_obj, *out_obj;
    Py_buffer xb, yb, out;
    double y = 0.0;
    int scalar;
    if (!PyArg_ParseTuple(args, "OOO", &x_obj, &y_obj, &out_obj)) return NULL;
    scalar = PyFloat_Check(y_obj) || PyLong_Check(y_obj);
    if (scalar && as_double(y_obj, &y) < 0) return NULL;
    if (get(x_obj, &xb, -1, 0, "x") < 0) return NULL;
    Py_ssize_t n = xb.len / 8;
    if (!scalar && get(y_obj, &yb, n, 0, "y") < 0) {
        PyBuffer_Release(&xb);
        return NULL;
    }
    if (get(out_obj, &out, n, 1, "out") < 0) {
        PyBuffer_Release(&xb);
        if (!scalar) PyBuffer_Release(&yb);
        return NULL;
    }
    const double *x = (const double *)xb.buf;
    double *o = (double *)out.buf;
    if (scalar) {
        for (Py_ssize_t i = 0; i < n; i++) o[i] = fm_pow(x[i], y);
    } else {
        const double *ys = (const double *)yb.buf;
        for (Py_ssize_t i = 0; i < n; i++) o[i] = fm_pow(x[i], ys[i]);
        PyBuffer_Release(&yb);
    }
    PyBuffer_Release(&xb);
    PyBuffer_Release(&out);
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"exp", py_exp, METH_O, "exp(x)"},
    {"log", py_log, METH_O, "log(x)"},
    {"expm1", py_expm1, METH_O, "expm1(x): exp(x) - 1, accurate near 0"},
    {"log1p", py_log1p, METH_O, "log1p(x): log(1 + x), accurate near 0"},
    {"pow", (PyCFunction)(void (*)(void))py_pow, METH_FASTCALL, "pow(x, y) for x >= 0"},
    {"exp_into", py_exp_into, METH_VARARGS, "exp_into(x, out): out[i] = exp(x[i])"},
    {"log_into", py_log_into, METH_VARARGS, "log_into(x, out): out[i] = log(x[i])"},
    {"expm1_into", py_expm1_into, METH_VARARGS, "expm1_into(x, out): out[i] = expm1(x[i])"},
    {"log1p_into", py_log1p_into, METH_VARARGS, "log1p_into(x, out): out[i] = log1p(x[i])"},
    {"pow_into", py_pow_into, METH_VARARGS,
     "pow_into(x, y, out): out[i] = pow(x[i], y[i]), or pow(x[i], y) for a number y"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_fmath",
    "The model's float math in C, the same numbers on every machine (see "
    "simulation/model/fmath.py).",
    -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fmath(void) { return PyModule_Create(&module); }
