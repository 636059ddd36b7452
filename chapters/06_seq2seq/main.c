// ch06: an encoder-decoder Transformer trained from scratch to translate dates written
// by people into ISO 8601 ("Wednesday, March 3, 2021" -> "2021-03-03", dates.h).
// Trains with teacher forcing, label smoothing, warm-up and gradient clipping; keeps the
// checkpoint with the best validation exact match; evaluates greedy and beam-search
// decoding on the held-out test dates; draws cross-attention heatmaps; saves the model
// as safetensors. `--translate "text"` loads a saved model and translates one date.
// The building blocks are model.c (on block.c, chapters 02-05), decode.c and dates.c.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/optim.h"
#include "chapters/06_seq2seq/dates.h"
#include "chapters/06_seq2seq/decode.h"
#include "chapters/06_seq2seq/model.h"
#include "chapters/06_seq2seq/schedule.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/safetensors.h"
#include "common/svg.h"
#include "common/timer.h"

typedef struct {
    CommonOpts common;
    int steps, batch, width, heads, ffn, layers, warmup, beam, eval_every, eval_n, learned_pos, untied, relu, evaluate,
        no_ramp;
    float lr, dropout, smoothing, clip, alpha;
    const char *translate, *model_dir;
} Opts;

static const char *out_path(char *buf, size_t n, const char *dir, const char *name) {
    return path_join(buf, n, dir, name);
}

static S2SConfig config_of(const Opts *o) {
    return (S2SConfig){.vocab = dates_vocab_size(), .C = o->width, .NH = o->heads, .H = o->ffn, .layers = o->layers,
                       .max_len = DATES_SRC_MAX, .use_gelu = !o->relu, .tied = !o->untied,
                       .learned_pos = o->learned_pos, .dropout = o->dropout, .label_smoothing = o->smoothing,
                       .pad_id = DATES_PAD};
}

// ---- evaluation ------------------------------------------------------------------------------

typedef struct {
    int n, exact, chars_right, chars;
    int per_format_right[DATES_N_FORMATS], per_format_n[DATES_N_FORMATS];
} Score;

static void score_one(Score *s, const int *out, int out_len, Date d, int format) {
    char iso[16];
    dates_iso(iso, d);
    int ok = out_len == 10;
    for (int t = 0; t < 10; t++) {
        int right = t < out_len && dates_id_char(out[t]) == iso[t];
        s->chars_right += right, ok &= right;
    }
    s->chars += 10, s->n++, s->exact += ok;
    s->per_format_n[format]++, s->per_format_right[format] += ok;
}

// Greedy exact match over n held-out dates, in batches of the cache's size.
static Score eval_greedy(const S2SModel *m, S2SCache *c, const Date *dates, const int *formats, int n) {
    Score s = {0};
    const int B = c->B;
    const size_t bt = (size_t)B * DATES_TGT_LEN;
    int *src = xmalloc(sizeof(int) * (size_t)B * DATES_SRC_MAX), *src_len = xmalloc(sizeof(int) * (size_t)B);
    int *tgt_in = xmalloc(sizeof(int) * bt), *tgt_out = xmalloc(sizeof(int) * bt), *out = xmalloc(sizeof(int) * bt);
    int *out_len = xmalloc(sizeof(int) * (size_t)B), Ts;
    for (int i0 = 0; i0 < n; i0 += B) {
        int nb = n - i0 < B ? n - i0 : B;
        dates_batch(dates + i0, formats + i0, nb, NULL, src, src_len, &Ts, tgt_in, tgt_out);
        greedy_decode(m, c, src, src_len, nb, Ts, DATES_BOS, DATES_EOS, DATES_TGT_LEN, out, out_len);
        for (int b = 0; b < nb; b++) score_one(&s, out + (size_t)b * DATES_TGT_LEN, out_len[b], dates[i0 + b], formats[i0 + b]);
    }
    free(src), free(src_len), free(tgt_in), free(tgt_out), free(out), free(out_len);
    return s;
}

