// vocab.c: the hash table, counting, building, the vocab file, encoding (vocab.h).
#define _POSIX_C_SOURCE 200809L
#include "chapters/03_imdb_sentiment/vocab.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/03_imdb_sentiment/tokenizer.h"
#include "common/io.h"
#include "common/mem.h"

static int fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && err_len) vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

void vocab_init(Vocab *v) {
    memset(v, 0, sizeof *v);
    v->cap = 1024;
    v->word_at = xmalloc(sizeof(size_t) * (size_t)v->cap);
    v->count = xmalloc(sizeof(long) * (size_t)v->cap);
    v->hash = xmalloc(sizeof(uint64_t) * (size_t)v->cap);
    v->pool_cap = 1 << 16;
    v->pool = xmalloc(v->pool_cap);
    v->table_cap = 2048;
    v->table = xmalloc(sizeof(int) * (size_t)v->table_cap);
    for (int i = 0; i < v->table_cap; i++) v->table[i] = -1;
}

void vocab_free(Vocab *v) {
    free(v->pool);
    free(v->word_at);
    free(v->count);
    free(v->hash);
    free(v->table);
    memset(v, 0, sizeof *v);
}

const char *vocab_word(const Vocab *v, int id) { return v->pool + v->word_at[id]; }

// The slot where word is, or the empty slot where it would go.
static int probe(const Vocab *v, const char *word, int len, uint64_t h) {
    int mask = v->table_cap - 1;
    for (int s = (int)(h & (uint64_t)mask);; s = (s + 1) & mask) {
        int id = v->table[s];
        if (id < 0) return s;
        if (v->hash[id] == h) {
            const char *w = v->pool + v->word_at[id];
            if (memcmp(w, word, (size_t)len) == 0 && w[len] == '\0') return s;
        }
    }
}

int vocab_find(const Vocab *v, const char *word, int len) {
    return v->table[probe(v, word, len, tok_hash(word, len))];
}

static void grow_table(Vocab *v) {
    free(v->table);
    v->table_cap *= 2;
    v->table = xmalloc(sizeof(int) * (size_t)v->table_cap);
    for (int i = 0; i < v->table_cap; i++) v->table[i] = -1;
    int mask = v->table_cap - 1;
    for (int id = 0; id < v->n; id++) {
        int s = (int)(v->hash[id] & (uint64_t)mask);
        while (v->table[s] >= 0) s = (s + 1) & mask;
        v->table[s] = id;
    }
}

int vocab_add(Vocab *v, const char *word, int len, long count) {
    uint64_t h = tok_hash(word, len);
    int s = probe(v, word, len, h);
    if (v->table[s] >= 0) {
        v->count[v->table[s]] += count;
        return v->table[s];
    }
    if (v->n == v->cap) {
        v->cap *= 2;
        v->word_at = xrealloc(v->word_at, sizeof(size_t) * (size_t)v->cap);
        v->count = xrealloc(v->count, sizeof(long) * (size_t)v->cap);
        v->hash = xrealloc(v->hash, sizeof(uint64_t) * (size_t)v->cap);
    }
    while (v->pool_len + (size_t)len + 1 > v->pool_cap) v->pool = xrealloc(v->pool, v->pool_cap *= 2);
    int id = v->n++;
    memcpy(v->pool + v->pool_len, word, (size_t)len);
    v->pool[v->pool_len + (size_t)len] = '\0';
    v->word_at[id] = v->pool_len;
    v->pool_len += (size_t)len + 1;
    v->count[id] = count;
    v->hash[id] = h;
    v->table[s] = id;
    if (2 * v->n > v->table_cap) grow_table(v);   // keep the load factor <= 1/2
    return id;
}

void vocab_count_text(Vocab *counter, const char *text, size_t len) {
    TokIter it;
    tok_begin(&it, text, len);
    while (tok_next(&it)) vocab_add(counter, it.word, it.len, 1);
}

// Sort order of the vocabulary: more frequent first; equal counts in byte order of
// the word, so that the same counts always give the same ids (qsort is not stable,
// and the counter's own order depends on which text came first).
static const Vocab *sort_counter;
static int by_count_then_word(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    long cx = sort_counter->count[x], cy = sort_counter->count[y];
    if (cx != cy) return cx > cy ? -1 : 1;
    return strcmp(vocab_word(sort_counter, x), vocab_word(sort_counter, y));
}

void vocab_build(Vocab *out, const Vocab *counter, long min_count, int max_size) {
    int *ids = xmalloc(sizeof(int) * (size_t)(counter->n > 0 ? counter->n : 1));
    int m = 0;
    for (int id = 0; id < counter->n; id++) {
        const char *w = vocab_word(counter, id);
        if (counter->count[id] < min_count) continue;
        if (strcmp(w, VOCAB_PAD_STR) == 0 || strcmp(w, VOCAB_OOV_STR) == 0) continue;
        ids[m++] = id;
    }
    sort_counter = counter;   // qsort has no context argument in C11
    qsort(ids, (size_t)m, sizeof(int), by_count_then_word);
    sort_counter = NULL;
    vocab_init(out);
    vocab_add(out, VOCAB_PAD_STR, (int)strlen(VOCAB_PAD_STR), 0);
    vocab_add(out, VOCAB_OOV_STR, (int)strlen(VOCAB_OOV_STR), 0);
    for (int k = 0; k < m && out->n < max_size; k++) {
        const char *w = vocab_word(counter, ids[k]);
        vocab_add(out, w, (int)strlen(w), counter->count[ids[k]]);
    }
    free(ids);
}

