// crf.h: a linear-chain conditional random field over the tagger's scores. README
// section 08.3'.
//
// The softmax head picks each word's label on its own, so it can output "O I-PER" or
// "B-PER I-LOC", sequences no annotator writes. A CRF scores whole sequences instead:
//   score(y) = start[y_0] + sum_i emit[i][y_i] + sum_{i>0} trans[y_{i-1}][y_i] + end[y_{n-1}]
//   p(y | x) = exp(score(y)) / Z,   Z = sum over all K^n sequences of exp(score)
// and learns in trans[a][b] how plausible label b is after label a.
//
// log Z by the forward algorithm (exercise 08.4), in O(n K^2):
//   alpha_0[k] = start[k] + emit[0][k]
//   alpha_i[k] = emit[i][k] + logsumexp_j (alpha_{i-1}[j] + trans[j][k])
//   log Z      = logsumexp_k (alpha_{n-1}[k] + end[k])
// and beta, the same from the right. The loss is -log p(gold) = log Z - score(gold). Its
// gradient is "expected counts minus gold counts": with the marginals
//   p(y_i = k)               = exp(alpha_i[k] + beta_i[k] - log Z)
//   p(y_{i-1} = a, y_i = b)  = exp(alpha_{i-1}[a] + trans[a][b] + emit[i][b] + beta_i[b] - log Z)
//   d emit[i][k]  = p(y_i = k) - [gold_i = k]
//   d trans[a][b] = sum_i p(y_{i-1} = a, y_i = b) - #(gold steps a -> b)
//   d start[k]    = p(y_0 = k) - [gold_0 = k],   d end[k] likewise at the last word.
// Decoding is Viterbi: the same recursion with max instead of logsumexp, and
// back-pointers.
#ifndef CH08_CRF_H
#define CH08_CRF_H

#include "common/tensor.h"

enum { CRF_MAX_LABELS = 80 };   // 1 + 4 x 16 types in BIOES (tags.h) fits

typedef struct {
    int K;
    Tensor trans;    // (K,K) row: previous label, column: next label
    Tensor start;    // (K)
    Tensor end;      // (K)
} Crf;

// All three at 0: every sequence equally plausible until training says otherwise.
// K <= CRF_MAX_LABELS.
void crf_create(Crf *crf, int K);
void crf_free(Crf *crf);

// emit (n,K), gold (n) -> -log p(gold | emit). n >= 1.
double crf_nll(const Crf *crf, const float *emit, const int *gold, int n);
// Its gradient times scale, accumulated (+=) into d_emit (n,K) and the CRF's .grad.
void crf_nll_backward(Crf *crf, const float *emit, const int *gold, int n, float *d_emit, float scale);

// log Z alone (for tests and exercise 08.4's check).
double crf_log_partition(const Crf *crf, const float *emit, int n);

// The best sequence: out (n). Returns its score.
double crf_viterbi(const Crf *crf, const float *emit, int n, int *out);

#endif
