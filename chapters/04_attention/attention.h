// attention.h: scaled dot-product attention, the core of the Transformer
// (Vaswani et al. 2017), as an explicit forward/backward pair.
//   S = scale * Q K^T,  P = softmax_rows(mask(S)),  O = P V          (4.1)-(4.3)
// Derivations: chapters/04_attention/README.md, equations (4.1)-(4.11).
//
// Layout: B sequences, NH heads, T positions, hd features per head, row-major
// (B,NH,T,hd). The (T,T) matrices are per (sequence, head): probs is (B,NH,T,T).
//
// Masks. Both masks used in this book hide a *suffix* of the keys of each query row,
// so a row t may look at keys j < attention_visible_keys(t, ...):
//   - key padding: `lengths` (B) gives the number of real positions of each sequence
//     (NULL: every sequence has all T); keys j >= lengths[b] are padding;
//   - causal: query t may not look at keys j > t (the future), for language models.
// Masked keys get probability exactly 0. A row that can see no key at all (lengths[b]
// == 0) is defined to have all-zero probabilities, output 0 and zero gradients, never
// NaN (a softmax over an empty set has no sensible value; zero is what a padded
// position should contribute downstream).
#ifndef CH04_ATTENTION_H
#define CH04_ATTENTION_H

// How many keys query row t of sequence b may look at (a prefix 0..n-1 of the keys).
int attention_visible_keys(int t, int T, int length, int causal);

// Numerically stable softmax of one row of n scores of which only the first n_visible
// are visible: probs[j] = exp(s_j - max) / sum, for j < n_visible; probs[j] = 0 for
// j >= n_visible (exactly); all zeros when n_visible == 0. See (4.4)-(4.5).
void attention_softmax_row(float *probs, const float *scores, int n_visible, int n);

// Softmax backward as a Jacobian-vector product, eq. (4.8):
//   d_scores[j] += p_j * (d_probs[j] - sum_k d_probs[k] p_k)
// Masked entries (p_j = 0) receive exactly 0.
void attention_softmax_row_backward(float *d_scores, const float *probs, const float *d_probs, int n);

// q, k, v (B,NH,T,hd) -> out (B,NH,T,hd); saves probs (B,NH,T,T) for backward.
// scale is normally 1/sqrt(hd) (eq. 4.1, why: 4.12); the scaling experiment also runs scale = 1.
// lengths (B) or NULL; causal 0/1.
void attention_forward(float *out, float *probs, const float *q, const float *k, const float *v,
                       const int *lengths, int causal, float scale, int B, int NH, int T, int hd);

// Accumulates (+=) into d_q, d_k, d_v (B,NH,T,hd), eqs. (4.6)-(4.11):
//   d_P = d_O V^T;  d_S = softmax JVP of d_P;  d_Q += scale d_S K;
//   d_K += scale d_S^T Q;  d_V += P^T d_O.
// Any of d_q, d_k, d_v may be NULL (not needed). scratch: 2*T*T floats, caller-owned.
// The mask needs no extra work here: masked entries have p = 0, hence d_S = 0.
void attention_backward(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
                        const float *q, const float *k, const float *v, const float *probs, int B, int NH,
                        int T, int hd, float scale);

// The same with Tq query rows and Tk keys, for cross-attention (queries from a
// decoder, keys and values from an encoder's output, chapter 06): q (B,NH,Tq,hd),
// k and v (B,NH,Tk,hd) -> out (B,NH,Tq,hd), probs (B,NH,Tq,Tk); lengths (B) counts
// the real keys of each sequence; causal is meant for Tq == Tk. The functions above
// are these with Tq = Tk = T. Backward: scratch holds 2*Tq*Tk floats.
void attention_forward_qk(float *out, float *probs, const float *q, const float *k, const float *v,
                          const int *lengths, int causal, float scale, int B, int NH, int Tq, int Tk, int hd);
void attention_backward_qk(float *d_q, float *d_k, float *d_v, float *scratch, const float *d_out,
                           const float *q, const float *k, const float *v, const float *probs, int B,
                           int NH, int Tq, int Tk, int hd, float scale);

// Shannon entropy -sum p log p (nats) of a probability row; 0 log 0 = 0.
double attention_entropy(const float *probs, int n);

#endif
