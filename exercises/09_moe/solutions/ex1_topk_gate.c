// Exercise 09.1, a solution.
#include <math.h>

static void softmax(const float *z, int E, double *p) {
    double top = z[0], sum = 0;
    for (int i = 1; i < E; i++) top = z[i] > top ? z[i] : top;
    for (int i = 0; i < E; i++) p[i] = exp(z[i] - top), sum += p[i];
    for (int i = 0; i < E; i++) p[i] /= sum;
}

void ex_topk_gate(const float *z, int E, int k, int renorm, int *choice, float *gate) {
    double p[64], sum = 0;
    softmax(z, E, p);
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int i = 0; i < E; i++) {
            int taken = 0;
            for (int l = 0; l < j; l++) taken |= choice[l] == i;
            if (!taken && (best < 0 || z[i] > z[best])) best = i;
        }
        choice[j] = best, sum += p[best];
    }
    for (int j = 0; j < k; j++) gate[j] = (float)(renorm ? p[choice[j]] / sum : p[choice[j]]);
}

void ex_topk_gate_backward(const float *z, int E, int k, int renorm, const int *choice, const float *d_gate,
                           float *d_z) {
    double p[64], dp[64] = {0}, S = 0, dot = 0;
    softmax(z, E, p);
    for (int j = 0; j < k; j++) S += p[choice[j]];
    for (int j = 0; j < k; j++) dot += d_gate[j] * (renorm ? p[choice[j]] / S : 0);
    // g_j = p_j / S: d p_l = (d g_l - sum_j d g_j g_j) / S; without renorm d p_l = d g_l
    for (int l = 0; l < k; l++) dp[choice[l]] += renorm ? (d_gate[l] - dot) / S : d_gate[l];
    double pdp = 0;
    for (int i = 0; i < E; i++) pdp += p[i] * dp[i];
    for (int i = 0; i < E; i++) d_z[i] = (float)(p[i] * (dp[i] - pdp));
}
