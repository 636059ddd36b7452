// Exercise 08.4 (**): the forward algorithm of a linear-chain CRF, in log space.
// A CRF on top of the tagger scores a whole tag sequence y_0..y_{n-1}:
//   score(y) = start[y_0] + sum_i emit[i][y_i] + sum_{i>0} trans[y_{i-1}][y_i] + end[y_{n-1}]
// and p(y) = exp(score(y)) / Z with Z = sum over all K^n sequences of exp(score).
// `make exercise EX=08.4` compares with the sum over every sequence, and with scores
// large enough that exp() overflows a float (and a double).
#include <math.h>

// emit (n,K), trans (K,K) (row: the previous label, column: the next), start (K),
// end (K) -> log Z, in O(n K^2): alpha_0[k] = start[k] + emit[0][k];
//   alpha_i[k] = emit[i][k] + log sum_j exp(alpha_{i-1}[j] + trans[j][k]);
//   log Z = log sum_k exp(alpha_{n-1}[k] + end[k]).
// Every log-sum-exp subtracts its largest term first. n <= 64, K <= 32.
double ex_crf_log_partition(const float *emit, const float *trans, const float *start, const float *end, int n,
                            int K) {
    (void)emit, (void)trans, (void)start, (void)end, (void)n, (void)K;
    // TODO(08.4): alpha over the words, then the end
    return 0;
}