static Score eval_beam(const S2SModel *m, S2SCache *c, const Date *dates, const int *formats, int n, int K,
                       float alpha) {
    Score s = {0};
    int src[DATES_SRC_MAX], src_len, tgt_in[DATES_TGT_LEN], tgt_out[DATES_TGT_LEN], out[DATES_TGT_LEN], Ts;
    for (int i = 0; i < n; i++) {
        dates_batch(dates + i, formats + i, 1, NULL, src, &src_len, &Ts, tgt_in, tgt_out);
        float score;
        int len = beam_decode(m, c, src, src_len, Ts, DATES_BOS, DATES_EOS, DATES_TGT_LEN, K, alpha, out, &score);
        score_one(&s, out, len, dates[i], formats[i]);
    }
    return s;
}

// ---- figures -----------------------------------------------------------------------------------

// Cross-attention of the last decoder layer, averaged over heads, for one example
// decoded greedily: row t = output character t, columns = input characters.
static void heatmap(const S2SModel *m, S2SCache *c, Date d, int format, const char *path) {
    char text[64], title[160];
    int src[DATES_SRC_MAX], src_len, tgt_in[DATES_TGT_LEN], tgt_out[DATES_TGT_LEN], out[DATES_TGT_LEN], out_len, Ts;
    dates_render(text, d, format);
    dates_batch(&d, &format, 1, NULL, src, &src_len, &Ts, tgt_in, tgt_out);
    greedy_decode(m, c, src, &src_len, 1, Ts, DATES_BOS, DATES_EOS, DATES_TGT_LEN, out, &out_len);
    // one teacher-forced pass over BOS + the model's own output fills the attention weights
    // (an untrained model may never emit EOS: then the last position is cut off)
    int prefix[DATES_TGT_LEN], len = out_len < DATES_TGT_LEN ? out_len + 1 : DATES_TGT_LEN;
    prefix[0] = DATES_BOS;
    memcpy(prefix + 1, out, sizeof(int) * (size_t)(len - 1));
    s2s_encode(m, c, src, &src_len, NULL, 1, Ts);
    s2s_decode(m, c, prefix, &len, &src_len, NULL, 1, Ts, len);
    const MhaCache *x = &c->dec[m->cfg.layers - 1].cross_attn;
    float *avg = fzeros((size_t)len * Ts);
    for (int h = 0; h < m->cfg.NH; h++)
        for (int t = 0; t < len; t++)
            for (int j = 0; j < Ts; j++) avg[t * Ts + j] += x->probs[((size_t)h * len + t) * Ts + j] / m->cfg.NH;
    char rows[DATES_TGT_LEN + 1][8], cols[DATES_SRC_MAX][8];
    const char *row_labels[DATES_TGT_LEN + 1], *col_labels[DATES_SRC_MAX];
    for (int t = 0; t < len; t++) {
        if (t < out_len) snprintf(rows[t], sizeof rows[t], "%c", dates_id_char(out[t]));
        else snprintf(rows[t], sizeof rows[t], "EOS");
        row_labels[t] = rows[t];
    }
    for (int j = 0; j < Ts; j++) {
        snprintf(cols[j], sizeof cols[j], "%c", text[j] == ' ' ? '_' : text[j]);
        col_labels[j] = cols[j];
    }
    char iso[16];
    dates_iso(iso, d);
    snprintf(title, sizeof title, "Cross-attention, last layer: \"%s\" -> %s", text, iso);
    svg_heatmap(path, title, avg, len, Ts, row_labels, col_labels, 0);
    free(avg);
}

// ---- saving and loading ---------------------------------------------------------------------------

