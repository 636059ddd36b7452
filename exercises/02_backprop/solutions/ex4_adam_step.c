// exercises/02_backprop/solutions/ex4_adam_step.c: reference solution of 02.4.
#include <math.h>

void ex_adam_update(float *w, float *m, float *v, const float *g, int n, long t, float lr,
                    float beta1, float beta2, float eps) {
    // After t steps from 0, E[m] = (1 - beta1^t) E[g] (eq. (2.16)): divide it out.
    float corr1 = (float)(1.0 - pow(beta1, (double)t));
    float corr2 = (float)(1.0 - pow(beta2, (double)t));
    for (int i = 0; i < n; i++) {
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        float m_hat = m[i] / corr1, v_hat = v[i] / corr2;
        w[i] -= lr * m_hat / (sqrtf(v_hat) + eps);
    }
}
