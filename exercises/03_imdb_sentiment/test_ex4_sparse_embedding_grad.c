// Grades exercise 03.4: the sparse gradient equals the dense scatter-add, row by row.
#include <criterion/criterion.h>

#include "chapters/03_imdb_sentiment/embedding.h"
#include "common/rng.h"

int ex_sparse_embedding_grad(int *rows, float *d_rows, const float *d_out, const int *ids, int N, int D, int *slot_of);

Test(ex03_4, equals_the_dense_scatter_add) {
    enum { V = 50, N = 40, D = 3 };
    Rng rng;
    rng_seed(&rng, 4);
    int ids[N], rows[N], slot_of[V];
    float d_out[N * D], d_rows[N * D], dense[V * D] = {0};
    for (int i = 0; i < N; i++) ids[i] = rng_int(&rng, 12) * 4;   // many repeats, rows 0, 4, ..., 44
    for (int i = 0; i < N * D; i++) d_out[i] = rng_normal(&rng), d_rows[i] = 99.0f;
    for (int r = 0; r < V; r++) slot_of[r] = -1;
    embedding_backward(dense, d_out, ids, N, D);
    int U = ex_sparse_embedding_grad(rows, d_rows, d_out, ids, N, D, slot_of);
    int distinct = 0, seen[V] = {0};
    for (int i = 0; i < N; i++) distinct += !seen[ids[i]]++;
    cr_assert_eq(U, distinct, "U = %d, but the batch has %d distinct ids", U, distinct);
    // rows lists the distinct ids in the order they first appear in ids, all of them
    int want[N], n_want = 0, listed[V] = {0};
    for (int i = 0; i < N; i++)
        if (!listed[ids[i]]++) want[n_want++] = ids[i];
    for (int k = 0; k < U; k++)
        cr_assert_eq(rows[k], want[k], "rows[%d] = %d, but the %d-th distinct id to appear is %d", k, rows[k], k + 1,
                     want[k]);
    for (int k = 0; k < U; k++)
        for (int d = 0; d < D; d++)
            cr_assert_float_eq(d_rows[k * D + d], dense[rows[k] * D + d], 1e-5, "row %d (id %d), entry %d", k, rows[k],
                               d);
    for (int r = 0; r < V; r++) cr_assert_eq(slot_of[r], -1, "slot_of[%d] was not reset", r);
}
