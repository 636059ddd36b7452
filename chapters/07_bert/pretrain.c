// pretrain.c: see pretrain.h.
#include "chapters/07_bert/pretrain.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/06_seq2seq/schedule.h"
#include "chapters/07_bert/checkpoint.h"
#include "chapters/07_bert/corpus.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/json.h"
#include "common/safetensors.h"
#include "common/timer.h"

// ---- the held-out set ------------------------------------------------------------------------

void evalset_build(EvalSet *e, const WordPiece *wp, const int *seqs, int n, int T, int batch, const MaskOpts *o,
                   uint64_t seed) {
    memset(e, 0, sizeof *e);
    e->n = n, e->T = T, e->batch = batch, e->n_batches = (n + batch - 1) / batch;
    e->input = xmalloc(sizeof(int) * (size_t)n * T + 1);
    int cap = mlm_max_targets(batch, T, o->mask_prob) * e->n_batches;
    e->positions = xmalloc(sizeof(int) * (size_t)(cap + 1)), e->targets = xmalloc(sizeof(int) * (size_t)(cap + 1));
    e->batch_start = xmalloc(sizeof(int) * (size_t)(e->n_batches + 1));
    Rng rng;
    rng_seed(&rng, seed);
    int at = 0;
    for (int k = 0; k < e->n_batches; k++) {
        int b0 = k * batch, nb = n - b0 < batch ? n - b0 : batch;
        e->batch_start[k] = at;
        at += mlm_mask(wp, seqs + (size_t)b0 * T, e->input + (size_t)b0 * T, nb, T, o, &rng, e->positions + at,
                       e->targets + at, NULL);
    }
    e->batch_start[e->n_batches] = at;
}

void evalset_free(EvalSet *e) {
    free(e->input), free(e->positions), free(e->targets), free(e->batch_start);
    memset(e, 0, sizeof *e);
}

int heldout_load(EvalSet *e, const WordPiece *wp, const char *data_dir, int T, int batch, int max_seqs, int whole_word,
                 int **seqs, int *n_seqs, FILE *log, char *err, size_t err_len) {
    char dir[4200], path[4300];
    path_join(dir, sizeof dir, data_dir, "wikitext-2");
    path_join(path, sizeof path, dir, "wiki.valid.tokens");
    DocList docs = {0};
    if (corpus_wikitext(&docs, path, err, err_len)) return -1;
    int *all, n = corpus_encode_pack(&docs, wp, T, &all, "held-out text", log);
    doclist_free(&docs);
    if (n < 1) {
        snprintf(err, err_len, "%s: shorter than one sequence of %d tokens", path, T);
        free(all);
        return -1;
    }
    if (max_seqs > 0 && n > max_seqs) n = max_seqs;
    MaskOpts mask = {HELDOUT_MASK_PROB, whole_word};
    evalset_build(e, wp, all, n, T, batch, &mask, HELDOUT_SEED);
    if (seqs) *seqs = all, *n_seqs = n;
    else free(all);
    return 0;
}

int evalset_max_targets(const EvalSet *e) {
    int most = 0;
    for (int k = 0; k < e->n_batches; k++)
        if (e->batch_start[k + 1] - e->batch_start[k] > most) most = e->batch_start[k + 1] - e->batch_start[k];
    return most;
}

EvalResult mlm_evaluate(const Bert *m, BertCache *c, const EvalSet *e) {
    double loss = 0;
    long right = 0, total = 0;
    for (int k = 0; k < e->n_batches; k++) {
        int b0 = k * e->batch, nb = e->n - b0 < e->batch ? e->n - b0 : e->batch;
        int M = e->batch_start[k + 1] - e->batch_start[k], correct;
        if (!M) continue;
        bert_encode(m, c, e->input + (size_t)b0 * e->T, NULL, NULL, NULL, nb, e->T);
        float l = bert_mlm_forward(m, c, e->positions + e->batch_start[k], e->targets + e->batch_start[k], M, &correct);
        loss += (double)l * M, right += correct, total += M;
    }
    return (EvalResult){total ? loss / (double)total : NAN, total ? (double)right / (double)total : NAN, total};
}

// ---- state -------------------------------------------------------------------------------------

