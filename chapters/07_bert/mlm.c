// mlm.c: see mlm.h.
#include "chapters/07_bert/mlm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

int mlm_max_targets(int B, int T, float mask_prob) { return B * ((int)lroundf(mask_prob * (float)T) + 1); }

static int is_special(const WordPiece *wp, int id) {
    for (int s = 0; s < WP_N_SPECIAL; s++)
        if (wp->special[s] == id) return 1;
    return 0;
}

static int random_token(const WordPiece *wp, Rng *rng) {
    int V = wordpiece_size(wp), id;
    do id = rng_int(rng, V);
    while (is_special(wp, id));
    return id;
}

static int by_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int mlm_mask(const WordPiece *wp, const int *ids, int *input, int B, int T, const MaskOpts *o, Rng *rng,
             int *positions, int *targets, MaskStats *stats) {
    memcpy(input, ids, sizeof(int) * (size_t)B * T);
    int *group_start = xmalloc(sizeof(int) * (size_t)T), *group_len = xmalloc(sizeof(int) * (size_t)T);
    int *order = xmalloc(sizeof(int) * (size_t)T), *chosen = xmalloc(sizeof(int) * (size_t)T);
    int M = 0;
    for (int b = 0; b < B; b++) {
        const int *row = ids + (size_t)b * T;
        // the units that can be chosen: single tokens, or whole words
        int n_groups = 0, n_tokens = 0;
        for (int t = 0; t < T; t++) {
            int id = row[t];
            if (is_special(wp, id)) continue;
            n_tokens++;
            if (o->whole_word && n_groups > 0 && wordpiece_is_continuation(wp, id) &&
                group_start[n_groups - 1] + group_len[n_groups - 1] == t)
                group_len[n_groups - 1]++;
            else group_start[n_groups] = t, group_len[n_groups] = 1, n_groups++;
        }
        if (!n_tokens) continue;
        int want = (int)lroundf(o->mask_prob * (float)n_tokens);
        if (want < 1) want = 1;
        for (int g = 0; g < n_groups; g++) order[g] = g;
        rng_shuffle(rng, order, n_groups);
        int n_chosen = 0;
        for (int k = 0; k < n_groups && n_chosen < want; k++) {
            int g = order[k];
            if (n_chosen + group_len[g] > want) continue;   // a word that does not fit: try the next
            for (int i = 0; i < group_len[g]; i++) chosen[n_chosen++] = group_start[g] + i;
        }
        qsort(chosen, (size_t)n_chosen, sizeof(int), by_int);
        for (int k = 0; k < n_chosen; k++) {
            int t = chosen[k], flat = b * T + t;
            positions[M] = flat, targets[M] = row[t], M++;
            float r = rng_uniform(rng);
            if (r < 0.8f) input[flat] = wp->special[WP_MASK];
            else if (r < 0.9f) input[flat] = random_token(wp, rng);
            if (stats) stats->to_mask += r < 0.8f, stats->to_random += r >= 0.8f && r < 0.9f, stats->kept += r >= 0.9f;
        }
        if (stats) stats->chosen += n_chosen;
    }
    free(group_start), free(group_len), free(order), free(chosen);
    return M;
}
