// Grades exercise 04.3: split/merge of heads by hand, against the chapter's
// mha_split_heads, and merge(split(x)) == x.
#include <criterion/criterion.h>

#include "chapters/04_attention/mha.h"

void ex_split_heads(float *out, const float *x, int B, int T, int NH, int hd);
void ex_merge_heads(float *out, const float *x, int B, int T, int NH, int hd);

Test(ex04_3, hand_computed) {
    // B=1, T=2, NH=2, hd=2: rows (0 1 | 2 3) and (4 5 | 6 7)
    // head 0 = positions' first halves [[0,1],[4,5]], head 1 = [[2,3],[6,7]]
    float x[8] = {0, 1, 2, 3, 4, 5, 6, 7}, h[8] = {0}, back[8] = {0};
    ex_split_heads(h, x, 1, 2, 2, 2);
    float want[8] = {0, 1, 4, 5, 2, 3, 6, 7};
    for (int i = 0; i < 8; i++) cr_assert_eq(h[i], want[i], "split[%d] = %g, expected %g", i, h[i], want[i]);
    ex_merge_heads(back, want, 1, 2, 2, 2);
    for (int i = 0; i < 8; i++) cr_assert_eq(back[i], x[i], "merge[%d] = %g, expected %g", i, back[i], x[i]);
}

Test(ex04_3, matches_the_chapter_and_round_trips) {
    enum { B = 2, T = 3, NH = 4, HD = 5, N = B * T * NH * HD };
    float x[N], mine[N], ref[N], back[N];
    for (int i = 0; i < N; i++) x[i] = (float)i;
    ex_split_heads(mine, x, B, T, NH, HD);
    mha_split_heads(ref, x, B, T, NH, HD);
    for (int i = 0; i < N; i++) cr_assert_eq(mine[i], ref[i], "split: entry %d is %g, expected %g", i, mine[i], ref[i]);
    ex_merge_heads(back, mine, B, T, NH, HD);
    for (int i = 0; i < N; i++) cr_assert_eq(back[i], x[i], "merge(split(x)) differs from x at %d", i);
}
