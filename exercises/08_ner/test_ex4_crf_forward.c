// Grades exercise 08.4 against the sum over all K^n tag sequences.
#include <criterion/criterion.h>
#include <math.h>

#include "common/rng.h"

double ex_crf_log_partition(const float *emit, const float *trans, const float *start, const float *end, int n,
                            int K);

// log Z by enumerating every sequence (K^n of them), in long double, shifted by `shift`
static double brute(const float *emit, const float *trans, const float *start, const float *end, int n, int K,
                    double shift) {
    int y[8] = {0};
    long double z = 0;
    for (;;) {
        double s = start[y[0]] + end[y[n - 1]];
        for (int i = 0; i < n; i++) s += emit[i * K + y[i]] + (i ? trans[y[i - 1] * K + y[i]] : 0);
        z += expl((long double)(s - shift));
        int i = 0;
        while (i < n && ++y[i] == K) y[i++] = 0;
        if (i == n) break;
    }
    return shift + (double)logl(z);
}

static void random_crf(float *emit, float *trans, float *start, float *end, int n, int K, float scale, Rng *rng) {
    for (int i = 0; i < n * K; i++) emit[i] = scale * rng_normal(rng);
    for (int i = 0; i < K * K; i++) trans[i] = rng_normal(rng);
    for (int k = 0; k < K; k++) start[k] = rng_normal(rng), end[k] = rng_normal(rng);
}

Test(ex08_4, equals_the_sum_over_every_sequence) {
    Rng rng;
    rng_seed(&rng, 84);
    float emit[5 * 3], trans[9], start[3], end[3];
    for (int n = 1; n <= 5; n++) {
        random_crf(emit, trans, start, end, n, 3, 2.0f, &rng);
        double got = ex_crf_log_partition(emit, trans, start, end, n, 3), want = brute(emit, trans, start, end, n, 3, 0);
        cr_assert(fabs(got - want) < 1e-4, "n = %d: log Z %.6f, expected %.6f", n, got, want);
    }
}

Test(ex08_4, no_overflow_with_large_scores) {
    Rng rng;
    rng_seed(&rng, 85);
    float emit[4 * 3], trans[9], start[3], end[3];
    random_crf(emit, trans, start, end, 4, 3, 1.0f, &rng);
    for (int i = 0; i < 12; i++) emit[i] += 400.0f;   // exp(1600) overflows any double
    double got = ex_crf_log_partition(emit, trans, start, end, 4, 3);
    double want = brute(emit, trans, start, end, 4, 3, 1600.0);
    cr_assert(isfinite(got), "log Z must be finite, got %g", got);
    cr_assert(fabs(got - want) < 1e-3, "log Z %.6f, expected %.6f", got, want);
}
