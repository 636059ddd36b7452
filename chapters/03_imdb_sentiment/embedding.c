// embedding.c: the layers of embedding.h. README section 03.2.
#include "chapters/03_imdb_sentiment/embedding.h"

#include <string.h>

void embedding_forward(float *out, const float *table, const int *ids, int N, int D) {
    for (int i = 0; i < N; i++) memcpy(out + (size_t)i * D, table + (size_t)ids[i] * D, sizeof(float) * (size_t)D);
}

// (03.2): out[i] = sum_v [ids[i] = v] table[v], so dL/dtable[v] = sum_{i: ids[i]=v} d_out[i].
void embedding_backward(float *d_table, const float *d_out, const int *ids, int N, int D) {
    for (int i = 0; i < N; i++) {
        float *dst = d_table + (size_t)ids[i] * D;
        const float *src = d_out + (size_t)i * D;
        for (int d = 0; d < D; d++) dst[d] += src[d];
    }
}

// Count of the positions of row b that are not padding.
static int row_count(const int *ids_row, int pad_id, int T) {
    int n = 0;
    for (int t = 0; t < T; t++) n += ids_row[t] != pad_id;
    return n;
}

void masked_mean_forward(float *out, const float *x, const int *ids, int pad_id, int B, int T, int D) {
    for (int b = 0; b < B; b++) {
        const int *row = ids + (size_t)b * T;
        float *o = out + (size_t)b * D;
        memset(o, 0, sizeof(float) * (size_t)D);
        int n = row_count(row, pad_id, T);
        if (n == 0) continue;   // an empty review: the zero vector (03.3)
        for (int t = 0; t < T; t++) {
            if (row[t] == pad_id) continue;
            const float *xt = x + ((size_t)b * T + t) * D;
            for (int d = 0; d < D; d++) o[d] += xt[d];
        }
        float inv = 1.0f / (float)n;
        for (int d = 0; d < D; d++) o[d] *= inv;
    }
}

// (03.4): d out[b,d] / d x[b,t,d] = m_bt / n_b, with m_bt = 1 unless position t is PAD.
void masked_mean_backward(float *d_x, const float *d_out, const int *ids, int pad_id, int B, int T, int D) {
    for (int b = 0; b < B; b++) {
        const int *row = ids + (size_t)b * T;
        int n = row_count(row, pad_id, T);
        if (n == 0) continue;   // nothing reached the output, nothing flows back
        float inv = 1.0f / (float)n;
        const float *g = d_out + (size_t)b * D;
        for (int t = 0; t < T; t++) {
            if (row[t] == pad_id) continue;
            float *dx = d_x + ((size_t)b * T + t) * D;
            for (int d = 0; d < D; d++) dx[d] += g[d] * inv;
        }
    }
}
