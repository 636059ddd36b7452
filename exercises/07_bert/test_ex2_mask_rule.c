// Grades exercise 07.2: how many are chosen, which may be, that targets are the
// originals and the rest is untouched, and the 80/10/10 split over 20,000 choices.
#include <criterion/criterion.h>
#include <math.h>

#include "common/rng.h"

int ex_mask_row(const int *ids, int T, int *input, int *positions, int *targets, float mask_prob, int mask_id,
                int first_normal, int V, int (*may_predict)(int id), Rng *rng);

enum { PAD, UNK, CLS, SEP, MASK, FIRST, V = 50, T = 40 };
static int may_predict(int id) { return id >= FIRST; }

Test(ex07_2, counts_choices_and_80_10_10) {
    Rng rng;
    rng_seed(&rng, 72);
    long masked = 0, random = 0, kept = 0, chosen = 0;
    int seen_position[T] = {0};
    for (int row = 0; row < 1000; row++) {
        int ids[T], input[T], pos[T], tgt[T];
        for (int t = 0; t < T; t++) ids[t] = t == 0 ? CLS : t == T - 1 ? SEP : t == 5 ? UNK : FIRST + rng_int(&rng, V - FIRST);
        int M = ex_mask_row(ids, T, input, pos, tgt, 0.15f, MASK, FIRST, V, may_predict, &rng);
        cr_assert_eq(M, 6, "37 tokens may be predicted: round(0.15 * 37) = 6 chosen, got %d", M);
        int is_chosen[T] = {0};
        for (int k = 0; k < M; k++) {
            cr_assert(pos[k] != 0 && pos[k] != T - 1 && pos[k] != 5, "position %d may not be chosen", pos[k]);
            if (k > 0) cr_assert_gt(pos[k], pos[k - 1], "positions in increasing order");
            cr_assert_eq(tgt[k], ids[pos[k]], "the target is the original token");
            is_chosen[pos[k]] = 1, seen_position[pos[k]]++;
            int in = input[pos[k]];
            if (in == MASK) masked++;
            else if (in == ids[pos[k]]) kept++;
            else {
                cr_assert(in >= FIRST && in < V, "a random replacement must be a normal token, got %d", in);
                random++;
            }
        }
        for (int t = 0; t < T; t++)
            if (!is_chosen[t]) cr_assert_eq(input[t], ids[t], "position %d changed without being chosen", t);
        chosen += M;
    }
    // a random draw equal to the original counts as kept: 1/45 of the 10%
    double pm = masked / (double)chosen, pr = random / (double)chosen, pk = kept / (double)chosen;
    cr_assert(fabs(pm - 0.8) < 0.015, "[MASK] %.3f of the time, expected 0.8", pm);
    cr_assert(fabs(pr - 0.1 * 44 / 45) < 0.01, "random %.3f of the time, expected about 0.1", pr);
    cr_assert(fabs(pk - (0.1 + 0.1 / 45)) < 0.01, "unchanged %.3f of the time, expected about 0.1", pk);
    for (int t = 1; t < T - 1; t++)   // every allowed position is chosen about 6/37 of the time
        if (t != 5) cr_assert(fabs(seen_position[t] / 1000.0 - 6.0 / 37) < 0.05, "position %d chosen %d times", t, seen_position[t]);
}
