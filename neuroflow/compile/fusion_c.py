"""C kernels for fused element-wise chains: generated per expression, compiled once, cached on disk.

:func:`kernel_source` writes one C file with two functions for a fused expression (see
:class:`~neuroflow.compile.fused.FusionPlan`): ``nf_forward`` evaluates the whole expression per element in one
pass; ``nf_backward`` recomputes it per element from the saved inputs and runs the chain rule back through the
members, writing one gradient array per input that needs one. Both take ``(void **pointers, ptrdiff_t n)``.

:func:`load` compiles the source with the system C compiler (``$CC``, else ``cc``/``gcc``/``clang``) into
``~/.cache/neuroflow/fused/<sha256>.so`` (``$NEUROFLOW_FUSION_CACHE`` overrides the folder) — written to a
temporary name and renamed, so concurrent processes never load half a file — and loads it with ctypes.
Flags: ``-O3 -ffp-contract=off`` and no ``-ffast-math``: every operation rounds as written, so the only
difference from NumPy is libm's ``expf``/``tanhf``/``logf`` against NumPy's SIMD versions (last ulps).
Without a compiler, with ``NEUROFLOW_NATIVE=0`` or inside :func:`disabled`, :func:`load` returns None and the
caller runs the NumPy twin.
"""
from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

