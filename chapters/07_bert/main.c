// ch07: pre-training a small BERT. This first part builds the tokenizer: it trains a
// WordPiece vocabulary on the pre-training corpus (corpus.h) and tokenizes text
// exactly as Hugging Face's BertTokenizer does with that vocab.txt.
//
//   ch07 --data datasets                 train vocab.txt on WikiText-2 + IMDB + CoNLL
//   ch07 --tokenize FILE --vocab V.txt   ids of each line of FILE, one line each
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapters/07_bert/corpus.h"
#include "chapters/07_bert/wordpiece.h"
#include "chapters/07_bert/wp_train.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/timer.h"

typedef struct {
    CommonOpts common;
    const char *tokenize, *vocab, *score;
    int lowercase, vocab_size, max_alphabet, min_pair, no_unsup, vocab_only;
} Opts;

// --tokenize: ids of each input line on one output line, for comparing with any other
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
    char *buf = xmalloc(1 << 16);
    size_t buf_cap = 1 << 16;
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
    fprintf(stderr, "tokenized %ld lines, %.1f MB, %ld words -> %ld unknown; %.1f MB/s\n", lines, (double)len / 1e6,
            st.words, st.unk_words, t_tok > 0 ? (double)len / 1e6 / t_tok : 0.0);
    printf("RESULT ch=07 task=tokenize lines=%ld bytes=%zu unk_words=%ld mb_per_s=%.1f seconds=%.2f\n", lines, len,
           st.unk_words, t_tok > 0 ? (double)len / 1e6 / t_tok : 0.0, now_seconds() - t0);
    free(buf), free(text), idlist_free(&ids), wordpiece_free(&wp);
}

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/ch07"}, .score = "frequency", .vocab_size = 8192,
              .max_alphabet = 1000, .min_pair = 2};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"tokenize", FLAG_STRING, &o.tokenize, "print the ids of each line of FILE (needs --vocab) and stop"},
        {"vocab", FLAG_STRING, &o.vocab, "vocab.txt to use (default: train one into --out)"},
        {"lowercase", FLAG_BOOL, &o.lowercase, "uncased vocabulary: lower-case and strip accents"},
        {"vocab-size", FLAG_INT, &o.vocab_size, "WordPiece vocabulary size, specials included"},
        {"max-alphabet", FLAG_INT, &o.max_alphabet, "characters kept in the vocabulary"},
        {"min-pair", FLAG_INT, &o.min_pair, "a pair seen fewer times is never merged"},
        {"score", FLAG_STRING, &o.score, "pair score: frequency (HF, 7.1) or likelihood (Google, 7.2)"},
        {"no-unsup", FLAG_BOOL, &o.no_unsup, "leave IMDB's 50,000 unlabelled reviews out of the corpus"},
        {"vocab-only", FLAG_BOOL, &o.vocab_only, "train vocab.txt into --out and stop"},
    };
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch07: a WordPiece tokenizer and a small BERT pre-trained with masked language modelling");
    cli_require(o.vocab_size >= 64 && o.vocab_size <= 1 << 20, "--vocab-size must be in 64..1048576");
    cli_require(o.max_alphabet >= 1, "--max-alphabet must be positive");
    cli_require(o.min_pair >= 1, "--min-pair must be at least 1");
    cli_require(!strcmp(o.score, "likelihood") || !strcmp(o.score, "frequency"),
                "--score is likelihood or frequency");
    if (o.common.quick && o.vocab_size == 8192) o.vocab_size = 1000;   // the samples are small
    if (o.tokenize) {
        tokenize_file(&o, t0);
        return 0;
    }

    char err[1024], path[4096], dir[4096];
    const char *data = o.common.data ? o.common.data : "datasets/samples";
    DocList docs = {0};
    double t = now_seconds();
    if (corpus_wikitext(&docs, path_join(path, sizeof path, path_join(dir, sizeof dir, data, "wikitext-2"), "wiki.train.tokens"), err, sizeof err))
        die(path, 0, "%s", err);
    int n_wiki = docs.n;
    // the full data keeps IMDB in DATA/imdb/aclImdb (fetch.sh), the samples in DATA/aclImdb
    path_join(path, sizeof path, path_join(dir, sizeof dir, data, "imdb"), "aclImdb");
    if (access(path, F_OK) != 0) path_join(path, sizeof path, data, "aclImdb");
    if (corpus_imdb(&docs, path, !o.no_unsup, 0, err, sizeof err)) die(path, 0, "%s", err);
    int n_imdb = docs.n - n_wiki;
    if (corpus_conll(&docs, path_join(path, sizeof path, path_join(dir, sizeof dir, data, "conll2003"), "eng.train"), err, sizeof err))
        die(path, 0, "%s", err);
    printf("corpus: %d documents (%d WikiText-2 articles, %d IMDB reviews, %d CoNLL-2003 documents), %.1f MB, read in %.1f s\n",
           docs.n, n_wiki, n_imdb, docs.n - n_wiki - n_imdb, (double)docs.bytes / 1e6, now_seconds() - t);

    WordPiece wp;
    if (o.vocab) {
        if (wordpiece_load(&wp, o.vocab, o.lowercase, err, sizeof err)) die(o.vocab, 0, "%s", err);
    } else {
        t = now_seconds();
        Vocab counter;
        vocab_init(&counter);
        BasicTokenizer bt;
        basic_init(&bt, o.lowercase, o.lowercase);
        for (int d = 0; d < docs.n; d++) wp_count_words(&counter, &bt, docs.text[d], docs.len[d]);
        basic_free(&bt);
        double t_count = now_seconds() - t;
        WpTrainOpts to = {.vocab_size = o.vocab_size, .max_alphabet = o.max_alphabet, .min_pair_count = o.min_pair,
                          .score = strcmp(o.score, "frequency") ? WP_SCORE_LIKELIHOOD : WP_SCORE_FREQUENCY,
                          .lowercase = o.lowercase};
        WpTrainStats ts;
        t = now_seconds();
        if (wp_train(&counter, &to, &wp, &ts, err, sizeof err)) DIE("%s", err);
        printf("wordpiece: %d distinct words (%d left out: characters outside the alphabet) counted in %.1f s; "
               "alphabet %d, %d merges, vocabulary %d, trained in %.1f s (%.2e pair scores)\n",
               ts.words, ts.words_dropped, t_count, ts.alphabet, ts.merges, wordpiece_size(&wp), now_seconds() - t,
               (double)ts.pairs_scanned);
        vocab_free(&counter);
        if (make_dirs(o.common.out)) die(o.common.out, 0, "cannot create the output directory");
        if (wordpiece_save(&wp, path_join(path, sizeof path, o.common.out, "vocab.txt"), err, sizeof err)) DIE("%s", err);
        printf("wrote %s\n", path);
        if (o.vocab_only) {
            printf("RESULT ch=07 task=wordpiece-train vocab=%d merges=%d seconds=%.1f\n", wordpiece_size(&wp), ts.merges,
                   now_seconds() - t0);
            wordpiece_free(&wp), doclist_free(&docs);
            return 0;
        }
    }
    t = now_seconds();
    IdList stream = {0};
    WpStats st = {0};
    corpus_encode(&docs, &wp, &stream, &st);
    double t_enc = now_seconds() - t;
    printf("tokenized: %ld tokens from %ld words (%.2f per word), %ld unknown words, %.1f MB/s\n", stream.n, st.words,
           (double)stream.n / (double)(st.words ? st.words : 1), st.unk_words, (double)docs.bytes / 1e6 / t_enc);
    printf("RESULT ch=07 task=wordpiece vocab=%d tokens=%ld tokens_per_word=%.3f mb_per_s=%.1f seconds=%.1f\n",
           wordpiece_size(&wp), stream.n, (double)stream.n / (double)(st.words ? st.words : 1),
           (double)docs.bytes / 1e6 / t_enc, now_seconds() - t0);
    idlist_free(&stream), wordpiece_free(&wp), doclist_free(&docs);
    return 0;
}
