// ch07: pre-training a small BERT with masked language modelling.
//
//   1. the corpus: WikiText-2 train + IMDB train and unsup + CoNLL-2003 train (corpus.h)
//   2. a WordPiece vocabulary learnt from it (wp_train.h), or --vocab FILE
//   3. the corpus tokenized (wordpiece.h) and packed into [CLS] ... [SEP] sequences
//   4. BERT (bert.h) pre-trained with MLM (pretrain.h), checkpoints in the Hugging Face
//      layout (checkpoint.h), held-out masked-token accuracy on WikiText-2 validation
//
//   ch07 --data datasets                        the full run (README 07.9)
//   ch07 --data datasets --resume DIR           continue an interrupted run
//   ch07 --data datasets --start-from DIR ...   a second run from DIR's weights (07.10)
//   ch07 --fill "Paris is the [MASK] of France ." --model DIR
//   ch07 --tokenize FILE --vocab V.txt          ids of each line of FILE, one line each
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chapters/07_bert/checkpoint.h"
#include "chapters/07_bert/corpus.h"
#include "chapters/07_bert/ngram.h"
#include "chapters/07_bert/pretrain.h"
#include "chapters/07_bert/probe.h"
#include "chapters/07_bert/wordpiece.h"
#include "chapters/07_bert/wp_train.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/svg.h"
#include "common/timer.h"

typedef struct {
    CommonOpts common;
    const char *tokenize, *vocab, *score, *config, *resume, *start_from, *fill, *model;
    int lowercase, vocab_size, max_alphabet, min_pair, no_unsup, vocab_only, baseline, dump_seqs, probe;
    int batch, accum, seq_len, warmup, steps, log_every, eval_every, save_every, whole_word, eval_max, stop_after;
    int local_width, local_steps, wikitext_copies, conll_copies, imdb_copies;
    float lr, weight_decay, clip, mask_prob, dropout;
} Opts;

// The name of the miniature with c's sizes (a resumed or continued run takes them from
// its checkpoint, whatever --config says); the names are bert_config_named's.
static const char *config_name(const BertConfig *c) {
    static const char *const names[] = {"tiny", "mini", "small", "medium"};
    for (int i = 0; i < 4; i++) {
        BertConfig k;
        bert_config_named(&k, names[i], c->vocab);
        if (k.layers == c->layers && k.hidden == c->hidden && k.heads == c->heads && k.intermediate == c->intermediate)
            return names[i];
    }
    return "custom";
}

// ---- --tokenize ----------------------------------------------------------------------------------

// The ids of each input line on one output line, for comparing with any other
// implementation of the same tokenizer; then, as always, the RESULT line.
static void tokenize_file(const Opts *o, double t0) {
    char err[512];
    WordPiece wp;
    if (!o->vocab) die(__FILE__, __LINE__, "--tokenize needs --vocab FILE (a vocab.txt)");
    if (wordpiece_load(&wp, o->vocab, o->lowercase, err, sizeof err)) die(o->vocab, 0, "%s", err);
    size_t len;
    char *text = read_file(o->tokenize, &len);
    if (!text) die(o->tokenize, 0, "cannot read the file to tokenize");
    IdList ids = {0};
    WpStats st = {0};
    long lines = 0;
    double t_tok = 0;
    size_t buf_cap = 1 << 16;
    char *buf = xmalloc(buf_cap);
    for (size_t at = 0; at < len;) {
        size_t end = at;
        while (end < len && text[end] != '\n') end++;
        ids.n = 0;
        double t = now_seconds();
        wordpiece_encode(&wp, text + at, end - at, &ids, &st);
        t_tok += now_seconds() - t;
        size_t n = 0;
        for (long i = 0; i < ids.n; i++) {
            if (n + 16 > buf_cap) buf = xrealloc(buf, buf_cap *= 2);
            n += (size_t)sprintf(buf + n, i ? " %d" : "%d", ids.ids[i]);
        }
        buf[n++] = '\n';
        fwrite(buf, 1, n, stdout);
        lines++;
        at = end + 1;
    }
    if (st.invalid_bytes)
        fprintf(stderr, "%s: %ld bytes were not valid UTF-8; each was read as U+FFFD and dropped (what HF does with "
                        "text Python decoded with errors=\"replace\")\n",
                o->tokenize, st.invalid_bytes);
    double mbs = t_tok > 0 ? (double)len / 1e6 / t_tok : 0.0;
    fprintf(stderr, "tokenized %ld lines, %.1f MB, %ld words -> %ld unknown; %.1f MB/s\n", lines, (double)len / 1e6,
            st.words, st.unk_words, mbs);
    printf("RESULT ch=07 task=tokenize lines=%ld bytes=%zu unk_words=%ld mb_per_s=%.1f seconds=%.2f\n", lines, len,
           st.unk_words, mbs, now_seconds() - t0);
    free(buf), free(text), idlist_free(&ids), wordpiece_free(&wp);
}

