// Exercise 07.4, reference solution.
#include <math.h>
#include <stdlib.h>

float ex_tied_loss_backward(const float *E, const float *b, const int *ids, const int *targets, int N, int V, int H,
                            float *d_E, float *d_b) {
    float *p = malloc(sizeof(float) * (size_t)V), *d_h = malloc(sizeof(float) * (size_t)H);
    double loss = 0;
    for (int i = 0; i < N; i++) {
        const float *h = E + (size_t)ids[i] * H;
        float zmax = -INFINITY;
        for (int v = 0; v < V; v++) {
            float z = b[v];
            for (int k = 0; k < H; k++) z += h[k] * E[(size_t)v * H + k];
            p[v] = z;
            if (z > zmax) zmax = z;
        }
        double sum = 0;
        for (int v = 0; v < V; v++) sum += exp(p[v] - zmax);
        loss += log(sum) + zmax - p[targets[i]];
        for (int k = 0; k < H; k++) d_h[k] = 0;
        for (int v = 0; v < V; v++) {
            // d_logits = (softmax - onehot) / N
            float g = (float)((exp(p[v] - zmax) / sum - (v == targets[i])) / N);
            d_b[v] += g;
            for (int k = 0; k < H; k++) {
                d_h[k] += g * E[(size_t)v * H + k];     // through the decoder to h_i
                d_E[(size_t)v * H + k] += g * h[k];     // E as the decoder
            }
        }
        for (int k = 0; k < H; k++) d_E[(size_t)ids[i] * H + k] += d_h[k];   // E as the embedding
    }
    free(p), free(d_h);
    return (float)(loss / N);
}