// The generator of masks and dropout, from the run's seed (the weights' init uses the
// seed itself; this keeps the two streams apart).
static void seed_train_rng(Rng *rng, uint64_t seed) { rng_seed(rng, seed * 0x9E3779B97F4A7C15ULL + 0x5EED); }

void pretrain_state_init(PretrainState *st, Bert *m, const PretrainOpts *o) {
    memset(st, 0, sizeof *st);
    seed_train_rng(&st->rng, o->seed);
    adam_init(&st->opt, &m->params, o->lr, 0.9f, o->beta2, o->adam_eps, o->weight_decay);
    adam_exclude_1d_from_decay(&st->opt, &m->params);
    st->order_epoch = -1;
}

void pretrain_state_free(PretrainState *st) {
    adam_free(&st->opt);
    free(st->curve), free(st->order);
    memset(st, 0, sizeof *st);
}

// The sequences of one epoch in the order of a permutation seeded by (seed, epoch).
static void ensure_order(PretrainState *st, int n, uint64_t seed) {
    if (st->order_epoch == (int)st->epoch) return;
    if (!st->order) st->order = xmalloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) st->order[i] = i;
    Rng r;
    rng_seed(&r, seed + 1000003ULL * (uint64_t)(st->epoch + 1));
    rng_shuffle(&r, st->order, n);
    st->order_epoch = (int)st->epoch;
}

static void next_batch(PretrainState *st, const int *seqs, int n, int T, int B, uint64_t seed, int *ids) {
    for (int b = 0; b < B; b++) {
        if (st->cursor >= n) st->epoch++, st->cursor = 0;
        ensure_order(st, n, seed);
        memcpy(ids + (size_t)b * T, seqs + (size_t)st->order[st->cursor++] * T, sizeof(int) * (size_t)T);
    }
}

static void curve_push(PretrainState *st, CurvePoint p) {
    if (st->n_curve == st->cap_curve)
        st->curve = xrealloc(st->curve, sizeof(CurvePoint) * (size_t)(st->cap_curve = st->cap_curve ? 2 * st->cap_curve : 64));
    st->curve[st->n_curve++] = p;
}

// ---- training ------------------------------------------------------------------------------------

