// train.c: encoding, the split, the vocabulary, the training loop with early stopping,
// and evaluation (train.h).
#include "chapters/03_imdb_sentiment/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/01_linear_regression/logreg.h"
#include "chapters/02_backprop/optim.h"
#include "chapters/03_imdb_sentiment/lazy_adam.h"
#include "common/err.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/timer.h"

// ---- encoding -------------------------------------------------------------------------

void encset_build(EncodedSet *out, const ImdbSet *raw, const int *rows, int n_rows, const Vocab *v,
                  const EncodeOpts *o, EncodeInfo *total) {
    // Two passes, so that the ids go straight into one array of the right size: count
    // each row's ids, add up the offsets, then encode every row into its place. Rows
    // are independent, so both passes run in parallel.
    int n = rows ? n_rows : raw->n;
    out->n = n;
    out->offset = xmalloc(sizeof(long) * (size_t)(n + 1));
    out->label = xmalloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
    out->offset[0] = 0;
#pragma omp parallel for schedule(dynamic, 64)
    for (int k = 0; k < n; k++) {
        int r = rows ? rows[k] : k;
        out->offset[k + 1] = vocab_encoded_len(raw->text[r], raw->len[r], o);
        out->label[k] = raw->label[r];
    }
    out->max_row = 0;
    for (int k = 0; k < n; k++) {
        if (out->offset[k + 1] > out->max_row) out->max_row = (int)out->offset[k + 1];
        out->offset[k + 1] += out->offset[k];
    }
    out->ids = xmalloc(sizeof(int) * (size_t)(out->offset[n] > 0 ? out->offset[n] : 1));
    long tokens = 0, kept = 0, oov = 0;
    int cap = vocab_encoded_max(o);
#pragma omp parallel reduction(+ : tokens, kept, oov)
    {
        int *scratch = xmalloc(sizeof(int) * (size_t)cap);
#pragma omp for schedule(dynamic, 64)
        for (int k = 0; k < n; k++) {
            int r = rows ? rows[k] : k;
            EncodeInfo info;
            int len = vocab_encode(v, raw->text[r], raw->len[r], o, scratch, total ? &info : NULL);
            memcpy(out->ids + out->offset[k], scratch, sizeof(int) * (size_t)len);
            if (total) tokens += info.tokens, kept += info.kept, oov += info.oov;
        }
        free(scratch);
    }
    if (total) total->tokens = tokens, total->kept = kept, total->oov = oov;
}

void encset_free(EncodedSet *s) {
    free(s->offset);
    free(s->ids);
    free(s->label);
    memset(s, 0, sizeof *s);
}

// ---- split and vocabulary -------------------------------------------------------------

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int sent_split_stratified(const int *labels, int n, float val_frac, Rng *rng, int **train_rows, int *n_train,
                          int **val_rows, int *n_val, char *err, size_t err_len) {
    *train_rows = *val_rows = NULL, *n_train = *n_val = 0;
    // Refuse first, before drawing from rng: a class with no validation row would make
    // the validation loss and accuracy 0 (an empty mean) and early stopping meaningless;
    // one with no training row leaves nothing to learn that class from.
    for (int c = 1; c >= 0; c--) {
        int m = 0;
        for (int i = 0; i < n; i++) m += labels[i] == c;
        int k = (int)lround((double)val_frac * m);
        if (k < 1 || k >= m) {
            snprintf(err, err_len,
                     "the validation split would get %d of the %d %s rows (round(%g x %d)) and training %d: "
                     "each needs at least 1 row per class (more data, e.g. a larger --max-per-class, or another "
                     "--val-frac)",
                     k, m, c ? "positive" : "negative", (double)val_frac, m, m - k);
            return -1;
        }
    }
    int *tr = xmalloc(sizeof(int) * (size_t)n), *va = xmalloc(sizeof(int) * (size_t)n);
    int *cls = xmalloc(sizeof(int) * (size_t)n);
    int nt = 0, nv = 0;
    for (int c = 1; c >= 0; c--) {   // positives, then negatives: each class split alike
        int m = 0;
        for (int i = 0; i < n; i++)
            if (labels[i] == c) cls[m++] = i;
        rng_shuffle(rng, cls, m);
        int k = (int)lround((double)val_frac * m);
        for (int i = 0; i < m; i++) {
            if (i < k) va[nv++] = cls[i];
            else tr[nt++] = cls[i];
        }
    }
    qsort(tr, (size_t)nt, sizeof(int), cmp_int);
    qsort(va, (size_t)nv, sizeof(int), cmp_int);
    free(cls);
    *train_rows = tr, *n_train = nt, *val_rows = va, *n_val = nv;
    return 0;
}