// ---- --fill --------------------------------------------------------------------------------------

// Prints the five most probable tokens for each [MASK] of text; returns the most
// probable token at the first one (its id), with its probability in *p_top.
static int fill_text(const Bert *m, const WordPiece *wp, const char *text, float *p_top) {
    IdList ids = {0};
    idlist_push(&ids, wp->special[WP_CLS]);
    wordpiece_encode(wp, text, strlen(text), &ids, NULL);
    idlist_push(&ids, wp->special[WP_SEP]);
    int T = (int)ids.n;
    if (T > m->cfg.max_pos) die(__FILE__, __LINE__, "the text is %d tokens; this model reads at most %d", T, m->cfg.max_pos);
    int *pos = xmalloc(sizeof(int) * (size_t)T), *tgt = xcalloc((size_t)T, sizeof(int)), M = 0;
    for (int t = 0; t < T; t++)
        if (ids.ids[t] == wp->special[WP_MASK]) pos[M++] = t;
    if (!M) die(__FILE__, __LINE__, "no [MASK] in \"%s\": write [MASK] where a word should be predicted", text);
    BertCache c;
    bert_cache_alloc(&c, m, 1, T, M);
    bert_encode(m, &c, ids.ids, NULL, NULL, NULL, 1, T);
    bert_mlm_forward(m, &c, pos, tgt, M, NULL);
    printf("%s\n", text);
    int first = 0;
    for (int i = 0; i < M; i++) {
        const float *p = c.probs + (size_t)i * m->cfg.vocab;
        int best[5] = {-1, -1, -1, -1, -1};
        for (int v = 0; v < m->cfg.vocab; v++)
            for (int k = 0; k < 5; k++)
                if (best[k] < 0 || p[v] > p[best[k]]) {
                    memmove(best + k + 1, best + k, sizeof(int) * (size_t)(4 - k));
                    best[k] = v;
                    break;
                }
        printf("  [MASK] %d:", i + 1);
        for (int k = 0; k < 5; k++) printf("  %s %.3f", wordpiece_token(wp, best[k]), (double)p[best[k]]);
        printf("\n");
        if (i == 0) first = best[0], *p_top = p[best[0]];
    }
    free(pos), free(tgt), idlist_free(&ids);
    bert_cache_free(&c, m);
    return first;
}

// --fill: a saved model, one text.
static void fill_masks(const Opts *o, double t0) {
    char err[1024], dir[4200];
    const char *model = o->model ? o->model : path_join(dir, sizeof dir, o->common.out, "checkpoint");
    Bert m;
    WordPiece wp;
    int has_head;
    if (bert_load_dir(model, &m, &wp, o->lowercase, &has_head, err, sizeof err)) die(model, 0, "%s", err);
    if (!has_head) die(model, 0, "this checkpoint has no MLM head (cls.predictions.*): it cannot fill in masks");
    float p;
    int top = fill_text(&m, &wp, o->fill, &p);
    printf("RESULT ch=07 task=fill top1=%s p=%.3f seconds=%.2f\n", wordpiece_token(&wp, top), (double)p,
           now_seconds() - t0);
    bert_free(&m), wordpiece_free(&wp);
}

// ---- --probe --------------------------------------------------------------------------------------

