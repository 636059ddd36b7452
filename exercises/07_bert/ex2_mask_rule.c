// Exercise 07.2 (**): BERT's masking rule for one sequence.
// Read chapters/07_bert/README.md, section 07.6 "Masking", and mlm.h.
// `make exercise EX=07.2` checks the counts, the choices and the 80/10/10 split.
#include "common/rng.h"

// ids (T): one sequence. may_predict(id) says which tokens may be chosen (not [CLS],
// [SEP], [PAD], [UNK]). Choose round(mask_prob * n) of the n tokens that may be
// predicted (at least 1 if n > 0), uniformly at random without repetition, with rng.
// For each chosen position t (in increasing order of t), write t to positions and
// ids[t] to targets, then draw u = rng_uniform(rng) and set input[t] to
//   mask_id                                  if u < 0.8
//   a random id in [first_normal, V)         if 0.8 <= u < 0.9  (rng_int)
//   ids[t] (unchanged)                       otherwise.
// input starts as a copy of ids. Return the number chosen.
int ex_mask_row(const int *ids, int T, int *input, int *positions, int *targets, float mask_prob, int mask_id,
                int first_normal, int V, int (*may_predict)(int id), Rng *rng) {
    (void)ids, (void)T, (void)input, (void)positions, (void)targets, (void)mask_prob, (void)mask_id;
    (void)first_normal, (void)V, (void)may_predict, (void)rng;
    // TODO(07.2): copy, collect the candidates, shuffle them (rng_shuffle) and take the
    // first round(mask_prob * n), sort those, then the 80/10/10 rule.
    return 0;
}
