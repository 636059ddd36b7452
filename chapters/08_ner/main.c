// ch08: fine-tuning chapter 07's BERT for named-entity recognition on CoNLL-2003.
//
//   1. CoNLL-2003 train / dev (testa) / test (testb), IOB1 or IOB2 read, IOB2 inside
//   2. words -> WordPiece rows, labels on first pieces, long sentences windowed
//   3. the pre-trained encoder (chapter 07's checkpoint, or any Hugging Face BERT in
//      safetensors) + a linear classifier; or the same encoder from random weights
//   4. fine-tuning with early stopping on dev F1; conlleval's scores on dev and test
//
//   ch08 --data datasets --model build/ch07_full/checkpoint     the full run (README 08.6)
//   ch08 ... --init random | --freeze                             the two baselines
//   ch08 --tag "Apple hired Tim Cook in California ." --tagger build/ch08/checkpoint
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/07_bert/checkpoint.h"
#include "chapters/07_bert/pretrain.h"
#include "chapters/08_ner/curve.h"
#include "chapters/08_ner/documents.h"
#include "chapters/08_ner/errors.h"
#include "chapters/08_ner/finetune.h"
#include "chapters/08_ner/ner_checkpoint.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/svg.h"
#include "common/timer.h"

typedef struct {
    CommonOpts common;
    const char *model, *init, *scheme, *predictions, *tag, *tagger, *analyze, *plot_curves;
    int batch, epochs, freeze, patience, eval_every, seq_len, stride, context, row_costs, lowercase, crf, mlm_check, examples;
    float lr, warmup, weight_decay, clip, dropout, layer_decay, word_mask;
} Opts;

// ---- data ------------------------------------------------------------------------------------------

// A split, read and held as IOB2 whatever scheme the file used.
static void load_split(ConllSet *set, const char *data, const char *file, const char *scheme) {
    char err[1024], dir[4200], path[4200];
    path_join(dir, sizeof dir, data, "conll2003");
    if (conll_load(set, path_join(path, sizeof path, dir, file), err, sizeof err)) die(path, 0, "%s", err);
    TagScheme s = !strcmp(scheme, "iob1") ? SCHEME_IOB1 : !strcmp(scheme, "iob2") ? SCHEME_IOB2
                  : !strcmp(scheme, "bioes-file") ? SCHEME_BIOES
                                                  : tags_detect_scheme(set->tag, set->sent_start, set->n_sents);
    for (int k = 0; k < set->n_sents; k++)
        tags_to_iob2(set->tag + set->sent_start[k], set->sent_start[k + 1] - set->sent_start[k], s);
    const int guessed = conll_guess_documents(set);   // 0: the file has -DOCSTART- lines
    printf("%s: %d sentences, %d words, %d documents%s; tags read as %s\n", path, set->n_sents, set->n_tokens,
           set->n_docs, guessed ? " (no -DOCSTART- lines: found by their datelines)" : "",
           s == SCHEME_IOB1 ? "IOB1 (converted to IOB2)" : s == SCHEME_BIOES ? "BIOES (converted)" : "IOB2");
}

// ---- forgetting (08.7) -----------------------------------------------------------------------------

// Chapter 07's measure of the encoder: masked-token accuracy on WikiText-2 validation,
// through the MLM head the checkpoint came with. Fine-tuning changes the encoder (and
// the word embeddings, which the head's decoder shares) but never the head's own
// weights, so a drop is the encoder forgetting what the head reads from it.
static double heldout_mlm_accuracy(const Bert *m, const EvalSet *e) {
    BertCache c;
    bert_cache_alloc(&c, m, e->batch, e->T, evalset_max_targets(e));
    EvalResult r = mlm_evaluate(m, &c, e);
    bert_cache_free(&c, m);
    return r.accuracy;
}

typedef struct {
    ConllSet set;
    NerRows rows;
    int *word_labels, *token_labels;
    NerSplit split;
} Split;

