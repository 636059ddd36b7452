// exercises/02_backprop/ex4_adam_step.c
// Exercise 02.4 (**): Adam's bias correction.
// Read chapters/02_backprop/README.md, section "Optimisers", eqs. (2.15)-(2.17) first.
// `make exercise EX=02.4` checks your step against values computed by hand and
// against the book's adam_step.
#include <math.h>

// One Adam step on n weights w with gradient g. m and v are the running first and
// second moments (zero before the first step); t is the number of this step,
// 1 for the first. Updates m, v and w in place.
void ex_adam_update(float *w, float *m, float *v, const float *g, int n, long t, float lr,
                    float beta1, float beta2, float eps) {
    // The moments are right already: exponential moving averages that start at 0.
    // The update below uses them as they are, and that is the bug: for small t they
    // are pulled towards their zero start, and the first steps come out ~3x too big.
    // TODO(02.4): compute the bias-corrected m_hat and v_hat (eq. (2.16)) for step t and
    // use them in the update instead of m[i] and v[i]. After your fix, the first step
    // moves every weight by lr * sign(g), whatever the size of g -- check why.
    (void)t;   // delete this line when you use t
    for (int i = 0; i < n; i++) {
        m[i] = beta1 * m[i] + (1.0f - beta1) * g[i];
        v[i] = beta2 * v[i] + (1.0f - beta2) * g[i] * g[i];
        w[i] -= lr * m[i] / (sqrtf(v[i]) + eps);
    }
}