int pretrain_run(Bert *m, const WordPiece *wp, const int *seqs, int n, const EvalSet *val, const PretrainOpts *o,
                 PretrainState *st, char *err, size_t err_len) {
    if (st->n_seqs && st->n_seqs != n) {   // another corpus, vocabulary or mixture than the checkpoint's
        snprintf(err, err_len, "the checkpoint was trained on %ld sequences, this run has %d; resume with the same "
                 "corpus and mixture (--data, --no-unsup, --*-copies)", st->n_seqs, n);
        return -1;
    }
    if (st->cursor > n) {   // a checkpoint from before the count was kept, on a smaller corpus
        snprintf(err, err_len, "the checkpoint stopped at sequence %ld of its epoch, and this run has only %d; resume "
                 "with the same corpus", st->cursor, n);
        return -1;
    }
    st->n_seqs = n;
    const int B = o->batch, T = o->seq_len, H = m->cfg.hidden;
    const int max_m = mlm_max_targets(B, T, o->mask.mask_prob);
    int eval_m = val ? evalset_max_targets(val) : 0;
    BertCache c;
    bert_cache_alloc(&c, m, val && val->batch > B ? val->batch : B, T, max_m > eval_m ? max_m : eval_m);
    int *ids = xmalloc(sizeof(int) * (size_t)B * T), *input = xmalloc(sizeof(int) * (size_t)B * T);
    int *pos = xmalloc(sizeof(int) * (size_t)max_m), *tgt = xmalloc(sizeof(int) * (size_t)max_m);
    float *d_hidden = fzeros((size_t)c.B * T * H);
    // local attention's first steps (bert_encode_blocks): the same flat grid of B*T
    // tokens, seen by the attention as B*T/W rows of W
    const int W = o->local_width, BW = W ? B * (T / W) : 0;
    BertCache c_local;
    if (W) bert_cache_alloc(&c_local, m, BW, W, max_m);
    long stop = o->stop_after > 0 && o->stop_after < o->steps ? o->stop_after : o->steps;
    char path[4200];
    path_join(path, sizeof path, o->out_dir, "checkpoint");
    Progress prog;
    progress_start(&prog, o->steps, "tok");
    progress_resume_at(&prog, st->step, st->tokens);
    int rc = 0;
    while (st->step < stop && !rc) {
        double t0 = now_seconds();
        tensorlist_zero_grad(&m->params);
        for (int a = 0; a < o->accum; a++) {
            next_batch(st, seqs, n, T, B, o->seed, ids);
            int M = mlm_mask(wp, ids, input, B, T, &o->mask, &st->rng, pos, tgt, NULL), right;
            const int local = W && st->step < o->local_steps;
            BertCache *cc = local ? &c_local : &c;
            if (local) bert_encode_blocks(m, cc, input, &st->rng, B, T, W);
            else bert_encode(m, cc, input, NULL, NULL, &st->rng, B, T);
            // the masked positions index the flat grid, which blocks do not change
            float loss = bert_mlm_forward(m, cc, pos, tgt, M, &right);
            check_finite(loss, "the MLM loss", st->step + 1);
            bert_mlm_backward(m, cc, pos, tgt, M, d_hidden, local ? BW : B, local ? W : T);
            bert_encode_backward(m, cc, d_hidden, input, NULL, local ? BW : B, local ? W : T);
            st->window_loss += (double)loss * M, st->window_right += right, st->window_targets += M;
        }
        if (o->accum > 1)   // the mean over the micro-batches, not their sum
            for (int k = 0; k < m->params.count; k++) {
                Tensor *t = m->params.items[k];
                for (size_t i = 0; i < t->size; i++) t->grad[i] /= (float)o->accum;
            }
        clip_grad_norm(&m->params, o->clip);
        st->step++;
        st->opt.lr = lr_warmup_linear(st->step, o->warmup, o->steps, o->lr);
        adam_step(&st->opt, &m->params);
        st->seconds += now_seconds() - t0;
        st->tokens += (double)B * T * o->accum;
        long wt = st->window_targets ? st->window_targets : 1;
        progress_update(&prog, st->step, (float)(st->window_loss / (double)wt), st->tokens);
        int last = st->step == o->steps;
        if ((o->log_every && st->step % o->log_every == 0) || last) {
            CurvePoint p = {st->step, st->opt.lr, (float)(st->window_loss / (double)wt),
                            (float)st->window_right / (float)wt, NAN, NAN, st->seconds, st->tokens};
            if (val && ((o->eval_every && st->step % o->eval_every == 0) || last)) {
                EvalResult r = mlm_evaluate(m, &c, val);
                p.val_loss = (float)r.loss, p.val_acc = (float)r.accuracy;
            }
            curve_push(st, p);
            st->window_loss = 0, st->window_right = st->window_targets = 0;
            progress_end(&prog);
            printf("step %5ld | lr %.2e | train loss %.4f acc %.4f", p.step, (double)p.lr, (double)p.train_loss,
                   (double)p.train_acc);
            if (!isnan(p.val_loss)) printf(" | held-out loss %.4f acc %.4f", (double)p.val_loss, (double)p.val_acc);
            printf(" | %.0f tok/s\n", st->tokens / st->seconds);
            fflush(stdout);
        }
        if ((o->save_every && st->step % o->save_every == 0) || st->step == stop)
            rc = pretrain_save(path, m, wp, st, o, err, err_len);
    }
    progress_end(&prog);
    free(ids), free(input), free(pos), free(tgt), free(d_hidden);
    bert_cache_free(&c, m);
    if (W) bert_cache_free(&c_local, m);
    return rc;
}

// ---- checkpoints ----------------------------------------------------------------------------------

// A non-owning Tensor over an optimiser buffer, named for the file.
static Tensor view(const char *prefix, const Tensor *like, float *data) {
    Tensor t = *like;
    t.data = data, t.grad = NULL;
    size_t a = strlen(prefix), b = strlen(like->name);
    if (a + b >= sizeof t.name) DIE("tensor name too long for a checkpoint: %s%s", prefix, like->name);
    memcpy(t.name, prefix, a), memcpy(t.name + a, like->name, b + 1);
    return t;
}

#define CURVE_COLS 8