void sent_build_vocab(Vocab *out, const ImdbSet *raw, const int *rows, int n_rows, long min_count, int max_size,
                      int *n_distinct) {
    Vocab counter;
    vocab_init(&counter);
    int n = rows ? n_rows : raw->n;
    for (int k = 0; k < n; k++) {
        int r = rows ? rows[k] : k;
        vocab_count_text(&counter, raw->text[r], raw->len[r]);
    }
    if (n_distinct) *n_distinct = counter.n;
    vocab_build(out, &counter, min_count, max_size);
    vocab_free(&counter);
}

// ---- batches --------------------------------------------------------------------------

// Rows order[0..B-1] of s into ids (B,T), PAD after each row; labels into y (B).
// T is the longest of these rows, or fixed_len when > 0 (longer rows are cut).
static int fill_batch(int *ids, float *y, const EncodedSet *s, const int *order, int B, int fixed_len) {
    int T = fixed_len;
    if (T <= 0)
        for (int b = 0; b < B; b++) {
            int len = (int)(s->offset[order[b] + 1] - s->offset[order[b]]);
            if (len > T) T = len;
        }
    if (T < 1) T = 1;   // a batch of empty reviews still has one (PAD) column
    for (int b = 0; b < B; b++) {
        int r = order[b];
        vocab_pad(ids + (size_t)b * T, s->ids + s->offset[r], (int)(s->offset[r + 1] - s->offset[r]), T);
        if (y) y[b] = (float)s->label[r];
    }
    return T;
}

// ---- evaluation -----------------------------------------------------------------------

enum { EVAL_CHUNK = 256 };

SentEval sent_evaluate(const BagModel *m, const EncodedSet *s, int mask, int fixed_len, float *probs) {
    int n = s->n, T_max = fixed_len > 0 ? fixed_len : (s->max_row > 0 ? s->max_row : 1);
    float *logits = fzeros((size_t)(n > 0 ? n : 1)), *y = fzeros((size_t)(n > 0 ? n : 1));
    int n_chunks = (n + EVAL_CHUNK - 1) / EVAL_CHUNK;
#pragma omp parallel
    {
        BagWork w;
        bagwork_init(&w, m, EVAL_CHUNK, T_max, 0);
        int *ids = xmalloc(sizeof(int) * (size_t)EVAL_CHUNK * T_max), order[EVAL_CHUNK];
#pragma omp for schedule(dynamic, 1)
        for (int c = 0; c < n_chunks; c++) {
            int start = c * EVAL_CHUNK, B = n - start < EVAL_CHUNK ? n - start : EVAL_CHUNK;
            for (int b = 0; b < B; b++) order[b] = start + b;
            int T = fill_batch(ids, y + start, s, order, B, fixed_len);
            bagmodel_forward(m, &w, ids, B, T, mask ? VOCAB_PAD : -1);
            memcpy(logits + start, w.logits, sizeof(float) * (size_t)B);
        }
        free(ids);
        bagwork_free(&w);
    }
    SentEval e;
    memset(&e, 0, sizeof e);
    // summed in row order after the parallel part: the same numbers on any thread count
    e.loss = n > 0 ? bce_logits_forward(logits, y, n) : 0.0f;
    float *p = probs ? probs : fzeros((size_t)(n > 0 ? n : 1));
    logreg_sigmoid(p, logits, n);
    confusion_add(&e.cm, p, s->label, n, 0.5f);
    e.m = binary_metrics(&e.cm);
    if (!probs) free(p);
    free(logits);
    free(y);
    return e;
}

// ---- training -------------------------------------------------------------------------

SentTrainConfig sent_train_defaults(void) {
    SentTrainConfig c = {.lr = SENT_DEFAULT_LR, .batch = 32, .max_epochs = 20, .patience = 2, .mask = 1, .sort_window = 50};
    return c;
}

void sent_history_free(SentHistory *h) {
    free(h->train_loss);
    free(h->train_acc);
    free(h->val_loss);
    free(h->val_acc);
    memset(h, 0, sizeof *h);
}

