// Grades exercise 06.1: against (6.1) computed here in double precision, up to position
// 10,000, and the property that makes
// sinusoids useful: pe[t] . pe[t+k] depends on the offset k only (each pair of features
// is a rotation), so attention can learn "k positions back" once for every t.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

void ex_posenc_sinusoidal(float *pe, int T_max, int C);

enum { T = 50, C = 16, T_LONG = 10000 };

Test(ex06_1, matches_equation_6_1_up_to_position_10000) {
    // At t near 10^4 an angle computed in float has lost the digits that matter
    // (relative error 6e-8 of 10^4 is 6e-4 radians): compute it in double.
    float *mine = malloc(sizeof(float) * T_LONG * C);
    for (int i = 0; i < T_LONG * C; i++) mine[i] = NAN;
    ex_posenc_sinusoidal(mine, T_LONG, C);
    for (int t = 0; t < T_LONG; t++)
        for (int i = 0; i < C / 2; i++) {
            double angle = t / pow(10000.0, 2.0 * i / C);
            float s = mine[t * C + 2 * i], c = mine[t * C + 2 * i + 1];
            cr_assert(fabs(s - sin(angle)) < 2e-6 && fabs(c - cos(angle)) < 2e-6,
                      "pe[%d][%d..%d] = (%g, %g), expected (sin, cos) = (%g, %g)%s", t, 2 * i, 2 * i + 1, s, c,
                      sin(angle), cos(angle), t > 1000 ? " (angle computed in float?)" : "");
        }
    free(mine);
}

Test(ex06_1, dot_product_depends_only_on_the_offset) {
    float pe[T * C];
    ex_posenc_sinusoidal(pe, T, C);
    for (int k = 1; k < 5; k++) {
        double first = 0;
        for (int c = 0; c < C; c++) first += pe[0 * C + c] * pe[k * C + c];
        for (int t = 1; t + k < T; t++) {
            double d = 0;
            for (int c = 0; c < C; c++) d += pe[t * C + c] * pe[(t + k) * C + c];
            cr_assert(fabs(d - first) < 1e-4, "pe[%d].pe[%d] = %g but pe[0].pe[%d] = %g", t, t + k, d, k, first);
        }
    }
}
