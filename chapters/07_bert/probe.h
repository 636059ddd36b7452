// probe.h: looking inside a trained encoder. README section 07.9, "What went wrong".
//
// Two measures of the MLM plateau:
//   - where the heads look: for each head, the mean attention weight a query at t
//     gives the key at t + d, for d = -r..r (averaged over every query whose t + d is
//     inside the sequence), and the mean entropy of its rows. A head that has found the
//     previous token puts most of its weight at d = -1 and has a low entropy; a head
//     that has found nothing spreads 1/T everywhere, entropy ln T.
//   - how alike the hidden states are: the mean cosine similarity of the vectors of two
//     different positions of one sequence. Near 1, every position carries the same
//     vector, whatever its token: the "representation collapse" that Gopalani & Hu
//     (2025) find during the loss plateaus of small Transformers.
#ifndef CH07_PROBE_H
#define CH07_PROBE_H

// probs (B,NH,T,T), each row a softmax over the keys. Adds into sum (NH, 2r+1) the
// weights at offsets -r..r and into count (2r+1) the number of queries each offset had
// (the same for every head), so that sum / count is the mean over many batches.
void probe_offsets(double *sum, long *count, const float *probs, int B, int NH, int T, int r);

// probs (B,NH,T,T): adds into sum (NH) the entropy -sum_u p_u ln p_u of every query's
// row, per head (B*T rows each): ln T for a head that spreads its weight evenly over
// all T keys, 0 for one that puts it all on one key.
void probe_entropy(double *sum, const float *probs, int B, int NH, int T);

// x (B,T,H): the sum, over the sequences and over the unordered pairs of different
// positions t < u, of cos(x[b,t], x[b,u]); *pairs gets the number of pairs added.
// Zero vectors count as cosine 0.
double probe_cosine_sum(const float *x, int B, int T, int H, long *pairs);

#endif
