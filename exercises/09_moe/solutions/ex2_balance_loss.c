// Exercise 09.2, a solution.
double ex_balance_loss(const int *choice, const float *probs, int N, int E, float alpha, float *d_probs) {
    double f[64] = {0}, P[64] = {0}, loss = 0;
    for (int n = 0; n < N; n++) {
        f[choice[n]] += 1.0 / N;
        for (int i = 0; i < E; i++) P[i] += probs[n * E + i] / N;
    }
    for (int i = 0; i < E; i++) loss += f[i] * P[i];
    for (int n = 0; n < N; n++)
        for (int i = 0; i < E; i++) d_probs[n * E + i] = (float)(alpha * E * f[i] / N);
    return alpha * E * loss;
}