static void split_prepare(Split *s, const TagSet *ts, const WordPiece *wp, const Opts *o, const char *name) {
    char err[512];
    s->word_labels = xmalloc(sizeof(int) * (size_t)(s->set.n_tokens + 1));
    for (int k = 0; k < s->set.n_sents; k++) {
        const int a = s->set.sent_start[k];
        if (tagset_encode(ts, s->set.tag + a, s->set.sent_start[k + 1] - a, s->word_labels + a, err, sizeof err))
            die(name, 0, "sentence %d: %s (a type the training set does not have)", k + 1, err);
    }
    nerrows_build(&s->rows, &s->set, wp, o->seq_len, o->stride, o->context);
    if (o->context && !s->set.docstarts && s->set.n_docs < 2)
        printf("%s: no documents (no -DOCSTART- lines, no datelines), so no document context\n", name);
    s->token_labels = xmalloc(sizeof(int) * (size_t)s->rows.n_rows * s->rows.T);
    nerrows_token_labels(&s->rows, s->word_labels, s->token_labels);
    s->split = (NerSplit){&s->set, &s->rows, s->word_labels, s->token_labels};
    long tokens = 0;
    for (int r = 0; r < s->rows.n_rows; r++) tokens += s->rows.length[r];
    printf("%s: %d rows of %d (%d sentences windowed), %.2f pieces per word, %d words without pieces, "
           "%.1f tokens per row (%.1f of document context)\n",
           name, s->rows.n_rows, s->rows.T, s->rows.split_sents,
           (double)s->rows.pieces / (double)(s->set.n_tokens ? s->set.n_tokens : 1), s->rows.empty_words,
           (double)tokens / s->rows.n_rows, (double)s->rows.context_pieces / s->rows.n_rows);
}

static void split_free(Split *s) {
    conll_free(&s->set), nerrows_free(&s->rows);
    free(s->word_labels), free(s->token_labels);
}

// `word gold predicted` lines, a blank line after each sentence: what conlleval reads
static void write_predictions(const char *path, const Split *s, const TagSet *ts, const int *pred) {
    char err[512];
    AtomicFile af;
    if (atomic_open(&af, path, err, sizeof err)) die(path, 0, "%s", err);
    char(*tags)[TAG_TYPE_LEN + 2] = xmalloc(sizeof *tags * (size_t)(s->set.n_tokens + 1));
    tagset_decode(ts, pred, s->set.n_tokens, tags);
    for (int k = 0; k < s->set.n_sents; k++) {
        for (int i = s->set.sent_start[k]; i < s->set.sent_start[k + 1]; i++)
            fprintf(af.fp, "%s %s %s\n", s->set.word[i], s->set.tag[i], tags[i]);
        fputc('\n', af.fp);
    }
    free(tags);
    if (atomic_commit(&af, err, sizeof err)) die(path, 0, "%s", err);
}

// ---- error analysis (08.8) -------------------------------------------------------------------------

static void print_entity(const ConllSet *set, int a, const Entity *en, const NerScore *s) {
    if (!en) {
        printf("%-26s ", "-");
        return;
    }
    char buf[512];
    int len = snprintf(buf, sizeof buf, "[%s", en->type >= 0 ? s->type[en->type] : "?");
    for (int i = en->start; i < en->end && len < (int)sizeof buf - 64; i++)
        len += snprintf(buf + len, sizeof buf - (size_t)len, " %s", set->word[a + i]);
    snprintf(buf + len, sizeof buf - (size_t)len, "]");
    printf("%-26s ", buf);
}

// The error classes of errors.h over a split, then up to `examples` errors of each
// type (by the gold type; spurious ones by the predicted type) with their context.
static void error_analysis(const ConllSet *set, const TagSet *ts, const int *word_pred, int examples) {
    NerScore s;
    nerscore_init(&s, ts);
    NerErrors e;
    memset(&e, 0, sizeof e);
    char(*pred)[TAG_TYPE_LEN + 2] = xmalloc(sizeof *pred * (size_t)(set->n_tokens + 1));
    char **pred_ptr = xmalloc(sizeof(char *) * (size_t)(set->n_tokens + 1));
    tagset_decode(ts, word_pred, set->n_tokens, pred);
    for (int i = 0; i < set->n_tokens; i++) pred_ptr[i] = pred[i];
    int longest = 1, shown[TAG_MAX_TYPES] = {0};
    for (int k = 0; k < set->n_sents; k++)
        if (set->sent_start[k + 1] - set->sent_start[k] > longest) longest = set->sent_start[k + 1] - set->sent_start[k];
    Entity *ge = xmalloc(sizeof(Entity) * (size_t)longest), *pe = xmalloc(sizeof(Entity) * (size_t)longest);
    NerErr *errs = xmalloc(sizeof(NerErr) * 2 * (size_t)longest);
    if (examples > 0) printf("examples (at most %d per type; gold, predicted, the words around):\n", examples);
    for (int k = 0; k < set->n_sents; k++) {
        const int a = set->sent_start[k], n = set->sent_start[k + 1] - a;
        int n_err = ner_errors_add(&e, &s, set->tag + a, pred_ptr + a, n, ge, pe, errs);
        for (int i = 0; i < n_err; i++) {
            const Entity *g = errs[i].gold >= 0 ? &ge[errs[i].gold] : NULL, *p = errs[i].pred >= 0 ? &pe[errs[i].pred] : NULL;
            int type = g ? g->type : p->type;
            if (type < 0 || shown[type] >= examples) continue;
            shown[type]++;
            printf("  %-5s %-10s ", s.type[type], ner_err_kind_name[errs[i].kind]);
            print_entity(set, a, g, &s), print_entity(set, a, p, &s);
            const Entity *at = g ? g : p;
            int from = at->start - 6 > 0 ? at->start - 6 : 0, to = at->end + 6 < n ? at->end + 6 : n;
            printf(" %s", from > 0 ? "..." : "");
            for (int w = from; w < to; w++) printf(" %s", set->word[a + w]);
            printf("%s\n", to < n ? " ..." : "");
        }
    }
    printf("\nentities by class (errors.h: correct, wrong type, wrong span, both, missed, spurious):\n");
    ner_errors_print(&e, &s, stdout);
    free(pred), free(pred_ptr), free(ge), free(pe), free(errs);
}