FLAGS = ("-O3", "-shared", "-fPIC", "-std=c99", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math")

_MATH = {  # element type -> the functions of that type (float's exp and tanh: the vectorizable ones below)
    "float": dict(EXP="nf_expf", EXPM1="expm1f", LOG="logf", LOG1P="log1pf", TANH="nf_tanhf", SQRT="sqrtf",
                  FABS="fabsf", POW="powf"),
    "double": dict(EXP="exp", EXPM1="expm1", LOG="log", LOG1P="log1p", TANH="tanh", SQRT="sqrt", FABS="fabs",
                   POW="pow"),
}

# One machine-code version per x86-64 level, picked when the library loads (as _native/kernels.c does): the
# polynomials below use fmaf, which is one instruction from x86-64-v3 on, and a library call before.
_HEADER = """#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KERNEL
#endif
"""

# float e^x and tanh without libm calls, so that a fused loop vectorizes (libm's tanhf costs ~50 ns an element
# here, NumPy's SIMD tanh under 1 ns). The method of _native/kernels.c's exp_bounded/tanh_f: x = k ln2 + r (ln2 in
# two parts, so r is exact), e^r by its degree-7 Taylor polynomial (|r| <= ln2/2: error below 2^-26); 2^k is
# applied in two halves so that results from the subnormals up to overflow (inf) come out right.
_FLOAT_MATH = """
static inline float nf_expf(float x) {
    float xc = x < 89.0f ? x : 89.0f;
    xc = xc > -104.0f ? xc : -104.0f;
    float k = floorf(xc * 1.44269504088896341f + 0.5f);
    float r = fmaf(-k, 0.693145751953125f, xc);
    r = fmaf(-k, 1.428606765330187e-06f, r);
    float p = 1.0f / 5040.0f;
    p = fmaf(p, r, 1.0f / 720.0f);
    p = fmaf(p, r, 1.0f / 120.0f);
    p = fmaf(p, r, 1.0f / 24.0f);
    p = fmaf(p, r, 1.0f / 6.0f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int32_t ki = (int32_t)k, k1 = ki / 2, k2 = ki - k1;
    int32_t b1 = (k1 + 127) << 23, b2 = (k2 + 127) << 23;
    float s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    float e = (p * s1) * s2;
    return x != x ? x : e;
}
static inline float nf_tanhf(float x) {
    float ax = fabsf(x), s = x * x;
    float p = -0.005718962564442894f;
    p = fmaf(p, s, 0.020653124519145163f);
    p = fmaf(p, s, -0.05374465790197696f);
    p = fmaf(p, s, 0.1333151266501762f);
    p = fmaf(p, s, -0.33333285219564557f);
    float small = fmaf(ax * s, p, ax);
    float e = nf_expf(2.0f * (ax < 10.0f ? ax : 10.0f));
    float big = 1.0f - 2.0f / (e + 1.0f);
    float t = copysignf(ax < 0.625f ? small : big, x);
    return x != x ? x : t;
}
"""

# Helpers shared by every kernel; each mirrors the NumPy expression of the node it stands for.
_PRELUDE = """
static inline T nf_sigmoid(T x) { T z = EXP(-FABS(x)); return (x >= 0 ? (T)1 : z) / ((T)1 + z); }
static inline T nf_relu(T x) { return (x > 0 || x != x) ? x : (T)0; }
static inline T nf_softplus(T x) {
    return x == 0 ? LOG((T)2) : (x < 0 ? LOG1P(EXP(x)) : x + LOG1P(EXP(-x)));
}
static inline T nf_sign(T x) { return x > 0 ? (T)1 : (x < 0 ? (T)-1 : x); }
static inline T nf_max(T a, T b) { return (a != a || a >= b) ? a : b; }
static inline T nf_min(T a, T b) { return (a != a || a <= b) ? a : b; }
static inline T nf_share_max(T a, T b) { return a == b ? (T)0.5 : (a > b ? (T)1 : (T)0); }
static inline T nf_share_min(T a, T b) { return a == b ? (T)0.5 : (a < b ? (T)1 : (T)0); }
"""

_lock = threading.Lock()
_loaded: dict = {}  # source hash -> CDLL (or None when compiling failed)
_enabled = [True]


def native_enabled() -> bool:
    """Whether fused kernels may be compiled/loaded now (not ``NEUROFLOW_NATIVE=0``, not inside :func:`disabled`)."""
    return _enabled[0] and os.environ.get("NEUROFLOW_NATIVE", "1").strip() != "0"


@contextlib.contextmanager
def disabled():
    """Run the NumPy twin of every fused kernel inside the ``with`` block (tests compare the two)."""
    before, _enabled[0] = _enabled[0], False
    try:
        yield
    finally:
        _enabled[0] = before


def find_compiler() -> str | None:
    """The C compiler to use: ``$CC`` if it exists, else the first of cc, gcc, clang on PATH, else None."""
    names = [os.environ["CC"]] if os.environ.get("CC") else ["cc", "gcc", "clang"]
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def cache_dir() -> Path:
    """Where compiled kernels are kept: ``$NEUROFLOW_FUSION_CACHE`` or ``~/.cache/neuroflow/fused``."""
    return Path(os.environ.get("NEUROFLOW_FUSION_CACHE") or Path.home() / ".cache" / "neuroflow" / "fused")


def kernel_source(plan, ctype: str, scalar: tuple) -> str:
    """C source of the fused ``plan`` for element type ``ctype`` (``float``/``double``); ``scalar[i]`` says
    that input ``i`` is one value broadcast over all elements (read once, outside the loop)."""
    k = plan.n_inputs
    lines = [f"/* neuroflow fused kernel: {plan.label} ({ctype}) */", _HEADER, f"#define T {ctype}"]
    lines += [f"#define {name} {fn}" for name, fn in _MATH[ctype].items()]
    lines += [_FLOAT_MATH if ctype == "float" else "", _PRELUDE]

    def loads(indent="        "):
        out = []
        for i in range(k):
            out.append(f"{indent}const T x{i} = in{i}[{'0' if scalar[i] else 'i'}];")
        return out

    def values(indent="        "):
        out = []
        for j, (row, operands) in enumerate(plan.ops):
            names = [_ref(r, k) for r in operands]
            out.append(f"{indent}const T v{j} = {row.c.format(a=names[0], b=names[-1])};")
        return out

    header = [f"    const T *restrict in{i} = (const T *)p[{i}];" for i in range(k)]
    lines += ["KERNEL void nf_forward(void **p, ptrdiff_t n) {", *header, f"    T *restrict out = (T *)p[{k}];",
              "    for (ptrdiff_t i = 0; i < n; i++) {", *loads(), *values(),
              f"        out[i] = v{len(plan.ops) - 1};", "    }", "}", ""]
    wanted = [i for i in range(k) if plan.needs[i]]
    grads = [f"    T *restrict gx{i} = (T *)p[{k + 1 + pos}];" for pos, i in enumerate(wanted)]
    lines += ["KERNEL void nf_backward(void **p, ptrdiff_t n) {", *header,
              f"    const T *restrict g = (const T *)p[{k}];",
              *grads, "    for (ptrdiff_t i = 0; i < n; i++) {", *loads(), *values(), *_adjoints(plan),
              *[f"        gx{i}[i] = dx{i};" for i in wanted], "    }", "}", ""]
    return "\n".join(lines)


def _ref(ref, k) -> str:
    kind, index = ref
    return f"x{index}" if kind == "x" else f"v{index}"


def _adjoints(plan) -> list:
    """Per-element reverse sweep: ``d<j>`` is the gradient at member ``j``, ``dx<i>`` at input ``i``."""
    k, last = plan.n_inputs, len(plan.ops) - 1
    out = [f"        const T d{last} = g[i];"]
    assigned = set()
    for j in range(last, -1, -1):
        if not plan.wants[j]:
            continue
        row, operands = plan.ops[j]
        names = [_ref(r, k) for r in operands]
        for pos, ref in enumerate(operands):
            kind, index = ref
            if not (plan.needs[index] if kind == "x" else plan.wants[index]):
                continue
            term = row.c_grads[pos].format(g=f"d{j}", a=names[0], b=names[-1], y=f"v{j}")
            if kind == "v":
                out.append(f"        const T d{index} = {term};")
            elif index in assigned:
                out.append(f"        dx{index} = dx{index} + {term};")
            else:
                assigned.add(index)
                out.append(f"        T dx{index} = {term};")
    return out


def load(source: str):
    """The compiled library of ``source`` (a ``ctypes.CDLL`` with ``nf_forward``/``nf_backward``), compiling it
    on first use; None when native code is off, no compiler is found or compiling fails (NumPy twin then)."""
    if not native_enabled():
        return None
    digest = hashlib.sha256((source + " ".join(FLAGS)).encode()).hexdigest()[:32]
    with _lock:
        if digest in _loaded:
            return _loaded[digest]
        lib = _build_and_open(source, digest)
        _loaded[digest] = lib
        return lib


def _build_and_open(source: str, digest: str):
    folder = cache_dir()
    target = folder / f"{digest}.so"
    if not target.exists():
        compiler = find_compiler()
        if compiler is None:
            return None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=folder) as tmp:
                src, obj = Path(tmp) / "k.c", Path(tmp) / "k.so"
                src.write_text(source)
                done = subprocess.run([compiler, *FLAGS, str(src), "-o", str(obj), "-lm"], capture_output=True)
                if done.returncode != 0:
                    return None
                os.replace(obj, target)  # atomic: a concurrent reader sees no file or the whole file
        except OSError:
            return None
    try:
        lib = ctypes.CDLL(str(target))
    except OSError:
        return None
    for name in ("nf_forward", "nf_backward"):
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_ssize_t], None
    return lib


__all__ = ["kernel_source", "load", "disabled", "native_enabled", "find_compiler", "cache_dir", "FLAGS"]
