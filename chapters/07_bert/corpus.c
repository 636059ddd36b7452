// corpus.c: see corpus.h.
#include "chapters/07_bert/corpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/03_imdb_sentiment/imdb.h"
#include "chapters/07_bert/conll.h"
#include "chapters/07_bert/unicode.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/timer.h"

void doclist_add(DocList *d, const char *text, size_t len) {
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 256;
        d->text = xrealloc(d->text, sizeof(char *) * (size_t)d->cap);
        d->len = xrealloc(d->len, sizeof(size_t) * (size_t)d->cap);
    }
    char *copy = xmalloc(len + 1);
    memcpy(copy, text, len), copy[len] = 0;
    d->text[d->n] = copy, d->len[d->n] = len, d->n++;
    d->bytes += len;
}

void doclist_free(DocList *d) {
    for (int i = 0; i < d->n; i++) free(d->text[i]);
    free(d->text), free(d->len);
    memset(d, 0, sizeof *d);
}

static void doclist_truncate(DocList *d, int n) {   // undoes the adds of a failed load
    while (d->n > n) d->bytes -= d->len[d->n - 1], free(d->text[--d->n]);
}

// Reads path whole and checks that it is non-empty UTF-8.
static char *read_text(const char *path, size_t *len, const char *how_to_get, char *err, size_t err_len) {
    char *text = read_file(path, len);
    size_t bad;
    if (!text) {
        snprintf(err, err_len, "%s: cannot read (%s)%s", path, strerror(errno), how_to_get);
        return NULL;
    }
    if (*len == 0) {
        snprintf(err, err_len, "%s: empty file", path);
        free(text);
        return NULL;
    }
    if (!utf8_valid(text, *len, &bad)) {
        int line = 1;
        for (size_t i = 0; i < bad; i++) line += text[i] == '\n';
        snprintf(err, err_len, "%s:%d: not valid UTF-8 (byte %zu of the file); the corpus must be UTF-8 text", path,
                 line, bad + 1);
        free(text);
        return NULL;
    }
    return text;
}

// ---- WikiText ------------------------------------------------------------------------------------

size_t wikitext_detokenize(char *out, const char *line, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        // " @-@ " -> "-", and the same for "," and "."
        if (line[i] == ' ' && i + 4 < len && line[i + 1] == '@' && line[i + 3] == '@' && line[i + 4] == ' ' &&
            (line[i + 2] == '-' || line[i + 2] == ',' || line[i + 2] == '.')) {
            out[o++] = line[i + 2];
            i += 5;
        } else if (i + 5 <= len && !memcmp(line + i, "<unk>", 5)) {
            memcpy(out + o, "[UNK]", 5);
            o += 5, i += 5;
        } else out[o++] = line[i++];
    }
    out[o] = 0;
    return o;
}

// 1 if the line (without its newline) is a heading " = ... = "; *level = number of '='.
static int heading(const char *l, size_t n, int *level) {
    size_t i = 0;
    while (i < n && l[i] == ' ') i++;
    if (i >= n || l[i] != '=') return 0;
    int k = 0;
    while (i < n && (l[i] == '=' || l[i] == ' ')) k += l[i] == '=', i++;
    while (n > i && l[n - 1] == ' ') n--;
    if (n == 0 || l[n - 1] != '=') return 0;
    *level = k;
    return 1;
}

int corpus_wikitext(DocList *docs, const char *path, char *err, size_t err_len) {
    size_t len;
    char *text = read_text(path, &len, "; get WikiText-2 with `datasets/fetch.sh wikitext-2`", err, err_len);
    if (!text) return -1;
    int n0 = docs->n;
    size_t doc_cap = 1 << 16, doc_len = 0;
    char *doc = xmalloc(doc_cap), *clean = xmalloc(len + 1);
    for (size_t at = 0; at < len; at++) {   // one line per pass; at ends on its '\n'
        size_t end = at;
        while (end < len && text[end] != '\n') end++;
        size_t stop = end;
        if (stop > at && text[stop - 1] == '\r') stop--;   // a copy with CRLF line ends
        int level;
        int is_heading = heading(text + at, stop - at, &level);
        if (is_heading && level == 1) {   // a new article: flush the last
            if (doc_len) doclist_add(docs, doc, doc_len);
            doc_len = 0;
        }
        if (!is_heading) {
            size_t n = wikitext_detokenize(clean, text + at, stop - at);
            size_t s = 0;
            while (s < n && clean[s] == ' ') s++;   // the format's leading space
            while (n > s && clean[n - 1] == ' ') n--;
            if (n > s) {
                while (doc_len + (n - s) + 2 > doc_cap) doc = xrealloc(doc, doc_cap *= 2);
                if (doc_len) doc[doc_len++] = '\n';
                memcpy(doc + doc_len, clean + s, n - s), doc_len += n - s;
            }
        }
        at = end;
    }
    if (doc_len) doclist_add(docs, doc, doc_len);   // the last article
    free(doc), free(clean), free(text);
    if (docs->n == n0) {
        snprintf(err, err_len, "%s: no text in it (only headings and blank lines?)", path);
        return -1;
    }
    return 0;
}

// ---- IMDB ------------------------------------------------------------------------------------------

static void add_review(DocList *docs, const char *t, size_t n) {
    char *clean = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n;) {   // "<br />" (the site's line break) -> " "
        if (t[i] == '<' && i + 6 <= n && !memcmp(t + i, "<br />", 6)) clean[o++] = ' ', i += 6;
        else clean[o++] = t[i++];
    }
    if (o) doclist_add(docs, clean, o);
    free(clean);
}