// ---- --analyze: a predictions file, scored and analysed ---------------------------------------

// Any `word gold predicted` file (this chapter's --predictions, or another tagger's in
// conlleval's format): conlleval's scores, the error classes and examples.
static void analyze_file(const Opts *o, double t0) {
    char err[1024];
    ConllSet gold, pred;
    if (conll_load_column(&gold, o->analyze, 1, err, sizeof err)) die(o->analyze, 0, "%s", err);
    if (conll_load_column(&pred, o->analyze, 0, err, sizeof err)) die(o->analyze, 0, "%s", err);
    if (gold.columns != 3) die(o->analyze, 0, "%d columns; a predictions file has 3: word gold predicted", gold.columns);
    // read as they are, in whatever scheme, as conlleval reads them: its chunk rules
    // take IOB1, IOB2 and invalid IOB2 alike, and token accuracy compares the raw tags
    TagSet ts;
    if (tagset_build(&ts, gold.tag, gold.n_tokens, SCHEME_IOB2, err, sizeof err)) die(o->analyze, 0, "%s", err);
    int *labels = xmalloc(sizeof(int) * (size_t)(gold.n_tokens + 1));
    for (int k = 0; k < pred.n_sents; k++) {
        const int a = pred.sent_start[k];
        if (tagset_encode(&ts, pred.tag + a, pred.sent_start[k + 1] - a, labels + a, err, sizeof err))
            die(o->analyze, 0, "sentence %d: %s; --analyze reads IOB1 or IOB2 tags of the gold column's types", k + 1, err);
    }
    NerScore s;
    ner_score(&s, &ts, &gold, labels);
    printf("%s: %d sentences, %d words\n", o->analyze, gold.n_sents, gold.n_tokens);
    nerscore_print(&s, stdout);
    printf("\n");
    error_analysis(&gold, &ts, labels, o->examples);
    Prf t = nerscore_prf(&s, -1);
    printf("RESULT ch=08 task=analyze f1=%.2f precision=%.2f recall=%.2f token_acc=%.2f seconds=%.2f\n", t.f1,
           t.precision, t.recall, nerscore_accuracy(&s), now_seconds() - t0);
    free(labels), conll_free(&gold), conll_free(&pred);
}

// ---- --plot-curves: several runs' dev F1 in one figure ----------------------------------------------

