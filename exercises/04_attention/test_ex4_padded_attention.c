// Grades exercise 04.4: padded single-head attention against the chapter's
// attention_forward, padding that must not leak, and an empty sequence.
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "chapters/04_attention/attention.h"
#include "common/rng.h"

void ex_padded_attention(float *out, float *probs, const float *q, const float *k, const float *v,
                         const int *lengths, int B, int T, int d);

enum { B = 3, T = 5, D = 4, N = B * T * D };

static void make(float *q, float *k, float *v, Rng *rng) {
    for (int i = 0; i < N; i++) q[i] = rng_normal(rng), k[i] = rng_normal(rng), v[i] = rng_normal(rng);
}

Test(ex04_4, hand_computed) {
    // One sequence, T = 2, d = 1, length 1: the only visible key is key 0, so p = (1, 0)
    // for both rows and out = v_0 = 3 for both, whatever the padded v_1 = 100.
    float q[2] = {1, 2}, k[2] = {1, 50}, v[2] = {3, 100}, out[2], probs[4];
    int len[1] = {1};
    ex_padded_attention(out, probs, q, k, v, len, 1, 2, 1);
    cr_assert_float_eq(out[0], 3.0f, 1e-6, "out[0] = %g, expected 3", out[0]);
    cr_assert_float_eq(out[1], 3.0f, 1e-6, "out[1] = %g, expected 3", out[1]);
    cr_assert_eq(probs[1], 0.0f, "a padded key must get probability exactly 0");
    cr_assert_float_eq(probs[0], 1.0f, 1e-6);
}

Test(ex04_4, matches_the_chapter) {
    Rng rng;
    rng_seed(&rng, 9);
    float q[N], k[N], v[N], out[N], ref[N], probs[B * T * T], ref_p[B * T * T];
    make(q, k, v, &rng);
    int len[B] = {5, 3, 1};
    ex_padded_attention(out, probs, q, k, v, len, B, T, D);
    attention_forward(ref, ref_p, q, k, v, len, 0, 1.0f / sqrtf((float)D), B, 1, T, D);
    for (int i = 0; i < N; i++) cr_assert_float_eq(out[i], ref[i], 1e-5, "out[%d] = %g, expected %g", i, out[i], ref[i]);
    for (int i = 0; i < B * T * T; i++)
        cr_assert_float_eq(probs[i], ref_p[i], 1e-5, "probs[%d] = %g, expected %g", i, probs[i], ref_p[i]);
}

Test(ex04_4, padding_does_not_leak) {
    Rng rng;
    rng_seed(&rng, 10);
    float q[N], k[N], v[N], out1[N], out2[N], probs[B * T * T];
    make(q, k, v, &rng);
    int len[B] = {2, 4, 5};
    ex_padded_attention(out1, probs, q, k, v, len, B, T, D);
    for (int b = 0; b < B; b++)   // new keys and values in the padding
        for (int t = len[b]; t < T; t++)
            for (int i = 0; i < D; i++) k[(b * T + t) * D + i] += 10, v[(b * T + t) * D + i] -= 10;
    ex_padded_attention(out2, probs, q, k, v, len, B, T, D);
    for (int b = 0; b < B; b++)
        for (int i = 0; i < T * D; i++)   // every query row, real or padded, ignores padded keys
            cr_assert_float_eq(out1[b * T * D + i], out2[b * T * D + i], 1e-6, "sequence %d: padding leaked", b);
}

Test(ex04_4, empty_sequence_gives_zeros_not_nan) {
    Rng rng;
    rng_seed(&rng, 11);
    float q[N], k[N], v[N], out[N], probs[B * T * T];
    make(q, k, v, &rng);
    for (int i = 0; i < N; i++) out[i] = NAN;
    int len[B] = {0, 5, 0};
    ex_padded_attention(out, probs, q, k, v, len, B, T, D);
    for (int i = 0; i < T * D; i++) cr_assert_eq(out[i], 0.0f, "empty sequence: out[%d] = %g, expected 0", i, out[i]);
    float ref[N], ref_p[B * T * T];
    attention_forward(ref, ref_p, q, k, v, len, 0, 1.0f / sqrtf((float)D), B, 1, T, D);
    for (int i = T * D; i < 2 * T * D; i++) cr_assert_float_eq(out[i], ref[i], 1e-5, "full sequence: out[%d]", i);
}
