// posenc.h: where a token is. Attention is blind to order (permuting the keys permutes
// nothing in the output), so each position gets a vector added to its embedding.
//   sinusoidal (Vaswani et al. 2017, sec. 3.5), fixed:
//     pe[t, 2i] = sin(t / 10000^(2i/C)),  pe[t, 2i+1] = cos(t / 10000^(2i/C))      (6.1)
//   learned: a (T_max, C) table trained like any weight (GPT-2, BERT).
// Both are added: x[b,t] = emb[b,t] * sqrt(C) + pe[t] (the paper scales the embedding).
#ifndef CH06_POSENC_H
#define CH06_POSENC_H

// Fills pe (T_max, C) with (6.1). C must be even.
void posenc_sinusoidal(float *pe, int T_max, int C);

// x (B,T,C) += pe[0..T) for every sequence: the same table row for position t.
void posenc_add_forward(float *x, const float *pe, int B, int T, int C);
// The learned table's gradient: d_pe[t] += sum_b d_x[b,t]                          (6.2)
void posenc_add_backward(float *d_pe, const float *d_x, int B, int T, int C);

// A Transformer's input: x (B,T,C) = E[ids] sqrt(C) + pe[0..T), E (V,C), ids (B,T).
void embed_forward(float *x, const float *tok_emb, const float *pe, const int *ids, int B, int T, int C);
// Its transpose: d_E[ids] += sqrt(C) d_x, and d_pe += sum_b d_x when the positions are
// learned (d_pe NULL: fixed). scratch (B,T,C).
void embed_backward(float *d_tok_emb, float *d_pe, float *scratch, const float *d_x, const int *ids, int B, int T,
                    int C);

#endif
