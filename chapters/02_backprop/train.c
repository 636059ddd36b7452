// train.c: the training loop of train.h.
#include "chapters/02_backprop/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "chapters/02_backprop/optim.h"
#include "common/err.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/timer.h"

// ---- data splits -----------------------------------------------------------------------

static void copy_rows(ClsSet *dst, const ClsSet *src, const int *rows, int n) {
    dst->n = n;
    dst->dim = src->dim;
    dst->x = xmalloc((size_t)(n > 0 ? n : 1) * src->dim * sizeof(float));
    dst->y = xmalloc((size_t)(n > 0 ? n : 1) * sizeof(int));
    for (int i = 0; i < n; i++) {
        memcpy(dst->x + (size_t)i * src->dim, src->x + (size_t)rows[i] * src->dim, (size_t)src->dim * sizeof(float));
        dst->y[i] = src->y[rows[i]];
    }
}

void clsset_split(const ClsSet *all, int n_val, Rng *rng, ClsSet *train, ClsSet *val) {
    if (n_val < 0 || n_val >= all->n) DIE("clsset_split: n_val %d must be in 0..%d", n_val, all->n - 1);
    int *order = xmalloc((size_t)all->n * sizeof(int));
    for (int i = 0; i < all->n; i++) order[i] = i;
    rng_shuffle(rng, order, all->n);
    copy_rows(val, all, order, n_val);
    copy_rows(train, all, order + n_val, all->n - n_val);
    free(order);
}

ClsSet clsset_head(const ClsSet *all, int n) {
    ClsSet view = *all;
    if (n < view.n) view.n = n;
    return view;
}

void clsset_free(ClsSet *s) {
    free(s->x);
    free(s->y);
    memset(s, 0, sizeof(*s));
}

// ---- optimiser choice --------------------------------------------------------------------

static const char *const optim_names[] = {"sgd", "momentum", "adam"};

const char *optim_kind_name(OptimKind k) { return optim_names[k]; }

int optim_kind_parse(const char *name, OptimKind *k) {
    for (int i = 0; i < 3; i++)
        if (strcmp(name, optim_names[i]) == 0) {
            *k = (OptimKind)i;
            return 0;
        }
    return -1;
}

TrainConfig mlp_train_defaults(void) {
    TrainConfig c = {0};
    c.optimizer = OPTIM_ADAM;
    c.lr = 1e-3f;
    c.momentum = 0.9f;
    c.epochs = 10;
    c.batch = 128;
    return c;
}

// ---- evaluation ----------------------------------------------------------------------------

float mlp_evaluate(Mlp *m, const ClsSet *d, float *mean_loss) {
    if (d->n > 0 && d->dim != m->sizes[0])   // e.g. 20x20 test images for a 28x28 model
        DIE("mlp_evaluate: data has %d features, the MLP expects %d", d->dim, m->sizes[0]);
    int C = m->sizes[m->n_layers], correct = 0;
    int *pred = xmalloc((size_t)m->max_batch * sizeof(int));
    double loss_sum = 0.0;
    for (int start = 0; start < d->n; start += m->max_batch) {
        int B = d->n - start < m->max_batch ? d->n - start : m->max_batch;
        float loss = mlp_forward_loss(m, d->x + (size_t)start * d->dim, d->y + start, B);
        loss_sum += (double)loss * B;
        argmax_rows(pred, m->z[m->n_layers - 1], B, C);   // the logits of this chunk
        for (int i = 0; i < B; i++) correct += pred[i] == d->y[start + i];
    }
    free(pred);
    if (mean_loss) *mean_loss = d->n ? (float)(loss_sum / d->n) : NAN;
    return d->n ? (float)correct / (float)d->n : NAN;
}

// ---- the loop ------------------------------------------------------------------------------

// Cosine schedule: lr_t = lr/2 (1 + cos(pi t/T)): large steps early, small ones at
// the end, where they let the weights settle into the minimum the run has found.
static float scheduled_lr(const TrainConfig *cfg, long step, long total) {
    if (!cfg->cosine) return cfg->lr;
    return 0.5f * cfg->lr * (1.0f + cosf(3.14159265f * (float)step / (float)total));
}