// Sorting a window of rows by length: shorter first, ties by row number (qsort is not
// stable; this keeps the order, and so the run, the same on every libc).
static const EncodedSet *sort_set;
static int by_row_length(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    long lx = sort_set->offset[x + 1] - sort_set->offset[x], ly = sort_set->offset[y + 1] - sort_set->offset[y];
    if (lx != ly) return lx < ly ? -1 : 1;
    return (x > y) - (x < y);
}

// One epoch's batches: order (N) shuffled, then (with window > 0) sorted by length
// within windows of `window` batches; starts (n_batches) the first row of each batch
// in order, shuffled, so that the epoch does not go from short to long reviews.
static void plan_epoch(int *order, int *starts, const EncodedSet *s, int batch, int window, Rng *rng) {
    int N = s->n, n_batches = (N + batch - 1) / batch;
    rng_shuffle(rng, order, N);
    if (window > 0) {
        int W = batch * window;
        sort_set = s;
        for (int w0 = 0; w0 < N; w0 += W) qsort(order + w0, (size_t)(N - w0 < W ? N - w0 : W), sizeof(int), by_row_length);
        sort_set = NULL;
    }
    for (int k = 0; k < n_batches; k++) starts[k] = k * batch;
    if (window > 0) rng_shuffle(rng, starts, n_batches);
}

// The weights of the best epoch so far (README 03.7: early stopping keeps them).
typedef struct {
    float *emb, *fc_w, *fc_b;
} Snapshot;

static void snapshot_take(Snapshot *s, const BagModel *m) {
    memcpy(s->emb, m->embedding.data, sizeof(float) * m->embedding.size);
    memcpy(s->fc_w, m->fc_w.data, sizeof(float) * m->fc_w.size);
    memcpy(s->fc_b, m->fc_b.data, sizeof(float) * m->fc_b.size);
}

static void snapshot_restore(const Snapshot *s, BagModel *m) {
    memcpy(m->embedding.data, s->emb, sizeof(float) * m->embedding.size);
    memcpy(m->fc_w.data, s->fc_w, sizeof(float) * m->fc_w.size);
    memcpy(m->fc_b.data, s->fc_b, sizeof(float) * m->fc_b.size);
}