uint64_t vocab_fingerprint(const Vocab *v) {
    uint64_t h = 14695981039346656037ull;
    for (int id = 0; id < v->n; id++) {
        for (const char *p = vocab_word(v, id); *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
        h = (h ^ '\n') * 1099511628211ull;
    }
    return h;
}

int vocab_save(const Vocab *v, const char *path, char *err, size_t err_len) {
    AtomicFile af;
    if (atomic_open(&af, path, err, err_len) != 0) return -1;
    for (int id = 0; id < v->n; id++) fprintf(af.fp, "%s\t%ld\n", vocab_word(v, id), v->count[id]);
    return atomic_commit(&af, err, err_len);
}

int vocab_load(Vocab *v, const char *path, char *err, size_t err_len) {
    size_t len;
    char *text = read_file(path, &len);
    if (!text) return fail(err, err_len, "%s: cannot read the vocabulary: %s", path, strerror(errno));
    vocab_init(v);
    int line = 0, rc = 0;
    char *p = text, *end = text + len;
    while (p < end && rc == 0) {
        line++;
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *eol = nl ? nl : end;
        if (eol > p && eol[-1] == '\r') eol--;   // a file that went through Windows
        char *tab = memchr(p, '\t', (size_t)(eol - p));
        if (!tab) {
            rc = fail(err, err_len, "%s:%d: expected 'word<TAB>count'", path, line);
            break;
        }
        int wlen = (int)(tab - p);
        char *num_end;
        errno = 0;
        long count = strtol(tab + 1, &num_end, 10);
        if (wlen == 0) rc = fail(err, err_len, "%s:%d: empty word", path, line);
        else if (wlen > TOK_MAX_BYTES && line > VOCAB_N_SPECIAL)
            rc = fail(err, err_len, "%s:%d: word longer than %d bytes (the tokenizer never makes one)", path, line,
                      TOK_MAX_BYTES);
        else if (num_end == tab + 1 || num_end != eol || count < 0 || errno == ERANGE)
            rc = fail(err, err_len, "%s:%d: the count after the tab is not a number >= 0", path, line);
        else if (line == 1 && (wlen != 5 || memcmp(p, VOCAB_PAD_STR, 5) != 0))
            rc = fail(err, err_len, "%s:1: the first word must be %s (id %d)", path, VOCAB_PAD_STR, VOCAB_PAD);
        else if (line == 2 && (wlen != 5 || memcmp(p, VOCAB_OOV_STR, 5) != 0))
            rc = fail(err, err_len, "%s:2: the second word must be %s (id %d)", path, VOCAB_OOV_STR, VOCAB_OOV);
        else if (vocab_find(v, p, wlen) >= 0)
            rc = fail(err, err_len, "%s:%d: '%.*s' appears twice", path, line, wlen, p);
        else
            vocab_add(v, p, wlen, count);
        p = nl ? nl + 1 : end;
    }
    if (rc == 0 && v->n < VOCAB_N_SPECIAL)
        rc = fail(err, err_len, "%s: %d lines; a vocabulary starts with %s and %s", path, v->n, VOCAB_PAD_STR,
                  VOCAB_OOV_STR);
    free(text);
    if (rc != 0) vocab_free(v);
    return rc;
}

// ---- encoding -------------------------------------------------------------------------

int vocab_encoded_max(const EncodeOpts *o) {
    return o->max_len + (o->bigram_buckets > 0 ? o->max_len - 1 : 0);
}

int vocab_bigram_bucket(uint64_t hash_a, uint64_t hash_b, int buckets) {
    // Combine the ordered pair ("not good" != "good not"), then mix all 64 bits
    // (the finaliser of SplitMix64) so that the low bits the modulo keeps depend on
    // every bit of both words.
    uint64_t x = hash_a * 0x9E3779B97F4A7C15ull ^ hash_b;
    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 31;
    return (int)(x % (uint64_t)buckets);
}

int vocab_encode(const Vocab *v, const char *text, size_t len, const EncodeOpts *o, int *ids, EncodeInfo *info) {
    TokIter it;
    tok_begin(&it, text, len);
    int n = 0, n_bi = 0;
    int *bigrams = ids + o->max_len;   // written behind the unigrams, moved down at the end
    uint64_t prev_hash = 0;
    long oov = 0;
    while (n < o->max_len && tok_next(&it)) {
        uint64_t h = tok_hash(it.word, it.len);
        int id = v->table[probe(v, it.word, it.len, h)];
        if (id < 0) id = VOCAB_OOV, oov++;
        ids[n] = id;
        if (o->bigram_buckets > 0 && n > 0) bigrams[n_bi++] = v->n + vocab_bigram_bucket(prev_hash, h, o->bigram_buckets);
        prev_hash = h;
        n++;
    }
    if (n_bi > 0 && n < o->max_len) memmove(ids + n, bigrams, sizeof(int) * (size_t)n_bi);
    if (info) {
        long rest = 0;
        while (tok_next(&it)) rest++;
        info->kept = n;
        info->tokens = n + rest;
        info->oov = oov;
    }
    return n + n_bi;
}

int vocab_encoded_len(const char *text, size_t len, const EncodeOpts *o) {
    TokIter it;
    tok_begin(&it, text, len);
    int n = 0;
    while (n < o->max_len && tok_next(&it)) n++;
    return n + (o->bigram_buckets > 0 && n > 0 ? n - 1 : 0);
}

void vocab_pad(int *out, const int *ids, int n, int T) {
    for (int t = 0; t < T; t++) out[t] = t < n ? ids[t] : VOCAB_PAD;
}
