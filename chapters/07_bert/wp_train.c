// wp_train.c: see wp_train.h. The data structures are those of a fast BPE trainer:
//   - every distinct word once, with its count and its current pieces (symbol ids);
//   - the count of every adjacent pair of symbols, in a hash table;
//   - for every symbol, the words it occurs in (a posting list), so a merge visits
//     only the words that contain it, not the whole corpus.
// Finding the best pair scans the pair table (the likelihood score (7.2) of a pair
// changes whenever either part's count does, so a heap would need as much upkeep).
#include "chapters/07_bert/wp_train.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/07_bert/unicode.h"
#include "common/mem.h"

typedef struct {
    Vocab *counter;
} CountCtx;

static void count_word(void *ctx, const char *word, int n_bytes, int n_chars) {
    CountCtx *c = ctx;
    if (n_chars <= WP_MAX_WORD_CHARS) vocab_add(c->counter, word, n_bytes, 1);
}

void wp_count_words(Vocab *counter, BasicTokenizer *bt, const char *text, size_t len) {
    CountCtx ctx = {counter};
    size_t seg = 0;
    for (size_t i = 0; i < len; i++) {
        int which, k = special_token_at(text, len, i, &which);
        if (!k) continue;
        basic_tokenize(bt, text + seg, i - seg, count_word, &ctx);
        seg = i + (size_t)k, i = seg - 1;
    }
    basic_tokenize(bt, text + seg, len - seg, count_word, &ctx);
}

// ---- the pair table -----------------------------------------------------------------------------

typedef struct {
    int *a, *b;        // (n) the pair's two symbols
    long *count;       // (n) weighted occurrences (word count x times in the word)
    int n, cap;
    int *slot;         // open addressing: pair index or -1
    int slot_cap;      // power of two >= 2 n
} Pairs;

static uint64_t pair_hash(int a, int b) {
    uint64_t h = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    h ^= h >> 33, h *= 0xff51afd7ed558ccdULL, h ^= h >> 33;
    return h;
}

static void pairs_rehash(Pairs *p, int slot_cap) {
    free(p->slot);
    p->slot_cap = slot_cap;
    p->slot = xmalloc(sizeof(int) * (size_t)slot_cap);
    for (int i = 0; i < slot_cap; i++) p->slot[i] = -1;
    for (int i = 0; i < p->n; i++) {
        size_t s = pair_hash(p->a[i], p->b[i]) & (size_t)(slot_cap - 1);
        while (p->slot[s] >= 0) s = (s + 1) & (size_t)(slot_cap - 1);
        p->slot[s] = i;
    }
}

// Adds delta to the count of (a, b), creating the pair if new.
static void pairs_add(Pairs *p, int a, int b, long delta) {
    size_t mask = (size_t)p->slot_cap - 1, s = pair_hash(a, b) & mask;
    while (p->slot[s] >= 0) {
        int i = p->slot[s];
        if (p->a[i] == a && p->b[i] == b) {
            p->count[i] += delta;
            return;
        }
        s = (s + 1) & mask;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 1 << 16;
        p->a = xrealloc(p->a, sizeof(int) * (size_t)p->cap), p->b = xrealloc(p->b, sizeof(int) * (size_t)p->cap);
        p->count = xrealloc(p->count, sizeof(long) * (size_t)p->cap);
    }
    int i = p->n++;
    p->a[i] = a, p->b[i] = b, p->count[i] = delta;
    p->slot[s] = i;
    if (2 * p->n > p->slot_cap) pairs_rehash(p, 2 * p->slot_cap);
}

// Drops pairs whose count fell to zero, so the scans stay short.
static void pairs_compact(Pairs *p) {
    int k = 0;
    for (int i = 0; i < p->n; i++)
        if (p->count[i] > 0) p->a[k] = p->a[i], p->b[k] = p->b[i], p->count[k] = p->count[i], k++;
    p->n = k;
    pairs_rehash(p, p->slot_cap);
}

// ---- training -------------------------------------------------------------------------------------

typedef struct {
    int *v;
    int n, cap;
} IntList;

static void il_push(IntList *l, int x) {
    if (l->n == l->cap) l->v = xrealloc(l->v, sizeof(int) * (size_t)(l->cap = l->cap ? 2 * l->cap : 8));
    l->v[l->n++] = x;
}

typedef struct {
    uint32_t cp;
    long count;
} CharCount;

static int by_count_desc(const void *x, const void *y) {
    const CharCount *a = x, *b = y;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    return a->cp < b->cp ? -1 : a->cp > b->cp;
}

static int by_cp(const void *x, const void *y) {
    const CharCount *a = x, *b = y;
    return a->cp < b->cp ? -1 : a->cp > b->cp;
}

