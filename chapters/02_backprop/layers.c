// layers.c: the forward/backward pairs declared in layers.h.
// Every backward pass is derived in chapters/02_backprop/README.md, section
// "Tensor layers"; the equation numbers below refer to it.
#include "chapters/02_backprop/layers.h"

#include <math.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/expf_vec.h"
#include "common/matmul.h"
#include "common/mem.h"

// ---- linear: y = x W^T + b, README eq. (2.4) ----------------------------------------

// x (B,In), W (Out,In), b (Out) or NULL -> y (B,Out)
void linear_forward(float *y, const float *x, const float *W, const float *b, int B, int In, int Out) {
    matmul(y, x, W, B, Out, In, 0, 1, 0.0f);   // y = x W^T   (W stored (Out,In))
    if (!b) return;
    // a pass over all of y (32 MiB in chapter 09's widest layer): both threads share it
#pragma omp parallel for schedule(static) if ((long)B * Out >= (1L << 16))
    for (int i = 0; i < B; i++)
        for (int o = 0; o < Out; o++) y[(size_t)i * Out + o] += b[o];
}

// d_y (B,Out) -> d_x (B,In) += d_y W      README eq. (2.5)
//                d_W (Out,In) += d_y^T x  README eq. (2.6)
//                d_b (Out) += sum_rows d_y README eq. (2.7)
void linear_backward(float *d_x, float *d_W, float *d_b, const float *d_y, const float *x,
                     const float *W, int B, int In, int Out) {
    if (d_x) matmul(d_x, d_y, W, B, In, Out, 0, 0, 1.0f);
    if (d_W) matmul(d_W, d_y, x, Out, In, B, 1, 0, 1.0f);
    if (!d_b) return;
    // The threads share the columns, 64 at a time: each d_b[o] still adds its rows in
    // order 0, 1, ..., B - 1, so the result does not depend on the thread count.
#pragma omp parallel for schedule(static) if ((long)B * Out >= (1L << 16) && Out > 64)
    for (int o0 = 0; o0 < Out; o0 += 64) {
        const int o1 = o0 + 64 < Out ? o0 + 64 : Out;
        for (int i = 0; i < B; i++)
            for (int o = o0; o < o1; o++) d_b[o] += d_y[(size_t)i * Out + o];
    }
}

// ---- element-wise nonlinearities ------------------------------------------------------

