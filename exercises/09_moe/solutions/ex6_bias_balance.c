// Exercise 09.6, a solution.

void ex_bias_balance(const float *z, int N, int E, float rate, float *b, int *choice) {
    int load[64] = {0};
    for (int n = 0; n < N; n++) {
        int best = 0;
        for (int i = 1; i < E; i++)
            if (z[n * E + i] + b[i] > z[n * E + best] + b[best]) best = i;
        choice[n] = best, load[best]++;
    }
    for (int i = 0; i < E; i++) {   // the bias is read above before it moves: choices first
        if (E * load[i] < N) b[i] += rate;
        else if (E * load[i] > N) b[i] -= rate;
    }
}