static void save_model(const S2SModel *m, const char *dir, int seed) {
    char path[4096], err[1024], v[9][32];
    const S2SConfig *g = &m->cfg;
    snprintf(v[0], 32, "%d", g->C), snprintf(v[1], 32, "%d", g->NH), snprintf(v[2], 32, "%d", g->H);
    snprintf(v[3], 32, "%d", g->layers), snprintf(v[4], 32, "%d", g->use_gelu), snprintf(v[5], 32, "%d", g->tied);
    snprintf(v[6], 32, "%d", g->learned_pos), snprintf(v[7], 32, "%d", g->vocab), snprintf(v[8], 32, "%d", seed);
    // the seed fixes the train/validation/test split: --evaluate needs it to find the test dates
    const char *meta[] = {"task", "dates-to-iso", "width", v[0], "heads", v[1], "ffn", v[2], "layers", v[3],
                          "gelu", v[4], "tied", v[5], "learned_pos", v[6], "vocab", v[7], "seed", v[8], NULL};
    if (st_save(out_path(path, sizeof path, dir, "model.safetensors"), &m->params, meta, err, sizeof err) != 0)
        fprintf(stderr, "warning: %s\n", err);
}

// The integer value of "key": "N" in a safetensors metadata object, or -1.
static int meta_int(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\"", key);
    const char *p = json ? strstr(json, pattern) : NULL;
    if (!p) return -1;
    p = strchr(p + strlen(pattern), ':');
    if (!p) return -1;
    while (*p == ':' || *p == ' ' || *p == '"') p++;
    return atoi(p);
}

// Builds the model described by the checkpoint's metadata and loads its weights.
static void load_model(S2SModel *m, const Opts *o, int *seed) {
    char path[4096], err[1024];
    out_path(path, sizeof path, o->model_dir, "model.safetensors");
    StFile f;
    if (st_open(&f, path, err, sizeof err) != 0)
        DIE("%s (train a model first: build/bin/ch06 --out %s)", err, o->model_dir);
    S2SConfig cfg = config_of(o);
    int C = meta_int(f.metadata_json, "width"), NH = meta_int(f.metadata_json, "heads");
    int H = meta_int(f.metadata_json, "ffn"), L = meta_int(f.metadata_json, "layers");
    if (C < 1 || NH < 1 || H < 1 || L < 1 || meta_int(f.metadata_json, "vocab") != cfg.vocab)
        DIE("%s: not a chapter 06 dates model (metadata width/heads/ffn/layers/vocab missing or different)", path);
    // the limits of the training flags, before anything is allocated from these numbers
    if (C > 1024 || C % 2 || C % NH || H > 8192 || L > S2S_MAX_LAYERS)
        DIE("%s: metadata out of range (width %d, heads %d, ffn %d, layers %d; see ch06 --help for the limits)", path,
            C, NH, H, L);
    if (seed) *seed = meta_int(f.metadata_json, "seed");
    cfg.C = C, cfg.NH = NH, cfg.H = H, cfg.layers = L, cfg.dropout = 0;
    cfg.use_gelu = meta_int(f.metadata_json, "gelu") == 1, cfg.tied = meta_int(f.metadata_json, "tied") == 1;
    cfg.learned_pos = meta_int(f.metadata_json, "learned_pos") == 1;
    Rng rng;
    rng_seed(&rng, 1);
    s2s_create(m, &cfg, &rng);
    for (int t = 0; t < m->params.count; t++)
        if (st_read_tensor(&f, m->params.items[t], err, sizeof err) != 0) DIE("%s", err);
    st_close(&f);
}

static int translate(const Opts *o) {
    S2SModel m;
    load_model(&m, o, NULL);
    int src[DATES_SRC_MAX], out[DATES_TGT_LEN];
    int len = dates_encode(src, o->translate, DATES_SRC_MAX);
    if (len < 0) DIE("--translate: \"%s\" is longer than %d characters", o->translate, DATES_SRC_MAX);
    if (len == 0) DIE("--translate: empty input");
    int unknown = 0;
    for (int i = 0; i < len; i++) unknown += src[i] == DATES_UNK;
    if (unknown) fprintf(stderr, "note: %d character(s) outside the model's alphabet read as unknown\n", unknown);
    S2SCache c;
    s2s_cache_alloc(&c, &m, o->beam, len, DATES_TGT_LEN);
    float score;
    int n = beam_decode(&m, &c, src, len, len, DATES_BOS, DATES_EOS, DATES_TGT_LEN, o->beam, o->alpha, out, &score);
    printf("%s -> ", o->translate);
    for (int t = 0; t < n; t++) putchar(dates_id_char(out[t]));
    printf("   (beam %d, log-probability per length penalty %.4f)\n", o->beam, (double)score);
    s2s_cache_free(&c, &m);
    s2s_free(&m);
    return 0;
}