// The id of the symbol for character cp (continuation or not) in the table.
static int char_symbol(const Vocab *tokens, uint32_t cp, int continuation) {
    char buf[8] = "##";
    int k = utf8_encode(cp, buf + 2);
    return continuation ? vocab_find(tokens, buf, k + 2) : vocab_find(tokens, buf + 2, k);
}

int wp_train(const Vocab *counter, const WpTrainOpts *o, WordPiece *out, WpTrainStats *stats, char *err,
             size_t err_len) {
    memset(stats, 0, sizeof *stats);
    if (o->min_pair_count < 1) {   // a pair of count 0 has vanished from the corpus
        snprintf(err, err_len, "min_pair_count %ld: must be at least 1", o->min_pair_count);
        return -1;
    }
    if (o->vocab_size < WP_N_SPECIAL + 2) {
        snprintf(err, err_len, "vocabulary size %d is too small (at least %d)", o->vocab_size, WP_N_SPECIAL + 2);
        return -1;
    }
    // 1. the alphabet: the most frequent characters, at most max_alphabet and at most
    //    what leaves room for both forms ("a", "##a") of each
    int n_chars = 0, cap_chars = 256;
    CharCount *chars = xmalloc(sizeof(CharCount) * (size_t)cap_chars);
    int *char_index = xmalloc(sizeof(int) * 0x110000);
    for (int i = 0; i < 0x110000; i++) char_index[i] = -1;
    for (int w = 0; w < counter->n; w++) {
        const unsigned char *s = (const unsigned char *)vocab_word(counter, w);
        for (size_t i = 0, len = strlen((const char *)s); i < len;) {
            uint32_t cp;
            int bad;
            i += (size_t)utf8_decode(s + i, len - i, &cp, &bad);
            if (char_index[cp] < 0) {
                if (n_chars == cap_chars) chars = xrealloc(chars, sizeof(CharCount) * (size_t)(cap_chars *= 2));
                char_index[cp] = n_chars, chars[n_chars++] = (CharCount){cp, 0};
            }
            chars[char_index[cp]].count += counter->count[w];
        }
    }
    qsort(chars, (size_t)n_chars, sizeof(CharCount), by_count_desc);
    int alphabet = n_chars;
    if (alphabet > o->max_alphabet) alphabet = o->max_alphabet;
    if (alphabet > (o->vocab_size - WP_N_SPECIAL) / 2) alphabet = (o->vocab_size - WP_N_SPECIAL) / 2;
    qsort(chars, (size_t)alphabet, sizeof(CharCount), by_cp);
    stats->alphabet = alphabet;

    // 2. the vocabulary so far: specials, "a"..., "##a"...
    Vocab tokens;
    vocab_init(&tokens);
    for (int s = 0; s < WP_N_SPECIAL; s++) vocab_add(&tokens, wp_special_names[s], (int)strlen(wp_special_names[s]), 0);
    for (int pass = 0; pass < 2; pass++)
        for (int c = 0; c < alphabet; c++) {
            char buf[8] = "##";
            uint32_t cp = chars[c].cp;
            int k = utf8_encode(cp, buf + 2);
            if (!pass) vocab_add(&tokens, buf + 2, k, 0);
            else if (!uni_is_punct(cp) && !uni_is_cjk(cp)) vocab_add(&tokens, buf, k + 2, 0);   // can continue
        }
    for (int i = 0; i < 0x110000; i++) char_index[i] = -1;
    for (int c = 0; c < alphabet; c++) char_index[chars[c].cp] = c;

    // 3. the words as symbol sequences; words with a character outside the alphabet go
    int nw = 0, *word_start = xmalloc(sizeof(int) * ((size_t)counter->n + 1)), *word_len = xmalloc(sizeof(int) * (size_t)counter->n);
    long *word_count = xmalloc(sizeof(long) * (size_t)counter->n);
    size_t sym_cap = 1 << 20, sym_n = 0;
    int *sym = xmalloc(sizeof(int) * sym_cap);
    for (int w = 0; w < counter->n; w++) {
        const unsigned char *s = (const unsigned char *)vocab_word(counter, w);
        size_t len = strlen((const char *)s), mark = sym_n;
        int ok = 1;
        for (size_t i = 0; i < len && ok;) {
            uint32_t cp;
            int bad;
            i += (size_t)utf8_decode(s + i, len - i, &cp, &bad);
            int id = char_index[cp] < 0 ? -1 : char_symbol(&tokens, cp, sym_n > mark);
            if (id < 0) ok = 0;   // outside the alphabet, or punctuation inside a word
            else {
                if (sym_n == sym_cap) sym = xrealloc(sym, sizeof(int) * (sym_cap *= 2));
                sym[sym_n++] = id;
            }
        }
        if (!ok || sym_n == mark) {
            sym_n = mark, stats->words_dropped++;
            continue;
        }
        word_start[nw] = (int)mark, word_len[nw] = (int)(sym_n - mark), word_count[nw] = counter->count[w], nw++;
    }
    free(char_index), free(chars);
    stats->words = nw;

    // 4. symbol counts, pair counts and posting lists
    int sym_cap_ids = o->vocab_size + 16;
    long *sym_count = xcalloc((size_t)sym_cap_ids, sizeof(long));
    IntList *postings = xcalloc((size_t)sym_cap_ids, sizeof(IntList));
    Pairs pairs = {0};
    pairs_rehash(&pairs, 1 << 17);
    for (int w = 0; w < nw; w++) {
        const int *ws = sym + word_start[w];
        for (int i = 0; i < word_len[w]; i++) {
            sym_count[ws[i]] += word_count[w];
            if (!postings[ws[i]].n || postings[ws[i]].v[postings[ws[i]].n - 1] != w) il_push(&postings[ws[i]], w);
            if (i > 0) pairs_add(&pairs, ws[i - 1], ws[i], word_count[w]);
        }
    }

    // 5. merge until the vocabulary is full or no pair is frequent enough
    while (tokens.n < o->vocab_size) {
        int best = -1;
        double best_score = 0;
        for (int i = 0; i < pairs.n; i++) {
            long c = pairs.count[i];
            if (c < o->min_pair_count) continue;
            double score = o->score == WP_SCORE_FREQUENCY
                               ? (double)c
                               : (double)c / ((double)sym_count[pairs.a[i]] * (double)sym_count[pairs.b[i]]);
            // ties go to the pair with the smaller ids, so the result does not depend
            // on the order of the hash table
            if (best < 0 || score > best_score ||
                (score == best_score && (pairs.a[i] < pairs.a[best] ||
                                         (pairs.a[i] == pairs.a[best] && pairs.b[i] < pairs.b[best]))))
                best = i, best_score = score;
        }
        stats->pairs_scanned += pairs.n;
        if (best < 0) break;
        int a = pairs.a[best], b = pairs.b[best];
        // the new piece: "play" + "##ing" = "playing", "##pl" + "##ay" = "##play"
        const char *sa = vocab_word(&tokens, a), *sb = vocab_word(&tokens, b);
        size_t la = strlen(sa), lb = strlen(sb) - 2;   // b always continues: drop its "##"
        char *merged = xmalloc(la + lb + 1);
        memcpy(merged, sa, la), memcpy(merged + la, sb + 2, lb), merged[la + lb] = 0;
        int ab = vocab_add(&tokens, merged, (int)(la + lb), 0);
        free(merged);
        stats->merges++;
        // visit the words in the shorter posting list of the two parts
        const IntList *visit = postings[a].n <= postings[b].n ? &postings[a] : &postings[b];
        int n_visit = visit->n;
        int *words = xmalloc(sizeof(int) * (size_t)(n_visit ? n_visit : 1));
        memcpy(words, visit->v, sizeof(int) * (size_t)n_visit);
        for (int k = 0; k < n_visit; k++) {
            int w = words[k], n = word_len[w];
            int *ws = sym + word_start[w];
            long cw = word_count[w];
            int found = 0;
            for (int i = 0; i + 1 < n && !found; i++) found = ws[i] == a && ws[i + 1] == b;
            if (!found) continue;   // a stale posting: the word lost a or b to another merge
            for (int i = 0; i < n; i++) {
                sym_count[ws[i]] -= cw;
                if (i > 0) pairs_add(&pairs, ws[i - 1], ws[i], -cw);
            }
            int m = 0;   // merge left to right: "a b a b" -> "ab ab"
            for (int i = 0; i < n; i++) {
                if (i + 1 < n && ws[i] == a && ws[i + 1] == b) ws[m++] = ab, i++;
                else ws[m++] = ws[i];
            }
            word_len[w] = n = m;
            for (int i = 0; i < n; i++) {
                sym_count[ws[i]] += cw;
                if (i > 0) pairs_add(&pairs, ws[i - 1], ws[i], cw);
            }
            if (!postings[ab].n || postings[ab].v[postings[ab].n - 1] != w) il_push(&postings[ab], w);
        }
        free(words);
        if (stats->merges % 256 == 0) pairs_compact(&pairs);
    }

    // 6. hand the token list over as a WordPiece
    const char **list = xmalloc(sizeof(char *) * (size_t)tokens.n);
    for (int i = 0; i < tokens.n; i++) list[i] = vocab_word(&tokens, i);
    int rc = wordpiece_from_tokens(out, list, tokens.n, o->lowercase, err, err_len);
    free(list);
    vocab_free(&tokens);
    for (int s = 0; s < sym_cap_ids; s++) free(postings[s].v);
    free(postings), free(sym_count), free(sym), free(word_start), free(word_len), free(word_count);
    free(pairs.a), free(pairs.b), free(pairs.count), free(pairs.slot);
    return rc;
}
