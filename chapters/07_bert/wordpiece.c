// wordpiece.c: see wordpiece.h.
#include "chapters/07_bert/wordpiece.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/07_bert/unicode.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"

const char *const wp_special_names[WP_N_SPECIAL] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

// ---- the vocabulary ----------------------------------------------------------------------------

static int check_token(const char *tok, int len, const char *where, int line, char *err, size_t err_len) {
    size_t bad;
    if (len == 0) {
        snprintf(err, err_len, "%s:%d: empty token (vocab.txt has one token per line, none empty)", where, line);
        return -1;
    }
    if (!utf8_valid(tok, (size_t)len, &bad)) {
        snprintf(err, err_len, "%s:%d: token is not valid UTF-8 (byte %zu)", where, line, bad + 1);
        return -1;
    }
    return 0;
}

static int finish_vocab(WordPiece *wp, const char *where, int lowercase, char *err, size_t err_len) {
    for (int s = 0; s < WP_N_SPECIAL; s++) {
        wp->special[s] = vocab_find(&wp->vocab, wp_special_names[s], (int)strlen(wp_special_names[s]));
        if (wp->special[s] < 0) {
            snprintf(err, err_len, "%s: the special token %s is missing (a BERT vocab.txt has [PAD] [UNK] [CLS] [SEP] [MASK])",
                     where, wp_special_names[s]);
            vocab_free(&wp->vocab);
            return -1;
        }
    }
    wp->lowercase = lowercase, wp->strip_accents = lowercase;
    return 0;
}

static int add_token(WordPiece *wp, const char *tok, int len, const char *where, int line, char *err, size_t err_len) {
    if (check_token(tok, len, where, line, err, err_len)) return -1;
    int before = wp->vocab.n;
    int id = vocab_add(&wp->vocab, tok, len, 0);
    if (wp->vocab.n == before) {
        snprintf(err, err_len, "%s:%d: token \"%.*s\" already on line %d (each token once: its line is its id)", where,
                 line, len, tok, id + 1);
        return -1;
    }
    return 0;
}

int wordpiece_from_tokens(WordPiece *wp, const char *const *tokens, int n, int lowercase, char *err, size_t err_len) {
    vocab_init(&wp->vocab);
    for (int i = 0; i < n; i++)
        if (add_token(wp, tokens[i], (int)strlen(tokens[i]), "(tokens)", i + 1, err, err_len)) {
            vocab_free(&wp->vocab);
            return -1;
        }
    return finish_vocab(wp, "(tokens)", lowercase, err, err_len);
}

int wordpiece_load(WordPiece *wp, const char *path, int lowercase, char *err, size_t err_len) {
    size_t len;
    char *text = read_file(path, &len);
    if (!text) {
        snprintf(err, err_len, "%s: cannot read (%s)", path, strerror(errno));
        return -1;
    }
    vocab_init(&wp->vocab);
    int line = 0;
    for (size_t at = 0; at < len;) {
        size_t end = at;
        while (end < len && text[end] != '\n') end++;
        size_t tok_end = end;
        if (tok_end > at && text[tok_end - 1] == '\r') tok_end--;   // a vocab.txt saved on Windows
        line++;
        if (add_token(wp, text + at, (int)(tok_end - at), path, line, err, err_len)) {
            vocab_free(&wp->vocab), free(text);
            return -1;
        }
        at = end + 1;
    }
    free(text);
    if (line == 0) {
        snprintf(err, err_len, "%s: empty file (expected one token per line)", path);
        vocab_free(&wp->vocab);
        return -1;
    }
    return finish_vocab(wp, path, lowercase, err, err_len);
}

int wordpiece_save(const WordPiece *wp, const char *path, char *err, size_t err_len) {
    AtomicFile af;
    if (atomic_open(&af, path, err, err_len)) return -1;
    for (int id = 0; id < wp->vocab.n; id++) fprintf(af.fp, "%s\n", vocab_word(&wp->vocab, id));
    return atomic_commit(&af, err, err_len);
}

void wordpiece_free(WordPiece *wp) { vocab_free(&wp->vocab); }

int wordpiece_is_continuation(const WordPiece *wp, int id) {
    const char *t = vocab_word(&wp->vocab, id);
    return t[0] == '#' && t[1] == '#' && t[2] != 0;
}

