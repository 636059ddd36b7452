#include "chapters/06_seq2seq/smoothing.h"

#include <math.h>
#include <stddef.h>

#include "chapters/02_backprop/layers.h"

float smoothed_xent_forward(float *probs, const float *logits, const int *targets, int ignore, float eps,
                            int N, int V, int *n_counted) {
    double total = 0.0;
    int counted = 0;
    for (int i = 0; i < N; i++) {
        const float *z = logits + (size_t)i * V;
        float *p = probs + (size_t)i * V;
        // -log p_k = logsumexp(z) - z_k, never log(0) (chapter 02, eq. (2.11))
        double lse = softmax_row(p, z, V);
        if (targets[i] == ignore) continue;
        double mean_z = 0.0;
        for (int k = 0; k < V; k++) mean_z += z[k];
        mean_z /= V;
        total += (1.0 - eps) * (lse - z[targets[i]]) + eps * (lse - mean_z);   // (6.8)
        counted++;
    }
    *n_counted = counted;
    return counted ? (float)(total / counted) : 0.0f;
}

void smoothed_xent_backward(float *d_logits, const float *probs, const int *targets, int ignore, float eps,
                            int N, int V, int n_counted) {
    if (n_counted <= 0) return;
    const float inv = 1.0f / (float)n_counted, spread = eps / (float)V;
    for (int i = 0; i < N; i++) {
        if (targets[i] == ignore) continue;
        const float *p = probs + (size_t)i * V;
        float *d = d_logits + (size_t)i * V;
        for (int k = 0; k < V; k++) d[k] += (p[k] - spread) * inv;   // (6.9)
        d[targets[i]] -= (1.0f - eps) * inv;
    }
}