// --probe: where a saved model's heads look and how alike its hidden states are (probe.h),
// on the held-out sequences (masked as in evaluation: what the model sees when it answers).
static void probe_model(const Opts *o, double t0) {
    enum { R = 2 };
    char err[1024], dir[4200];
    const char *model = o->model ? o->model : path_join(dir, sizeof dir, o->common.out, "checkpoint");
    const char *data = o->common.data ? o->common.data : "datasets/samples";
    Bert m;
    WordPiece wp;
    int has_head;
    if (bert_load_dir(model, &m, &wp, o->lowercase, &has_head, err, sizeof err)) die(model, 0, "%s", err);
    EvalSet val;
    const int max_seqs = o->eval_max ? o->eval_max : 256;   // 32k tokens: the means are stable to 3 digits
    if (heldout_load(&val, &wp, data, o->seq_len, o->batch, max_seqs, 0, NULL, NULL, stdout, err, sizeof err))
        die(data, 0, "%s", err);
    const int L = m.cfg.layers, NH = m.cfg.heads, T = val.T;
    BertCache c;
    bert_cache_alloc(&c, &m, val.batch, T, evalset_max_targets(&val));
    double *sum = xcalloc((size_t)L * NH * (2 * R + 1), sizeof(double)), cos_sum = 0;
    double *entropy = xcalloc((size_t)L * NH, sizeof(double));
    long rows = 0;
    long *count = xcalloc((size_t)L * (2 * R + 1), sizeof(long)), pairs = 0;
    for (int k = 0; k < val.n_batches; k++) {
        int b0 = k * val.batch, nb = val.n - b0 < val.batch ? val.n - b0 : val.batch;
        bert_encode(&m, &c, val.input + (size_t)b0 * T, NULL, NULL, NULL, nb, T);
        for (int l = 0; l < L; l++)
            probe_offsets(sum + (size_t)l * NH * (2 * R + 1), count + (size_t)l * (2 * R + 1), c.layer[l].attn.probs, nb,
                          NH, T, R);
        for (int l = 0; l < L; l++) probe_entropy(entropy + (size_t)l * NH, c.layer[l].attn.probs, nb, NH, T);
        rows += (long)nb * T;
        cos_sum += probe_cosine_sum(bert_hidden(&c, &m), nb, T, m.cfg.hidden, &pairs);
    }
    printf("\n%s on %d held-out sequences of %d: mean attention weight on the key at t+d (uniform: 1/%d = %.4f)\n"
           "and mean entropy of a row in nats (uniform: ln %d = %.3f)\n",
           model, val.n, T, T, 1.0 / T, T, log((double)T));
    printf("layer head %8s %8s %8s %8s %8s %8s\n", "d=-2", "d=-1", "d=0", "d=+1", "d=+2", "entropy");
    double best_prev = 0, best_next = 0, min_entropy = INFINITY;
    for (int l = 0; l < L; l++)
        for (int h = 0; h < NH; h++) {
            printf("%5d %4d", l, h);
            for (int d = 0; d <= 2 * R; d++) {
                double w = sum[((size_t)l * NH + h) * (2 * R + 1) + d] / (double)count[(size_t)l * (2 * R + 1) + d];
                printf(" %8.4f", w);
                if (d == R - 1 && w > best_prev) best_prev = w;
                if (d == R + 1 && w > best_next) best_next = w;
            }
            const double e = entropy[(size_t)l * NH + h] / (double)rows;
            if (e < min_entropy) min_entropy = e;
            printf(" %8.3f\n", e);
        }
    const double cosine = pairs ? cos_sum / (double)pairs : NAN;
    printf("final hidden states: mean cosine similarity of two positions of a sequence %.4f\n", cosine);
    printf("RESULT ch=07 task=probe layers=%d heads=%d best_prev=%.4f best_next=%.4f uniform=%.4f min_entropy=%.3f "
           "uniform_entropy=%.3f cosine=%.4f seconds=%.2f\n", L, NH, best_prev, best_next, 1.0 / T, min_entropy,
           log((double)T), cosine, now_seconds() - t0);
    free(sum), free(entropy), free(count), bert_cache_free(&c, &m), evalset_free(&val), bert_free(&m), wordpiece_free(&wp);
}

// ---- the corpus ------------------------------------------------------------------------------------

