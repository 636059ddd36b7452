// Exercise 08.4, a solution.
#include <math.h>

// log(sum_k exp(x[k])) without overflow: the largest term factored out
static double log_sum_exp(const double *x, int n) {
    double m = x[0], s = 0;
    for (int k = 1; k < n; k++)
        if (x[k] > m) m = x[k];
    for (int k = 0; k < n; k++) s += exp(x[k] - m);
    return m + log(s);
}

double ex_crf_log_partition(const float *emit, const float *trans, const float *start, const float *end, int n,
                            int K) {
    double alpha[32], next[32], terms[32];
    for (int k = 0; k < K; k++) alpha[k] = (double)start[k] + emit[k];
    for (int i = 1; i < n; i++) {
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < K; j++) terms[j] = alpha[j] + trans[j * K + k];
            next[k] = emit[i * K + k] + log_sum_exp(terms, K);
        }
        for (int k = 0; k < K; k++) alpha[k] = next[k];
    }
    for (int k = 0; k < K; k++) terms[k] = alpha[k] + end[k];
    return log_sum_exp(terms, K);
}