void sent_train(BagModel *m, const EncodedSet *train, const EncodedSet *val, const SentTrainConfig *cfg, Rng *rng,
                SentHistory *hist) {
    double t0 = now_seconds(), t_steps = 0.0;
    int E = cfg->max_epochs, Bmax = cfg->batch, N = train->n;
    memset(hist, 0, sizeof *hist);
    hist->train_loss = fzeros((size_t)E), hist->train_acc = fzeros((size_t)E);
    hist->val_loss = fzeros((size_t)E), hist->val_acc = fzeros((size_t)E);
    int T_max = cfg->fixed_len > 0 ? cfg->fixed_len : (train->max_row > 0 ? train->max_row : 1);
    int pad_id = cfg->mask ? VOCAB_PAD : -1;

    BagWork w;
    bagwork_init(&w, m, Bmax, T_max, 1);
    int *ids = xmalloc(sizeof(int) * (size_t)Bmax * T_max), *order = xmalloc(sizeof(int) * (size_t)(N > 0 ? N : 1));
    float *y = fzeros((size_t)Bmax), *p = fzeros((size_t)Bmax);
    for (int i = 0; i < N; i++) order[i] = i;
    int *starts = xmalloc(sizeof(int) * (size_t)(N / Bmax + 1));
    Adam adam;   // chapter 02's Adam for the dense layer, lazy Adam for the table
    adam_init(&adam, &m->dense, cfg->lr, 0.9f, 0.999f, 1e-8f, 0.0f);
    LazyAdam lazy;
    lazy_adam_init(&lazy, m->embedding.size / (size_t)m->dim, m->dim, cfg->lr, 0.9f, 0.999f, 1e-8f);
    // --dense-adam: the table gets a dense gradient and chapter 02's adam_step, as a
    // framework without sparse gradients would do it (README 03.4).
    TensorList table_list = {0};
    Adam adam_table;
    if (cfg->dense_adam) {
        m->embedding.grad = fzeros(m->embedding.size);
        tensorlist_add(&table_list, &m->embedding);
        adam_init(&adam_table, &table_list, cfg->lr, 0.9f, 0.999f, 1e-8f, 0.0f);
    }
    const char *monitor = cfg->monitor_name ? cfg->monitor_name : "val";
    Snapshot best = {fzeros(m->embedding.size), fzeros(m->fc_w.size), fzeros(m->fc_b.size)};
    float best_loss = INFINITY;
    int since_best = 0;

    long steps_per_epoch = (N + Bmax - 1) / Bmax, step = 0;
    double rows_touched = 0.0;
    Progress prog;
    // The progress line's ETA is to the last of max_epochs (an upper bound: early stopping
    // usually ends sooner). progress.h prints no ETA from the first two steps, whose
    // one-off costs (first touch of the freshly allocated tables) would inflate it.
    if (cfg->verbose) progress_start(&prog, steps_per_epoch * E, "rev");
    for (int e = 0; e < E; e++) {
        plan_epoch(order, starts, train, Bmax, cfg->sort_window, rng);
        double loss_sum = 0.0, t_epoch = now_seconds();
        long correct = 0;
        for (long k = 0; k < steps_per_epoch; k++) {
            int start = starts[k], B = N - start < Bmax ? N - start : Bmax;
            int T = fill_batch(ids, y, train, order + start, B, cfg->fixed_len);
            bagmodel_forward(m, &w, ids, B, T, pad_id);
            float loss = bce_logits_forward(w.logits, y, B);
            check_finite(loss, "the training loss", step + 1);
            loss_sum += (double)loss * B;
            logreg_sigmoid(p, w.logits, B);
            for (int b = 0; b < B; b++) correct += (p[b] >= 0.5f) == (y[b] > 0.5f);
            memset(w.d_logits, 0, sizeof(float) * (size_t)B);
            bce_logits_backward(w.d_logits, w.logits, y, B);   // (p - y) / B, README eq. (03.6)
            tensorlist_zero_grad(&m->dense);
            bagmodel_backward(m, &w, ids, B, T, pad_id);
            adam_step(&adam, &m->dense);
            if (cfg->dense_adam) {
                for (int k = 0; k < w.U; k++)
                    for (int d = 0; d < m->dim; d++)
                        m->embedding.grad[(size_t)w.rows[k] * m->dim + d] += w.d_rows[(size_t)k * m->dim + d];
                adam_step(&adam_table, &table_list);   // every entry of the table, every step
                tensor_zero_grad(&m->embedding);
            } else {
                lazy_adam_step(&lazy, m->embedding.data, w.rows, w.d_rows, w.U);
            }
            rows_touched += w.U;
            bagwork_clear_rows(&w);
            step++;
            if (cfg->verbose) progress_update(&prog, step, loss, (double)step * Bmax);
        }
        t_steps += now_seconds() - t_epoch;
        SentEval ev = sent_evaluate(m, val, cfg->mask, cfg->fixed_len, NULL);
        hist->train_loss[e] = (float)(loss_sum / N);
        hist->train_acc[e] = (float)correct / (float)N;
        hist->val_loss[e] = ev.loss;
        hist->val_acc[e] = (float)ev.m.accuracy;
        hist->epochs_done = e + 1;
        int improved = ev.loss < best_loss;
        if (improved) {
            best_loss = ev.loss, since_best = 0, hist->best_epoch = e + 1;
            if (cfg->patience > 0) snapshot_take(&best, m);
        } else {
            since_best++;
        }
        if (cfg->verbose) {
            progress_end(&prog);
            printf("epoch %2d | train loss %.4f acc %.4f | %s loss %.4f acc %.4f%s | %.1f s\n", e + 1,
                   (double)hist->train_loss[e], (double)hist->train_acc[e], monitor, (double)ev.loss, ev.m.accuracy,
                   improved ? " *" : "", now_seconds() - t_epoch);
            fflush(stdout);
        }
        if (cfg->patience > 0 && since_best >= cfg->patience) {
            hist->stopped_early = e + 1 < E;
            break;
        }
    }
    if (cfg->patience > 0 && hist->best_epoch > 0) snapshot_restore(&best, m);
    hist->seconds = now_seconds() - t0;
    hist->train_rows_per_s = t_steps > 0 ? (double)N * hist->epochs_done / t_steps : 0.0;
    hist->mean_rows_touched = step > 0 ? rows_touched / (double)step : 0.0;
    free(best.emb);
    free(best.fc_w);
    free(best.fc_b);
    lazy_adam_free(&lazy);
    if (cfg->dense_adam) {
        adam_free(&adam_table);
        tensorlist_free(&table_list);
        free(m->embedding.grad);
        m->embedding.grad = NULL;
    }
    adam_free(&adam);
    free(ids);
    free(order);
    free(starts);
    free(y);
    free(p);
    bagwork_free(&w);
}
