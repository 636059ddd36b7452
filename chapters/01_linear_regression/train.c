#include "chapters/01_linear_regression/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/01_linear_regression/linreg.h"
#include "chapters/01_linear_regression/logreg.h"
#include "common/mem.h"
#include "common/progress.h"

typedef enum { LOSS_MSE, LOSS_BCE } LossKind;

// The model output on x (N,D) is the same linear map for both losses:
// y_hat for regression, the logit z for classification.
static float full_loss(LossKind kind, float *out, const float *x, const float *y, const float *w, float b,
                       int N, int D) {
    linreg_forward(out, x, w, b, N, D);
    return kind == LOSS_MSE ? mse_forward(out, y, N) : bce_logits_forward(out, y, N);
}

static GdReport train_gd(LossKind kind, float *w, float *b, const float *x, const float *y, int N, int D,
                         const GdConfig *cfg, Rng *rng, float *history) {
    int B = (cfg->batch <= 0 || cfg->batch > N) ? N : cfg->batch;
    int *order = xmalloc(sizeof(int) * N);
    float *xb = xmalloc(sizeof(float) * (size_t)B * D), *yb = xmalloc(sizeof(float) * B);
    float *out = xmalloc(sizeof(float) * N), *d_out = xmalloc(sizeof(float) * N);
    float *d_w = xmalloc(sizeof(float) * D);
    for (int i = 0; i < N; i++) order[i] = i;

    GdReport rep = {0};
    float loss = full_loss(kind, out, x, y, w, *b, N, D);
    if (history) history[0] = loss;
    // The progress line counts parameter updates ("step"), as every chapter's does:
    // one per epoch for batch GD, ceil(N/B) per epoch for minibatch SGD.
    long steps_per_epoch = B > 0 ? (N + B - 1) / B : 1;
    Progress prog;
    if (cfg->show_progress) progress_start(&prog, cfg->epochs * steps_per_epoch, "ex");
    for (int epoch = 1; epoch <= cfg->epochs; epoch++) {
        if (B < N) rng_shuffle(rng, order, N);   // a fresh random order every epoch
        for (int start = 0; start < N; start += B) {
            int nb = N - start < B ? N - start : B;
            const float *xs = x, *ys = y;
            if (B < N) {   // gather the minibatch rows into contiguous buffers
                for (int i = 0; i < nb; i++) {
                    memcpy(xb + (size_t)i * D, x + (size_t)order[start + i] * D, sizeof(float) * D);
                    yb[i] = y[order[start + i]];
                }
                xs = xb, ys = yb;
            }
            // forward: out = xs w + b; backward: d_out = dL/d(out), then d_w, d_b (01.4)
            linreg_forward(out, xs, w, *b, nb, D);
            memset(d_out, 0, sizeof(float) * nb);
            if (kind == LOSS_MSE) mse_backward(d_out, out, ys, nb);
            else bce_logits_backward(d_out, out, ys, nb);
            memset(d_w, 0, sizeof(float) * D);
            float d_b = 0.0f;
            linreg_backward(d_w, &d_b, d_out, xs, nb, D);
            // the gradient step (01.9): move against the gradient
            for (int j = 0; j < D; j++) w[j] -= cfg->lr * d_w[j];
            *b -= cfg->lr * d_b;
            rep.steps++;
        }
        loss = full_loss(kind, out, x, y, w, *b, N, D);
        rep.epochs_run = epoch;
        if (history) history[epoch] = loss;
        if (cfg->show_progress) progress_update(&prog, rep.steps, loss, (double)epoch * N);
        if (!isfinite(loss) || loss > 1e30f) {
            rep.diverged = 1;
            if (history)
                for (int e = epoch + 1; e <= cfg->epochs; e++) history[e] = NAN;
            break;
        }
    }
    if (cfg->show_progress) progress_end(&prog);
    rep.final_loss = loss;
    free(order);
    free(xb);
    free(yb);
    free(out);
    free(d_out);
    free(d_w);
    return rep;
}

GdReport linreg_train_gd(float *w, float *b, const float *x, const float *y, int N, int D,
                         const GdConfig *cfg, Rng *rng, float *history) {
    return train_gd(LOSS_MSE, w, b, x, y, N, D, cfg, rng, history);
}

GdReport logreg_train_gd(float *w, float *b, const float *x, const float *y, int N, int D,
                         const GdConfig *cfg, Rng *rng, float *history) {
    return train_gd(LOSS_BCE, w, b, x, y, N, D, cfg, rng, history);
}
