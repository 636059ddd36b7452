// main.c: chapter 03's experiment. Sentiment of movie reviews (IMDB, 25k train / 25k
// test) with a bag of embeddings: tokenize, build a vocabulary on the training split,
// train with early stopping on a validation split carved from train, evaluate once on
// test, draw the curves and the most positive/negative words, save the model.
// `--predict "text"` loads a saved model and scores one review.
// Everything it prints is explained in chapters/03_imdb_sentiment/README.md.
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/03_imdb_sentiment/imdb.h"
#include "chapters/03_imdb_sentiment/model.h"
#include "chapters/03_imdb_sentiment/tokenizer.h"
#include "chapters/03_imdb_sentiment/train.h"
#include "chapters/03_imdb_sentiment/vocab.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/svg.h"
#include "common/timer.h"

#define SAMPLE_DIR "datasets/samples/aclImdb"

typedef struct {
    CommonOpts common;
    int bigrams, buckets_log2, dim, max_len, min_count, max_vocab, batch, epochs, patience, max_per_class;
    int top_min_count, sort_window;
    float lr, val_frac, init;
    int no_mask, vocab_from_test, select_on_test, dense_adam;
    const char *predict, *model;
} Options;

static void print_eval_row(const char *split, int n, const SentEval *e) {
    printf("| %-10s | %6d | %.4f | %.4f | %.4f | %.4f | %.4f |\n", split, n, (double)e->loss, e->m.accuracy,
           e->m.precision, e->m.recall, e->m.f1);
}

// ---- --predict --------------------------------------------------------------------------

static int predict_mode(const Options *o, double t_start) {
    const char *dir = o->model ? o->model : o->common.out;
    BagModel m;
    Vocab v;
    char err[1024];
    if (bagmodel_load(&m, &v, dir, err, sizeof err) != 0) {
        fflush(stdout);
        fprintf(stderr, "error: %s\n  (--predict loads model.safetensors and vocab.txt from --model DIR, default "
                        "--out; train a model first: build/bin/ch03 --data ... --out DIR)\n",
                err);
        return 1;
    }
    if (bagmodel_meta_flag(dir, "masked_mean") == 0)
        fprintf(stderr, "warning: this model was trained WITHOUT the padding mask (--no-mask): scored alone, a review's\n"
                        "  logit is about max_len / length times too large, so its probability is overconfident\n");
    EncodeOpts eo = {.max_len = m.max_len, .bigram_buckets = m.buckets};
    int *ids = xmalloc(sizeof(int) * (size_t)vocab_encoded_max(&eo));
    EncodeInfo info;
    int n = vocab_encode(&v, o->predict, strlen(o->predict), &eo, ids, &info);
    float z, p = bagmodel_predict_ids(&m, ids, n, &z);
    printf("model %s: %d words, %d bigram buckets, dim %d\n", dir, m.vocab_size, m.buckets, m.dim);
    printf("review: %ld tokens (%ld kept, %ld not in the vocabulary), %d features\n", info.tokens, info.kept,
           info.oov, n);
    if (info.kept == 0) printf("(no tokens: the model can only answer with its bias)\n");
    // The probabilities from the logit in double precision: a float sigmoid is exactly 1
    // from z = 17 or so, which would hide how saturated a short review is; the logit
    // and the smaller of the two probabilities show it (e.g. 1.1e-13).
    double p_pos = 1.0 / (1.0 + exp(-(double)z)), p_neg = 1.0 / (1.0 + exp((double)z));
    const char *label = p >= 0.5f ? "positive" : "negative";
    printf("P(positive) = %.6g, P(negative) = %.6g (logit %+.3f) -> %s\n", p_pos, p_neg, (double)z, label);
    printf("RESULT ch=03 task=imdb-predict p_positive=%.6g logit=%.3f label=%s seconds=%.2f\n", p_pos, (double)z, label,
           now_seconds() - t_start);
    free(ids);
    vocab_free(&v);
    bagmodel_free(&m);
    return 0;
}

// ---- figures ----------------------------------------------------------------------------

