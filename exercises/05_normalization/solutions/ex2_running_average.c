// Exercise 05.2, reference solution: (5.10)-(5.11).
void ex_batchnorm_update_running(float *running_mean, float *running_var, const float *x,
                                 int N, int C, float momentum) {
    for (int c = 0; c < C; c++) {
        double mu = 0, var = 0;
        for (int i = 0; i < N; i++) mu += x[i * C + c];
        mu /= N;
        for (int i = 0; i < N; i++) var += (x[i * C + c] - mu) * (x[i * C + c] - mu);
        var /= N;
        running_mean[c] = (1 - momentum) * running_mean[c] + momentum * (float)mu;
        running_var[c] = (1 - momentum) * running_var[c] + momentum * (float)(var * N / (N - 1));
    }
}