static void print_scores(const char *what, Score sc, double seconds) {
    printf("  %-14s exact match %.4f, characters %.4f  (%.1f s)\n", what, (double)sc.exact / sc.n,
           (double)sc.chars_right / sc.chars, seconds);
}

// --evaluate: the saved model on the held-out test dates of --seed (the same split as
// training with that seed), greedy and with --beam / --alpha, no training.
static int evaluate(const Opts *o) {
    S2SModel m;
    int trained_seed = -1;
    load_model(&m, o, &trained_seed);
    // another seed would draw another split, whose "test" dates are mostly training dates
    if (trained_seed < 0)
        fprintf(stderr, "note: %s does not record its training seed; the test dates are those of --seed %d\n",
                o->model_dir, o->common.seed);
    else if (trained_seed != o->common.seed)
        DIE("%s was trained with --seed %d (split by that seed); evaluate with --seed %d", o->model_dir, trained_seed,
            trained_seed);
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed);
    DatesSplit split;
    dates_split(&split, &rng);
    int n = o->eval_n ? (o->eval_n < split.n_test ? o->eval_n : split.n_test) : split.n_test;
    S2SCache c, cb;
    s2s_cache_alloc(&c, &m, 256, DATES_SRC_MAX, DATES_TGT_LEN);
    s2s_cache_alloc(&cb, &m, o->beam, DATES_SRC_MAX, DATES_TGT_LEN);
    printf("%s on %d held-out test dates (seed %d):\n", o->model_dir, n, o->common.seed);
    double t = now_seconds();
    Score g = eval_greedy(&m, &c, split.test, split.test_format, n);
    print_scores("greedy:", g, now_seconds() - t);
    char what[64];
    snprintf(what, sizeof what, "beam %d, a=%g:", o->beam, (double)o->alpha);
    t = now_seconds();
    Score b = eval_beam(&m, &cb, split.test, split.test_format, n, o->beam, o->alpha);
    print_scores(what, b, now_seconds() - t);
    printf("RESULT ch=06 task=dates-to-iso-eval test_exact_greedy=%.4f test_exact_beam=%.4f beam=%d alpha=%g test_n=%d\n",
           (double)g.exact / g.n, (double)b.exact / b.n, o->beam, (double)o->alpha, n);
    s2s_cache_free(&c, &m), s2s_cache_free(&cb, &m);
    s2s_free(&m);
    dates_split_free(&split);
    return 0;
}

// ---- training ----------------------------------------------------------------------------------