int corpus_imdb(DocList *docs, const char *root, int with_unsup, int max_reviews, char *err, size_t err_len) {
    ImdbSet set;
    int n0 = docs->n;
    if (imdb_load(&set, root, "train", max_reviews, err, err_len)) return -1;
    for (int i = 0; i < set.n; i++) add_review(docs, set.text[i], set.len[i]);
    imdb_free(&set);
    if (with_unsup) {
        if (imdb_load_unsup(&set, root, max_reviews, err, err_len)) {
            doclist_truncate(docs, n0);
            return -1;
        }
        for (int i = 0; i < set.n; i++) add_review(docs, set.text[i], set.len[i]);
        imdb_free(&set);
    }
    return 0;
}

// ---- CoNLL-2003 ---------------------------------------------------------------------------------------

int corpus_conll(DocList *docs, const char *path, char *err, size_t err_len) {
    ConllSet set;
    if (conll_load(&set, path, err, err_len)) return -1;
    size_t cap = 1 << 16, n = 0;
    char *doc = xmalloc(cap);
    for (int s = 0; s < set.n_sents; s++) {
        for (int t = set.sent_start[s]; t < set.sent_start[s + 1]; t++) {
            size_t k = strlen(set.word[t]);
            while (n + k + 2 > cap) doc = xrealloc(doc, cap *= 2);
            if (t > set.sent_start[s]) doc[n++] = ' ';
            memcpy(doc + n, set.word[t], k), n += k;
        }
        doc[n++] = '\n';
        if (s + 1 == set.n_sents || set.sent_doc[s + 1] != set.sent_doc[s]) doclist_add(docs, doc, n), n = 0;
    }
    free(doc);
    conll_free(&set);
    return 0;
}

// ---- ids --------------------------------------------------------------------------------------------

void corpus_encode(const DocList *docs, const WordPiece *wp, IdList *stream, WpStats *stats) {
    for (int d = 0; d < docs->n; d++) {
        wordpiece_encode(wp, docs->text[d], docs->len[d], stream, stats);
        idlist_push(stream, wp->special[WP_SEP]);
    }
}

int corpus_pack(const IdList *stream, const WordPiece *wp, int T, int **out) {
    int body = T - 2;
    long n = body > 0 ? stream->n / body : 0;
    *out = xmalloc(sizeof(int) * (size_t)(n ? n : 1) * (size_t)T);
    for (long i = 0; i < n; i++) {
        int *seq = *out + i * T;
        seq[0] = wp->special[WP_CLS];
        memcpy(seq + 1, stream->ids + i * body, sizeof(int) * (size_t)body);
        seq[T - 1] = wp->special[WP_SEP];
    }
    return (int)n;
}

int corpus_encode_pack(const DocList *docs, const WordPiece *wp, int T, int **out, const char *what, FILE *log) {
    IdList stream = {0};
    WpStats st = {0};
    double t = now_seconds();
    corpus_encode(docs, wp, &stream, &st);
    double secs = now_seconds() - t;
    int n = corpus_pack(&stream, wp, T, out);
    if (log)
        fprintf(log, "%s: %ld tokens from %ld words (%.2f per word), %ld unknown words, %.1f MB/s -> %d sequences of %d\n",
                what, stream.n, st.words, (double)stream.n / (double)(st.words ? st.words : 1), st.unk_words,
                (double)docs->bytes / 1e6 / (secs > 0 ? secs : 1e-9), n, T);
    idlist_free(&stream);
    return n;
}

int corpus_pack_mixture(const DocList *docs, const CorpusSource *sources, int n_sources, const WordPiece *wp, int T,
                        int **out, FILE *log) {
    int plain = 1;
    for (int k = 0; k < n_sources; k++) {
        if (sources[k].end < (k ? sources[k - 1].end : 0) || sources[k].copies < 0)
            DIE("corpus_pack_mixture: source %d ends at document %d, before the previous one, or has %d copies", k,
                sources[k].end, sources[k].copies);
        plain &= sources[k].copies == 1;
    }
    if (n_sources < 1 || sources[n_sources - 1].end != docs->n)
        DIE("corpus_pack_mixture: the sources must cover the %d documents", docs->n);
    if (plain) return corpus_encode_pack(docs, wp, T, out, "training text", log);
    int **packed = xmalloc(sizeof(int *) * (size_t)n_sources), *count = xmalloc(sizeof(int) * (size_t)n_sources);
    long total = 0;
    for (int k = 0, first = 0; k < n_sources; first = sources[k].end, k++) {
        // a view of the source's documents: no copy of the text
        DocList view = {.text = docs->text + first, .len = docs->len + first, .n = sources[k].end - first};
        view.cap = view.n;
        for (int i = 0; i < view.n; i++) view.bytes += view.len[i];
        packed[k] = NULL, count[k] = 0;
        if (view.n && sources[k].copies)   // a source left out is not even tokenized
            count[k] = corpus_encode_pack(&view, wp, T, &packed[k], sources[k].name, log);
        else if (log && view.n)
            fprintf(log, "%s: left out (0 copies)\n", sources[k].name);
        total += (long)count[k] * sources[k].copies;
    }
    int *seqs = xmalloc(sizeof(int) * (size_t)(total ? total : 1) * T), n = 0;
    for (int k = 0; k < n_sources; k++) {
        for (int c = 0; c < sources[k].copies && count[k]; c++, n += count[k])   // (memcpy from NULL is UB even for 0 bytes)
            memcpy(seqs + (size_t)n * T, packed[k], sizeof(int) * (size_t)count[k] * T);
        if (log && sources[k].copies > 1 && count[k])
            fprintf(log, "%s: %d copies of its %d sequences in every epoch\n", sources[k].name, sources[k].copies, count[k]);
        free(packed[k]);
    }
    free(packed), free(count);
    *out = seqs;
    return n;
}
