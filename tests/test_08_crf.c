// tests/test_08_crf.c: chapter 08's linear-chain CRF against brute force (log Z and the
// best sequence, by enumerating all K^n sequences) and its gradient against central
// finite differences, every input: emissions, transitions, start and end scores.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/08_ner/crf.h"
#include "common/gradcheck.h"
#include "common/rng.h"

enum { K = 3, NMAX = 5 };

static double score(const Crf *crf, const float *emit, const int *y, int n) {
    double s = (double)crf->start.data[y[0]] + crf->end.data[y[n - 1]];
    for (int i = 0; i < n; i++) s += (double)emit[i * K + y[i]] + (i ? (double)crf->trans.data[y[i - 1] * K + y[i]] : 0.0);
    return s;
}

// log Z and the best sequence by enumeration
static double brute(const Crf *crf, const float *emit, int n, int *best_y, double *best_score) {
    int y[NMAX] = {0};
    double z = 0;
    *best_score = -INFINITY;
    for (;;) {
        double s = score(crf, emit, y, n);
        z += exp(s);
        if (s > *best_score) *best_score = s, memcpy(best_y, y, sizeof(int) * (size_t)n);
        int i = 0;
        while (i < n && ++y[i] == K) y[i++] = 0;
        if (i == n) break;
    }
    return log(z);
}

static void random_crf(Crf *crf, float *emit, int n, Rng *rng) {
    crf_create(crf, K);
    for (int i = 0; i < K * K; i++) crf->trans.data[i] = rng_normal(rng);
    for (int k = 0; k < K; k++) crf->start.data[k] = rng_normal(rng), crf->end.data[k] = rng_normal(rng);
    for (int i = 0; i < n * K; i++) emit[i] = 2.0f * rng_normal(rng);
}

Test(ch08_crf, log_partition_and_viterbi_match_enumeration) {
    Rng rng;
    rng_seed(&rng, 8);
    for (int n = 1; n <= NMAX; n++) {
        Crf crf;
        float emit[NMAX * K];
        random_crf(&crf, emit, n, &rng);
        int want_y[NMAX], got_y[NMAX];
        double want_best, want_z = brute(&crf, emit, n, want_y, &want_best);
        cr_assert_float_eq(crf_log_partition(&crf, emit, n), want_z, 1e-9, "n = %d", n);
        double got_best = crf_viterbi(&crf, emit, n, got_y);
        cr_assert_float_eq(got_best, want_best, 1e-9, "n = %d", n);
        for (int i = 0; i < n; i++) cr_assert_eq(got_y[i], want_y[i], "n = %d, word %d", n, i);
        // -log p(y) of the best sequence is log Z - its score
        cr_assert_float_eq(crf_nll(&crf, emit, want_y, n), want_z - want_best, 1e-9);
        crf_free(&crf);
    }
}

typedef struct {
    Crf *crf;
    const float *emit;
    const int *gold;
    int n;
} Ctx;

static double loss_fn(void *v) {
    Ctx *x = v;
    return crf_nll(x->crf, x->emit, x->gold, x->n);
}

Test(ch08_crf, gradient_matches_finite_differences) {
    Rng rng;
    rng_seed(&rng, 9);
    enum { N = 5 };
    Crf crf;
    float emit[N * K], d_emit[N * K] = {0};
    random_crf(&crf, emit, N, &rng);
    const int gold[N] = {0, 2, 2, 1, 0};
    tensor_zero_grad(&crf.trans), tensor_zero_grad(&crf.start), tensor_zero_grad(&crf.end);
    crf_nll_backward(&crf, emit, gold, N, d_emit, 1.0f);
    Ctx ctx = {&crf, emit, gold, N};
    cr_assert_lt(gradcheck(loss_fn, &ctx, emit, d_emit, N * K), 1e-3, "emissions");
    Tensor *ts[] = {&crf.trans, &crf.start, &crf.end};
    for (int k = 0; k < 3; k++) {
        float g[K * K];
        memcpy(g, ts[k]->grad, sizeof(float) * ts[k]->size);
        cr_assert_lt(gradcheck(loss_fn, &ctx, ts[k]->data, g, ts[k]->size), 1e-3, "%s", ts[k]->name);
    }
    crf_free(&crf);
}
