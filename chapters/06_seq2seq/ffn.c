#include "chapters/06_seq2seq/ffn.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "common/err.h"
#include "common/init.h"
#include "common/matmul.h"
#include "common/mem.h"

// GELU needs erf and exp for millions of activations per step (chapter 07's BERT: 4M
// per layer). libm's erff and expf are calls the compiler cannot vectorise; written
// out as below, the loops run 8 (AVX2) or 16 (AVX-512) floats at a time. Both are
// accurate to float:
//
// exp(x), x <= 0: x = n ln 2 + r with n an integer and |r| <= ln(2)/2, so
//   e^x = 2^n e^r, with e^r from its Taylor series to r^6 (relative error below
//   r^7/7! < 1.2e-7) and 2^n written straight into a float's exponent bits.
static inline float exp_nonpositive(float x) {
    // The clamp at -87: below, n would fall under -126 and n + 127 would no longer fit
    // in the exponent field (e^-87 = 1.6e-38 is about the smallest normal float, and
    // the tails of GELU need nothing smaller). It is done on the bits: a float is stored
    // as sign and magnitude, so among floats with the sign bit set, a larger magnitude
    // reads as a larger unsigned integer, and min(bits, bits of -87) is the clamp for
    // every x <= 0 (-0 and denormals pass unchanged, -inf becomes -87; a NaN with the
    // sign bit set becomes -87 too, and the u of GELU carries the NaN through anyway).
    // Why not `x < -87 ? -87 : x`: gcc (12) then works out the whole formula for the
    // x = -87 case in advance, which leaves a branch in the loop, and without AVX-512's
    // masked instructions it gives up vectorising ("control flow in loop"). Measured on
    // an AVX2 machine: GELU ran one float at a time and took 11% of chapter 09's step.
    union {
        float value;
        uint32_t bits;
    } x_bits = {.value = x};
    const uint32_t minus_87 = 0xC2AE0000u;
    x_bits.bits = x_bits.bits > minus_87 ? minus_87 : x_bits.bits;
    x = x_bits.value;
    // n = round(x / ln 2): adding 1.5 * 2^23 leaves no bits for a fraction, so the sum
    // is rounded to an integer (and floorf would not vectorise without -ffast-math)
    float n = (x * 1.44269504f + 12582912.0f) - 12582912.0f;
    float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-06f;   // ln 2 in two parts
    float p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720))))));
    union {
        int32_t bits;
        float value;
    } scale = {.bits = ((int32_t)n + 127) << 23};   // 2^n: the exponent field, no mantissa
    return p * scale.value;
}

// Phi(u) = (1 + erf(u/sqrt 2)) / 2 from Abramowitz & Stegun 7.1.26 (|error of erf| <=
// 1.5e-7): erf(z) = 1 - t (a1 + t (a2 + ... + t a5)) e^{-z^2}, t = 1 / (1 + p z), z >= 0.
// e = e^{-z^2} = e^{-u^2/2} is also what phi(u) of (6.5) needs: the caller computes it
// once for both.
static inline float normal_cdf(float u, float e) {
    const float a1 = 0.254829592f, a2 = -0.284496736f, a3 = 1.421413741f, a4 = -1.453152027f, a5 = 1.061405429f;
    float t = 1.0f / (1.0f + 0.3275911f * 0.70710678f * fabsf(u));
    float erf_z = 1.0f - t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5)))) * e;
    return 0.5f + (u < 0 ? -0.5f : 0.5f) * erf_z;
}

void gelu_forward(float *y, const float *u, int n) {
#pragma omp parallel for simd schedule(static) if (n >= (1 << 16))
    for (int i = 0; i < n; i++) y[i] = u[i] * normal_cdf(u[i], exp_nonpositive(-0.5f * u[i] * u[i]));   // (6.4)
}

void gelu_backward(float *d_u, const float *d_y, const float *u, int n) {
    const float inv_sqrt_2pi = 0.3989422804f;
#pragma omp parallel for simd schedule(static) if (n >= (1 << 16))
    for (int i = 0; i < n; i++) {
        float e = exp_nonpositive(-0.5f * u[i] * u[i]);
        d_u[i] += d_y[i] * (normal_cdf(u[i], e) + u[i] * inv_sqrt_2pi * e);   // (6.5)
    }
}

static void weight(Tensor *t, const char *prefix, const char *name, int rows, int cols, Rng *rng) {
    char full[TENSOR_NAME_LEN];
    snprintf(full, sizeof full, "%s.%s", prefix, name);
    init_param(t, full, rows, cols, rng);
}

void ffn_create(Ffn *f, const char *prefix, int C, int H, int use_gelu, Rng *rng) {
    if (C <= 0 || H <= 0) DIE("ffn_create: widths must be positive (C=%d, H=%d)", C, H);
    f->C = C, f->H = H, f->use_gelu = use_gelu;
    weight(&f->w1, prefix, "fc1.weight", H, C, rng);
    weight(&f->b1, prefix, "fc1.bias", H, 0, rng);
    weight(&f->w2, prefix, "fc2.weight", C, H, rng);
    weight(&f->b2, prefix, "fc2.bias", C, 0, rng);
}

void ffn_free(Ffn *f) { tensor_free(&f->w1), tensor_free(&f->b1), tensor_free(&f->w2), tensor_free(&f->b2); }

void ffn_params(Ffn *f, TensorList *list) {
    tensorlist_add(list, &f->w1), tensorlist_add(list, &f->b1);
    tensorlist_add(list, &f->w2), tensorlist_add(list, &f->b2);
}

void ffn_cache_alloc(FfnCache *c, int N, int H) {
    size_t n = (size_t)N * H;
    c->N = N, c->u = fzeros(n), c->a = fzeros(n), c->d_a = fzeros(n), c->d_u = fzeros(n);
}

void ffn_cache_free(FfnCache *c) {
    free(c->u), free(c->a), free(c->d_a), free(c->d_u);
    memset(c, 0, sizeof *c);
}

void ffn_forward(const Ffn *f, FfnCache *c, float *out, const float *x, int N) {
    if (N > c->N) DIE("ffn_forward: %d rows, cache holds %d", N, c->N);
    linear_forward(c->u, x, f->w1.data, f->b1.data, N, f->C, f->H);
    if (f->use_gelu) gelu_forward(c->a, c->u, N * f->H);
    else relu_forward(c->a, c->u, N * f->H);
    linear_forward(out, c->a, f->w2.data, f->b2.data, N, f->H, f->C);
}

void ffn_backward(Ffn *f, FfnCache *c, float *d_x, const float *d_out, const float *x, int N) {
    size_t n = (size_t)N * f->H;
    // d_a = d_out W2 is written (beta = 0), not added to: d_a is the cache's own
    // scratch, and a zeroed buffer to add to would cost a pass over its N x H floats
    // (32 MiB in chapter 09's dense-wide model) before the product, and another inside
    // it to read the zeros back. The weight gradients still accumulate, as everywhere.
    matmul(c->d_a, d_out, f->w2.data, N, f->H, f->C, 0, 0, 0.0f);
    linear_backward(NULL, f->w2.grad, f->b2.grad, d_out, c->a, f->w2.data, N, f->H, f->C);
    memset(c->d_u, 0, sizeof(float) * n);
    if (f->use_gelu) gelu_backward(c->d_u, c->d_a, c->u, (int)n);
    else relu_backward(c->d_u, c->d_a, c->u, (int)n);
    linear_backward(d_x, f->w1.grad, f->b1.grad, c->d_u, x, f->w1.data, N, f->C, f->H);
}