// spec: "label=path/curve.csv,label=path/curve.csv,..." -> OUT/dev_f1_runs.svg and a table
static void plot_curves(const Opts *o, double t0) {
    enum { MAX_RUNS = 8 };
    char spec[4096], err[1024], path[4200];
    if (strlen(o->plot_curves) >= sizeof spec) die("--plot-curves", 0, "the list is longer than %zu characters", sizeof spec - 1);
    strcpy(spec, o->plot_curves);
    const char *label[MAX_RUNS];
    FtResult run[MAX_RUNS];
    SvgSeries series[MAX_RUNS];
    float *xs[MAX_RUNS], *ys[MAX_RUNS];
    int n = 0;
    for (char *item = strtok(spec, ","); item; item = strtok(NULL, ",")) {
        char *eq = strchr(item, '=');
        if (!eq || eq == item || !eq[1]) die("--plot-curves", 0, "\"%s\" is not label=path/curve.csv", item);
        if (n == MAX_RUNS) die("--plot-curves", 0, "at most %d runs", MAX_RUNS);
        *eq = '\0', label[n] = item;
        if (ftcurve_load(eq + 1, &run[n], err, sizeof err)) die(eq + 1, 0, "%s", err);
        n++;
    }
    if (n == 0) die("--plot-curves", 0, "no runs given");
    printf("%-28s %8s %10s %10s %10s\n", "run", "points", "last step", "best F1", "at step");
    for (int i = 0; i < n; i++) {
        const FtResult *r = &run[i];
        float *x = xs[i] = fzeros((size_t)r->n_curve), *y = ys[i] = fzeros((size_t)r->n_curve);
        for (int k = 0; k < r->n_curve; k++) x[k] = (float)r->curve[k].step, y[k] = (float)r->curve[k].dev_f1;
        series[i] = (SvgSeries){label[i], x, y, r->n_curve};
        printf("%-28s %8d %10ld %10.2f %10ld\n", label[i], r->n_curve, r->curve[r->n_curve - 1].step, r->best_f1,
               r->best_step);
    }
    if (make_dirs(o->common.out)) die(o->common.out, 0, "cannot create the output directory");
    SvgPlot plot = {"Dev F1 (conlleval) during fine-tuning", "step", "entity F1 (%)", 0, 0, 0, 0};
    if (svg_line_plot(path_join(path, sizeof path, o->common.out, "dev_f1_runs.svg"), &plot, series, n))
        die(path, 0, "cannot write the figure");
    printf("%s: %d runs\n", path, n);
    printf("RESULT ch=08 task=plot-curves runs=%d", n);
    for (int i = 0; i < n; i++) printf(" best_f1_%d=%.2f", i + 1, run[i].best_f1);
    printf(" seconds=%.2f\n", now_seconds() - t0);
    for (int i = 0; i < n; i++) free(xs[i]), free(ys[i]), ftresult_free(&run[i]);
}

// ---- --tag ------------------------------------------------------------------------------------------

static void tag_text(const Opts *o, double t0) {
    char err[1024], dir[4200];
    const char *model = o->tagger ? o->tagger : path_join(dir, sizeof dir, o->common.out, "checkpoint");
    Tagger tg;
    TagSet ts;
    WordPiece wp;
    if (tagger_load_dir(model, &tg, &ts, &wp, o->lowercase, err, sizeof err)) die(model, 0, "%s", err);
    // the text as one CoNLL sentence: words split on spaces, tags unknown ("O")
    char *text = xstrdup(o->tag);
    ConllSet set = {0};
    int cap = 16;
    set.word = xmalloc(sizeof(char *) * (size_t)cap), set.tag = xmalloc(sizeof(char *) * (size_t)cap);
    for (char *w = strtok(text, " \t\n"); w; w = strtok(NULL, " \t\n")) {
        if (set.n_tokens == cap) {
            cap *= 2;
            set.word = xrealloc(set.word, sizeof(char *) * (size_t)cap), set.tag = xrealloc(set.tag, sizeof(char *) * (size_t)cap);
        }
        set.word[set.n_tokens] = xstrdup(w), set.tag[set.n_tokens] = xstrdup("O"), set.n_tokens++;
    }
    if (!set.n_tokens) die(__FILE__, __LINE__, "--tag: no words in the text");
    set.n_sents = 1, set.n_docs = 1;
    set.sent_start = xmalloc(sizeof(int) * 2), set.sent_doc = xmalloc(sizeof(int));
    set.sent_start[0] = 0, set.sent_start[1] = set.n_tokens, set.sent_doc[0] = 0;
    NerRows rows;
    nerrows_build(&rows, &set, &wp, tg.bert.cfg.max_pos < 128 ? tg.bert.cfg.max_pos : 128, 0, 0);
    TaggerCache c;
    tagger_cache_alloc(&c, &tg, 8, rows.T);
    int *pred = xmalloc(sizeof(int) * (size_t)set.n_tokens);
    tagger_predict(&tg, &c, 8, &rows, pred);
    char(*tags)[TAG_TYPE_LEN + 2] = xmalloc(sizeof *tags * (size_t)set.n_tokens);
    char **tag_ptr = xmalloc(sizeof(char *) * (size_t)set.n_tokens);
    tagset_decode(&ts, pred, set.n_tokens, tags);
    for (int i = 0; i < set.n_tokens; i++) tag_ptr[i] = tags[i], printf("%s/%s ", set.word[i], tags[i]);
    printf("\n");
    NerScore types;
    nerscore_init(&types, &ts);
    Entity *ents = xmalloc(sizeof(Entity) * (size_t)set.n_tokens);
    int n = ner_entities(&types, tag_ptr, set.n_tokens, ents);
    for (int k = 0; k < n; k++) {
        printf("  %-5s ", ents[k].type >= 0 ? ts.type[ents[k].type] : "?");
        for (int i = ents[k].start; i < ents[k].end; i++) printf("%s%s", i > ents[k].start ? " " : "", set.word[i]);
        printf("\n");
    }
    printf("RESULT ch=08 task=tag entities=%d words=%d seconds=%.2f\n", n, set.n_tokens, now_seconds() - t0);
    free(ents), free(tags), free(tag_ptr), free(pred), free(text);
    tagger_cache_free(&c, &tg), nerrows_free(&rows), conll_free(&set), tagger_free(&tg), wordpiece_free(&wp);
}

