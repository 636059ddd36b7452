// train.c: see train.h.
#include "chapters/09_moe/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/optim.h"
#include "chapters/06_seq2seq/schedule.h"
#include "common/err.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/timer.h"

void lmcurve_free(LmCurve *c) {
    free(c->points);
    memset(c, 0, sizeof *c);
}

double load_cv(const long *load, int E) {
    double mean = 0, var = 0;
    for (int e = 0; e < E; e++) mean += (double)load[e] / E;
    for (int e = 0; e < E; e++) var += ((double)load[e] - mean) * ((double)load[e] - mean) / E;
    return mean > 0 ? sqrt(var) / mean : 0;
}

double load_max_mean(const long *load, int E) {
    double mean = 0, most = 0;
    for (int e = 0; e < E; e++) mean += (double)load[e] / E, most = load[e] > most ? (double)load[e] : most;
    return mean > 0 ? most / mean : 0;
}

double lm_evaluate(Lm *m, LmCache *c, const int *stream, long n, int T, int max_windows) {
    long windows = (n - 1) / T;   // window w: tokens [w T, w T + T], its last is the next one's first
    if (max_windows > 0 && windows > max_windows) windows = max_windows;
    if (windows < 1) DIE("lm_evaluate: the stream (%ld tokens) is shorter than one window of %d", n, T + 1);
    int *ids = xmalloc(sizeof(int) * (size_t)c->B * (T + 1));
    double total = 0;
    for (long w0 = 0; w0 < windows; w0 += c->B) {
        int B = windows - w0 < c->B ? (int)(windows - w0) : c->B;
        for (int b = 0; b < B; b++) memcpy(ids + (size_t)b * (T + 1), stream + (w0 + b) * T, sizeof(int) * (T + 1));
        total += lm_forward(m, c, ids, NULL, B, T) * B;
    }
    free(ids);
    return total / (double)windows;
}

// Adds the cv and max/mean of the loads of `groups` consecutive groups of `size` choices.
static void group_stats(const int *choices, long groups, long size, int E, double *cv, double *max_mean) {
    for (long g = 0; g < groups; g++) {
        long load[MOE_MAX_EXPERTS] = {0};
        for (long i = 0; i < size; i++) load[choices[g * size + i]]++;
        *cv += load_cv(load, E), *max_mean += load_max_mean(load, E);
    }
}

void lm_load_grouping(Lm *m, LmCache *c, const int *stream, long n, int T, int windows, uint64_t seed,
                      LoadGrouping out[LOAD_SCALES]) {
    memset(out, 0, sizeof(LoadGrouping) * LOAD_SCALES);
    if (!m->cfg.moe) return;
    const int L = m->cfg.layers, E = m->cfg.moe_cfg.E, k = m->cfg.moe_cfg.k, B = c->B;
    const int all = (int)((n - 1) / T);
    const long batches = (windows > 0 && windows < all ? windows : all) / B;   // whole batches only
    if (batches < 1) DIE("lm_load_grouping: %d windows of %d tokens, fewer than one batch of %d", all, T, B);
    const long per_batch = (long)B * T * k;
    Rng rng;
    rng_seed(&rng, seed);
    int *order = xmalloc(sizeof(int) * (size_t)all);
    for (int w = 0; w < all; w++) order[w] = w;
    rng_shuffle(&rng, order, all);
    int *ids = xmalloc(sizeof(int) * (size_t)B * (T + 1));
    int *pool = xmalloc(sizeof(int) * (size_t)(L * batches * per_batch));   // [layer][batch][choice]
    for (long g = 0; g < batches; g++) {
        for (int b = 0; b < B; b++)
            memcpy(ids + (size_t)b * (T + 1), stream + (long)order[g * B + b] * T, sizeof(int) * (T + 1));
        lm_forward(m, c, ids, NULL, B, T);
        for (int l = 0; l < L; l++)
            memcpy(pool + ((size_t)l * batches + g) * per_batch, c->moe[l].choice, sizeof(int) * (size_t)per_batch);
    }
    for (int s = 0; s < LOAD_SCALES; s++) out[s].groups = batches >> s, out[s].windows_per_group = (long)B << s;
    for (int l = 0; l < L; l++) {   // as the batches held them, then dealt at random
        int *choices = pool + (size_t)l * batches * per_batch;
        for (int s = 0; s < LOAD_SCALES; s++)
            group_stats(choices, out[s].groups, per_batch << s, E, &out[s].cv_batches, &out[s].max_mean_batches);
        rng_shuffle(&rng, choices, (int)(batches * per_batch));
        for (int s = 0; s < LOAD_SCALES; s++)
            group_stats(choices, out[s].groups, per_batch << s, E, &out[s].cv_shuffled, &out[s].max_mean_shuffled);
    }
    for (int s = 0; s < LOAD_SCALES; s++) {
        const double count = (double)L * out[s].groups;
        if (count == 0) continue;
        out[s].cv_batches /= count, out[s].max_mean_batches /= count;
        out[s].cv_shuffled /= count, out[s].max_mean_shuffled /= count;
    }
    free(order), free(ids), free(pool);
}

