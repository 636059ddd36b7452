// Exercise 07.2, reference solution.
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"

static int by_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int ex_mask_row(const int *ids, int T, int *input, int *positions, int *targets, float mask_prob, int mask_id,
                int first_normal, int V, int (*may_predict)(int id), Rng *rng) {
    memcpy(input, ids, sizeof(int) * (size_t)T);
    int *cand = malloc(sizeof(int) * (size_t)T), n = 0;
    for (int t = 0; t < T; t++)
        if (may_predict(ids[t])) cand[n++] = t;
    if (!n) {
        free(cand);
        return 0;
    }
    int want = (int)lroundf(mask_prob * (float)n);
    if (want < 1) want = 1;
    rng_shuffle(rng, cand, n);   // a uniform random order: its first `want` are a uniform choice
    qsort(cand, (size_t)want, sizeof(int), by_int);
    for (int k = 0; k < want; k++) {
        int t = cand[k];
        positions[k] = t, targets[k] = ids[t];
        float u = rng_uniform(rng);
        if (u < 0.8f) input[t] = mask_id;
        else if (u < 0.9f) input[t] = first_normal + rng_int(rng, V - first_normal);
    }
    free(cand);
    return want;
}
