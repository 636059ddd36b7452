// Exercise 06.2, reference solution: (6.7)-(6.9).
#include <math.h>

float ex_smoothed_xent_row(float *d_logits, const float *z, int y, float eps, int V) {
    float zmax = z[0];
    for (int k = 1; k < V; k++) zmax = fmaxf(zmax, z[k]);
    double sum = 0;
    for (int k = 0; k < V; k++) sum += exp((double)(z[k] - zmax));
    double lse = zmax + log(sum), loss = 0;
    for (int k = 0; k < V; k++) {
        double q = (k == y ? 1.0 - eps : 0.0) + eps / V, logp = z[k] - lse;
        loss -= q * logp;
        d_logits[k] += (float)(exp(logp) - q);
    }
    return (float)loss;
}