static void push(LmCurve *c, const LmPoint *p) {
    if (c->n == c->cap) c->cap = c->cap ? 2 * c->cap : 64, c->points = xrealloc(c->points, sizeof(LmPoint) * (size_t)c->cap);
    c->points[c->n++] = *p;
}

void lm_train(Lm *m, const int *stream, long n, const int *val, long n_val, const LmTrainOpts *o, LmCurve *curve,
              FILE *log) {
    const int B = o->batch, T = o->T, L = m->cfg.layers, E = m->cfg.moe ? m->cfg.moe_cfg.E : 0;
    if (n < T + 2) DIE("lm_train: the stream (%ld tokens) is shorter than one window of %d", n, T + 1);
    LmCache c;
    lm_cache_alloc(&c, m, B, T);
    Adam opt;
    adam_init(&opt, &m->params, o->lr, 0.9f, 0.95f, 1e-8f, o->weight_decay);
    adam_exclude_1d_from_decay(&opt, &m->params);
    Rng rng;
    rng_seed(&rng, o->seed);
    int *ids = xmalloc(sizeof(int) * (size_t)B * (T + 1));
    LmPoint win;
    memset(&win, 0, sizeof win);
    int win_steps = 0;
    double seconds = 0, tokens = 0;
    Progress prog;
    progress_start(&prog, o->steps, "tok");
    for (long step = 1; step <= o->steps; step++) {
        double t0 = now_seconds();
        for (int b = 0; b < B; b++) {
            long at = (long)(rng_uniform(&rng) * (double)(n - T - 1));
            memcpy(ids + (size_t)b * (T + 1), stream + at, sizeof(int) * (T + 1));
        }
        tensorlist_zero_grad(&m->params);
        double loss = lm_forward(m, &c, ids, &rng, B, T);
        if (!isfinite(loss)) DIE("lm_train: the loss is %g at step %ld: training diverged (lower --lr)", loss, step);
        lm_backward(m, &c, ids, B, T);
        clip_grad_norm(&m->params, o->clip);
        opt.lr = lr_warmup_linear(step, o->warmup, o->steps, o->lr);
        adam_step(&opt, &m->params);
        for (int l = 0; l < L && E; l++) moe_update_bias(&m->moe[l], c.moe[l].stats.assigned);
        seconds += now_seconds() - t0, tokens += (double)B * T;
        win.train_loss += loss, win.aux += c.aux_loss, win.z += c.z_loss, win_steps++;
        for (int l = 0; l < L && E; l++) {
            const MoeStats *st = &c.moe[l].stats;
            for (int e = 0; e < E; e++) win.load[l][e] += st->assigned[e];
            win.cv[l] += load_cv(st->assigned, E), win.max_mean[l] += load_max_mean(st->assigned, E);
            win.drop[l] += (double)st->dropped / (double)st->choices, win.entropy[l] += st->router_entropy;
        }
        progress_update(&prog, step, (float)loss, tokens);
        if (step % o->log_every && step != o->steps) continue;
        win.step = step, win.lr = opt.lr, win.seconds = seconds, win.tokens = tokens;
        win.train_loss /= win_steps, win.aux /= win_steps, win.z /= win_steps;
        for (int l = 0; l < L; l++)
            win.cv[l] /= win_steps, win.max_mean[l] /= win_steps, win.drop[l] /= win_steps, win.entropy[l] /= win_steps;
        win.val_loss = win.val_loss_all = NAN;
        if (val && ((o->eval_every && step % o->eval_every == 0) || step == o->steps))
            win.val_loss = lm_evaluate(m, &c, val, n_val, T, o->eval_max);
        // the curve's points share one subset of the windows, so they compare with each
        // other; the result, once, uses all of them
        if (val && step == o->steps) win.val_loss_all = o->eval_max ? lm_evaluate(m, &c, val, n_val, T, 0) : win.val_loss;
        push(curve, &win);
        if (log) {
            progress_end(&prog);
            fprintf(log, "step %5ld | lr %.2e | loss %.4f", step, (double)win.lr, win.train_loss);
            if (E) {
                double cv = 0, mm = 0, drop = 0;
                for (int l = 0; l < L; l++) cv += win.cv[l] / L, mm += win.max_mean[l] / L, drop += win.drop[l] / L;
                fprintf(log, " | aux %.4f z %.4f | load cv %.3f max/mean %.2f drop %.2f%%", win.aux, win.z, cv, mm,
                        100 * drop);
            }
            if (!isnan(win.val_loss)) fprintf(log, " | val %.4f (ppl %.1f)", win.val_loss, exp(win.val_loss));
            if (!isnan(win.val_loss_all) && o->eval_max)
                fprintf(log, " | all of val %.4f (ppl %.1f)", win.val_loss_all, exp(win.val_loss_all));
            fprintf(log, " | %.0f tok/s\n", tokens / seconds);
            fflush(log);
        }
        memset(&win, 0, sizeof win), win_steps = 0;
    }
    progress_end(&prog);
    free(ids), adam_free(&opt), lm_cache_free(&c, m);
}
