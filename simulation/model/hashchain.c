/* The keyed random streams' hash chain in C (simulation/model/streams.py, ODD 4).
 *
 * The very same integer arithmetic as streams.py's numpy path, element by element: SplitMix64's
 * finaliser applied to (x ^ part) + GAMMA, modulo 2**64, and 53 bits of the result as a uniform
 * number ((x >> 11) + 0.5) * 2**-53. Integer operations and that one exact conversion leave no
 * room for a difference, so this module changes no number; it saves the dozen numpy calls (and
 * their temporary arrays) that each vectorised draw otherwise costs. tests/test_streams.py
 * checks both paths against each other. Building it is optional: without it (no C compiler
 * where tipsim was installed) streams.py uses numpy and gives the same numbers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define GAMMA 0x9E3779B97F4A7C15ULL
#define M1 0xBF58476D1CE4E5B9ULL
#define M2 0x94D049BB133111EBULL
#define UNIT (1.0 / 9007199254740992.0) /* 2**-53 */

static inline uint64_t step(uint64_t x, uint64_t part) {
    x = (x ^ part) + GAMMA;
    x = (x ^ (x >> 30)) * M1;
    x = (x ^ (x >> 27)) * M2;
    return x ^ (x >> 31);
}

/* `obj`'s C-contiguous buffer (writable if asked) of items of `size` bytes; -1 on error. */
static int get(PyObject *obj, Py_buffer *view, Py_ssize_t size, int writable, const char *what) {
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) < 0) return -1;
    if (view->itemsize != size) {
        PyErr_Format(PyExc_TypeError, "%s: items of %zd bytes expected, got %zd", what, size,
                     view->itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* `obj` (any integer, numpy's too) modulo 2**64 into `out`; -1 on error. */
static int as_u64(PyObject *obj, uint64_t *out) {
    PyObject *index = PyNumber_Index(obj);
    if (index == NULL) return -1;
    *out = PyLong_AsUnsignedLongLongMask(index);
    Py_DECREF(index);
    return (*out == (uint64_t)-1 && PyErr_Occurred()) ? -1 : 0;
}

/* table(bases, keys, out): out[i, j] = uniform of step(bases[i], keys[j]); bases a sequence of
 * ints, keys a uint64 buffer of n, out a float64 buffer of len(bases) * n. */
static PyObject *table(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *bases, *keys_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OOO", &bases, &keys_obj, &out_obj)) return NULL;
    PyObject *seq = PySequence_Fast(bases, "bases must be a sequence");
    if (seq == NULL) return NULL;
    Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    Py_buffer keys, out;
    if (get(keys_obj, &keys, 8, 0, "keys") < 0) { Py_DECREF(seq); return NULL; }
    if (get(out_obj, &out, 8, 1, "out") < 0) {
        PyBuffer_Release(&keys); Py_DECREF(seq); return NULL;
    }
    Py_ssize_t n = keys.len / 8;
    PyObject *result = Py_None;
    if (out.len != m * n * 8) {
        PyErr_SetString(PyExc_ValueError, "out must hold len(bases) * len(keys) numbers");
        result = NULL;
    }
    const uint64_t *k = (const uint64_t *)keys.buf;
    double *o = (double *)out.buf;
    for (Py_ssize_t i = 0; result != NULL && i < m; i++) {
        uint64_t base;
        if (as_u64(PySequence_Fast_GET_ITEM(seq, i), &base) < 0) { result = NULL; break; }
        double *row = o + i * n;
        for (Py_ssize_t j = 0; j < n; j++)
            row[j] = ((double)(step(base, k[j]) >> 11) + 0.5) * UNIT;
    }
    PyBuffer_Release(&keys);
    PyBuffer_Release(&out);
    Py_DECREF(seq);
    if (result == NULL) return NULL;
    Py_RETURN_NONE;
}

/* extend(keys, parts, out): out[j] = step(keys[j], parts[j]); keys and out uint64 buffers of
 * n, parts an int64 buffer of n or one int (two's complement, as numpy's cast). */
static PyObject *extend(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *keys_obj, *parts_obj, *out_obj;
    if (!PyArg_ParseTuple(args, "OOO", &keys_obj, &parts_obj, &out_obj)) return NULL;
    Py_buffer keys, out, parts;
    int scalar = PyLong_Check(parts_obj);
    uint64_t part = 0;
    if (scalar && as_u64(parts_obj, &part) < 0) return NULL;
    if (get(keys_obj, &keys, 8, 0, "keys") < 0) return NULL;
    if (get(out_obj, &out, 8, 1, "out") < 0) { PyBuffer_Release(&keys); return NULL; }
    if (!scalar && get(parts_obj, &parts, 8, 0, "parts") < 0) {
        PyBuffer_Release(&keys); PyBuffer_Release(&out); return NULL;
    }
    Py_ssize_t n = keys.len / 8;
    int ok = out.len == keys.len && (scalar || parts.len == keys.len);
    if (ok) {
        const uint64_t *k = (const uint64_t *)keys.buf;
        uint64_t *o = (uint64_t *)out.buf;
        if (scalar) {
            for (Py_ssize_t j = 0; j < n; j++) o[j] = step(k[j], part);
        } else {
            const uint64_t *p = (const uint64_t *)parts.buf;
            for (Py_ssize_t j = 0; j < n; j++) o[j] = step(k[j], p[j]);
        }
    } else {
        PyErr_SetString(PyExc_ValueError, "keys, parts and out must have the same length");
    }
    PyBuffer_Release(&keys);
    PyBuffer_Release(&out);
    if (!scalar) PyBuffer_Release(&parts);
    if (!ok) return NULL;
    Py_RETURN_NONE;
}

/* mix(x): SplitMix64's finaliser of one int (taken modulo 2**64). */
static PyObject *mix(PyObject *self, PyObject *arg) {
    (void)self;
    uint64_t x;
    if (as_u64(arg, &x) < 0) return NULL;
    x = (x ^ (x >> 30)) * M1;
    x = (x ^ (x >> 27)) * M2;
    return PyLong_FromUnsignedLongLong(x ^ (x >> 31));
}

/* chain(x, *parts): x extended by each part, as step() (ints taken modulo 2**64). */
static PyObject *chain(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    if (nargs < 1) {
        PyErr_SetString(PyExc_TypeError, "chain() needs a key");
        return NULL;
    }
    uint64_t x, part;
    if (as_u64(args[0], &x) < 0) return NULL;
    for (Py_ssize_t i = 1; i < nargs; i++) {
        if (as_u64(args[i], &part) < 0) return NULL;
        x = step(x, part);
    }
    return PyLong_FromUnsignedLongLong(x);
}

/* unit(x, part): the uniform number of step(x, part). */
static PyObject *unit(PyObject *self, PyObject *const *args, Py_ssize_t nargs) {
    (void)self;
    uint64_t x, part;
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "unit() takes a key and a part");
        return NULL;
    }
    if (as_u64(args[0], &x) < 0 || as_u64(args[1], &part) < 0) return NULL;
    return PyFloat_FromDouble(((double)(step(x, part) >> 11) + 0.5) * UNIT);
}

static PyMethodDef methods[] = {
    {"mix", mix, METH_O, "mix(x): SplitMix64's finaliser"},
    {"chain", (PyCFunction)(void (*)(void))chain, METH_FASTCALL,
     "chain(x, *parts): x extended by each part"},
    {"unit", (PyCFunction)(void (*)(void))unit, METH_FASTCALL,
     "unit(x, part): the uniform number in (0, 1) of one more step of the chain"},
    {"table", table, METH_VARARGS,
     "table(bases, keys, out): out[i, j] = the uniform number of step(bases[i], keys[j])"},
    {"extend", extend, METH_VARARGS,
     "extend(keys, parts, out): out[j] = step(keys[j], parts[j] or parts)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "hashchain",
    "The keyed random streams' hash chain in C (see simulation/model/streams.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_hashchain(void) { return PyModule_Create(&module); }