static void curves(const Options *o, const SentHistory *h) {
    char path[4096], title[160];
    int E = h->epochs_done;
    float *x = fzeros((size_t)E);
    for (int e = 0; e < E; e++) x[e] = (float)(e + 1);
    // a vertical marker at the epoch whose weights were kept
    float mx[2] = {(float)h->best_epoch, (float)h->best_epoch}, my_loss[2], my_acc[2] = {0.5f, 1.0f};
    float lo = INFINITY, hi = -INFINITY;
    for (int e = 0; e < E; e++) {
        lo = fminf(lo, fminf(h->train_loss[e], h->val_loss[e]));
        hi = fmaxf(hi, fmaxf(h->train_loss[e], h->val_loss[e]));
    }
    my_loss[0] = lo, my_loss[1] = hi;
    if (o->patience > 0)
        snprintf(title, sizeof title, "IMDB%s: loss per epoch (early stopping keeps epoch %d)",
                 o->bigrams ? " + bigrams" : "", h->best_epoch);
    else
        snprintf(title, sizeof title, "IMDB%s: loss per epoch, NO early stopping (best val: epoch %d)",
                 o->bigrams ? " + bigrams" : "", h->best_epoch);
    SvgSeries s_loss[3] = {{"train (mean over the epoch)", x, h->train_loss, E},
                           {"validation", x, h->val_loss, E},
                           {"lowest validation loss", mx, my_loss, 2}};
    SvgPlot p_loss = {title, "epoch", "binary cross-entropy", 0, 0, 0, 0};
    svg_line_plot(path_join(path, sizeof path, o->common.out, "loss.svg"), &p_loss, s_loss, 3);
    snprintf(title, sizeof title, "IMDB%s: accuracy per epoch", o->bigrams ? " + bigrams" : "");
    SvgSeries s_acc[3] = {{"train (during the epoch)", x, h->train_acc, E},
                          {"validation", x, h->val_acc, E},
                          {"lowest validation loss", mx, my_acc, 2}};
    SvgPlot p_acc = {title, "epoch", "accuracy", 0, 0, 0.5f, 1.0f};
    svg_line_plot(path_join(path, sizeof path, o->common.out, "accuracy.svg"), &p_acc, s_acc, 3);
    free(x);
}

typedef struct {
    int id;
    float score;
} Scored;

static int by_score_desc(const void *a, const void *b) {
    const Scored *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return x->id - y->id;
}

// The words whose learned vector pushes the logit furthest up or down (README 03.5):
// score(w) = e_w . fc_w, the logit of a review made of that word alone, minus the bias.
static void top_words(const Options *o, const BagModel *m, const Vocab *v, FILE *csv) {
    enum { K = 15 };
    Scored *s = xmalloc(sizeof(Scored) * (size_t)v->n);
    int n = 0;
    for (int id = VOCAB_N_SPECIAL; id < v->n; id++)
        if (v->count[id] >= o->top_min_count) s[n].id = id, s[n].score = bagmodel_row_score(m, id), n++;
    qsort(s, (size_t)n, sizeof(Scored), by_score_desc);
    int k = n < K ? n : K;
    printf("\nMost positive and most negative words (score = e_w . w_fc; words seen >= %d times in train):\n\n",
           o->top_min_count);
    printf("| rank | positive word | score | negative word | score |\n|---|---|---|---|---|\n");
    for (int i = 0; i < k; i++)
        printf("| %2d | %-14s | %+.3f | %-14s | %+.3f |\n", i + 1, vocab_word(v, s[i].id), (double)s[i].score,
               vocab_word(v, s[n - 1 - i].id), (double)s[n - 1 - i].score);
    // the bar chart: K most positive on the left, K most negative on the right
    const char *labels[2 * K];
    float values[2 * K];
    for (int i = 0; i < k; i++) {
        labels[i] = vocab_word(v, s[i].id), values[i] = s[i].score;
        labels[2 * k - 1 - i] = vocab_word(v, s[n - 1 - i].id), values[2 * k - 1 - i] = s[n - 1 - i].score;
    }
    for (int i = 0; i < k; i++) fprintf(csv, "top_positive_%d,%s\ntop_negative_%d,%s\n", i + 1, vocab_word(v, s[i].id),
                                        i + 1, vocab_word(v, s[n - 1 - i].id));
    char path[4096], title[128];
    snprintf(title, sizeof title, "Words with the most positive / negative learned score%s",
             o->bigrams ? " (bigram model)" : "");
    SvgPlot plot = {title, NULL, "e_w . w_fc (logit contribution)", 0, 0, 0, 0};
    if (k > 0) svg_bar_chart(path_join(path, sizeof path, o->common.out, "words.svg"), &plot, labels, values, 2 * k);
    free(s);
}

