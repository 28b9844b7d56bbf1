/* neuroflow's optional compiled kernels: loops that NumPy can only run as many separate passes.
 *
 * Loaded with ctypes by neuroflow/_native/__init__.py (the CPython module init at the end only lets setuptools
 * build this file as an extension); every kernel has a NumPy twin that runs when this library is absent.
 * Compiled with -ffp-contract=off: each expression rounds like the NumPy ufunc sequence it replaces, so the Adam
 * update is bitwise equal to its NumPy form. The polynomials use explicit fmaf.
 * Arrays are float32 and C-contiguous unless a row stride is passed; sizes are ptrdiff_t.
 */
#include <Python.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* One machine-code version per x86-64 level (AVX-512, AVX2 + FMA, baseline), picked when the library loads. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KERNEL
#endif

/* e^x for -87 <= x <= 88: x = k ln2 + r (ln2 in two parts, so r is exact), e^r by its degree-7 Taylor polynomial
 * (|r| <= ln2 / 2: error below 2^-26), 2^k built in the exponent bits. floorf rather than an int cast keeps the
 * loop vectorizable. */
static inline float exp_bounded(float x) {
    float k = floorf(x * 1.44269504088896341f + 0.5f);
    float r = fmaf(-k, 0.693145751953125f, x);
    r = fmaf(-k, 1.428606765330187e-06f, r);
    float p = 1.0f / 5040.0f;
    p = fmaf(p, r, 1.0f / 720.0f);
    p = fmaf(p, r, 1.0f / 120.0f);
    p = fmaf(p, r, 1.0f / 24.0f);
    p = fmaf(p, r, 1.0f / 6.0f);
    p = fmaf(p, r, 0.5f);
    p = fmaf(p, r, 1.0f);
    p = fmaf(p, r, 1.0f);
    int32_t bits = ((int32_t)k + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* tanh within 1.35 ulp on every float (NumPy's: 1.37). |x| < 0.625: x + x^3 P(x^2), P fitted for relative error;
 * above: 1 - 2 / (e^{2|x|} + 1), which has no cancellation there; saturates to exactly 1 from |x| = 10. */
static inline float tanh_f(float x) {
    float ax = fabsf(x), s = x * x;
    float p = -0.005718962564442894f;
    p = fmaf(p, s, 0.020653124519145163f);
    p = fmaf(p, s, -0.05374465790197696f);
    p = fmaf(p, s, 0.1333151266501762f);
    p = fmaf(p, s, -0.33333285219564557f);
    float small = fmaf(ax * s, p, ax);
    float e = exp_bounded(2.0f * (ax < 10.0f ? ax : 10.0f));
    float big = 1.0f - 2.0f / (e + 1.0f);
    float t = copysignf(ax < 0.625f ? small : big, x);
    return x != x ? x : t;  /* NaN stays NaN */
}

/* The logistic function 1 / (1 + e^-x) within 2.5 ulp. e^-x is taken on [-87, 89]: beyond 88.7 it is +inf (the
 * exponent bits overflow to all ones), which gives exactly 0, as the true value rounds to. */
static inline float sigmoid_f(float x) {
    float y = -x;
    y = y < 89.0f ? y : 89.0f;
    y = y > -87.0f ? y : -87.0f;
    float s = 1.0f / (1.0f + exp_bounded(y));
    return x != x ? x : s;
}

/* y = tanh(x), n elements (for tests of the approximation). */
KERNEL void nf_tanh(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t j = 0; j < n; j++) y[j] = tanh_f(x[j]);
}

/* y = sigmoid(x), n elements. */
KERNEL void nf_sigmoid(const float *restrict x, float *restrict y, ptrdiff_t n) {
    for (ptrdiff_t j = 0; j < n; j++) y[j] = sigmoid_f(x[j]);
}

/* Adam's update of n weights in one pass (Keras' form, see optimizers/adam.py):
 * m += (g - m) c1; v += (g^2 - v) c2; w -= alpha m / (sqrt(v) + eps). */
KERNEL void nf_adam(float *restrict w, const float *restrict g, float *restrict m, float *restrict v, ptrdiff_t n,
                    float c1, float c2, float alpha, float eps) {
    for (ptrdiff_t j = 0; j < n; j++) {
        float gj = g[j];
        float mj = m[j] + (gj - m[j]) * c1;
        float vj = v[j] + (gj * gj - v[j]) * c2;
        m[j] = mj;
        v[j] = vj;
        w[j] -= mj / (sqrtf(vj) + eps) * alpha;
    }
}

/* One LSTM step forward, batch-major: rows n < N, units u < U, gate blocks i, f, c, o (Keras' order).
 * z (N, 4U): x_t W + b on entry, the activated gates on exit; rec (N, 4U): h_{t-1} U_rec;
 * c_prev (N, U); writes c_new = f c_prev + i c, tc = tanh(c_new), h_new = o tc (each (N, U)). */
KERNEL void nf_lstm_forward_step(float *restrict z, const float *restrict rec, const float *restrict c_prev,
                                 float *restrict c_new, float *restrict tc, float *restrict h_new, ptrdiff_t N,
                                 ptrdiff_t U) {
    for (ptrdiff_t n = 0; n < N; n++) {
        float *zi = z + n * 4 * U, *zf = zi + U, *zc = zi + 2 * U, *zo = zi + 3 * U;
        const float *ri = rec + n * 4 * U, *rf = ri + U, *rc = ri + 2 * U, *ro = ri + 3 * U;
        const float *cp = c_prev + n * U;
        float *cn = c_new + n * U, *t = tc + n * U, *h = h_new + n * U;
        for (ptrdiff_t u = 0; u < U; u++) {
            float i = sigmoid_f(zi[u] + ri[u]);
            float f = sigmoid_f(zf[u] + rf[u]);
            float c = tanh_f(zc[u] + rc[u]);
            float o = sigmoid_f(zo[u] + ro[u]);
            zi[u] = i;
            zf[u] = f;
            zc[u] = c;
            zo[u] = o;
            float cu = f * cp[u] + i * c;
            float tu = tanh_f(cu);
            cn[u] = cu;
            t[u] = tu;
            h[u] = o * tu;
        }
    }
}

/* One LSTM step backward, the same layout. z (N, 4U): the activated gates; c_prev, tc (N, U) as saved by forward.
 * dh (N, U): the gradient reaching h_t through h_{t+1}; plus dout (rows of stride ld_out) if not NULL, the one
 * from the step's output. dc (N, U): the gradient w.r.t. c_t on entry, w.r.t. c_{t-1} (through the forget gate)
 * on exit. Writes dz (N, 4U): the gradient w.r.t. the gates' pre-activations. */
KERNEL void nf_lstm_backward_step(const float *restrict z, const float *restrict c_prev, const float *restrict tc,
                                  const float *restrict dh, const float *restrict dout, ptrdiff_t ld_out,
                                  float *restrict dc, float *restrict dz, ptrdiff_t N, ptrdiff_t U) {
    for (ptrdiff_t n = 0; n < N; n++) {
        const float *zi = z + n * 4 * U, *zf = zi + U, *zc = zi + 2 * U, *zo = zi + 3 * U;
        const float *cp = c_prev + n * U, *t = tc + n * U, *g = dh + n * U;
        const float *go = dout ? dout + n * ld_out : g;  /* not read when dout is NULL */
        float *dcn = dc + n * U, *di = dz + n * 4 * U, *df = di + U, *dcand = di + 2 * U, *dov = di + 3 * U;
        for (ptrdiff_t u = 0; u < U; u++) {
            float i = zi[u], f = zf[u], c = zc[u], o = zo[u], tu = t[u];
            float gh = dout ? g[u] + go[u] : g[u];  /* loop-invariant test: gcc unswitches it */
            float dct = dcn[u] + gh * o * (1.0f - tu * tu);
            dov[u] = gh * tu * (o * (1.0f - o));
            di[u] = dct * c * (i * (1.0f - i));
            df[u] = dct * cp[u] * (f * (1.0f - f));
            dcand[u] = dct * i * (1.0f - c * c);
            dcn[u] = dct * f;
        }
    }
}

/* Max pooling forward over 2-D windows, channels-last, samples n0 <= n < n1 of x (N, H, W, C) (already padded):
 * kh x kw windows at strides sh, sw; writes y (N, OH, OW, C) the maxima and, if idx is not NULL, idx (N, OH, OW, C)
 * the winning offset a * kw + b (the first of equal maxima). As the NumPy twin in ops/pooling.py: a NaN wins the
 * maximum but never the index. Channels innermost: each offset is one contiguous, vectorized pass of C floats. */
KERNEL void nf_max_pool2d(const float *restrict x, float *restrict y, int8_t *restrict idx, ptrdiff_t n0,
                          ptrdiff_t n1, ptrdiff_t H, ptrdiff_t W, ptrdiff_t C, ptrdiff_t OH, ptrdiff_t OW,
                          ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw) {
    for (ptrdiff_t n = n0; n < n1; n++)
        for (ptrdiff_t oh = 0; oh < OH; oh++)
            for (ptrdiff_t ow = 0; ow < OW; ow++) {
                const float *base = x + ((n * H + oh * sh) * W + ow * sw) * C;
                ptrdiff_t at = ((n * OH + oh) * OW + ow) * C;
                float *yo = y + at;
                int8_t *io = idx ? idx + at : NULL;
                memcpy(yo, base, C * sizeof(float));
                if (io) memset(io, 0, C);
                for (ptrdiff_t a = 0; a < kh; a++)
                    for (ptrdiff_t b = 0; b < kw; b++) {
                        if (a == 0 && b == 0) continue;
                        const float *v = base + (a * W + b) * C;
                        int8_t k = (int8_t)(a * kw + b);
                        if (io) {
                            for (ptrdiff_t c = 0; c < C; c++) {
                                float bv = yo[c], vv = v[c];
                                io[c] = vv > bv ? k : io[c];
                                yo[c] = (vv > bv || vv != vv) ? vv : bv;
                            }
                        } else {
                            for (ptrdiff_t c = 0; c < C; c++) {
                                float bv = yo[c], vv = v[c];
                                yo[c] = (vv > bv || vv != vv) ? vv : bv;
                            }
                        }
                    }
            }
}

/* Max pooling backward for windows that do not overlap (sh >= kh, sw >= kw), the same layout: each window's
 * gradient gy (N, OH, OW, C) times (idx == offset) into every position of the window in gx (N, H, W, C), which
 * the caller zeroed (positions no window covers stay 0). gy * 0 keeps the NumPy twin's inf * 0 = NaN. */
KERNEL void nf_max_pool2d_grad(const float *restrict gy, const int8_t *restrict idx, float *restrict gx,
                               ptrdiff_t n0, ptrdiff_t n1, ptrdiff_t H, ptrdiff_t W, ptrdiff_t C, ptrdiff_t OH,
                               ptrdiff_t OW, ptrdiff_t kh, ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw) {
    for (ptrdiff_t n = n0; n < n1; n++)
        for (ptrdiff_t oh = 0; oh < OH; oh++)
            for (ptrdiff_t ow = 0; ow < OW; ow++) {
                ptrdiff_t at = ((n * OH + oh) * OW + ow) * C;
                const float *g = gy + at;
                const int8_t *io = idx + at;
                float *base = gx + ((n * H + oh * sh) * W + ow * sw) * C;
                for (ptrdiff_t a = 0; a < kh; a++)
                    for (ptrdiff_t b = 0; b < kw; b++) {
                        float *d = base + (a * W + b) * C;
                        int8_t k = (int8_t)(a * kw + b);
                        for (ptrdiff_t c = 0; c < C; c++) d[c] = g[c] * (io[c] == k ? 1.0f : 0.0f);
                    }
            }
}

/* col2im of a 2-D convolution's input gradient, as a gather, samples n0 <= n < n1: cols (K, N, OH, OW, C) holds
 * for kernel offset k = a * kw + b the gradient that output (oh, ow) sends to padded input (oh sh + a dh,
 * ow sw + b dw); writes gx (N, PH, PW, C) = the sum of what reaches each position, added in offset order onto 0
 * (the order of the NumPy twin's strided adds, so the sums are bitwise the same), each position written once. */
KERNEL void nf_col2im2d(const float *restrict cols, float *restrict gx, ptrdiff_t n0, ptrdiff_t n1, ptrdiff_t N,
                        ptrdiff_t PH, ptrdiff_t PW, ptrdiff_t C, ptrdiff_t OH, ptrdiff_t OW, ptrdiff_t kh,
                        ptrdiff_t kw, ptrdiff_t sh, ptrdiff_t sw, ptrdiff_t dh, ptrdiff_t dw) {
    ptrdiff_t plane = N * OH * OW * C;  /* one kernel offset's block */
    for (ptrdiff_t n = n0; n < n1; n++)
        for (ptrdiff_t ih = 0; ih < PH; ih++)
            for (ptrdiff_t iw = 0; iw < PW; iw++) {
                float *d = gx + ((n * PH + ih) * PW + iw) * C;
                for (ptrdiff_t c = 0; c < C; c++) d[c] = 0.0f;
                for (ptrdiff_t a = 0; a < kh; a++) {
                    ptrdiff_t th = ih - a * dh;
                    if (th < 0 || th % sh || th / sh >= OH) continue;
                    for (ptrdiff_t b = 0; b < kw; b++) {
                        ptrdiff_t tw = iw - b * dw;
                        if (tw < 0 || tw % sw || tw / sw >= OW) continue;
                        const float *s = cols + (a * kw + b) * plane + ((n * OH + th / sh) * OW + tw / sw) * C;
                        for (ptrdiff_t c = 0; c < C; c++) d[c] += s[c];
                    }
                }
            }
}

/* Rows r0 <= r < r1 of y (rows, C): y = max(y + b, 0) with b (C,), in place (a convolution's bias and ReLU in one
 * pass; NaN stays NaN, as NumPy's maximum). */
KERNEL void nf_bias_relu(float *restrict y, const float *restrict b, ptrdiff_t r0, ptrdiff_t r1, ptrdiff_t C) {
    for (ptrdiff_t r = r0; r < r1; r++) {
        float *row = y + r * C;
        for (ptrdiff_t c = 0; c < C; c++) {
            float v = row[c] + b[c];
            row[c] = (v >= 0.0f || v != v) ? v : 0.0f;
        }
    }
}

/* out = g * (y > 0), n elements: the gradient through a ReLU from its output y. */
KERNEL void nf_relu_grad(const float *restrict g, const float *restrict y, float *restrict out, ptrdiff_t n) {
    for (ptrdiff_t j = 0; j < n; j++) out[j] = g[j] * (y[j] > 0.0f ? 1.0f : 0.0f);
}

/* Only so that setuptools can build this file as an extension module; neuroflow never imports it as one. */
static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_kernels", "neuroflow's compiled kernels (ctypes)", -1};
PyMODINIT_FUNC PyInit__kernels(void) { return PyModule_Create(&module); }
