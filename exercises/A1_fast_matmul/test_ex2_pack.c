// Grades exercise A1.2: the sliver layout on a case small enough to write out by hand,
// then on a ragged block in the middle of a larger matrix (padding included).
#include <criterion/criterion.h>
#include <math.h>

void ex_pack_slivers(float *dst, const float *src, int ld, int j0, int width, int k0, int kc, int w);

Test(exA1_2, hand_computed) {
    // X is 2 x 3: [1 2 3; 4 5 6]. Whole block, slivers of w = 2 columns:
    //   sliver 0: k=0 -> 1 2, k=1 -> 4 5;   sliver 1: k=0 -> 3 0, k=1 -> 6 0 (padding)
    float X[6] = {1, 2, 3, 4, 5, 6}, dst[8];
    for (int i = 0; i < 8; i++) dst[i] = NAN;
    ex_pack_slivers(dst, X, 3, 0, 3, 0, 2, 2);
    float want[8] = {1, 2, 4, 5, 3, 0, 6, 0};
    for (int i = 0; i < 8; i++) cr_assert(dst[i] == want[i], "dst[%d] = %g, expected %g", i, dst[i], want[i]);
}

Test(exA1_2, block_inside_a_larger_matrix) {
    enum { ROWS = 9, LD = 13, J0 = 2, WIDTH = 7, K0 = 3, KC = 5, W = 4 };
    float X[ROWS * LD], dst[2 * W * KC];
    for (int i = 0; i < ROWS * LD; i++) X[i] = (float)i;
    for (int i = 0; i < 2 * W * KC; i++) dst[i] = NAN;
    ex_pack_slivers(dst, X, LD, J0, WIDTH, K0, KC, W);
    for (int s = 0; s < 2; s++)
        for (int k = 0; k < KC; k++)
            for (int c = 0; c < W; c++) {
                int j = s * W + c;
                float want = j < WIDTH ? X[(K0 + k) * LD + J0 + j] : 0.0f;
                float got = dst[s * W * KC + k * W + c];
                cr_assert(got == want, "sliver %d, k %d, c %d: %g, expected %g%s", s, k, c, got, want,
                          j < WIDTH ? "" : " (padding)");
            }
}