static void copy_params(TensorList *dst, const TensorList *src) {
    for (int t = 0; t < src->count; t++)
        memcpy(dst->items[t]->data, src->items[t]->data, sizeof(float) * src->items[t]->size);
}

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/out/ch06"}, .batch = 64, .width = 64, .heads = 4, .ffn = 256,
              .layers = 2, .warmup = 300, .beam = 4, .lr = 2e-3f, .dropout = 0.1f, .smoothing = 0.1f, .clip = 1.0f,
              .alpha = 0.6f, .model_dir = "build/out/ch06"};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"steps", FLAG_INT, &o.steps, "training steps (0: 3000, 400 with --quick)"},
        {"batch", FLAG_INT, &o.batch, "sentences per step"},
        {"width", FLAG_INT, &o.width, "model width C"},
        {"heads", FLAG_INT, &o.heads, "attention heads (must divide --width)"},
        {"ffn", FLAG_INT, &o.ffn, "feed-forward hidden width"},
        {"layers", FLAG_INT, &o.layers, "encoder and decoder layers (each)"},
        {"lr", FLAG_FLOAT, &o.lr, "peak learning rate (Adam), reached after --warmup steps"},
        {"warmup", FLAG_INT, &o.warmup, "warm-up steps (6.10)"},
        {"no-ramp", FLAG_BOOL, &o.no_ramp, "the peak lr from step 1 (held until --warmup, then the same decay)"},
        {"dropout", FLAG_FLOAT, &o.dropout, "dropout on every residual branch"},
        {"smoothing", FLAG_FLOAT, &o.smoothing, "label smoothing eps (6.7)"},
        {"clip", FLAG_FLOAT, &o.clip, "clip the gradient's global norm to this (0: no clipping)"},
        {"beam", FLAG_INT, &o.beam, "beam width for beam search"},
        {"alpha", FLAG_FLOAT, &o.alpha, "length penalty exponent of beam search (6.15)"},
        {"eval-every", FLAG_INT, &o.eval_every, "steps between validation checks (0: steps/10)"},
        {"eval-n", FLAG_INT, &o.eval_n, "held-out dates evaluated (0: all 7,304 test dates, 500 with --quick)"},
        {"learned-pos", FLAG_BOOL, &o.learned_pos, "learned positions instead of sinusoids"},
        {"untied", FLAG_BOOL, &o.untied, "separate output projection instead of the embedding"},
        {"relu", FLAG_BOOL, &o.relu, "ReLU in the feed-forward network instead of GELU"},
        {"translate", FLAG_STRING, &o.translate, "translate this date with the model in --model and exit"},
        {"evaluate", FLAG_BOOL, &o.evaluate, "evaluate the model in --model on the test dates (with --beam, --alpha) and exit"},
        {"model", FLAG_STRING, &o.model_dir, "directory of model.safetensors for --translate and --evaluate"},
    };
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch06: an encoder-decoder Transformer translating human-written dates to ISO 8601.\n"
              "The data is generated (dates.h): --data is accepted but not used.");
    cli_require(o.beam >= 1 && o.beam <= 64, "--beam must be in 1..64");
    cli_require(o.alpha >= 0 && o.alpha <= 5, "--alpha must be in 0..5");
    cli_require(!(o.translate && o.evaluate), "--translate and --evaluate: one at a time");
    if (o.translate) return translate(&o);
    cli_require(o.eval_n >= 0, "--eval-n must not be negative");
    if (o.evaluate) return evaluate(&o);
    cli_require(o.steps >= 0 && o.steps <= 1000000, "--steps must be in 0..1,000,000");
    cli_require(o.batch >= 1 && o.batch <= 1024, "--batch must be in 1..1024");
    cli_require(o.width >= 2 && o.width <= 1024 && o.width % 2 == 0, "--width must be even, 2..1024");
    cli_require(o.heads >= 1 && o.width % o.heads == 0, "--heads must divide --width");
    cli_require(o.ffn >= 1 && o.ffn <= 8192, "--ffn must be in 1..8192");
    cli_require(o.layers >= 1 && o.layers <= S2S_MAX_LAYERS, "--layers must be in 1..%d", S2S_MAX_LAYERS);
    cli_require(o.lr > 0 && o.lr < 1, "--lr must be in (0, 1)");
    cli_require(o.warmup >= 0, "--warmup must not be negative");
    cli_require(o.dropout >= 0 && o.dropout < 1, "--dropout must be in [0, 1)");
    cli_require(o.smoothing >= 0 && o.smoothing < 1, "--smoothing must be in [0, 1)");
    cli_require(o.clip >= 0, "--clip must not be negative");
    cli_require(o.eval_every >= 0 && o.eval_n >= 0, "--eval-every and --eval-n must not be negative");
    if (o.common.data) fprintf(stderr, "note: --data is not used by chapter 06 (its data is generated)\n");
    if (make_dirs(o.common.out) != 0) DIE("%s: cannot create the output directory", o.common.out);
    const int steps = o.steps ? o.steps : (o.common.quick ? 400 : 3000);
    const int eval_every = o.eval_every ? o.eval_every : (steps / 10 > 0 ? steps / 10 : 1);

    Rng rng;
    rng_seed(&rng, (uint64_t)o.common.seed);
    DatesSplit split;
    dates_split(&split, &rng);
    const int n_test = o.eval_n ? (o.eval_n < split.n_test ? o.eval_n : split.n_test)
                                : (o.common.quick ? 500 : split.n_test);
    const int n_valid = o.common.quick ? 300 : 1000;
    char text[64], iso[16];
    dates_render(text, split.test[0], split.test_format[0]);
    dates_iso(iso, split.test[0]);
    printf("dates 1900-2099: %d train / %d validation / %d test (held-out dates), %d formats, vocabulary %d\n",
           split.n_train, split.n_valid, split.n_test, DATES_N_FORMATS, dates_vocab_size());
    printf("e.g. \"%s\" -> \"%s\"\n", text, iso);

    S2SConfig cfg = config_of(&o);
    S2SModel m, best;
    s2s_create(&m, &cfg, &rng);
    Rng unused;
    rng_seed(&unused, 0);
    s2s_create(&best, &cfg, &unused);   // a copy of the parameters with the best validation score
    printf("model: %d + %d layers, width %d, %d heads, ffn %d (%s), %s output, %s positions; %zu parameters\n",
           cfg.layers, cfg.layers, cfg.C, cfg.NH, cfg.H, cfg.use_gelu ? "GELU" : "ReLU", cfg.tied ? "tied" : "separate",
           cfg.learned_pos ? "learned" : "sinusoidal", tensorlist_numel(&m.params));
    printf("training: %d steps of %d, Adam (0.9, 0.98, 1e-9), peak lr %g %s %d steps, 1/sqrt decay, "
           "dropout %g, label smoothing %g, clip %g\n",
           steps, o.batch, (double)o.lr, o.no_ramp ? "held for" : "after warm-up of", o.warmup, (double)o.dropout,
           (double)o.smoothing, (double)o.clip);

    S2SCache train_cache, eval_cache;
    s2s_cache_alloc(&train_cache, &m, o.batch, DATES_SRC_MAX, DATES_TGT_LEN);
    s2s_cache_alloc(&eval_cache, &m, 256, DATES_SRC_MAX, DATES_TGT_LEN);
    Adam opt;
    adam_init(&opt, &m.params, o.lr, 0.9f, 0.98f, 1e-9f, 0.0f);
    int *src = xmalloc(sizeof(int) * (size_t)o.batch * DATES_SRC_MAX), *src_len = xmalloc(sizeof(int) * (size_t)o.batch);
    int *tgt_in = xmalloc(sizeof(int) * (size_t)o.batch * DATES_TGT_LEN);
    int *tgt_out = xmalloc(sizeof(int) * (size_t)o.batch * DATES_TGT_LEN), Ts;
    Date *batch_dates = xmalloc(sizeof(Date) * (size_t)o.batch);
    const int max_val_points = steps / eval_every + 2;
    float *loss_curve = xmalloc(sizeof(float) * (size_t)steps), *val_x = xmalloc(sizeof(float) * max_val_points),
          *val_y = xmalloc(sizeof(float) * max_val_points);
    int n_val_points = 0, best_step = 0;
    float best_val = -1;
    double tokens = 0, train_seconds = 0;

    char path[4096], err[1024];
    AtomicFile csv;
    if (atomic_open(&csv, out_path(path, sizeof path, o.common.out, "metrics.csv"), err, sizeof err) != 0) DIE("%s", err);
    fprintf(csv.fp, "step,metric,value\n");
    Progress prog;
    progress_start(&prog, steps, "tok");
    for (int step = 1; step <= steps; step++) {
        double ts = now_seconds();
        for (int i = 0; i < o.batch; i++) batch_dates[i] = split.train[rng_int(&rng, split.n_train)];
        dates_batch(batch_dates, NULL, o.batch, &rng, src, src_len, &Ts, tgt_in, tgt_out);
        opt.lr = o.no_ramp ? lr_hold_rsqrt(step, o.warmup, o.lr) : lr_warmup_rsqrt(step, o.warmup, o.lr);
        tensorlist_zero_grad(&m.params);
        float loss = s2s_forward_loss(&m, &train_cache, src, src_len, tgt_in, tgt_out, NULL, &rng, o.batch, Ts,
                                      DATES_TGT_LEN);
        check_finite(loss, "training loss", step);
        s2s_backward(&m, &train_cache, src, tgt_in, tgt_out, o.batch, Ts, DATES_TGT_LEN);
        float gnorm = o.clip > 0 ? clip_grad_norm(&m.params, o.clip) : 0.0f;
        adam_step(&opt, &m.params);
        train_seconds += now_seconds() - ts;
        for (int i = 0; i < o.batch; i++) tokens += src_len[i];
        tokens += train_cache.n_counted;
        loss_curve[step - 1] = loss;
        if (step % 10 == 0) fprintf(csv.fp, "%d,loss,%.6g\n%d,grad_norm,%.6g\n%d,lr,%.6g\n", step, (double)loss, step,
                                    (double)gnorm, step, (double)opt.lr);
        progress_update(&prog, step, loss, tokens);
        if (step % eval_every == 0 || step == steps) {
            double tv = now_seconds();
            Score v = eval_greedy(&m, &eval_cache, split.valid, split.valid_format, n_valid);
            prog.start_time += now_seconds() - tv;   // the progress line's rate and ETA: training only
            float acc = (float)v.exact / (float)v.n;
            if (n_val_points < max_val_points) val_x[n_val_points] = (float)step, val_y[n_val_points++] = acc;
            fprintf(csv.fp, "%d,valid_exact,%.6g\n", step, (double)acc);
            if (acc > best_val) best_val = acc, best_step = step, copy_params(&best.params, &m.params);
        }
    }
    progress_end(&prog);
    const double tok_per_s = tokens / train_seconds;
    printf("trained in %.1f s: %.0f tokens/s (source + target tokens), final loss %.4f; best validation exact "
           "match %.4f at step %d (%d dates)\n",
           train_seconds, tok_per_s, (double)loss_curve[steps - 1], (double)best_val, best_step, n_valid);

    // ---- test, with the checkpoint chosen on validation -----------------------------------------
    double te = now_seconds();
    Score g = eval_greedy(&best, &eval_cache, split.test, split.test_format, n_test);
    double greedy_s = now_seconds() - te;
    S2SCache beam_cache;
    s2s_cache_alloc(&beam_cache, &best, o.beam, DATES_SRC_MAX, DATES_TGT_LEN);
    te = now_seconds();
    Score bm = eval_beam(&best, &beam_cache, split.test, split.test_format, n_test, o.beam, o.alpha);
    double beam_s = now_seconds() - te;
    printf("\ntest (%d held-out dates, each in one random format):\n", n_test);
    printf("  greedy:        exact match %.4f, characters %.4f  (%.1f s)\n", (double)g.exact / g.n,
           (double)g.chars_right / g.chars, greedy_s);
    printf("  beam %-2d:       exact match %.4f, characters %.4f  (%.1f s)\n", o.beam, (double)bm.exact / bm.n,
           (double)bm.chars_right / bm.chars, beam_s);
    printf("  per format (greedy):");
    for (int f = 0; f < DATES_N_FORMATS; f++) {
        dates_render(text, (Date){2021, 3, 3}, f);
        printf("%s\"%s\" %.3f", f % 3 == 0 ? "\n    " : "   ", text,
               g.per_format_n[f] ? (double)g.per_format_right[f] / g.per_format_n[f] : 0.0);
    }
    printf("\n");
    // a few mistakes, if any: what the model gets wrong is the lesson
    int shown = 0, out[DATES_TGT_LEN], out_len, src1[DATES_SRC_MAX], len1, ti[DATES_TGT_LEN], to[DATES_TGT_LEN];
    for (int i = 0; i < n_test && shown < 5; i++) {
        dates_batch(split.test + i, split.test_format + i, 1, NULL, src1, &len1, &Ts, ti, to);
        greedy_decode(&best, &eval_cache, src1, &len1, 1, Ts, DATES_BOS, DATES_EOS, DATES_TGT_LEN, out, &out_len);
        char got[16] = {0};
        for (int t = 0; t < out_len && t < 15; t++) got[t] = dates_id_char(out[t]);
        dates_iso(iso, split.test[i]);
        if (strcmp(got, iso) != 0) {
            dates_render(text, split.test[i], split.test_format[i]);
            printf("  mistake: \"%s\" -> %s (expected %s)\n", text, got, iso);
            shown++;
        }
    }
    if (!shown) printf("  no mistakes among the greedy outputs\n");

    // ---- figures, checkpoint -----------------------------------------------------------------------
    float *xs = xmalloc(sizeof(float) * (size_t)steps);
    for (int i = 0; i < steps; i++) xs[i] = (float)(i + 1);
    // the floor of a label-smoothed loss: the entropy of the target q (6.7), reached
    // only by a model that predicts q exactly
    const double V = dates_vocab_size(), eps = o.smoothing, q_hit = 1 - eps + eps / V, q_miss = eps / V;
    const float floor_loss = (float)(-q_hit * log(q_hit) - (eps > 0 ? (V - 1) * q_miss * log(q_miss) : 0.0));
    float *floor_y = xmalloc(sizeof(float) * (size_t)steps);
    for (int i = 0; i < steps; i++) floor_y[i] = floor_loss;
    SvgSeries ls[2] = {{"training loss (label-smoothed)", xs, loss_curve, steps},
                       {"entropy of the smoothed target (the floor)", xs, floor_y, steps}};
    SvgPlot lp = {.title = "Training loss", .xlabel = "step", .ylabel = "loss (log scale)", .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o.common.out, "loss.svg"), &lp, ls, eps > 0 ? 2 : 1);
    free(floor_y);
    SvgSeries vs[1] = {{"validation exact match (greedy)", val_x, val_y, n_val_points}};
    SvgPlot vp = {.title = "Validation exact match", .xlabel = "step", .ylabel = "exact match", .y_min = 0,
                  .y_max = 1};
    svg_line_plot(out_path(path, sizeof path, o.common.out, "valid_exact.svg"), &vp, vs, 1);
    const int examples[3] = {4, 8, 11};   // "Wednesday, March 3, 2021", "3rd of March, 2021", "the 3rd of march 2021"
    for (int e = 0; e < 3; e++) {
        char name[64];
        snprintf(name, sizeof name, "cross_attention_%d.svg", e + 1);
        heatmap(&best, &eval_cache, split.test[e], examples[e], out_path(path, sizeof path, o.common.out, name));
    }
    save_model(&best, o.common.out, o.common.seed);
    if (atomic_commit(&csv, err, sizeof err) != 0) fprintf(stderr, "warning: %s\n", err);
    printf("\nfigures, metrics.csv and model.safetensors in %s (try: build/bin/ch06 --model %s --translate "
           "\"July 4, 1976\")\n",
           o.common.out, o.common.out);
    printf("RESULT ch=06 task=dates-to-iso test_exact_greedy=%.4f test_exact_beam=%.4f test_n=%d valid_exact=%.4f "
           "params=%zu train_seconds=%.1f tok_per_s=%.0f seconds=%.1f\n",
           (double)g.exact / g.n, (double)bm.exact / bm.n, n_test, (double)best_val, tensorlist_numel(&m.params),
           train_seconds, tok_per_s, now_seconds() - t0);

    free(src), free(src_len), free(tgt_in), free(tgt_out), free(batch_dates), free(loss_curve), free(val_x),
        free(val_y), free(xs);
    adam_free(&opt);
    s2s_cache_free(&train_cache, &m), s2s_cache_free(&eval_cache, &m), s2s_cache_free(&beam_cache, &best);
    s2s_free(&m), s2s_free(&best);
    dates_split_free(&split);
    return 0;
}
