// Grades exercise 04.1: the causal softmax against hand-computed values, exact zeros
// above the diagonal, rows summing to 1, and huge scores.
#include <criterion/criterion.h>
#include <math.h>

void ex_causal_softmax(float *probs, const float *scores, int T);

Test(ex04_1, hand_computed) {
    // Row 0 sees only key 0: (1, 0, 0), whatever the 100 beside it.
    // Row 1 sees keys 0, 1: softmax(0, ln 3) = (1/4, 3/4); its key 2 (1e9) is the future
    // and must change nothing (it would win the max and the sum if it took part).
    // Row 2 sees all: softmax(1, 1, 1) = 1/3 each.
    float s[9] = {5, 100, -7, 0, logf(3.0f), 1e9f, 1, 1, 1}, p[9];
    ex_causal_softmax(p, s, 3);
    float want[9] = {1, 0, 0, 0.25f, 0.75f, 0, 1.0f / 3, 1.0f / 3, 1.0f / 3};
    for (int i = 0; i < 9; i++) cr_assert_float_eq(p[i], want[i], 1e-6, "probs[%d] = %g, expected %g", i, p[i], want[i]);
}

Test(ex04_1, future_is_exactly_zero_and_rows_sum_to_one) {
    enum { T = 7 };
    float s[T * T], p[T * T];
    for (int i = 0; i < T * T; i++) s[i] = sinf((float)i) * 3;
    ex_causal_softmax(p, s, T);
    for (int t = 0; t < T; t++) {
        double sum = 0;
        for (int j = 0; j < T; j++) {
            if (j > t) cr_assert_eq(p[t * T + j], 0.0f, "probs[%d][%d] = %g must be exactly 0", t, j, p[t * T + j]);
            sum += p[t * T + j];
        }
        cr_assert_float_eq(sum, 1.0, 1e-5, "row %d sums to %g", t, sum);
    }
}

Test(ex04_1, huge_scores_stay_finite) {
    float s[4] = {1e30f, -1e30f, 1e30f, 1e30f}, p[4];
    ex_causal_softmax(p, s, 2);
    for (int i = 0; i < 4; i++) cr_assert(isfinite(p[i]), "probs[%d] = %g", i, p[i]);
    cr_assert_float_eq(p[0], 1.0f, 1e-6);
    cr_assert_float_eq(p[2], 0.5f, 1e-6);
}