// What bigrams add (README 03.3): the score of a few word pairs next to the scores of
// their two words. "not good" can only be told from "good" by its own row.
static void bigram_scores(const BagModel *m, const Vocab *v) {
    static const char *const pairs[][2] = {{"not", "good"}, {"not", "bad"},   {"not", "great"}, {"very", "good"},
                                           {"no", "plot"},  {"must", "see"},  {"well", "worth"}, {"waste", "of"},
                                           {"at", "all"},   {"10", "/"}};
    printf("\nScores of some bigrams and of their words (e . w_fc, as above):\n\n");
    printf("| bigram | score | first word | second word |\n|---|---|---|---|\n");
    for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
        const char *a = pairs[k][0], *b = pairs[k][1];
        int la = (int)strlen(a), lb = (int)strlen(b), ia = vocab_find(v, a, la), ib = vocab_find(v, b, lb);
        int row = v->n + vocab_bigram_bucket(tok_hash(a, la), tok_hash(b, lb), m->buckets);
        printf("| %s %s | %+.1f | %+.1f | %+.1f |\n", a, b, (double)bagmodel_row_score(m, row),
               (double)bagmodel_row_score(m, ia >= 0 ? ia : VOCAB_OOV), (double)bagmodel_row_score(m, ib >= 0 ? ib : VOCAB_OOV));
    }
}

static void confusion_figure(const Options *o, const Confusion *c) {
    char path[4096];
    float cells[4] = {(float)c->tp, (float)c->fn, (float)c->fp, (float)c->tn};
    const char *rows[2] = {"true pos", "true neg"}, *cols[2] = {"pred pos", "pred neg"};
    svg_heatmap(path_join(path, sizeof path, o->common.out, "confusion.svg"), "Test set confusion matrix", cells, 2, 2,
                rows, cols, 1);
}

// ---- the experiment ---------------------------------------------------------------------

static void load_or_die(ImdbSet *s, const char *root, const char *split, int max_per_class) {
    char err[8192];
    if (imdb_load(s, root, split, max_per_class, err, sizeof err) != 0) {
        fflush(stdout);
        fprintf(stderr, "error: %s\n", err);
        exit(1);
    }
}

