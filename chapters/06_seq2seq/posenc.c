#include "chapters/06_seq2seq/posenc.h"

#include <math.h>
#include <stddef.h>

#include "chapters/03_imdb_sentiment/embedding.h"

void posenc_sinusoidal(float *pe, int T_max, int C) {
    for (int t = 0; t < T_max; t++)
        for (int i = 0; i < C / 2; i++) {
            // wavelengths from 2 pi to 10000 * 2 pi: each pair of features is a clock
            // hand turning at its own speed, and pe[t + k] is a fixed rotation of pe[t]
            double angle = t / pow(10000.0, 2.0 * i / C);
            pe[(size_t)t * C + 2 * i] = (float)sin(angle);
            pe[(size_t)t * C + 2 * i + 1] = (float)cos(angle);
        }
}

void posenc_add_forward(float *x, const float *pe, int B, int T, int C) {
    for (int b = 0; b < B; b++)
        for (size_t i = 0; i < (size_t)T * C; i++) x[(size_t)b * T * C + i] += pe[i];
}

void posenc_add_backward(float *d_pe, const float *d_x, int B, int T, int C) {
    for (int b = 0; b < B; b++)
        for (size_t i = 0; i < (size_t)T * C; i++) d_pe[i] += d_x[(size_t)b * T * C + i];
}

void embed_forward(float *x, const float *tok_emb, const float *pe, const int *ids, int B, int T, int C) {
    const float scale = sqrtf((float)C);
    embedding_forward(x, tok_emb, ids, B * T, C);
    for (size_t i = 0; i < (size_t)B * T * C; i++) x[i] *= scale;
    posenc_add_forward(x, pe, B, T, C);
}

void embed_backward(float *d_tok_emb, float *d_pe, float *scratch, const float *d_x, const int *ids, int B, int T,
                    int C) {
    const float scale = sqrtf((float)C);
    for (size_t i = 0; i < (size_t)B * T * C; i++) scratch[i] = d_x[i] * scale;
    embedding_backward(d_tok_emb, scratch, ids, B * T, C);
    if (d_pe) posenc_add_backward(d_pe, d_x, B, T, C);
}
