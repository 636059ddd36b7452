// Exercise 09.6 (*): balancing without a loss, the bias.
// Read chapters/09_moe/README.md, section 09.5 "Balancing without a loss".
// `make exercise EX=09.6` checks the choices and the updates on cases worked out by hand.

// One training step of the balancing bias for a top-1 router: logits z (N,E), bias b
// (E). Write choice[n], the expert with the largest z[n*E + i] + b[i] (ties: the lower
// index), then move the bias against the step's load: b[i] += rate * sign(mean - load_i),
// where load_i counts the tokens that chose i and mean = N / E. An expert exactly at the
// mean stays where it is: compare E load_i with N, in integers. E <= 64.
void ex_bias_balance(const float *z, int N, int E, float rate, float *b, int *choice) {
    (void)z, (void)E, (void)rate, (void)b;
    for (int n = 0; n < N; n++) choice[n] = 0;
    // TODO(09.6): choose by z + b, count, then step b
}
