// Grades exercise 06.3 against a brute-force selection (sort all K*V candidates),
// with empty slots and repeated scores.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "common/rng.h"

int ex_beam_select(const float *beam_score, const float *logp, int K, int V, int *out_beam, int *out_token,
                   float *out_score);

typedef struct {
    float s;
    int idx;
} Cand;
static int cmp(const void *a, const void *b) {
    const Cand *x = a, *y = b;
    if (x->s != y->s) return x->s > y->s ? -1 : 1;
    return x->idx - y->idx;
}

Test(ex06_3, matches_brute_force) {
    enum { K = 4, V = 6 };
    Rng rng;
    rng_seed(&rng, 63);
    for (int trial = 0; trial < 50; trial++) {
        float beam[K], logp[K * V], score[K];
        int b[K], t[K];
        for (int k = 0; k < K; k++) beam[k] = trial % 5 == 0 && k > 0 ? -INFINITY : -(float)rng_int(&rng, 4);
        for (int i = 0; i < K * V; i++) logp[i] = -(float)rng_int(&rng, 6) * 0.5f;   // many ties
        Cand all[K * V];
        int n_all = 0;
        for (int k = 0; k < K; k++)
            if (isfinite(beam[k]))
                for (int v = 0; v < V; v++) all[n_all] = (Cand){beam[k] + logp[k * V + v], k * V + v}, n_all++;
        qsort(all, (size_t)n_all, sizeof(Cand), cmp);
        int want = n_all < K ? n_all : K;
        int got = ex_beam_select(beam, logp, K, V, b, t, score);
        cr_assert_eq(got, want, "trial %d: %d candidates written, expected %d", trial, got, want);
        for (int i = 0; i < want; i++) {
            cr_assert(b[i] * V + t[i] == all[i].idx && score[i] == all[i].s,
                      "trial %d, rank %d: (beam %d, token %d, %g), expected (beam %d, token %d, %g)", trial, i, b[i],
                      t[i], score[i], all[i].idx / V, all[i].idx % V, all[i].s);
        }
    }
}

Test(ex06_3, fewer_candidates_than_slots) {
    // one live beam of 8, two tokens: only 2 candidates, and the 6 empty slots are skipped
    enum { K = 8, V = 2 };
    float beam[K], logp[K * V], score[K];
    int b[K], t[K];
    for (int k = 0; k < K; k++) beam[k] = k == 5 ? -1.0f : -INFINITY;
    for (int i = 0; i < K * V; i++) logp[i] = -0.5f * (float)(i % 3);
    int got = ex_beam_select(beam, logp, K, V, b, t, score);
    cr_assert_eq(got, 2, "%d candidates written: only beam 5 is alive, with 2 tokens", got);
    for (int i = 0; i < 2; i++) cr_assert_eq(b[i], 5, "candidate %d comes from beam %d, an empty slot", i, b[i]);
    cr_assert(score[0] >= score[1], "not best first");
}
