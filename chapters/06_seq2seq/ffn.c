#include "chapters/06_seq2seq/ffn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "common/err.h"
#include "common/init.h"
#include "common/mem.h"

void gelu_forward(float *y, const float *u, int n) {
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
    for (int i = 0; i < n; i++) y[i] = 0.5f * u[i] * (1.0f + erff(u[i] * 0.70710678f));   // (6.4)
}

void gelu_backward(float *d_u, const float *d_y, const float *u, int n) {
    const float inv_sqrt_2pi = 0.3989422804f;
#pragma omp parallel for schedule(static) if (n >= (1 << 16))
    for (int i = 0; i < n; i++) {
        float cdf = 0.5f * (1.0f + erff(u[i] * 0.70710678f));
        float pdf = inv_sqrt_2pi * expf(-0.5f * u[i] * u[i]);
        d_u[i] += d_y[i] * (cdf + u[i] * pdf);   // (6.5)
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
    memset(c->d_a, 0, sizeof(float) * n), memset(c->d_u, 0, sizeof(float) * n);
    linear_backward(c->d_a, f->w2.grad, f->b2.grad, d_out, c->a, f->w2.data, N, f->H, f->C);
    if (f->use_gelu) gelu_backward(c->d_u, c->d_a, c->u, (int)n);
    else relu_backward(c->d_u, c->d_a, c->u, (int)n);
    linear_backward(d_x, f->w1.grad, f->b1.grad, c->d_u, x, f->w1.data, N, f->C, f->H);
}