static int write_curve_csv(const char *path, const PretrainState *st, char *err, size_t err_len) {
    AtomicFile af;
    if (atomic_open(&af, path, err, err_len)) return -1;
    fprintf(af.fp, "step,lr,train_loss,train_acc,heldout_loss,heldout_acc,seconds,tokens\n");
    for (int i = 0; i < st->n_curve; i++) {
        const CurvePoint *p = &st->curve[i];
        fprintf(af.fp, "%ld,%.6g,%.6f,%.6f,%.6f,%.6f,%.2f,%.0f\n", p->step, (double)p->lr, (double)p->train_loss,
                (double)p->train_acc, (double)p->val_loss, (double)p->val_acc, p->seconds, p->tokens);
    }
    return atomic_commit(&af, err, err_len);
}

int pretrain_save(const char *dir, const Bert *m, const WordPiece *wp, const PretrainState *st, const PretrainOpts *o,
                  char *err, size_t err_len) {
    int n = m->params.count;
    Tensor *views = xmalloc(sizeof(Tensor) * (size_t)(2 * n + 1));
    TensorList state = {0};
    for (int k = 0; k < n; k++) {
        views[2 * k] = view("adam.m.", m->params.items[k], st->opt.m[k]);
        views[2 * k + 1] = view("adam.v.", m->params.items[k], st->opt.v[k]);
        tensorlist_add(&state, &views[2 * k]), tensorlist_add(&state, &views[2 * k + 1]);
    }
    // the curve as a (rows, 8) float tensor (tokens in thousands, to float's 7 digits: the
    // figures need no more; the step count itself is in the metadata)
    int rows = st->n_curve;
    float *curve = fzeros((size_t)(rows ? rows : 1) * CURVE_COLS);
    for (int i = 0; i < rows; i++) {
        const CurvePoint *p = &st->curve[i];
        float *r = curve + (size_t)i * CURVE_COLS;
        r[0] = (float)p->step, r[1] = p->lr, r[2] = p->train_loss, r[3] = p->train_acc, r[4] = p->val_loss;
        r[5] = p->val_acc, r[6] = (float)p->seconds, r[7] = (float)(p->tokens / 1e3);
    }
    Tensor ct = {.data = curve, .ndim = 2, .shape = {rows, CURVE_COLS}, .size = (size_t)rows * CURVE_COLS};
    snprintf(ct.name, sizeof ct.name, "curve");
    tensorlist_add(&state, &ct);
    char v[30][48];
    snprintf(v[0], 48, "%ld", st->step), snprintf(v[1], 48, "%ld", st->epoch), snprintf(v[2], 48, "%ld", st->cursor);
    snprintf(v[3], 48, "%" PRIu64, st->rng.state), snprintf(v[4], 48, "%" PRIu64, st->rng.inc);
    snprintf(v[5], 48, "%d", st->rng.has_spare), snprintf(v[6], 48, "%.9g", (double)st->rng.spare);
    snprintf(v[7], 48, "%ld", st->opt.t), snprintf(v[8], 48, "%.17g", st->seconds);
    snprintf(v[9], 48, "%.17g", st->tokens), snprintf(v[10], 48, "%.17g", st->window_loss);
    snprintf(v[11], 48, "%ld", st->window_right), snprintf(v[12], 48, "%ld", st->window_targets);
    snprintf(v[13], 48, "%d", o->batch), snprintf(v[14], 48, "%d", o->accum), snprintf(v[15], 48, "%d", o->seq_len);
    snprintf(v[16], 48, "%ld", o->steps), snprintf(v[17], 48, "%ld", o->warmup), snprintf(v[18], 48, "%.9g", (double)o->lr);
    snprintf(v[19], 48, "%" PRIu64, o->seed), snprintf(v[20], 48, "%.9g", (double)o->mask.mask_prob);
    snprintf(v[21], 48, "%d", o->mask.whole_word), snprintf(v[22], 48, "%.9g", (double)o->weight_decay);
    snprintf(v[23], 48, "%.9g", (double)o->clip);
    snprintf(v[24], 48, "%d", o->local_width), snprintf(v[25], 48, "%ld", o->local_steps);
    snprintf(v[26], 48, "%ld", st->n_seqs);
    snprintf(v[27], 48, "%d", o->wikitext_copies), snprintf(v[28], 48, "%d", o->conll_copies);
    snprintf(v[29], 48, "%d", o->imdb_copies);
    const char *meta[] = {"format", "book-ch07-pretrain-1", "step", v[0], "epoch", v[1], "cursor", v[2],
                          "rng_state", v[3], "rng_inc", v[4], "rng_has_spare", v[5], "rng_spare", v[6],
                          "adam_t", v[7], "seconds", v[8], "tokens", v[9], "window_loss", v[10],
                          "window_right", v[11], "window_targets", v[12], "batch", v[13], "accum", v[14],
                          "seq_len", v[15], "steps", v[16], "warmup", v[17], "lr", v[18], "seed", v[19],
                          "mask_prob", v[20], "whole_word", v[21], "weight_decay", v[22], "clip", v[23],
                          "local_width", v[24], "local_steps", v[25], "sequences", v[26],
                          "wikitext_copies", v[27], "conll_copies", v[28], "imdb_copies", v[29], NULL};
    BertSaveOpts so = {.architecture = "BertForMaskedLM", .extra = &state, .extra_file = "trainer_state.safetensors",
                       .extra_metadata = meta};
    int rc = bert_save_dir(dir, &m->cfg, &m->params, wp, &so, err, err_len);
    if (!rc) {   // a copy of the curve for readers and plots, next to the checkpoint
        char csv[4200], parent[4200];
        snprintf(parent, sizeof parent, "%s", o->out_dir);
        rc = write_curve_csv(path_join(csv, sizeof csv, parent, "curve.csv"), st, err, err_len);
    }
    tensorlist_free(&state);
    free(views), free(curve);
    return rc;
}

