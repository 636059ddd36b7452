// lazy_adam.c: the sparse Adam step of lazy_adam.h.
#include "chapters/03_imdb_sentiment/lazy_adam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

void lazy_adam_init(LazyAdam *opt, size_t rows, int dim, float lr, float beta1, float beta2, float eps) {
    opt->lr = lr;
    opt->beta1 = beta1;
    opt->beta2 = beta2;
    opt->eps = eps;
    opt->t = 0;
    opt->rows = rows;
    opt->dim = dim;
    opt->m = fzeros(rows * (size_t)dim);
    opt->v = fzeros(rows * (size_t)dim);
}

void lazy_adam_free(LazyAdam *opt) {
    free(opt->m);
    free(opt->v);
    memset(opt, 0, sizeof *opt);
}

void lazy_adam_step(LazyAdam *opt, float *table, const int *rows, const float *grad, int U) {
    opt->t++;
    // the bias corrections of chapter 02 (README eq. 2.16), with t = every step so far
    float corr1 = (float)(1.0 - pow(opt->beta1, (double)opt->t));
    float corr2 = (float)(1.0 - pow(opt->beta2, (double)opt->t));
    float b1 = opt->beta1, b2 = opt->beta2, step = opt->lr / corr1, inv_c2 = 1.0f / corr2;
    int D = opt->dim;
    // The rows are distinct, so threads never touch the same entry: the result is the
    // same on any number of threads. Worth it because the rows are scattered over the
    // table and the time goes into waiting for memory, which two cores do in parallel.
#pragma omp parallel for schedule(static) if ((long)U * D > 32768)
    for (int k = 0; k < U; k++) {
        size_t off = (size_t)rows[k] * D;
        float *w = table + off, *m = opt->m + off, *v = opt->v + off;
        const float *g = grad + (size_t)k * D;
        for (int d = 0; d < D; d++) {
            m[d] = b1 * m[d] + (1.0f - b1) * g[d];
            v[d] = b2 * v[d] + (1.0f - b2) * g[d] * g[d];
            w[d] -= step * m[d] / (sqrtf(v[d] * inv_c2) + opt->eps);   // = lr m_hat / (sqrt(v_hat) + eps)
        }
    }
}