// ---- stage 1: the basic tokenizer ----------------------------------------------------------------

void basic_init(BasicTokenizer *bt, int lowercase, int strip_accents) {
    memset(bt, 0, sizeof *bt);
    bt->lowercase = lowercase, bt->strip_accents = strip_accents;
}

void basic_free(BasicTokenizer *bt) { free(bt->cps), free(bt->cps2), free(bt->word); }

static void grow_u32(uint32_t **buf, int *cap, int need) {
    if (need <= *cap) return;
    int c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    *buf = xrealloc(*buf, sizeof(uint32_t) * (size_t)c), *cap = c;
}

// Emits cps[0..n) as one word.
static void emit(BasicTokenizer *bt, const uint32_t *cps, int n, WordFn fn, void *ctx) {
    if (n == 0) return;
    if (bt->word_cap < 4 * n) bt->word = xrealloc(bt->word, (size_t)(bt->word_cap = 4 * n));
    int b = 0;
    for (int i = 0; i < n; i++) b += utf8_encode(cps[i], bt->word + b);
    fn(ctx, bt->word, b, n);
}

// One whitespace-separated piece: lower-case and strip accents when asked, then split
// off punctuation.
static void finish_piece(BasicTokenizer *bt, int n, WordFn fn, void *ctx) {
    uint32_t *cps = bt->cps;
    if (n == 0) return;
    if (bt->lowercase) {   // full lower-case mapping can lengthen the text (U+0130)
        grow_u32(&bt->cps2, &bt->cps2_cap, 2 * n);
        int m = 0;
        for (int i = 0; i < n; i++) m += uni_lower(cps[i], bt->cps2 + m);
        grow_u32(&bt->cps, &bt->cps_cap, m);
        cps = bt->cps;
        memcpy(cps, bt->cps2, sizeof(uint32_t) * (size_t)m);
        n = m;
    }
    if (bt->strip_accents) {
        grow_u32(&bt->cps2, &bt->cps2_cap, UNI_NFD_MAX * n);
        int m = uni_nfd(cps, n, bt->cps2, bt->cps2_cap), k = 0;
        for (int i = 0; i < m; i++)
            if (uni_class(bt->cps2[i]) != UNI_MARK) bt->cps2[k++] = bt->cps2[i];
        grow_u32(&bt->cps, &bt->cps_cap, k);
        cps = bt->cps;
        memcpy(cps, bt->cps2, sizeof(uint32_t) * (size_t)k);
        n = k;
    }
    int start = 0;
    for (int i = 0; i < n; i++)
        if (uni_is_punct(cps[i])) {
            emit(bt, cps + start, i - start, fn, ctx);
            emit(bt, cps + i, 1, fn, ctx);
            start = i + 1;
        }
    emit(bt, cps + start, n - start, fn, ctx);
}

void basic_tokenize(BasicTokenizer *bt, const char *text, size_t len, WordFn fn, void *ctx) {
    const unsigned char *s = (const unsigned char *)text;
    grow_u32(&bt->cps, &bt->cps_cap, 1);
    int n = 0;   // code points of the current whitespace-separated piece, in bt->cps
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int invalid = 0;
        if (s[i] < 0x80) cp = s[i++];
        else {
            i += (size_t)utf8_decode(s + i, len - i, &cp, &invalid);
            bt->invalid_bytes += invalid;
        }
        // clean: NUL, the replacement character and controls go; whitespace splits
        if (cp == 0 || cp == UNI_REPLACEMENT || uni_is_control(cp)) continue;
        if (uni_is_whitespace(cp)) {
            finish_piece(bt, n, fn, ctx);
            n = 0;
            continue;
        }
        if (uni_is_cjk(cp)) {   // " " + ideograph + " ": a piece of its own, which an
            finish_piece(bt, n, fn, ctx);   // uncased vocabulary still normalises
            bt->cps[0] = cp;                // (compatibility ideographs have NFD forms)
            finish_piece(bt, 1, fn, ctx);
            n = 0;
            continue;
        }
        if (n == BASIC_MAX_PIECE)
            die(__FILE__, __LINE__, "basic_tokenize: more than %d characters without a space; split the text first",
                BASIC_MAX_PIECE);
        grow_u32(&bt->cps, &bt->cps_cap, n + 1);
        bt->cps[n++] = cp;
    }
    finish_piece(bt, n, fn, ctx);
}

