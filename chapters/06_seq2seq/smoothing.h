// smoothing.h: cross-entropy with label smoothing (Szegedy et al. 2016; used by the
// original Transformer with eps = 0.1). The target distribution is not one-hot but
//   q_k = (1 - eps) [k = y] + eps / V                                              (6.7)
// (PyTorch's definition: the eps mass is spread over all V classes, the target
// included), and the loss of a row is the cross-entropy against q:
//   L = -sum_k q_k log p_k = (1 - eps)(-log p_y) + eps * mean_k(-log p_k)          (6.8)
// With p = softmax(z), dL/dz_k = p_k - q_k                                           (6.9)
// (the same derivation as chapter 02's eq. (2.12), with q in place of the one-hot).
// The model is never pushed to put probability 1 on one token: that keeps logits
// bounded and, at the decoder, makes beam search better calibrated.
#ifndef CH06_SMOOTHING_H
#define CH06_SMOOTHING_H

// logits (N,V), targets (N) in [0,V) or ignore (a padding position: no loss, no
// gradient) -> probs (N,V); returns the mean loss over the counted rows (0 if none)
// and writes their number to *n_counted.
float smoothed_xent_forward(float *probs, const float *logits, const int *targets, int ignore, float eps,
                            int N, int V, int *n_counted);
// d_logits (N,V) += (probs - q) / n_counted on the counted rows.
void smoothed_xent_backward(float *d_logits, const float *probs, const int *targets, int ignore, float eps,
                            int N, int V, int n_counted);

#endif
