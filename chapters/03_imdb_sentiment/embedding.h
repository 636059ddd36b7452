// embedding.h: the two layers that turn a row of token ids into one vector.
// Derivations: chapters/03_imdb_sentiment/README.md, section 03.2, eqs. (03.1)-(03.4).
// Same conventions as chapters/02_backprop/layers.h: *_forward writes (=),
// *_backward ACCUMULATES (+=), the caller owns every buffer.
#ifndef CH03_EMBEDDING_H
#define CH03_EMBEDDING_H

// Embedding lookup: row ids[i] of the table.                               (03.1)
// ids (N) in [0, V), table (V,D) -> out (N,D)
void embedding_forward(float *out, const float *table, const int *ids, int N, int D);

// Scatter-add, the transpose of the lookup:                               (03.2)
//   d_table[ids[i]] += d_out[i]   for every i
// d_out (N,D) -> d_table (V,D). An id that occurs k times receives the sum of its k
// gradient rows. The ids only have to index d_table: the trainer passes batch-local
// ids and a (U,D) table holding just the U rows the batch touched (a sparse gradient).
void embedding_backward(float *d_table, const float *d_out, const int *ids, int N, int D);

// Masked mean over time: each row's average of the vectors whose id is not pad_id.
//   out[b] = (1/n_b) sum_{t: ids[b,t] != pad_id} x[b,t],  n_b = that count   (03.3)
// A row with no real token (n_b = 0: an empty review) gives 0, not 0/0.
// x (B,T,D), ids (B,T) -> out (B,D). pad_id = -1 masks nothing (the plain mean over T,
// README "Common mistakes").
void masked_mean_forward(float *out, const float *x, const int *ids, int pad_id, int B, int T, int D);

// d_x[b,t] += d_out[b] / n_b for the unmasked positions; 0 at PAD.           (03.4)
// d_out (B,D) -> d_x (B,T,D)
void masked_mean_backward(float *d_x, const float *d_out, const int *ids, int pad_id, int B, int T, int D);

#endif