// ---- stage 2: WordPiece -----------------------------------------------------------------------------

void idlist_push(IdList *l, int id) {
    if (l->n == l->cap) l->ids = xrealloc(l->ids, sizeof(int) * (size_t)(l->cap = l->cap ? 2 * l->cap : 1024));
    l->ids[l->n++] = id;
}

void idlist_free(IdList *l) {
    free(l->ids);
    l->ids = NULL, l->n = l->cap = 0;
}

int wordpiece_word(const WordPiece *wp, const char *word, int n_bytes, int n_chars, IdList *out, WpStats *stats) {
    if (stats) stats->words++;
    if (n_chars > WP_MAX_WORD_CHARS || n_bytes > 4 * WP_MAX_WORD_CHARS) {
        if (stats) stats->unk_words++, stats->long_words++;
        idlist_push(out, wp->special[WP_UNK]);
        return 1;
    }
    // at[i]: byte offset of character i. key holds "##" + word; the piece that starts
    // at character i > 0 is looked up as key + at[i], after writing "##" just before it
    // (the bytes overwritten there belong to pieces already taken).
    int at[WP_MAX_WORD_CHARS + 1];
    char key[2 + 4 * WP_MAX_WORD_CHARS];
    for (int i = 0, b = 0; i <= n_chars; i++) {
        at[i] = b;
        if (i < n_chars) {
            unsigned char c = (unsigned char)word[b];
            b += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        }
    }
    memcpy(key + 2, word, (size_t)n_bytes);
    long mark = out->n;
    for (int start = 0; start < n_chars;) {
        const char *piece = key + 2 + at[start];
        if (start > 0) piece -= 2, key[at[start]] = '#', key[at[start] + 1] = '#';
        int prefix = start > 0 ? 2 : 0, id = -1, end;
        for (end = n_chars; end > start; end--) {   // longest match first
            id = vocab_find(&wp->vocab, piece, prefix + at[end] - at[start]);
            if (id >= 0) break;
        }
        if (id < 0) {   // no piece fits: the whole word is unknown
            out->n = mark;
            if (stats) stats->unk_words++;
            idlist_push(out, wp->special[WP_UNK]);
            return 1;
        }
        idlist_push(out, id);
        start = end;
    }
    return (int)(out->n - mark);
}

typedef struct {
    const WordPiece *wp;
    IdList *out;
    WpStats *stats;
} EncodeCtx;

static void encode_word(void *ctx, const char *word, int n_bytes, int n_chars) {
    EncodeCtx *e = ctx;
    wordpiece_word(e->wp, word, n_bytes, n_chars, e->out, e->stats);
}

int special_token_at(const char *text, size_t len, size_t i, int *which) {
    if (text[i] != '[') return 0;
    for (int s = 0; s < WP_N_SPECIAL; s++) {
        size_t k = strlen(wp_special_names[s]);
        if (i + k <= len && !memcmp(text + i, wp_special_names[s], k)) {
            *which = s;
            return (int)k;
        }
    }
    return 0;
}

long wordpiece_encode(const WordPiece *wp, const char *text, size_t len, IdList *out, WpStats *stats) {
    long before = out->n;
    BasicTokenizer bt;
    basic_init(&bt, wp->lowercase, wp->strip_accents);
    EncodeCtx ctx = {wp, out, stats};
    size_t seg = 0;   // start of the text not yet tokenized
    for (size_t i = 0; i < len; i++) {
        int which, k = special_token_at(text, len, i, &which);
        if (!k) continue;
        basic_tokenize(&bt, text + seg, i - seg, encode_word, &ctx);
        idlist_push(out, wp->special[which]);
        seg = i + (size_t)k, i = seg - 1;
    }
    basic_tokenize(&bt, text + seg, len - seg, encode_word, &ctx);
    if (stats) stats->invalid_bytes += bt.invalid_bytes;
    basic_free(&bt);
    return out->n - before;
}
