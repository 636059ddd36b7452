// Exercise 09.2 (*): Switch Transformer's load-balancing loss, by hand.
// Read chapters/09_moe/README.md, section 09.2.
// `make exercise EX=09.2` checks the loss on balanced and collapsed routers and its gradient.

// N tokens, E experts, top-1: choice (N) the expert each token went to, probs (N,E) the
// router's softmax. Return alpha E sum_i f_i P_i with f_i the share of tokens that chose
// i and P_i the mean of probs[., i] over ALL N tokens; write d_probs (N,E) = d loss /
// d probs (f is a count: it has no gradient).
double ex_balance_loss(const int *choice, const float *probs, int N, int E, float alpha, float *d_probs) {
    (void)choice, (void)probs, (void)alpha;
    for (int i = 0; i < N * E; i++) d_probs[i] = 0;
    // TODO(09.2): f, P, the loss; then d_probs
    return 0;
}