// ---- what document context costs (08.2) -------------------------------------------------------------

// A batch is computed as (rows) x (its longest row) (finetune.c, gather). Replays
// `epochs` shuffled epochs of eng.train in batches of o->batch for several --context
// values and prints tokens per row, as read and as computed.
static void row_costs(const Opts *o, const char *data, const char *model, double t0) {
    char err[1024], path[4200];
    ConllSet set;
    load_split(&set, data, "eng.train", o->scheme);
    WordPiece wp;
    if (wordpiece_load(&wp, path_join(path, sizeof path, model, "vocab.txt"), o->lowercase, err, sizeof err))
        die(path, 0, "%s", err);
    const int contexts[] = {0, 64, 96, 128};
    printf("%d shuffled epochs of eng.train in batches of %d, rows of %d:\n", o->epochs, o->batch, o->seq_len);
    printf("context | tokens per row | as computed (the batch's longest) | padding\n");
    double cost0 = 0, cost64 = 0;
    for (int k = 0; k < 4; k++) {
        if (contexts[k] > o->seq_len) continue;
        NerRows r;
        nerrows_build(&r, &set, &wp, o->seq_len, o->stride, contexts[k]);
        Rng rng;
        rng_seed(&rng, (uint64_t)o->common.seed);
        int *order = xmalloc(sizeof(int) * (size_t)r.n_rows);
        double read = 0, computed = 0;
        for (int e = 0; e < o->epochs; e++) {
            for (int i = 0; i < r.n_rows; i++) order[i] = i;
            rng_shuffle(&rng, order, r.n_rows);
            for (int b0 = 0; b0 < r.n_rows; b0 += o->batch) {
                const int n = r.n_rows - b0 < o->batch ? r.n_rows - b0 : o->batch;
                int longest = 0;
                for (int b = 0; b < n; b++) {
                    const int len = r.length[order[b0 + b]];
                    longest = len > longest ? len : longest, read += len;
                }
                computed += (double)longest * n;
            }
        }
        const double rows = (double)o->epochs * r.n_rows;
        printf("%7d | %14.1f | %33.1f | %6.0f%%\n", contexts[k], read / rows, computed / rows, 100 * (1 - read / computed));
        if (contexts[k] == 0) cost0 = computed / rows;
        if (contexts[k] == 64) cost64 = computed / rows;
        free(order), nerrows_free(&r);
    }
    printf("RESULT ch=08 task=row-costs computed_0=%.1f computed_64=%.1f seconds=%.2f\n", cost0, cost64, now_seconds() - t0);
    conll_free(&set), wordpiece_free(&wp);
}

