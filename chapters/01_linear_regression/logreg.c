#include "chapters/01_linear_regression/logreg.h"

#include <math.h>
#include <stdlib.h>

#include "chapters/01_linear_regression/linreg.h"
#include "common/mem.h"

void logreg_sigmoid(float *p, const float *z, int n) {
    for (int i = 0; i < n; i++) {
        // exp of a large positive number overflows; exp(-|z|) is always in (0,1]
        float e = expf(-fabsf(z[i]));
        p[i] = z[i] >= 0 ? 1.0f / (1.0f + e) : e / (1.0f + e);
    }
}

float bce_logits_forward(const float *z, const float *y, int N) {
    double s = 0.0;
    for (int i = 0; i < N; i++) {
        double zi = z[i];
        s += (zi > 0 ? zi : 0.0) - y[i] * zi + log1p(exp(-fabs(zi)));
    }
    return (float)(s / N);
}

void bce_logits_backward(float *d_z, const float *z, const float *y, int N) {
    for (int i = 0; i < N; i++) {
        float p;
        logreg_sigmoid(&p, &z[i], 1);
        d_z[i] += (p - y[i]) / (float)N;
    }
}

void logreg_predict(int *pred, const float *x, const float *w, float b, int N, int D) {
    float *z = xmalloc(sizeof(float) * (N > 0 ? N : 1));
    linreg_forward(z, x, w, b, N, D);   // the logit is the linear model's output
    for (int i = 0; i < N; i++) pred[i] = z[i] >= 0.0f;
    free(z);
}

float logreg_accuracy(const int *pred, const float *y, int N) {
    int correct = 0;
    for (int i = 0; i < N; i++) correct += pred[i] == (y[i] > 0.5f);
    return N > 0 ? (float)correct / (float)N : 0.0f;
}
