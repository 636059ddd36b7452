// ngram.c: see ngram.h. Counting by sorting: every (left, right, middle) triple of the
// corpus becomes one 64-bit key; after sorting, equal triples are adjacent and equal
// (left, right) contexts are runs, so one scan finds each context's commonest middle.
#include "chapters/07_bert/ngram.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

static int by_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

// keys (n), each context * V + middle, are sorted and then overwritten by the unique
// contexts, ascending (a context is written only after its run has been read);
// *best (one per context) gets the commonest middle. Returns how many contexts.
static long best_per_context(uint64_t *keys, long n, uint64_t V, int **best) {
    qsort(keys, (size_t)n, sizeof(uint64_t), by_u64);
    int *mid = xmalloc(sizeof(int) * (size_t)(n + 1));
    long n_ctx = 0;
    for (long i = 0; i < n;) {
        const uint64_t c = keys[i] / V;
        long best_count = 0;
        int best_mid = 0;
        while (i < n && keys[i] / V == c) {
            long j = i;
            while (j < n && keys[j] == keys[i]) j++;
            if (j - i > best_count) best_count = j - i, best_mid = (int)(keys[i] % V);
            i = j;
        }
        keys[n_ctx] = c, mid[n_ctx] = best_mid, n_ctx++;
    }
    *best = mid;
    return n_ctx;
}

static long find(const uint64_t *ctx, long n, uint64_t c) {
    long lo = 0, hi = n - 1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (ctx[mid] == c) return mid;
        if (ctx[mid] < c) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

NgramResult ngram_baseline(const int *seqs, int n, int T, int vocab, const EvalSet *held, const int *held_seqs) {
    const uint64_t V = (uint64_t)vocab;
    // middles that can be asked about: not the five specials
    const long cap = (long)n * (T - 2);
    uint64_t *tri = xmalloc(sizeof(uint64_t) * (size_t)(cap + 1)), *bi;
    long *uni = calloc((size_t)vocab, sizeof(long));
    long nt = 0;
    for (long s = 0; s < n; s++) {
        const int *q = seqs + s * T;
        for (int t = 1; t + 1 < T; t++) {
            if (q[t] < WP_N_SPECIAL) continue;
            const uint64_t l = (uint64_t)q[t - 1], r = (uint64_t)q[t + 1], m = (uint64_t)q[t];
            tri[nt++] = (l * V + r) * V + m, uni[m]++;
        }
    }
    // the bigram keys are the trigram keys without the right neighbour
    bi = xmalloc(sizeof(uint64_t) * (size_t)(nt + 1));
    for (long i = 0; i < nt; i++) bi[i] = (tri[i] / (V * V)) * V + tri[i] % V;
    int *tri_best, *bi_best;
    const long n_tri = best_per_context(tri, nt, V, &tri_best);
    const long n_bi = best_per_context(bi, nt, V, &bi_best);
    const uint64_t *tri_ctx = tri, *bi_ctx = bi;
    int top = WP_N_SPECIAL;
    for (int v = WP_N_SPECIAL; v < vocab; v++)
        if (uni[v] > uni[top]) top = v;
    NgramResult res = {0};
    long right = 0;
    for (int k = 0; k < held->n_batches; k++) {
        const int *q0 = held_seqs + (size_t)k * held->batch * held->T;
        for (int i = held->batch_start[k]; i < held->batch_start[k + 1]; i++) {
            const int p = held->positions[i], t = p % held->T;
            const int *q = q0 + (p - t);
            const uint64_t l = (uint64_t)q[t > 0 ? t - 1 : 0], r = (uint64_t)q[t + 1 < held->T ? t + 1 : t];
            long at;
            int guess;
            if ((at = find(tri_ctx, n_tri, l * V + r)) >= 0) guess = tri_best[at], res.by_pair++;
            else if ((at = find(bi_ctx, n_bi, l)) >= 0) guess = bi_best[at], res.by_left++;
            else guess = top, res.by_unigram++;
            right += guess == held->targets[i], res.targets++;
        }
    }
    res.accuracy = res.targets ? (double)right / (double)res.targets : 0;
    free(tri), free(bi), free(tri_best), free(bi_best), free(uni);
    return res;
}
