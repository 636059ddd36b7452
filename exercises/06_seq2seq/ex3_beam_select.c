// Exercise 06.3 (**): the heart of beam search, one step of selection.
// Read chapters/06_seq2seq/README.md, section "Greedy and beam search", eq. (6.15).
// `make exercise EX=06.3` compares your selection with a brute-force one.

// K live beams with scores beam_score (K) (sums of log-probabilities so far; -INFINITY
// marks an empty slot) and next-token log-probabilities logp (K,V). Every candidate is
// (beam k, token v) with score beam_score[k] + logp[k*V + v]. Write the K best
// candidates, best first, into out_beam, out_token, out_score (K each), skipping
// empty slots; return how many were written (fewer than K if there are not enough).
// Ties: the lower (beam, token) pair first.
int ex_beam_select(const float *beam_score, const float *logp, int K, int V, int *out_beam, int *out_token,
                   float *out_score) {
    (void)beam_score, (void)logp, (void)K, (void)V, (void)out_beam, (void)out_token, (void)out_score;
    // TODO(06.3): for each of the K output slots, find the best candidate not yet taken
    // (K passes over K*V candidates is fine for small K; a partial sort is faster).
    return 0;
}