void mlp_train(Mlp *m, const ClsSet *train, const ClsSet *val, const TrainConfig *cfg, Rng *rng,
               TrainHistory *hist) {
    if (train->dim != m->sizes[0]) DIE("mlp_train: data has %d features, the MLP expects %d", train->dim, m->sizes[0]);
    if (val && val->n > 0 && val->dim != m->sizes[0])
        DIE("mlp_train: validation data has %d features, the MLP expects %d", val->dim, m->sizes[0]);
    if (cfg->batch < 1 || cfg->batch > m->max_batch)
        DIE("mlp_train: batch %d not in 1..%d (the MLP's max_batch)", cfg->batch, m->max_batch);
    int steps_per_epoch = (train->n + cfg->batch - 1) / cfg->batch;
    long total_steps = (long)steps_per_epoch * cfg->epochs;
    memset(hist, 0, sizeof(*hist));
    hist->train_loss = xmalloc((size_t)cfg->epochs * sizeof(float));
    hist->val_loss = xmalloc((size_t)cfg->epochs * sizeof(float));
    hist->val_acc = xmalloc((size_t)cfg->epochs * sizeof(float));
    hist->step_loss = xmalloc((size_t)total_steps * sizeof(float));

    Momentum mom = {0};
    Adam adam = {0};
    if (cfg->optimizer == OPTIM_MOMENTUM) momentum_init(&mom, &m->params, cfg->lr, cfg->momentum, cfg->weight_decay);
    if (cfg->optimizer == OPTIM_ADAM) adam_init(&adam, &m->params, cfg->lr, 0.9f, 0.999f, 1e-8f, cfg->weight_decay);

    // A minibatch is gathered into contiguous buffers, because the rows of a shuffled
    // batch are scattered over the training set.
    int *order = xmalloc((size_t)train->n * sizeof(int));
    for (int i = 0; i < train->n; i++) order[i] = i;
    float *xb = xmalloc((size_t)cfg->batch * train->dim * sizeof(float));
    int *yb = xmalloc((size_t)cfg->batch * sizeof(int));

    Progress prog;
    if (cfg->verbose) progress_start(&prog, total_steps, "img");
    double t0 = now_seconds();
    long step = 0;
    for (int epoch = 0; epoch < cfg->epochs && !hist->diverged; epoch++) {
        rng_shuffle(rng, order, train->n);   // a new order every epoch
        double epoch_loss = 0.0;
        for (int s = 0; s < steps_per_epoch; s++) {
            int start = s * cfg->batch;
            int B = train->n - start < cfg->batch ? train->n - start : cfg->batch;
            for (int i = 0; i < B; i++) {
                memcpy(xb + (size_t)i * train->dim, train->x + (size_t)order[start + i] * train->dim,
                       (size_t)train->dim * sizeof(float));
                yb[i] = train->y[order[start + i]];
            }
            // Backward passes accumulate (+=), so the previous step's gradients must go.
            if (!cfg->keep_grads) tensorlist_zero_grad(&m->params);
            float loss = mlp_forward_loss(m, xb, yb, B);
            hist->step_loss[step] = loss;
            if (!isfinite(loss)) {
                if (!cfg->allow_divergence) {
                    if (cfg->verbose) progress_end(&prog);
                    check_finite(loss, "the training loss", step + 1);   // exits with advice
                }
                hist->diverged = 1;
                step++;
                break;
            }
            mlp_backward(m, yb, NULL);
            float lr = scheduled_lr(cfg, step, total_steps);
            switch (cfg->optimizer) {
            case OPTIM_SGD: sgd_step(&m->params, lr, cfg->weight_decay); break;
            case OPTIM_MOMENTUM: mom.lr = lr; momentum_step(&mom, &m->params); break;
            case OPTIM_ADAM: adam.lr = lr; adam_step(&adam, &m->params); break;
            }
            epoch_loss += (double)loss * B;
            step++;
            if (cfg->verbose) progress_update(&prog, step, loss, (double)step * cfg->batch);
        }
        hist->train_loss[epoch] = hist->diverged ? NAN : (float)(epoch_loss / train->n);
        hist->val_loss[epoch] = hist->val_acc[epoch] = NAN;
        if (val && val->n > 0 && !hist->diverged)
            hist->val_acc[epoch] = mlp_evaluate(m, val, &hist->val_loss[epoch]);
        hist->epochs_done = epoch + 1;
        // About ten epoch lines per run, and always the last one.
        int every = cfg->epochs > 20 ? (cfg->epochs + 9) / 10 : 1;
        if (cfg->verbose && ((epoch + 1) % every == 0 || epoch + 1 == cfg->epochs || hist->diverged)) {
            progress_end(&prog);
            printf("epoch %2d/%d | train loss %.4f | val loss %.4f | val acc %.4f | %.1fs\n", epoch + 1,
                   cfg->epochs, (double)hist->train_loss[epoch], (double)hist->val_loss[epoch],
                   (double)hist->val_acc[epoch], now_seconds() - t0);
            fflush(stdout);
        }
    }
    if (cfg->verbose) progress_end(&prog);
    hist->n_steps = step;
    hist->seconds = now_seconds() - t0;
    if (cfg->optimizer == OPTIM_MOMENTUM) momentum_free(&mom);
    if (cfg->optimizer == OPTIM_ADAM) adam_free(&adam);
    free(order);
    free(xb);
    free(yb);
}

void mlp_history_free(TrainHistory *hist) {
    free(hist->train_loss);
    free(hist->val_loss);
    free(hist->val_acc);
    free(hist->step_loss);
    memset(hist, 0, sizeof(*hist));
}