// ---- main ---------------------------------------------------------------------------------------------

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/ch08"}, .model = NULL, .init = "pretrained", .scheme = "auto",
              .batch = 32, .epochs = 3, .patience = 0, .eval_every = 200, .seq_len = 128, .stride = 0, .lr = 5e-4f,
              .warmup = 0.1f, .weight_decay = 0.01f, .clip = 1.0f, .dropout = 0.1f, .examples = 3,
              .layer_decay = 1.0f};
    const char *head = "iob2";
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"model", FLAG_STRING, &o.model, "pre-trained BERT directory (default: chapter 07's beside --out, OUT/../ch07/checkpoint)"},
        {"init", FLAG_STRING, &o.init, "pretrained, or random: the same architecture from random weights"},
        {"freeze", FLAG_BOOL, &o.freeze, "train the classifier only; the encoder stays as pre-trained (and runs without dropout)"},
        {"scheme", FLAG_STRING, &o.scheme, "the files' tag scheme: auto, iob1, iob2 or bioes-file"},
        {"head", FLAG_STRING, &head, "the classifier's labels: iob2 (9 for CoNLL) or bioes (17)"},
        {"crf", FLAG_BOOL, &o.crf, "a linear-chain CRF on the classifier (Viterbi decoding)"},
        {"lr", FLAG_FLOAT, &o.lr, "peak learning rate (AdamW)"},
        {"epochs", FLAG_INT, &o.epochs, "passes over the training sentences"},
        {"batch", FLAG_INT, &o.batch, "rows (sentences or windows) per step"},
        {"warmup", FLAG_FLOAT, &o.warmup, "share of the steps spent warming up (a fraction; chapter 07's --warmup counts steps)"},
        {"weight-decay", FLAG_FLOAT, &o.weight_decay, "AdamW's decoupled weight decay (not on biases and norms)"},
        {"layer-decay", FLAG_FLOAT, &o.layer_decay, "each encoder layer trains at this times the rate of the one above it (1: one rate for all; 08.4)"},
        {"word-mask", FLAG_FLOAT, &o.word_mask,
         "each training word (all its pieces) becomes [MASK] with this probability, its label kept (0: never; 08.4)"},
        {"clip", FLAG_FLOAT, &o.clip, "clip the gradients' global norm to this"},
        {"dropout", FLAG_FLOAT, &o.dropout, "dropout while fine-tuning, in the encoder and before the classifier (replaces the checkpoint's rate)"},
        {"eval-every", FLAG_INT, &o.eval_every, "steps between dev evaluations (0: once per epoch)"},
        {"patience", FLAG_INT, &o.patience, "stop after this many evaluations without a better dev F1 (0: never)"},
        {"seq-len", FLAG_INT, &o.seq_len, "tokens per row, [CLS] and [SEP] included"},
        {"stride", FLAG_INT, &o.stride, "pieces between window starts in long sentences (0: half a row)"},
        {"context", FLAG_INT, &o.context,
         "fill each row up to this many tokens with the neighbouring sentences of its document (0: the sentence alone; 08.2)"},
        {"row-costs", FLAG_BOOL, &o.row_costs,
         "print what --context 0, 64, 96, 128 cost per row over --epochs shuffled epochs of eng.train, and stop (08.2)"},
        {"lowercase", FLAG_BOOL, &o.lowercase, "the vocabulary is uncased"},
        {"predictions", FLAG_STRING, &o.predictions, "write the test set as `word gold predicted` lines (conlleval)"},
        {"mlm-check", FLAG_BOOL, &o.mlm_check,
         "the encoder's held-out masked-token accuracy (chapter 07's) before and after fine-tuning (08.7)"},
        {"examples", FLAG_INT, &o.examples, "example errors per type under the error-analysis table of the test set (0: the table alone)"},
        {"analyze", FLAG_STRING, &o.analyze, "score a `word gold predicted` file (conlleval's format) with the error analysis, and stop"},
        {"plot-curves", FLAG_STRING, &o.plot_curves,
         "draw runs' dev F1 together: \"label=DIR/curve.csv,label=...\" -> OUT/dev_f1_runs.svg, and stop"},
        {"tag", FLAG_STRING, &o.tag, "print the entities of this text and stop (needs a fine-tuned --tagger)"},
        {"tagger", FLAG_STRING, &o.tagger, "fine-tuned model for --tag (default: --out/checkpoint)"},
    };
    // quick mode's defaults, before the flags: a flag given beside --quick wins
    if (cli_flag_given(argc, argv, "quick")) {   // the samples and chapter 07's quick BERT-tiny: 320 sentences, 2 s
        o.epochs = 10, o.eval_every = 0;   // once per epoch: 10 steps each
        o.lr = 1e-3f;   // measured on the samples: dev F1 92.1 (1e-4, 3 epochs: 0.8)
    }
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch08: fine-tuning a pre-trained BERT for named-entity recognition (CoNLL-2003)");
    cli_require(!strcmp(o.init, "pretrained") || !strcmp(o.init, "random"), "--init is pretrained or random");
    cli_require(!strcmp(head, "iob2") || !strcmp(head, "bioes"), "--head is iob2 or bioes");
    cli_require(!strcmp(o.scheme, "auto") || !strcmp(o.scheme, "iob1") || !strcmp(o.scheme, "iob2") ||
                    !strcmp(o.scheme, "bioes-file"),
                "--scheme is auto, iob1, iob2 or bioes-file");
    cli_require(o.dropout >= 0 && o.dropout < 1, "--dropout must be in [0, 1)");
    cli_require(o.lr > 0 && o.lr < 1 && o.epochs >= 1 && o.batch >= 1 && o.batch <= 4096, "--lr in (0,1), --epochs and --batch >= 1");
    cli_require(o.warmup >= 0 && o.warmup < 1 && o.clip > 0 && o.weight_decay >= 0, "--warmup in [0,1), --clip > 0");
    cli_require(o.layer_decay > 0 && o.layer_decay <= 1, "--layer-decay must be in (0, 1]");
    cli_require(o.word_mask >= 0 && o.word_mask < 1, "--word-mask must be in [0, 1)");
    cli_require(o.seq_len >= 8 && o.seq_len <= 512 && o.stride >= 0 && o.eval_every >= 0 && o.patience >= 0,
                "--seq-len in 8..512; --stride, --eval-every, --patience >= 0");
    cli_require(o.context >= 0 && o.context <= o.seq_len, "--context in 0..--seq-len (tokens per row)");
    cli_require(!(o.tag && o.context), "--tag reads one sentence, with no neighbours to lend --context");
    if (o.tag) {
        tag_text(&o, t0);
        return 0;
    }
    if (o.analyze) {
        analyze_file(&o, t0);
        return 0;
    }
    if (o.plot_curves) {
        plot_curves(&o, t0);
        return 0;
    }
    char err[1024], path[4200];
    const char *data = o.common.data ? o.common.data : "datasets/samples";
    // chapter 07's checkpoint beside our --out: build/ch08 -> build/ch07/checkpoint, and
    // make run's build/out/ch08 -> build/out/ch07/checkpoint (make run runs ch07 first)
    char sibling[4200];
    const char *model = o.model ? o.model : path_sibling(sibling, sizeof sibling, o.common.out, "ch07/checkpoint");
    if (o.row_costs) {
        row_costs(&o, data, model, t0);
        return 0;
    }

    // 1. the data
    Split train = {0}, dev = {0}, test = {0};
    load_split(&train.set, data, "eng.train", o.scheme);
    load_split(&dev.set, data, "eng.testa", o.scheme);
    load_split(&test.set, data, "eng.testb", o.scheme);
    TagSet ts;
    if (tagset_build(&ts, train.set.tag, train.set.n_tokens, !strcmp(head, "bioes") ? SCHEME_BIOES : SCHEME_IOB2, err,
                     sizeof err))
        die(data, 0, "eng.train: %s", err);
    printf("labels: %d (%s over %d types:", ts.n_labels, head, ts.n_types);
    for (int k = 0; k < ts.n_types; k++) printf(" %s", ts.type[k]);
    printf(")\n");

    // 2. the encoder and its vocabulary, then the rows
    Tagger tg;
    WordPiece wp;
    int has_head;
    if (bert_load_dir(model, &tg.bert, &wp, o.lowercase, &has_head, err, sizeof err))
        die(model, 0, "%s\n(chapter 07 writes one: `build/bin/ch07 --quick`, or the full run of its README)", err);
    Rng rng;
    rng_seed(&rng, (uint64_t)o.common.seed);
    if (!strcmp(o.init, "random")) {   // the same architecture, nothing learnt
        BertConfig cfg = tg.bert.cfg;
        bert_free(&tg.bert);
        bert_create(&tg.bert, &cfg, &rng);
    }
    EvalSet heldout;
    double mlm_before = NAN, mlm_after = NAN;
    if (o.mlm_check) {
        if (!has_head && strcmp(o.init, "random"))
            die(model, 0, "has no MLM head (cls.predictions.*): --mlm-check has nothing to measure with");
        int T = o.common.quick ? 64 : 128;   // chapter 07's --seq-len, quick and full: the same questions
        if (heldout_load(&heldout, &wp, data, T, 32, 0, 0, NULL, NULL, stdout, err, sizeof err))
            die(data, 0, "%s\n(--mlm-check reads chapter 07's held-out text: `datasets/fetch.sh wikitext-2`)", err);
        mlm_before = heldout_mlm_accuracy(&tg.bert, &heldout);
        printf("encoder before fine-tuning: held-out masked-token accuracy %.4f (%d questions)\n", mlm_before,
               heldout.batch_start[heldout.n_batches]);
    }
    // fine-tuning's dropout is fine-tuning's choice: chapter 07 may have pre-trained
    // without any (07.9), and BERT fine-tunes with 0.1
    tg.bert.cfg.dropout = o.dropout;
    tagger_init(&tg, ts.n_labels, &rng);
    if (o.crf) tagger_add_crf(&tg);
    printf("encoder: %s (%s), L=%d H=%d A=%d, vocabulary %d%s\n", model, o.init, tg.bert.cfg.layers,
           tg.bert.cfg.hidden, tg.bert.cfg.heads, wordpiece_size(&wp), o.freeze ? "; frozen" : "");
    split_prepare(&train, &ts, &wp, &o, "train");
    split_prepare(&dev, &ts, &wp, &o, "dev");
    split_prepare(&test, &ts, &wp, &o, "test");

    // 3. fine-tuning
    FinetuneOpts fo = {.batch = o.batch, .epochs = o.epochs, .lr = o.lr, .warmup_frac = o.warmup,
                       .weight_decay = o.weight_decay, .clip = o.clip, .freeze_encoder = o.freeze,
                       .eval_every = o.eval_every, .patience = o.patience, .seed = (uint64_t)o.common.seed,
                       .layer_decay = o.layer_decay, .word_mask = o.word_mask, .mask_id = wp.special[WP_MASK]};
    FtResult res;
    finetune_run(&tg, &ts, &train.split, &dev.split, &fo, &res, stdout);
    printf("fine-tuning: %ld steps, %.1f s (%.0f words/s); best dev F1 %.2f at step %ld%s\n", res.steps, res.seconds,
           (double)res.words_trained / (res.seconds > 0 ? res.seconds : 1), res.best_f1, res.best_step,
           res.stopped_early ? " (stopped early)" : "");

    if (o.mlm_check) {
        mlm_after = heldout_mlm_accuracy(&tg.bert, &heldout);
        printf("encoder after fine-tuning (best weights): held-out masked-token accuracy %.4f (before: %.4f)\n",
               mlm_after, mlm_before);
        evalset_free(&heldout);
    }

    // 4. the scores of the best weights
    TaggerCache c;
    tagger_cache_alloc(&c, &tg, 64, o.seq_len);
    int *dev_pred = xmalloc(sizeof(int) * (size_t)(dev.set.n_tokens + 1));
    int *test_pred = xmalloc(sizeof(int) * (size_t)(test.set.n_tokens + 1));
    tagger_predict(&tg, &c, 64, &dev.rows, dev_pred);
    double tp = now_seconds();
    tagger_predict(&tg, &c, 64, &test.rows, test_pred);
    tp = now_seconds() - tp;
    NerScore dev_s, test_s;
    ner_score(&dev_s, &ts, &dev.set, dev_pred);
    ner_score(&test_s, &ts, &test.set, test_pred);
    printf("\ndev (eng.testa):\n");
    nerscore_print(&dev_s, stdout);
    printf("\ntest (eng.testb):\n");
    nerscore_print(&test_s, stdout);
    printf("prediction: %d test sentences in %.2f s, %.0f sentences/s\n", test.set.n_sents, tp,
           (double)test.set.n_sents / (tp > 0 ? tp : 1e-9));
    if (o.predictions) write_predictions(o.predictions, &test, &ts, test_pred);
    printf("\nerror analysis, test (eng.testb):\n");   // the table always; examples if asked
    error_analysis(&test.set, &ts, test_pred, o.examples);

    // the model, the curve
    if (make_dirs(o.common.out)) die(o.common.out, 0, "cannot create the output directory");
    if (tagger_save_dir(path_join(path, sizeof path, o.common.out, "checkpoint"), &tg, &ts, &wp, err, sizeof err))
        die(path, 0, "%s", err);
    float *x = fzeros((size_t)res.n_curve + 1), *f1 = fzeros((size_t)res.n_curve + 1);
    for (int i = 0; i < res.n_curve; i++) x[i] = (float)res.curve[i].step, f1[i] = (float)res.curve[i].dev_f1;
    SvgSeries series = {"dev F1 (conlleval)", x, f1, res.n_curve};
    SvgPlot plot = {"Dev F1 during fine-tuning", "step", "entity F1 (%)", 0, 0, 0, 0};
    svg_line_plot(path_join(path, sizeof path, o.common.out, "dev_f1.svg"), &plot, &series, 1);
    free(x), free(f1);
    // the curve as numbers too, so that runs can be drawn together (--plot-curves)
    if (ftcurve_save(path_join(path, sizeof path, o.common.out, "curve.csv"), &res, err, sizeof err))
        die(path, 0, "%s", err);

    Prf d = nerscore_prf(&dev_s, -1), t = nerscore_prf(&test_s, -1);
    printf("RESULT ch=08 task=ner init=%s%s head=%s%s lr=%g layer_decay=%g word_mask=%g epochs=%d context=%d dev_f1=%.2f test_f1=%.2f test_precision=%.2f "
           "test_recall=%.2f test_token_acc=%.2f mlm_before=%.4f mlm_after=%.4f train_seconds=%.1f sents_per_s=%.0f "
           "seconds=%.1f\n",
           o.init, o.freeze ? "-frozen" : "", head, o.crf ? "+crf" : "", (double)o.lr, (double)o.layer_decay,
           (double)o.word_mask, o.epochs, o.context, d.f1, t.f1, t.precision, t.recall,
           nerscore_accuracy(&test_s), mlm_before, mlm_after, res.seconds, (double)test.set.n_sents / (tp > 0 ? tp : 1e-9),
           now_seconds() - t0);
    free(dev_pred), free(test_pred);
    tagger_cache_free(&c, &tg), ftresult_free(&res);
    split_free(&train), split_free(&dev), split_free(&test);
    tagger_free(&tg), wordpiece_free(&wp);
    return 0;
}
