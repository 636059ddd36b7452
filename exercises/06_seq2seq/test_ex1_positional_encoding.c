// Grades exercise 06.1: against the chapter's table, and the property that makes
// sinusoids useful: pe[t] . pe[t+k] depends on the offset k only (each pair of features
// is a rotation), so attention can learn "k positions back" once for every t.
#include <criterion/criterion.h>
#include <math.h>

#include "chapters/06_seq2seq/posenc.h"

void ex_posenc_sinusoidal(float *pe, int T_max, int C);

enum { T = 50, C = 16 };

Test(ex06_1, matches_equation_6_1) {
    float mine[T * C], ref[T * C];
    for (int i = 0; i < T * C; i++) mine[i] = NAN;
    ex_posenc_sinusoidal(mine, T, C);
    posenc_sinusoidal(ref, T, C);
    for (int i = 0; i < T * C; i++)
        cr_assert(fabsf(mine[i] - ref[i]) < 1e-6f, "pe[%d][%d] = %g, expected %g (even columns sin, odd cos)", i / C,
                  i % C, mine[i], ref[i]);
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