// The three sources in this order; sources[k].end is where each one's documents end.
static void read_corpus(const Opts *o, const char *data, DocList *docs, CorpusSource sources[3]) {
    char err[1024], path[4096], dir[4096];
    double t = now_seconds();
    path_join(dir, sizeof dir, data, "wikitext-2");
    if (corpus_wikitext(docs, path_join(path, sizeof path, dir, "wiki.train.tokens"), err, sizeof err))
        die(path, 0, "%s", err);
    int n_wiki = docs->n;
    // the full data keeps IMDB in DATA/imdb/aclImdb (fetch.sh), the samples in DATA/aclImdb
    path_join(path, sizeof path, path_join(dir, sizeof dir, data, "imdb"), "aclImdb");
    if (access(path, F_OK) != 0) path_join(path, sizeof path, data, "aclImdb");
    if (corpus_imdb(docs, path, !o->no_unsup, 0, err, sizeof err)) die(path, 0, "%s", err);
    int n_imdb = docs->n - n_wiki;
    path_join(dir, sizeof dir, data, "conll2003");
    if (corpus_conll(docs, path_join(path, sizeof path, dir, "eng.train"), err, sizeof err)) die(path, 0, "%s", err);
    sources[0] = (CorpusSource){"WikiText-2 train", n_wiki, o->wikitext_copies};
    sources[1] = (CorpusSource){"IMDB reviews", n_wiki + n_imdb, o->imdb_copies};
    sources[2] = (CorpusSource){"CoNLL-2003 train", docs->n, o->conll_copies};
    printf("corpus: %d documents (%d WikiText-2 articles, %d IMDB reviews, %d CoNLL-2003 documents), %.1f MB, read "
           "in %.1f s\n",
           docs->n, n_wiki, n_imdb, docs->n - n_wiki - n_imdb, (double)docs->bytes / 1e6, now_seconds() - t);
}

static void train_vocab(const Opts *o, const DocList *docs, WordPiece *wp) {
    char err[1024], path[4200];
    double t = now_seconds();
    Vocab counter;
    vocab_init(&counter);
    BasicTokenizer bt;
    basic_init(&bt, o->lowercase, o->lowercase);
    for (int d = 0; d < docs->n; d++) wp_count_words(&counter, &bt, docs->text[d], docs->len[d]);
    basic_free(&bt);
    double t_count = now_seconds() - t;
    WpTrainOpts to = {.vocab_size = o->vocab_size, .max_alphabet = o->max_alphabet, .min_pair_count = o->min_pair,
                      .score = strcmp(o->score, "frequency") ? WP_SCORE_LIKELIHOOD : WP_SCORE_FREQUENCY,
                      .lowercase = o->lowercase};
    WpTrainStats ts;
    t = now_seconds();
    if (wp_train(&counter, &to, wp, &ts, err, sizeof err)) DIE("%s", err);
    printf("wordpiece: %d distinct words (%d left out: characters outside the alphabet) counted in %.1f s; "
           "alphabet %d, %d merges, vocabulary %d, trained in %.1f s (%.2e pair scores)\n",
           ts.words, ts.words_dropped, t_count, ts.alphabet, ts.merges, wordpiece_size(wp), now_seconds() - t,
           (double)ts.pairs_scanned);
    vocab_free(&counter);
    if (make_dirs(o->common.out)) die(o->common.out, 0, "cannot create the output directory");
    if (wordpiece_save(wp, path_join(path, sizeof path, o->common.out, "vocab.txt"), err, sizeof err)) DIE("%s", err);
    printf("wrote %s\n", path);
}

// ---- figures -----------------------------------------------------------------------------------------

static void draw_curves(const Opts *o, const PretrainState *st) {
    int n = st->n_curve, nv = 0;
    float *x = fzeros((size_t)n + 1), *tl = fzeros((size_t)n + 1), *ta = fzeros((size_t)n + 1);
    float *vx = fzeros((size_t)n + 1), *vl = fzeros((size_t)n + 1), *va = fzeros((size_t)n + 1);
    for (int i = 0; i < n; i++) {
        const CurvePoint *p = &st->curve[i];
        x[i] = (float)(p->tokens / 1e6), tl[i] = p->train_loss, ta[i] = p->train_acc;
        if (!isnan(p->val_loss)) vx[nv] = x[i], vl[nv] = p->val_loss, va[nv] = p->val_acc, nv++;
    }
    char path[4200];
    SvgSeries loss[2] = {{"training (masked tokens of the last steps)", x, tl, n}, {"held-out: WikiText-2 validation", vx, vl, nv}};
    SvgPlot lp = {"MLM loss", "training tokens (millions)", "cross-entropy on masked tokens", 0, 0, 0, 0};
    svg_line_plot(path_join(path, sizeof path, o->common.out, "mlm_loss.svg"), &lp, loss, 2);
    SvgSeries acc[2] = {{"training", x, ta, n}, {"held-out: WikiText-2 validation", vx, va, nv}};
    SvgPlot ap = {"Masked-token accuracy", "training tokens (millions)", "accuracy (arg-max = original token)", 0, 0, 0, 1};
    svg_line_plot(path_join(path, sizeof path, o->common.out, "mlm_accuracy.svg"), &ap, acc, 2);
    free(x), free(tl), free(ta), free(vx), free(vl), free(va);
}

