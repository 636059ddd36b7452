// crf.c: see crf.h. Scores are summed in double: log Z is a difference of large sums.
#include "chapters/08_ner/crf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

void crf_create(Crf *crf, int K) {
    if (K < 1 || K > CRF_MAX_LABELS) {
        fprintf(stderr, "crf_create: %d labels (1..%d)\n", K, CRF_MAX_LABELS);
        abort();
    }
    memset(crf, 0, sizeof *crf);
    crf->K = K;
    tensor_alloc(&crf->trans, "crf.transitions", 1, 2, K, K);
    tensor_alloc(&crf->start, "crf.start_transitions", 1, 1, K);
    tensor_alloc(&crf->end, "crf.end_transitions", 1, 1, K);
}

void crf_free(Crf *crf) { tensor_free(&crf->trans), tensor_free(&crf->start), tensor_free(&crf->end); }

static double log_sum_exp(const double *x, int n) {
    double m = x[0], s = 0;
    for (int k = 1; k < n; k++)
        if (x[k] > m) m = x[k];
    for (int k = 0; k < n; k++) s += exp(x[k] - m);
    return m + log(s);
}

// alpha (n,K) as in crf.h; returns log Z
static double forward(const Crf *crf, const float *emit, int n, double *alpha) {
    const int K = crf->K;
    const float *tr = crf->trans.data;
    double terms[CRF_MAX_LABELS] = {0};   // (zeroed: the compiler cannot see K >= 1)
    for (int k = 0; k < K; k++) alpha[k] = (double)crf->start.data[k] + emit[k];
    for (int i = 1; i < n; i++)
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < K; j++) terms[j] = alpha[(i - 1) * K + j] + tr[j * K + k];
            alpha[i * K + k] = emit[i * K + k] + log_sum_exp(terms, K);
        }
    for (int k = 0; k < K; k++) terms[k] = alpha[(n - 1) * K + k] + crf->end.data[k];
    return log_sum_exp(terms, K);
}

double crf_log_partition(const Crf *crf, const float *emit, int n) {
    double *alpha = xmalloc(sizeof(double) * (size_t)n * crf->K);
    double log_z = forward(crf, emit, n, alpha);
    free(alpha);
    return log_z;
}

double crf_nll(const Crf *crf, const float *emit, const int *gold, int n) {
    const int K = crf->K;
    double gold_score = (double)crf->start.data[gold[0]] + crf->end.data[gold[n - 1]];
    for (int i = 0; i < n; i++)
        gold_score += (double)emit[i * K + gold[i]] + (i ? (double)crf->trans.data[gold[i - 1] * K + gold[i]] : 0.0);
    return crf_log_partition(crf, emit, n) - gold_score;
}

void crf_nll_backward(Crf *crf, const float *emit, const int *gold, int n, float *d_emit, float scale) {
    const int K = crf->K;
    const float *tr = crf->trans.data;
    double *alpha = xmalloc(sizeof(double) * (size_t)n * K), *beta = xmalloc(sizeof(double) * (size_t)n * K);
    const double log_z = forward(crf, emit, n, alpha);
    // beta_i[k]: log of the summed scores of everything after word i, given y_i = k
    double terms[CRF_MAX_LABELS] = {0};   // (zeroed: the compiler cannot see K >= 1)
    for (int k = 0; k < K; k++) beta[(n - 1) * K + k] = crf->end.data[k];
    for (int i = n - 2; i >= 0; i--)
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < K; j++) terms[j] = tr[k * K + j] + emit[(i + 1) * K + j] + beta[(i + 1) * K + j];
            beta[i * K + k] = log_sum_exp(terms, K);
        }
    // expected counts minus gold counts
    for (int i = 0; i < n; i++)
        for (int k = 0; k < K; k++) {
            const float g = (float)exp(alpha[i * K + k] + beta[i * K + k] - log_z) - (gold[i] == k);
            d_emit[i * K + k] += scale * g;
            if (i == 0) crf->start.grad[k] += scale * g;
            if (i == n - 1) crf->end.grad[k] += scale * g;
        }
    for (int i = 1; i < n; i++) {
        for (int a = 0; a < K; a++)
            for (int b = 0; b < K; b++) {
                double lp = alpha[(i - 1) * K + a] + tr[a * K + b] + emit[i * K + b] + beta[i * K + b] - log_z;
                crf->trans.grad[a * K + b] += scale * (float)exp(lp);
            }
        crf->trans.grad[gold[i - 1] * K + gold[i]] -= scale;
    }
    free(alpha), free(beta);
}

double crf_viterbi(const Crf *crf, const float *emit, int n, int *out) {
    const int K = crf->K;
    const float *tr = crf->trans.data;
    double *best = xmalloc(sizeof(double) * (size_t)n * K);
    int *back = xmalloc(sizeof(int) * (size_t)n * K);
    for (int k = 0; k < K; k++) best[k] = (double)crf->start.data[k] + emit[k];
    for (int i = 1; i < n; i++)
        for (int k = 0; k < K; k++) {
            int arg = 0;
            for (int j = 1; j < K; j++)
                if (best[(i - 1) * K + j] + tr[j * K + k] > best[(i - 1) * K + arg] + tr[arg * K + k]) arg = j;
            best[i * K + k] = best[(i - 1) * K + arg] + tr[arg * K + k] + emit[i * K + k];
            back[i * K + k] = arg;
        }
    int last = 0;
    for (int k = 1; k < K; k++)
        if (best[(n - 1) * K + k] + crf->end.data[k] > best[(n - 1) * K + last] + crf->end.data[last]) last = k;
    const double score = best[(n - 1) * K + last] + crf->end.data[last];
    out[n - 1] = last;
    for (int i = n - 1; i > 0; i--) out[i - 1] = back[i * K + out[i]];
    free(best), free(back);
    return score;
}