void relu_forward(float *y, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

// The derivative is the step function [x > 0]; at exactly 0 we take 0 (a
// subgradient). README eq. (2.8).
void relu_backward(float *d_x, const float *d_y, const float *x, int n) {
    for (int i = 0; i < n; i++)
        if (x[i] > 0.0f) d_x[i] += d_y[i];
}

void tanh_forward(float *y, const float *x, int n) {
    for (int i = 0; i < n; i++) y[i] = tanhf(x[i]);
}

// tanh'(x) = 1 - tanh(x)^2 = 1 - y^2: the output is all we need. README eq. (2.9).
void tanh_backward(float *d_x, const float *d_y, const float *y, int n) {
    for (int i = 0; i < n; i++) d_x[i] += d_y[i] * (1.0f - y[i] * y[i]);
}

// ---- softmax and cross-entropy ---------------------------------------------------------

// One row: probs = exp(z - max) / sum exp(z - max). Subtracting the max changes
// nothing mathematically (README eq. (2.10)) but keeps every exp() in (0, 1], so
// logits like 1000 do not overflow to Inf. Returns log sum_c exp(z_c) = max +
// log sum exp(z - max), in double (the loss subtracts a logit from it).
double softmax_row(float *probs, const float *z, int C) {
    // The max and the sum run in SOFTMAX_LANES interleaved lanes: lane j takes the
    // entries c = j, j + 8, j + 16, ... A single running max or sum waits for the
    // previous step at every entry (4 cycles for a double add), which made these two
    // loops 90% of the function's own time for an 8,192-word row (perf annotate). Eight
    // lanes are eight independent chains, which gcc 12 and clang 14 both turn into
    // vector instructions (-fopt-info-vec, -Rpass=slp-vectorizer). The max is the same
    // number in any order. The sum is another order of additions (its worst-case
    // rounding error is no larger), fixed here in the source, so any compiler gives the
    // same bits.
    enum { SOFTMAX_LANES = 8 };
    _Static_assert(SOFTMAX_LANES == 8, "the lanes' sum below adds eight lanes");
    _Static_assert(512 % SOFTMAX_LANES == 0, "a block of 512 ends on a whole group of lanes");
    const int C_lanes = C - C % SOFTMAX_LANES;
    float lane_max[SOFTMAX_LANES];
    for (int j = 0; j < SOFTMAX_LANES; j++) lane_max[j] = z[0];
    for (int c = 0; c < C_lanes; c += SOFTMAX_LANES)
        for (int j = 0; j < SOFTMAX_LANES; j++) lane_max[j] = z[c + j] > lane_max[j] ? z[c + j] : lane_max[j];
    for (int c = C_lanes; c < C; c++) lane_max[c - C_lanes] = z[c] > lane_max[c - C_lanes] ? z[c] : lane_max[c - C_lanes];
    float max = lane_max[0];
    for (int j = 1; j < SOFTMAX_LANES; j++)
        if (lane_max[j] > max) max = lane_max[j];
    // probs[c] = expf(z[c] - max), vectorised (common/expf_vec.c: libm's bits on glibc
    // x86-64, 1.2 ns a float instead of 6.5, which matters for a language model's
    // 8,192-word softmax). Block by block, each block summed while it is still in L1.
    double lane_sum[SOFTMAX_LANES] = {0};
    for (int c0 = 0; c0 < C; c0 += 512) {   // 512: a multiple of the lanes
        int end = C - c0 < 512 ? C : c0 + 512;
        expf_shifted(probs + c0, z + c0, max, end - c0);
        int end_lanes = end < C_lanes ? end : C_lanes;
        for (int c = c0; c < end_lanes; c += SOFTMAX_LANES)
            for (int j = 0; j < SOFTMAX_LANES; j++) lane_sum[j] += probs[c + j];
    }
    for (int c = C_lanes; c < C; c++) lane_sum[c - C_lanes] += probs[c];
    double sum = ((lane_sum[0] + lane_sum[1]) + (lane_sum[2] + lane_sum[3])) +
                 ((lane_sum[4] + lane_sum[5]) + (lane_sum[6] + lane_sum[7]));
    float inv = (float)(1.0 / sum);
    for (int c = 0; c < C; c++) probs[c] *= inv;
    return (double)max + log(sum);
}

// logits (B,C) -> probs (B,C)
void softmax_forward(float *probs, const float *logits, int B, int C) {
    for (int i = 0; i < B; i++) softmax_row(probs + (size_t)i * C, logits + (size_t)i * C, C);
}

// Loss per row: -log p_t = log sum_c exp(z_c) - z_t, README eq. (2.11). Computed
// this way it never takes log(0), even when p_t underflows to 0 in float.
// Rows are independent, so large batches share them between threads (chapter 09's
// language model: 256 rows x 8,192 words a call, 17M exponentials a step).
void softmax_xent_rows(float *probs, double *row_loss, const float *logits, const int *targets, int B, int C) {
    for (int i = 0; i < B; i++)
        if (targets[i] < 0 || targets[i] >= C)
            DIE("softmax_xent_rows: target %d of row %d (of this call's %d) is not in [0,%d)", targets[i], i, B, C);
#pragma omp parallel for schedule(static) if ((long)B * C >= (1L << 16))
    for (int i = 0; i < B; i++) {
        const float *z = logits + (size_t)i * C;
        row_loss[i] = softmax_row(probs + (size_t)i * C, z, C) - (double)z[targets[i]];
    }
}

// The row losses are added in row order, so the mean does not depend on the thread count.
float softmax_xent_forward(float *probs, const float *logits, const int *targets, int B, int C) {
    double *row_loss = xmalloc(sizeof(double) * (size_t)(B > 0 ? B : 1));
    softmax_xent_rows(probs, row_loss, logits, targets, B, C);
    double total = 0.0;
    for (int i = 0; i < B; i++) total += row_loss[i];
    free(row_loss);
    return (float)(total / B);
}

// d_logits (rows,C) += (probs - onehot(targets)) / batch, README eq. (2.12); with
// accumulate = 0, d_logits = that, and what it held before is never read.
static void xent_gradient(float *d_logits, const float *probs, const int *targets, int rows, int C, int batch,
                          int accumulate) {
    float inv_b = 1.0f / (float)batch;
#pragma omp parallel for schedule(static) if ((long)rows * C >= (1L << 16))
    for (int i = 0; i < rows; i++) {
        const float *p = probs + (size_t)i * C;
        float *d = d_logits + (size_t)i * C;
        if (accumulate)
            for (int c = 0; c < C; c++) d[c] += (p[c] - (c == targets[i] ? 1.0f : 0.0f)) * inv_b;
        else
            for (int c = 0; c < C; c++) d[c] = (p[c] - (c == targets[i] ? 1.0f : 0.0f)) * inv_b;
    }
}

void softmax_xent_backward(float *d_logits, const float *probs, const int *targets, int B, int C) {
    xent_gradient(d_logits, probs, targets, B, C, B, 1);
}

void softmax_xent_backward_write(float *d_logits, const float *probs, const int *targets, int rows, int C,
                                 int batch) {
    xent_gradient(d_logits, probs, targets, rows, C, batch, 0);
}

// logits (B,C) -> pred (B); ties go to the lowest index.
void argmax_rows(int *pred, const float *logits, int B, int C) {
    for (int i = 0; i < B; i++) {
        const float *z = logits + (size_t)i * C;
        int best = 0;
        for (int c = 1; c < C; c++)
            if (z[c] > z[best]) best = c;
        pred[i] = best;
    }
}
