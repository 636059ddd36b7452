// Exercise 03.4 (**): the sparse embedding gradient -- reference solution.
#include <string.h>

int ex_sparse_embedding_grad(int *rows, float *d_rows, const float *d_out, const int *ids, int N, int D, int *slot_of) {
    int U = 0;
    for (int i = 0; i < N; i++)
        if (slot_of[ids[i]] < 0) slot_of[ids[i]] = U, rows[U++] = ids[i];
    memset(d_rows, 0, sizeof(float) * (size_t)U * D);
    for (int i = 0; i < N; i++) {   // eq. (03.2), into the compact table
        float *dst = d_rows + (size_t)slot_of[ids[i]] * D;
        for (int d = 0; d < D; d++) dst[d] += d_out[(size_t)i * D + d];
    }
    for (int k = 0; k < U; k++) slot_of[rows[k]] = -1;
    return U;
}