// ---- main ----------------------------------------------------------------------------------------------

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/ch07"}, .score = "frequency", .config = "mini", .vocab_size = 8192,
              .max_alphabet = 1000, .min_pair = 2, .batch = 32, .accum = 1, .seq_len = 128, .warmup = 300,
              .steps = 4000, .local_width = 8, .local_steps = 600, .wikitext_copies = 8, .conll_copies = 8, .imdb_copies = 1, .log_every = 50, .eval_every = 500, .save_every = 500, .eval_max = 0, .lr = 1e-3f,
              .weight_decay = 0.01f, .clip = 1.0f, .mask_prob = 0.15f,
              .dropout = 0.0f};   // a run this short does not overfit: dropout only slows it (07.9)
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"config", FLAG_STRING, &o.config, "model size: tiny (L2 H128), mini (L4 H256), small (L4 H512), medium (L8 H512)"},
        {"steps", FLAG_INT, &o.steps, "optimiser steps"},
        {"batch", FLAG_INT, &o.batch, "sequences per micro-batch"},
        {"accum", FLAG_INT, &o.accum, "micro-batches per optimiser step (gradient accumulation)"},
        {"seq-len", FLAG_INT, &o.seq_len, "tokens per sequence, [CLS] and [SEP] included"},
        {"lr", FLAG_FLOAT, &o.lr, "peak learning rate (AdamW)"},
        {"warmup", FLAG_INT, &o.warmup, "warm-up steps, then linear decay to 0"},
        {"weight-decay", FLAG_FLOAT, &o.weight_decay, "AdamW's decoupled weight decay (not on biases and norms)"},
        {"clip", FLAG_FLOAT, &o.clip, "clip the gradients' global norm to this"},
        {"mask-prob", FLAG_FLOAT, &o.mask_prob, "share of tokens to predict"},
        {"dropout", FLAG_FLOAT, &o.dropout, "dropout on the embeddings and every residual branch (BERT's 0.1; 0 here, 07.9)"},
        {"whole-word", FLAG_BOOL, &o.whole_word, "mask whole words (a token and its ## pieces)"},
        {"local-width", FLAG_INT, &o.local_width, "for the first --local-steps steps, attention only within blocks of this many tokens (0: never)"},
        {"local-steps", FLAG_INT, &o.local_steps, "steps of local attention at the start (07.9)"},
        {"log-every", FLAG_INT, &o.log_every, "log (and record the curve) every N steps"},
        {"eval-every", FLAG_INT, &o.eval_every, "held-out evaluation every N steps (a multiple of --log-every)"},
        {"eval-max", FLAG_INT, &o.eval_max, "held-out sequences used (0 = all of WikiText-2 validation)"},
        {"save-every", FLAG_INT, &o.save_every, "checkpoint every N steps (and at the end)"},
        {"stop-after", FLAG_INT, &o.stop_after, "stop after this step with a checkpoint, as if interrupted"},
        {"resume", FLAG_STRING, &o.resume, "continue from this checkpoint directory (same options)"},
        {"start-from", FLAG_STRING, &o.start_from, "start from this checkpoint's weights and vocabulary: a new run, new schedule (continued pre-training, 07.10)"},
        {"fill", FLAG_STRING, &o.fill, "print the top-5 tokens for each [MASK] in this text and stop"},
        {"model", FLAG_STRING, &o.model, "checkpoint directory for --fill and --probe (default: --out/checkpoint)"},
        {"probe", FLAG_BOOL, &o.probe,
         "where the heads of --model look and how alike its hidden states are, on --eval-max held-out sequences (0: 256), and stop"},
        {"tokenize", FLAG_STRING, &o.tokenize, "print the ids of each line of FILE (needs --vocab) and stop"},
        {"vocab", FLAG_STRING, &o.vocab, "vocab.txt to use (default: train one into --out)"},
        {"lowercase", FLAG_BOOL, &o.lowercase, "uncased vocabulary: lower-case and strip accents"},
        {"vocab-size", FLAG_INT, &o.vocab_size, "WordPiece vocabulary size, specials included"},
        {"max-alphabet", FLAG_INT, &o.max_alphabet, "characters kept in the vocabulary"},
        {"min-pair", FLAG_INT, &o.min_pair, "a pair seen fewer times is never merged"},
        {"score", FLAG_STRING, &o.score, "pair score: frequency (HF, 7.1) or likelihood (Google, 7.2)"},
        {"no-unsup", FLAG_BOOL, &o.no_unsup, "leave IMDB's 50,000 unlabelled reviews out of the corpus"},
        {"wikitext-copies", FLAG_INT, &o.wikitext_copies, "WikiText-2 train's sequences appear this many times in an epoch (07.4)"},
        {"conll-copies", FLAG_INT, &o.conll_copies, "CoNLL-2003 train's sequences appear this many times in an epoch (07.4)"},
        {"imdb-copies", FLAG_INT, &o.imdb_copies, "IMDB's sequences appear this many times in an epoch (0: none; 07.4, 07.10)"},
        {"vocab-only", FLAG_BOOL, &o.vocab_only, "train vocab.txt into --out and stop"},
        {"dump-seqs", FLAG_BOOL, &o.dump_seqs, "write the packed training and held-out sequences (int32) into --out and stop"},
        {"baseline", FLAG_BOOL, &o.baseline, "answer the held-out questions by counting neighbours (no model) and stop"},
    };
    // quick mode's defaults, before the flags: a flag given beside --quick wins
    if (cli_flag_given(argc, argv, "quick")) {   // the samples: a small vocabulary, the tiny model, about 20 s
        o.vocab_size = 1000, o.config = "tiny";
        o.steps = 300, o.warmup = 30, o.seq_len = 64, o.log_every = 10, o.eval_every = 50;
        o.lr = 2e-3f;   // BERT-tiny takes it (held-out 0.117 vs 0.086 at 1e-3; 4e-3 diverged)
        o.save_every = 0;
        // the plain recipe, as measured in the README: no local attention first, the
        // corpus as it comes, BERT's dropout
        o.local_width = 0, o.local_steps = 0, o.wikitext_copies = 1, o.conll_copies = 1, o.dropout = 0.1f;
    }
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch07: a WordPiece tokenizer and a small BERT pre-trained with masked language modelling");
    cli_require(o.vocab_size >= 64 && o.vocab_size <= 1 << 20, "--vocab-size must be in 64..1048576");
    cli_require(o.max_alphabet >= 1, "--max-alphabet must be positive");
    cli_require(o.min_pair >= 1, "--min-pair must be at least 1");
    cli_require(!strcmp(o.score, "likelihood") || !strcmp(o.score, "frequency"), "--score is likelihood or frequency");
    cli_require(o.batch >= 1 && o.batch <= 4096 && o.accum >= 1 && o.accum <= 1024, "--batch and --accum must be positive");
    cli_require(o.seq_len >= 8 && o.seq_len <= 512, "--seq-len must be in 8..512 (BERT has 512 positions)");
    cli_require(o.steps >= 1 && o.warmup >= 0 && o.warmup < o.steps, "--steps >= 1 and 0 <= --warmup < --steps");
    cli_require(o.lr > 0 && o.lr < 1 && o.weight_decay >= 0 && o.clip > 0, "--lr in (0,1), --weight-decay >= 0, --clip > 0");
    cli_require(o.mask_prob > 0 && o.mask_prob < 1, "--mask-prob must be in (0, 1)");
    cli_require(o.dropout >= 0 && o.dropout < 1, "--dropout must be in [0, 1)");
    cli_require(o.wikitext_copies >= 0 && o.wikitext_copies <= 100 && o.conll_copies >= 0 && o.conll_copies <= 100 &&
                    o.imdb_copies >= 0 && o.imdb_copies <= 100,
                "--wikitext-copies, --conll-copies and --imdb-copies must be in 0..100");
    cli_require(o.log_every >= 1 && o.eval_every >= 0 && o.save_every >= 0 && o.eval_max >= 0 && o.stop_after >= 0,
                "--log-every >= 1; --eval-every, --save-every, --eval-max, --stop-after >= 0");
    cli_require(o.eval_every % o.log_every == 0, "--eval-every must be a multiple of --log-every");
    cli_require(o.local_width >= 0 && o.local_steps >= 0 && (!o.local_width || o.seq_len % o.local_width == 0),
                "--local-width must divide --seq-len (0: no local attention); --local-steps >= 0");
    cli_require(!o.start_from || (!o.resume && !o.vocab && !cli_flag_given(argc, argv, "config")),
                "--start-from takes the weights, sizes and vocabulary from its checkpoint: not with --resume, --vocab or --config");
    cli_require(!o.start_from || !(o.vocab_only || o.dump_seqs || o.baseline),
                "--start-from trains a model: not with --vocab-only, --dump-seqs or --baseline");
    // a continued run's heads found their neighbours in the first run: no local attention
    // first, unless asked for
    if (o.start_from && !cli_flag_given(argc, argv, "local-width")) o.local_width = 0;
    if (o.start_from) {   // its first save would overwrite the checkpoint it started from
        char ckpt[4200];
        struct stat from, to;
        path_join(ckpt, sizeof ckpt, o.common.out, "checkpoint");
        cli_require(stat(o.start_from, &from) || stat(ckpt, &to) || from.st_dev != to.st_dev || from.st_ino != to.st_ino,
                    "--start-from DIR is OUT/checkpoint: give the continued run another --out");
    }
    BertConfig cfg;
    cli_require(bert_config_named(&cfg, o.config, 0) == 0, "--config is tiny, mini, small or medium");
    if (o.tokenize) {
        tokenize_file(&o, t0);
        return 0;
    }
    if (o.fill) {
        fill_masks(&o, t0);
        return 0;
    }
    if (o.probe) {
        probe_model(&o, t0);
        return 0;
    }

    char err[1024], path[4200];
    const char *data = o.common.data ? o.common.data : "datasets/samples";
    DocList docs = {0};
    CorpusSource sources[3];
    read_corpus(&o, data, &docs, sources);
    // the vocabulary: a resumed run's own, --vocab, or a new one
    WordPiece wp;
    Bert m;
    PretrainState st;
    PretrainOpts po = {.batch = o.batch, .accum = o.accum, .seq_len = o.seq_len, .steps = o.steps, .warmup = o.warmup,
                       .lr = o.lr, .weight_decay = o.weight_decay, .clip = o.clip, .beta2 = 0.999f, .adam_eps = 1e-6f,
                       .mask = {o.mask_prob, o.whole_word}, .log_every = o.log_every, .eval_every = o.eval_every,
                       .save_every = o.save_every, .out_dir = o.common.out, .seed = (uint64_t)o.common.seed,
                       .stop_after = o.stop_after, .local_width = o.local_width, .local_steps = o.local_steps,
                       .wikitext_copies = o.wikitext_copies, .conll_copies = o.conll_copies,
                       .imdb_copies = o.imdb_copies};
    if (make_dirs(o.common.out)) die(o.common.out, 0, "cannot create the output directory");
    if (o.resume) {
        if (pretrain_resume(o.resume, &m, &wp, o.lowercase, &st, &po, err, sizeof err)) die(o.resume, 0, "%s", err);
        printf("resuming %s at step %ld of %d\n", o.resume, st.step, o.steps);
    } else if (o.start_from) {
        if (pretrain_continue(o.start_from, &m, &wp, o.lowercase, o.dropout, &st, &po, err, sizeof err)) die(o.start_from, 0, "%s", err);
        printf("continued pre-training: the weights and vocabulary of %s, a new schedule of %d steps\n", o.start_from, o.steps);
    } else if (o.vocab) {
        if (wordpiece_load(&wp, o.vocab, o.lowercase, err, sizeof err)) die(o.vocab, 0, "%s", err);
    } else {
        train_vocab(&o, &docs, &wp);
    }
    if (o.vocab_only) {
        printf("RESULT ch=07 task=wordpiece-train vocab=%d seconds=%.1f\n", wordpiece_size(&wp), now_seconds() - t0);
        wordpiece_free(&wp), doclist_free(&docs);
        return 0;
    }
    int *train_seqs, n_train = corpus_pack_mixture(&docs, sources, 3, &wp, o.seq_len, &train_seqs, stdout);
    doclist_free(&docs);
    if (n_train < o.batch) die(data, 0, "only %d training sequences of %d tokens; fewer than one batch", n_train, o.seq_len);
    int *val_seqs, n_val;
    EvalSet val;
    if (heldout_load(&val, &wp, data, o.seq_len, o.batch, o.eval_max, o.whole_word, &val_seqs, &n_val, stdout, err,
                     sizeof err))
        die(data, 0, "%s", err);
    printf("held-out: %d sequences, %d masked tokens to predict ([UNK] never one)\n", n_val, val.batch_start[val.n_batches]);
    if (o.dump_seqs) {   // for a reference implementation: the very sequences this run trains on
        const struct {
            const char *name;
            const int *seqs;
            int n;
        } files[] = {{"train_seqs.i32", train_seqs, n_train}, {"heldout_seqs.i32", val_seqs, n_val}};
        for (int k = 0; k < 2; k++) {
            AtomicFile af;
            path_join(path, sizeof path, o.common.out, files[k].name);
            if (make_dirs(o.common.out) || atomic_open(&af, path, err, sizeof err)) die(path, 0, "%s", err);
            fwrite(files[k].seqs, sizeof(int), (size_t)files[k].n * o.seq_len, af.fp);
            if (atomic_commit(&af, err, sizeof err)) die(path, 0, "%s", err);
            printf("%s: %d sequences of %d int32 ids\n", path, files[k].n, o.seq_len);
        }
        printf("RESULT ch=07 task=dump-seqs train=%d heldout=%d seq_len=%d seconds=%.1f\n", n_train, n_val, o.seq_len,
               now_seconds() - t0);
        free(train_seqs), free(val_seqs), evalset_free(&val), wordpiece_free(&wp);
        return 0;
    }
    if (o.baseline) {   // the same questions, answered by counting (ngram.h)
        double tb = now_seconds();
        NgramResult nb = ngram_baseline(train_seqs, n_train, o.seq_len, wordpiece_size(&wp), &val, val_seqs);
        printf("counting baseline: %ld questions, %.1f%% answered from both neighbours, %.1f%% from the left one, "
               "%.1f%% with the commonest token; %.1f s\n",
               nb.targets, 100.0 * (double)nb.by_pair / (double)nb.targets, 100.0 * (double)nb.by_left / (double)nb.targets,
               100.0 * (double)nb.by_unigram / (double)nb.targets, now_seconds() - tb);
        printf("RESULT ch=07 task=ngram-baseline vocab=%d heldout_acc=%.4f targets=%ld seconds=%.1f\n",
               wordpiece_size(&wp), nb.accuracy, nb.targets, now_seconds() - t0);
        free(train_seqs), free(val_seqs), evalset_free(&val), wordpiece_free(&wp);
        return 0;
    }

    if (!o.resume && !o.start_from) {
        bert_config_named(&cfg, o.config, wordpiece_size(&wp));
        cfg.dropout = o.dropout;
        Rng rng;
        rng_seed(&rng, (uint64_t)o.common.seed);
        bert_create(&m, &cfg, &rng);
        pretrain_state_init(&st, &m, &po);
    }
    printf("model: BERT-%s, L=%d H=%d A=%d I=%d, %zu parameters (%zu in the encoder); batch %d x %d tokens x %d, %d "
           "steps\n",
           config_name(&m.cfg), m.cfg.layers, m.cfg.hidden, m.cfg.heads, m.cfg.intermediate, tensorlist_numel(&m.params),
           tensorlist_numel(&m.encoder), o.batch, o.seq_len, o.accum, o.steps);
    if (o.local_width)
        printf("local attention for the first %d steps: blocks of %d tokens, positions kept (07.9)\n", o.local_steps,
               o.local_width);
    if (pretrain_run(&m, &wp, train_seqs, n_train, &val, &po, &st, err, sizeof err)) DIE("%s", err);
    draw_curves(&o, &st);
    printf("what the model predicts, three sentences of its own domains:\n");
    static const char *const examples[] = {"The river flows through the [MASK] of the town .",
                                           "This movie was [MASK] , I loved every minute of it .",
                                           "The president of the [MASK] States arrived in Paris on Monday ."};
    for (int i = 0; i < 3; i++) {
        float p;
        fill_text(&m, &wp, examples[i], &p);
    }
    const CurvePoint *last = st.n_curve ? &st.curve[st.n_curve - 1] : NULL;
    double tps = st.seconds > 0 ? st.tokens / st.seconds : 0;
    printf("training: %.1f million tokens in %.0f s, %.0f tokens/s; checkpoint in %s/checkpoint\n", st.tokens / 1e6,
           st.seconds, tps, o.common.out);
    printf("RESULT ch=07 task=bert-mlm config=%s vocab=%d step=%ld heldout_acc=%.4f heldout_loss=%.4f train_tokens=%.0f "
           "tokens_per_s=%.0f seconds=%.1f\n",
           config_name(&m.cfg), wordpiece_size(&wp), st.step, last ? (double)last->val_acc : NAN, last ? (double)last->val_loss : NAN, st.tokens, tps,
           now_seconds() - t0);
    free(train_seqs), free(val_seqs), evalset_free(&val), pretrain_state_free(&st), bert_free(&m), wordpiece_free(&wp);
    return 0;
}