static int meta_long(const char *json, const char *key, long *out) {
    char s[48];
    if (json_get_string(json, key, s, sizeof s)) return -1;
    char *end;
    *out = strtol(s, &end, 10);
    return *end ? -1 : 0;
}

static int meta_double(const char *json, const char *key, double *out) {
    char s[48];
    if (json_get_string(json, key, s, sizeof s)) return -1;
    char *end;
    *out = strtod(s, &end);
    return *end ? -1 : 0;
}

int pretrain_continue(const char *dir, Bert *m, WordPiece *wp, int lowercase, float dropout, PretrainState *st,
                      const PretrainOpts *o, char *err, size_t err_len) {
    int has_head;
    if (bert_load_dir(dir, m, wp, lowercase, &has_head, err, err_len)) return -1;
    if (!has_head) {
        snprintf(err, err_len, "%s: no MLM head in the checkpoint (an encoder saved by chapter 08?); continued "
                 "pre-training needs the head it was trained with", dir);
        bert_free(m), wordpiece_free(wp);
        return -1;
    }
    m->cfg.dropout = dropout;
    pretrain_state_init(st, m, o);
    return 0;
}

int pretrain_resume(const char *dir, Bert *m, WordPiece *wp, int lowercase, PretrainState *st,
                    const PretrainOpts *o, char *err, size_t err_len) {
    int has_head;
    if (bert_load_dir(dir, m, wp, lowercase, &has_head, err, err_len)) return -1;
    pretrain_state_init(st, m, o);
    char path[4200];
    path_join(path, sizeof path, dir, "trainer_state.safetensors");
    StFile f;
    int rc = st_open(&f, path, err, err_len), opened = rc == 0;
    const char *meta = rc ? NULL : f.metadata_json;
    char fmt[48];
    if (!rc && (json_get_string(meta, "format", fmt, sizeof fmt) || strcmp(fmt, "book-ch07-pretrain-1")))
        rc = -1, snprintf(err, err_len, "%s: not a chapter 07 trainer state", path);
    // the options a result depends on must be the checkpoint's
    // (legacy: the value of a checkpoint written before the option existed; NAN: required)
    struct {
        const char *key;
        double want, legacy;
    } same[] = {{"batch", o->batch, NAN}, {"accum", o->accum, NAN}, {"seq_len", o->seq_len, NAN},
                {"steps", (double)o->steps, NAN}, {"warmup", (double)o->warmup, NAN},
                {"lr", (double)(float)o->lr, NAN}, {"seed", (double)o->seed, NAN},
                {"mask_prob", (double)(float)o->mask.mask_prob, NAN}, {"whole_word", o->mask.whole_word, NAN},
                {"weight_decay", (double)(float)o->weight_decay, NAN}, {"clip", (double)(float)o->clip, NAN},
                {"local_width", o->local_width, 0}, {"local_steps", (double)o->local_steps, 0},   // no local attention
                {"wikitext_copies", o->wikitext_copies, 1}, {"conll_copies", o->conll_copies, 1},   // no mixing
                {"imdb_copies", o->imdb_copies, 1}};
    for (size_t i = 0; i < sizeof same / sizeof same[0] && !rc; i++) {
        double got;
        if (!isnan(same[i].legacy) && json_get_string(meta, same[i].key, (char[48]){0}, 48))
            got = same[i].legacy;
        else if (meta_double(meta, same[i].key, &got)) {
            rc = -1, snprintf(err, err_len, "%s: no \"%s\" in the trainer state", path, same[i].key);
            break;
        }
        if ((float)got != (float)same[i].want)
            rc = -1, snprintf(err, err_len, "%s: the checkpoint was trained with %s = %g, this run asks for %g; "
                                            "resume with the same options", path, same[i].key, got, same[i].want);
    }
    long step = 0, epoch = 0, cursor = 0, has_spare = 0, adam_t = 0;
    double spare = 0;
    if (!rc && (meta_long(meta, "step", &step) || meta_long(meta, "epoch", &epoch) ||
                meta_long(meta, "cursor", &cursor) || meta_long(meta, "rng_has_spare", &has_spare) ||
                meta_long(meta, "adam_t", &adam_t) || meta_double(meta, "rng_spare", &spare) ||
                meta_double(meta, "seconds", &st->seconds) || meta_double(meta, "tokens", &st->tokens) ||
                meta_double(meta, "window_loss", &st->window_loss) ||
                meta_long(meta, "window_right", &st->window_right) ||
                meta_long(meta, "window_targets", &st->window_targets)))
        rc = -1, snprintf(err, err_len, "%s: the trainer state's metadata is incomplete", path);
    if (!rc && (step < 0 || epoch < 0 || cursor < 0 || adam_t < 0))
        rc = -1, snprintf(err, err_len, "%s: a negative step, epoch, cursor or Adam count in the trainer state", path);
    char s1[48], s2[48];
    if (!rc && (json_get_string(meta, "rng_state", s1, sizeof s1) || json_get_string(meta, "rng_inc", s2, sizeof s2)))
        rc = -1, snprintf(err, err_len, "%s: no generator state", path);
    long n_seqs = 0;   // 0: a checkpoint from before the count was kept; not checked
    if (!rc && json_get_string(meta, "sequences", (char[48]){0}, 48) == 0 && meta_long(meta, "sequences", &n_seqs))
        rc = -1, snprintf(err, err_len, "%s: \"sequences\" is not a count", path);
    if (!rc) {
        st->step = step, st->epoch = epoch, st->cursor = cursor, st->opt.t = adam_t, st->n_seqs = n_seqs;
        st->rng.state = strtoull(s1, NULL, 10), st->rng.inc = strtoull(s2, NULL, 10);
        st->rng.has_spare = (int)has_spare, st->rng.spare = (float)spare;
        for (int k = 0; k < m->params.count && !rc; k++) {
            Tensor mt = view("adam.m.", m->params.items[k], st->opt.m[k]);
            Tensor vt = view("adam.v.", m->params.items[k], st->opt.v[k]);
            rc = st_read_tensor_as(&f, &mt, mt.name, err, err_len);
            if (!rc) rc = st_read_tensor_as(&f, &vt, vt.name, err, err_len);
        }
    }
    if (!rc) {
        const StEntry *e = st_find(&f, "curve");
        if (!e || e->ndim != 2 || e->shape[1] != CURVE_COLS)
            rc = -1, snprintf(err, err_len, "%s: no (rows, %d) \"curve\" tensor", path, CURVE_COLS);
        else {
            int rows = (int)e->shape[0];
            Tensor ct;
            tensor_alloc(&ct, "curve", 0, 2, rows, CURVE_COLS);
            rc = st_read_tensor(&f, &ct, err, err_len);
            for (int i = 0; i < rows && !rc; i++) {
                const float *r = ct.data + (size_t)i * CURVE_COLS;
                if (r[0] > 0)   // (an empty curve is saved as one row of zeros)
                    curve_push(st, (CurvePoint){(long)r[0], r[1], r[2], r[3], r[4], r[5], r[6], (double)r[7] * 1e3});
            }
            tensor_free(&ct);
        }
    }
    if (opened) st_close(&f);
    if (rc) {
        pretrain_state_free(st), bert_free(m), wordpiece_free(wp);
        return -1;
    }
    return 0;
}