int main(int argc, char **argv) {
    double t_start = now_seconds();
    Options o = {.common = {.seed = 1, .out = "build/out/ch03"},
                 .buckets_log2 = -1, .dim = 8, .max_len = 1000, .min_count = 2, .max_vocab = 100000,
                 .batch = -1, .epochs = -1, .patience = -1, .lr = SENT_DEFAULT_LR, .val_frac = 0.1f, .init = 0.05f,
                 .top_min_count = -1, .sort_window = 50};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"bigrams", FLAG_BOOL, &o.bigrams, "add hashed bigram features (fastText's trick)"},
        {"buckets-log2", FLAG_INT, &o.buckets_log2, "bigram hash buckets = 2^this (-1: 21, or 16 with --quick)"},
        {"dim", FLAG_INT, &o.dim, "embedding dimension D"},
        {"max-len", FLAG_INT, &o.max_len, "tokens kept per review (the first ones)"},
        {"min-count", FLAG_INT, &o.min_count, "a word needs this many occurrences in train to enter the vocabulary"},
        {"max-vocab", FLAG_INT, &o.max_vocab, "vocabulary size at most (with <pad> and <unk>)"},
        {"lr", FLAG_FLOAT, &o.lr, "Adam learning rate"},
        {"batch", FLAG_INT, &o.batch, "reviews per step (-1: 32, or 8 with --quick)"},
        {"epochs", FLAG_INT, &o.epochs, "at most this many epochs (-1: 20, or 100 with --quick)"},
        {"patience", FLAG_INT, &o.patience,
         "early stopping: epochs without a lower val loss (0: never stop early; -1: 2, or 5 with --quick)"},
        {"val-frac", FLAG_FLOAT, &o.val_frac, "fraction of train held out for validation (stratified)"},
        {"init", FLAG_FLOAT, &o.init, "embedding init U(-init, init)"},
        {"sort-window", FLAG_INT, &o.sort_window,
         "batches of similar length: sort by length within windows of this many batches (0: random batches)"},
        {"max-per-class", FLAG_INT, &o.max_per_class, "read only the first N reviews per class and split (0: all)"},
        {"top-min-count", FLAG_INT, &o.top_min_count,
         "words in the top-words table need this many train occurrences (-1: 50, or 5 with --quick)"},
        {"no-mask", FLAG_BOOL, &o.no_mask, "MISTAKE: average over padding too (rows padded to a fixed length)"},
        {"vocab-from-test", FLAG_BOOL, &o.vocab_from_test, "MISTAKE: count the vocabulary on train + test"},
        {"select-on-test", FLAG_BOOL, &o.select_on_test, "MISTAKE: early-stop on the test loss instead of validation"},
        {"dense-adam", FLAG_BOOL, &o.dense_adam, "dense Adam over the whole embedding table every step (slow)"},
        {"predict", FLAG_STRING, &o.predict, "score this text with a saved model and exit"},
        {"model", FLAG_STRING, &o.model, "directory of the saved model for --predict (default: --out)"},
    };
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch03: sentiment of IMDB movie reviews with a bag of embeddings (+ hashed bigrams).\n"
              "--data DIR is the aclImdb directory (datasets/fetch.sh imdb); default: the shipped sample\n"
              SAMPLE_DIR ". --predict \"text\" scores a review with the model saved in --model/--out.");
    if (o.predict) return predict_mode(&o, t_start);
    if (o.buckets_log2 < 0) o.buckets_log2 = o.common.quick ? 16 : 21;
    // quick mode: the sample has only 185 training reviews (23 steps per epoch with
    // batches of 8) and 20 validation reviews, whose loss is noisy: smaller batches, more
    // epochs and more patience make up for that
    if (o.batch < 0) o.batch = o.common.quick ? 8 : 32;
    if (o.epochs < 0) o.epochs = o.common.quick ? 100 : 20;
    if (o.patience < 0) o.patience = o.common.quick ? 5 : 2;
    if (o.top_min_count < 0) o.top_min_count = o.common.quick ? 5 : 50;
    cli_require(o.buckets_log2 >= 1 && o.buckets_log2 <= 26, "--buckets-log2 must be in 1..26, got %d", o.buckets_log2);
    cli_require(o.dim >= 1 && o.dim <= 1024, "--dim must be in 1..1024, got %d", o.dim);
    cli_require(o.max_len >= 1 && o.max_len <= 100000, "--max-len must be in 1..100000, got %d", o.max_len);
    cli_require(o.min_count >= 1, "--min-count must be at least 1, got %d", o.min_count);
    cli_require(o.max_vocab >= 3, "--max-vocab must be at least 3 (<pad>, <unk> and one word), got %d", o.max_vocab);
    cli_require(o.lr > 0 && o.lr < 1, "--lr must be in (0, 1), got %g", (double)o.lr);
    cli_require(o.batch >= 1 && o.batch <= 4096, "--batch must be in 1..4096, got %d", o.batch);
    cli_require(o.epochs >= 1 && o.epochs <= 1000, "--epochs must be in 1..1000, got %d", o.epochs);
    cli_require(o.patience >= 0, "--patience must be >= 0, got %d", o.patience);
    cli_require(o.val_frac > 0 && o.val_frac < 0.5f, "--val-frac must be in (0, 0.5), got %g", (double)o.val_frac);
    cli_require(o.init >= 0 && o.init <= 1, "--init must be in [0, 1], got %g", (double)o.init);
    cli_require(o.sort_window >= 0, "--sort-window must be >= 0, got %d", o.sort_window);
    cli_require(o.max_per_class >= 0, "--max-per-class must be >= 0, got %d", o.max_per_class);
    const char *root = o.common.data ? o.common.data : SAMPLE_DIR;
    int buckets = o.bigrams ? 1 << o.buckets_log2 : 0;

    Rng rng;
    rng_seed(&rng, (uint64_t)o.common.seed);

    // 1. read the reviews (a broken data directory stops here, before anything is written)
    double t0 = now_seconds();
    ImdbSet train_raw, test_raw;
    load_or_die(&train_raw, root, "train", o.max_per_class);
    load_or_die(&test_raw, root, "test", o.max_per_class);
    double t_read = now_seconds() - t0;
    printf("# Chapter 03: IMDB sentiment with a bag of embeddings (seed %d%s%s)\n", o.common.seed,
           o.common.quick ? ", quick" : "", o.bigrams ? ", bigrams" : "");
    long rss_read = peak_rss_kb();
    printf("\n## 1. Data: %s\n\n", root);
    printf("read %d train + %d test reviews (%.1f MB) in %.2f s", train_raw.n, test_raw.n,
           (double)(train_raw.bytes + test_raw.bytes) / 1e6, t_read);
    printf("; %d files with invalid UTF-8 repaired, %d empty\n", train_raw.n_repaired + test_raw.n_repaired,
           train_raw.n_empty + test_raw.n_empty);
    if (make_dirs(o.common.out) != 0) DIE("cannot create the output directory %s", o.common.out);

    // 2. validation split from train, vocabulary from the training rows
    t0 = now_seconds();
    int *tr_rows, *va_rows, n_tr, n_va;
    char split_err[512];
    if (sent_split_stratified(train_raw.label, train_raw.n, o.val_frac, &rng, &tr_rows, &n_tr, &va_rows, &n_va,
                              split_err, sizeof split_err) != 0) {
        fflush(stdout);
        fprintf(stderr, "error: %s\n", split_err);
        return 1;
    }
    Vocab vocab;
    int n_distinct;
    if (o.vocab_from_test) {   // the mistake: merge test into the counted texts
        ImdbSet both = train_raw;
        int n_all = n_tr + test_raw.n;
        both.n = n_all;
        both.text = xmalloc(sizeof(char *) * (size_t)n_all), both.len = xmalloc(sizeof(size_t) * (size_t)n_all);
        for (int k = 0; k < n_tr; k++) both.text[k] = train_raw.text[tr_rows[k]], both.len[k] = train_raw.len[tr_rows[k]];
        for (int k = 0; k < test_raw.n; k++) both.text[n_tr + k] = test_raw.text[k], both.len[n_tr + k] = test_raw.len[k];
        sent_build_vocab(&vocab, &both, NULL, 0, o.min_count, o.max_vocab, &n_distinct);
        free(both.text);
        free(both.len);
    } else {
        sent_build_vocab(&vocab, &train_raw, tr_rows, n_tr, o.min_count, o.max_vocab, &n_distinct);
    }
    double t_vocab = now_seconds() - t0;

    // 3. encode
    t0 = now_seconds();
    EncodeOpts eo = {.max_len = o.max_len, .bigram_buckets = buckets};
    EncodedSet tr, va, te;
    EncodeInfo i_tr, i_va, i_te;
    encset_build(&tr, &train_raw, tr_rows, n_tr, &vocab, &eo, &i_tr);
    encset_build(&va, &train_raw, va_rows, n_va, &vocab, &eo, &i_va);
    encset_build(&te, &test_raw, NULL, 0, &vocab, &eo, &i_te);
    double t_encode = now_seconds() - t0;
    long rss_encode = peak_rss_kb();
    imdb_free(&train_raw);   // the texts are no longer needed
    imdb_free(&test_raw);
    printf("\n## 2. Tokens and vocabulary\n\n");
    printf("split %d train / %d validation (stratified, from train) / %d test\n", n_tr, n_va, te.n);
    printf("vocabulary: %d distinct tokens in the %s rows, %d kept (min count %d, max size %d)\n", n_distinct,
           o.vocab_from_test ? "TRAIN + TEST (mistake)" : "training", vocab.n, o.min_count, o.max_vocab);
    printf("| split | tokens | mean per review | kept (max_len %d) | OOV rate of kept |\n|---|---|---|---|---|\n",
           o.max_len);
    const EncodeInfo *infos[3] = {&i_tr, &i_va, &i_te};
    const EncodedSet *sets[3] = {&tr, &va, &te};
    const char *names[3] = {"train", "val", "test"};
    for (int k = 0; k < 3; k++)
        printf("| %-5s | %ld | %.1f | %.2f%% | %.2f%% |\n", names[k], infos[k]->tokens,
               (double)infos[k]->tokens / (sets[k]->n ? sets[k]->n : 1),
               100.0 * (double)infos[k]->kept / (double)(infos[k]->tokens ? infos[k]->tokens : 1),
               100.0 * (double)infos[k]->oov / (double)(infos[k]->kept ? infos[k]->kept : 1));
    printf("features: %s; embedding table %d x %d = %.1f M floats\n",
           buckets ? "unigrams + hashed bigrams" : "unigrams", vocab.n + buckets, o.dim,
           (double)(vocab.n + buckets) * o.dim / 1e6);
    printf("time: vocabulary %.2f s, encoding %.2f s\n", t_vocab, t_encode);

    // 4. train
    printf("\n## 3. Training (Adam lr %g, batch %d, early stopping on %s loss, patience %d)\n\n", (double)o.lr,
           o.batch, o.select_on_test ? "TEST (mistake)" : "validation", o.patience);
    BagModel model;
    bagmodel_init(&model, vocab.n, buckets, o.dim, o.max_len, o.init, &rng);
    SentTrainConfig cfg = sent_train_defaults();
    cfg.lr = o.lr, cfg.batch = o.batch, cfg.max_epochs = o.epochs, cfg.patience = o.patience;
    cfg.mask = !o.no_mask, cfg.fixed_len = o.no_mask ? vocab_encoded_max(&eo) : 0, cfg.verbose = 1;
    cfg.sort_window = o.sort_window, cfg.dense_adam = o.dense_adam, cfg.monitor_name = o.select_on_test ? "TEST" : "val";
    SentHistory hist;
    sent_train(&model, &tr, o.select_on_test ? &te : &va, &cfg, &rng, &hist);
    long rss_train = peak_rss_kb();
    printf("\n%d epochs in %.1f s (%.0f reviews/s through forward+backward+update); %s epoch %d%s\n",
           hist.epochs_done, hist.seconds, hist.train_rows_per_s, o.patience > 0 ? "kept" : "lowest val loss at",
           hist.best_epoch, o.patience > 0 ? "" : ", but --patience 0 keeps the LAST epoch");
    printf("a step used %.0f distinct rows of the %d-row embedding table on average (%.2f%%): what lazy Adam updates\n",
           hist.mean_rows_touched, model.embedding.shape[0], 100.0 * hist.mean_rows_touched / model.embedding.shape[0]);

    // 5. evaluate: validation (what we chose on), then test, once
    SentEval e_va = sent_evaluate(&model, &va, cfg.mask, cfg.fixed_len, NULL);
    SentEval e_te = sent_evaluate(&model, &te, cfg.mask, cfg.fixed_len, NULL);
    printf("\n## 4. Evaluation\n\n");
    printf("| split      |      n | loss   | acc    | prec   | recall | F1     |\n");
    printf("|------------|--------|--------|--------|--------|--------|--------|\n");
    print_eval_row("validation", va.n, &e_va);
    print_eval_row("test", te.n, &e_te);
    if (o.no_mask) {   // README "Common mistakes": the same model, only the padding differs
        SentEval e_dyn = sent_evaluate(&model, &te, 0, 0, NULL), e_alone = sent_evaluate(&model, &te, 1, 0, NULL);
        printf("\nWITHOUT the mask the padding is part of the input. The same model on the same test reviews:\n");
        printf("| %-30s | loss   | acc    | prec   | recall | F1     |\n|---|---|---|---|---|---|\n", "padded to");
        const SentEval *ev[3] = {&e_te, &e_dyn, &e_alone};
        const char *how[3] = {"a fixed length (as trained)", "the longest of each 256", "nothing (alone, as --predict)"};
        for (int k = 0; k < 3; k++)
            printf("| %-30s | %.4f | %.4f | %.4f | %.4f | %.4f |\n", how[k], (double)ev[k]->loss, ev[k]->m.accuracy,
                   ev[k]->m.precision, ev[k]->m.recall, ev[k]->m.f1);
    }
    const Confusion *c = &e_te.cm;
    printf("\ntest confusion matrix (rows: truth, columns: prediction)\n\n");
    printf("|          | pred pos | pred neg |\n|---|---|---|\n| true pos | %8ld | %8ld |\n| true neg | %8ld | %8ld |\n",
           c->tp, c->fn, c->fp, c->tn);

    // 6. figures, metrics, model
    char *metrics = NULL;
    size_t metrics_len = 0;
    FILE *csv = open_memstream(&metrics, &metrics_len);
    if (!csv) DIE("open_memstream failed: out of memory");
    fprintf(csv, "key,value\nbigrams,%d\nvocab_size,%d\nbuckets,%d\ndim,%d\nepochs_done,%d\nbest_epoch,%d\n",
            o.bigrams, vocab.n, buckets, o.dim, hist.epochs_done, hist.best_epoch);
    fprintf(csv, "val_loss,%g\nval_acc,%g\ntest_loss,%g\ntest_acc,%g\ntest_precision,%g\ntest_recall,%g\ntest_f1,%g\n",
            (double)e_va.loss, e_va.m.accuracy, (double)e_te.loss, e_te.m.accuracy, e_te.m.precision, e_te.m.recall,
            e_te.m.f1);
    fprintf(csv, "test_tp,%ld\ntest_fn,%ld\ntest_fp,%ld\ntest_tn,%ld\n", c->tp, c->fn, c->fp, c->tn);
    for (int e = 0; e < hist.epochs_done; e++)
        fprintf(csv, "epoch_%d,train_loss=%g;train_acc=%g;val_loss=%g;val_acc=%g\n", e + 1,
                (double)hist.train_loss[e], (double)hist.train_acc[e], (double)hist.val_loss[e],
                (double)hist.val_acc[e]);
    top_words(&o, &model, &vocab, csv);
    if (buckets) bigram_scores(&model, &vocab);
    curves(&o, &hist);
    confusion_figure(&o, c);

    char err[1024], s_seed[32], s_lr[32], s_mc[32], s_mv[32];
    snprintf(s_seed, sizeof s_seed, "%d", o.common.seed);
    snprintf(s_lr, sizeof s_lr, "%g", (double)o.lr);
    snprintf(s_mc, sizeof s_mc, "%d", o.min_count);
    snprintf(s_mv, sizeof s_mv, "%d", o.max_vocab);
    const char *extra[] = {"seed", s_seed, "lr", s_lr, "min_count", s_mc, "max_vocab", s_mv,
                           "masked_mean", o.no_mask ? "0" : "1", NULL};
    t0 = now_seconds();
    if (bagmodel_save(&model, &vocab, o.common.out, extra, err, sizeof err) != 0) DIE("saving the model: %s", err);
    double t_save = now_seconds() - t0;

    double seconds = now_seconds() - t_start;
    long rss = peak_rss_kb();
    fprintf(csv, "seconds,%.3f\npeak_rss_kb,%ld\n", seconds, rss);
    if (fclose(csv) != 0) DIE("writing the metrics to memory failed");
    char path[4096];
    AtomicFile af;
    if (atomic_open(&af, path_join(path, sizeof path, o.common.out, "metrics.csv"), err, sizeof err) != 0)
        DIE("%s", err);
    fwrite(metrics, 1, metrics_len, af.fp);
    if (atomic_commit(&af, err, sizeof err) != 0) DIE("%s", err);
    free(metrics);

    printf("\nmodel saved to %s/model.safetensors + vocab.txt (%.2f s); figures and metrics.csv in %s\n",
           o.common.out, t_save, o.common.out);
    printf("try: build/bin/ch03 --model %s --predict \"a wonderful, moving film\"\n", o.common.out);
    printf("time: read %.2f s, vocabulary %.2f s, encode %.2f s, train %.2f s, total %.2f s\n", t_read, t_vocab,
           t_encode, hist.seconds, seconds);
    printf("peak memory: %.0f MB after reading, %.0f MB after encoding, %.0f MB after training, %.0f MB at the end\n",
           (double)rss_read / 1024.0, (double)rss_encode / 1024.0, (double)rss_train / 1024.0, (double)rss / 1024.0);
    printf("RESULT ch=03 task=imdb-sentiment bigrams=%d val_acc=%.4f test_acc=%.4f test_f1=%.4f best_epoch=%d "
           "peak_mb=%.0f seconds=%.2f\n",
           o.bigrams, e_va.m.accuracy, e_te.m.accuracy, e_te.m.f1, hist.best_epoch, (double)rss / 1024.0, seconds);

    sent_history_free(&hist);
    bagmodel_free(&model);
    encset_free(&tr);
    encset_free(&va);
    encset_free(&te);
    vocab_free(&vocab);
    free(tr_rows);
    free(va_rows);
    return 0;
}
