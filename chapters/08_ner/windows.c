// windows.c: see windows.h.
#include "chapters/08_ner/windows.h"

#include <stdlib.h>
#include <string.h>

#include "common/mem.h"

typedef struct {
    int start, end;   // pieces [start, end) of the sentence
} Span;

// Window spans over a sentence of n pieces whose words start at the pieces
// word_start[0..n_words) (ascending, word_start[0] = 0), at most L pieces each.
static int plan_windows(const int *word_start, int n_words, int n, int L, int stride, Span *out) {
    if (n <= L) {
        out[0] = (Span){0, n};
        return 1;
    }
    int count = 0, start = 0, w = 0;   // w: the word that starts at `start`
    for (;;) {
        int end = start + L;
        if (end >= n) {
            out[count++] = (Span){start, n};
            return count;
        }
        // end at the last word boundary that fits, unless one word fills the window
        int last = w;
        while (last + 1 < n_words && word_start[last + 1] <= end) last++;
        if (word_start[last] > start) end = word_start[last];
        out[count++] = (Span){start, end};
        // the next window starts `stride` pieces on, at a word start, and moves on
        int next = w;
        while (next + 1 < n_words && word_start[next + 1] <= start + stride) next++;
        if (next == w) next = w + 1;   // a stride shorter than the word: the next word
        if (next >= n_words) return count;
        w = next, start = word_start[w];
    }
}

// Whole words of context: of the `want` pieces before the piece `at`, the most that
// start at a word's first piece (words_before), or of the `want` pieces from `at` on,
// the most that end before one (words_after). starts[0..n] ascending, starts[n] the end; the
// pieces asked for lie within [starts[0], starts[n]].
static int words_before(const int *starts, int n, int at, int want) {
    int lo = 0, hi = n;   // the first start >= at - want: starts[hi] >= at - want
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (starts[mid] >= at - want) hi = mid;
        else lo = mid + 1;
    }
    return at - starts[lo];
}
static int words_after(const int *starts, int n, int at, int want) {
    int lo = 0, hi = n;   // the last start <= at + want: starts[lo] <= at + want
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (starts[mid] <= at + want) lo = mid;
        else hi = mid - 1;
    }
    return starts[lo] - at;
}

void nerrows_build(NerRows *r, const ConllSet *set, const WordPiece *wp, int T, int stride, int context) {
    memset(r, 0, sizeof *r);
    const int L = T - 2;
    if (stride <= 0 || stride > L) stride = L / 2 > 0 ? L / 2 : 1;
    if (context > T) context = T;
    if (!set->docstarts && set->n_docs < 2) context = 0;   // where documents end is unknown
    r->T = T, r->n_words = set->n_tokens;
    // every word of the set into one stream of pieces: word_start[w] is word w's first
    // piece, word_start[n_tokens] the end (so neighbouring sentences can lend context)
    const int n_tokens = set->n_tokens;
    IdList pieces = {0};
    int *word_start = xmalloc(sizeof(int) * (size_t)(n_tokens + 1));
    for (int w = 0; w < n_tokens; w++) {
        const char *text = set->word[w];
        word_start[w] = (int)pieces.n;
        long got = wordpiece_encode(wp, text, strlen(text), &pieces, NULL);
        if (got == 0) idlist_push(&pieces, wp->special[WP_UNK]), r->empty_words++;
        if (pieces.n - word_start[w] > L) pieces.n = word_start[w] + L;   // keeps its first pieces
    }
    word_start[n_tokens] = (int)pieces.n;
    r->pieces = (long)pieces.n;
    unsigned char *is_first = xcalloc((size_t)pieces.n + 1, 1);   // over the stream of pieces
    for (int w = 0; w < n_tokens; w++) is_first[word_start[w]] = 1;
    int cap_rows = set->n_sents + 16;
    r->ids = xmalloc(sizeof(int) * (size_t)cap_rows * T), r->word = xmalloc(sizeof(int) * (size_t)cap_rows * T);
    r->length = xmalloc(sizeof(int) * (size_t)cap_rows), r->row_sent = xmalloc(sizeof(int) * (size_t)cap_rows);
    r->lead = xmalloc(sizeof(int) * (size_t)cap_rows), r->own = xmalloc(sizeof(int) * (size_t)cap_rows);
    r->first = xmalloc((size_t)cap_rows * T);
    int *local_start = NULL, ls_cap = 0;
    Span *spans = NULL;
    int span_cap = 0;
    for (int s = 0, doc_first = 0, doc_end = 0; s < set->n_sents; s++) {
        if (s == doc_end) {   // a new document: its sentences are [doc_first, doc_end)
            doc_first = s;
            while (doc_end < set->n_sents && set->sent_doc[doc_end] == set->sent_doc[s]) doc_end++;
        }
        const int w0 = set->sent_start[s], nw = set->sent_start[s + 1] - w0, base = word_start[w0];
        const int n = word_start[w0 + nw] - base;
        if (nw > ls_cap) ls_cap = nw, local_start = xrealloc(local_start, sizeof(int) * (size_t)ls_cap);
        for (int i = 0; i < nw; i++) local_start[i] = word_start[w0 + i] - base;
        if (nw + 1 > span_cap) {   // every window starts at a different word
            span_cap = nw + 1;
            spans = xrealloc(spans, sizeof(Span) * (size_t)span_cap);
        }
        int n_spans = plan_windows(local_start, nw, n, L, stride, spans);
        r->split_sents += n_spans > 1;
        // document context for a sentence in one row: room for context - 2 - n pieces,
        // half before and half after, cut to whole words; what one side cannot use
        // (too few pieces in the document, or a word that does not fit) goes to the other
        int lead = 0, trail = 0;
        if (n_spans == 1 && context - 2 > n) {
            const int room = context - 2 - n;
            const int doc_from = word_start[set->sent_start[doc_first]], doc_to = word_start[set->sent_start[doc_end]];
            const int before = base - doc_from, after = doc_to - (base + n);
            lead = words_before(word_start, n_tokens, base, room / 2 < before ? room / 2 : before);
            trail = words_after(word_start, n_tokens, base + n, room - lead < after ? room - lead : after);
            lead = words_before(word_start, n_tokens, base, room - trail < before ? room - trail : before);
        }
        if (r->n_rows + n_spans > cap_rows) {
            cap_rows = 2 * (r->n_rows + n_spans);
            r->ids = xrealloc(r->ids, sizeof(int) * (size_t)cap_rows * T);
            r->word = xrealloc(r->word, sizeof(int) * (size_t)cap_rows * T);
            r->length = xrealloc(r->length, sizeof(int) * (size_t)cap_rows);
            r->row_sent = xrealloc(r->row_sent, sizeof(int) * (size_t)cap_rows);
            r->lead = xrealloc(r->lead, sizeof(int) * (size_t)cap_rows);
            r->own = xrealloc(r->own, sizeof(int) * (size_t)cap_rows);
            r->first = xrealloc(r->first, (size_t)cap_rows * T);
        }
        for (int k = 0; k < n_spans; k++) {
            const int row = r->n_rows + k, own = spans[k].end - spans[k].start, len = lead + own + trail;
            int *ids = r->ids + (size_t)row * T, *word = r->word + (size_t)row * T;
            ids[0] = wp->special[WP_CLS];
            memcpy(ids + 1, pieces.ids + base + spans[k].start - lead, sizeof(int) * (size_t)len);
            ids[len + 1] = wp->special[WP_SEP];
            for (int t = len + 2; t < T; t++) ids[t] = wp->special[WP_PAD];
            for (int t = 0; t < T; t++) word[t] = -1;
            unsigned char *first = r->first + (size_t)row * T;
            memset(first, 0, (size_t)T);
            for (int t = 0; t < len; t++) first[1 + t] = is_first[base + spans[k].start - lead + t];
            r->length[row] = len + 2, r->row_sent[row] = s, r->lead[row] = lead, r->own[row] = own;
            r->context_pieces += lead + trail;
        }
        // each word's home: the window where its first piece has the most context, the
        // smaller of the pieces before it and after it in that window
        for (int i = 0; i < nw; i++) {
            int p = local_start[i], best = -1, best_ctx = -1;
            for (int k = 0; k < n_spans; k++) {
                if (p < spans[k].start || p >= spans[k].end) continue;
                int before = p - spans[k].start, after = spans[k].end - 1 - p;
                int ctx = before < after ? before : after;
                if (ctx > best_ctx) best_ctx = ctx, best = k;
            }
            r->word[(size_t)(r->n_rows + best) * T + 1 + lead + p - spans[best].start] = w0 + i;
        }
        r->n_rows += n_spans;
    }
    idlist_free(&pieces);
    free(word_start), free(local_start), free(spans), free(is_first);
}

void nerrows_mask_words(const NerRows *r, const int *idx, int n, int L, int *ids, float p, int mask_id, Rng *rng) {
    if (p <= 0) return;
    for (int b = 0; b < n; b++) {
        const unsigned char *first = r->first + (size_t)idx[b] * r->T;
        int masking = 0;   // the current word's draw holds for all its pieces
        for (int t = 1; t < r->length[idx[b]] - 1; t++) {
            if (first[t]) masking = rng_uniform(rng) < p;
            if (masking) ids[(size_t)b * L + t] = mask_id;
        }
    }
}

void nerrows_free(NerRows *r) {
    free(r->ids), free(r->word), free(r->length), free(r->row_sent), free(r->lead), free(r->own), free(r->first);
    memset(r, 0, sizeof *r);
}

void nerrows_token_labels(const NerRows *r, const int *word_labels, int *labels) {
    const size_t n = (size_t)r->n_rows * r->T;
    for (size_t i = 0; i < n; i++) labels[i] = r->word[i] >= 0 ? word_labels[r->word[i]] : -1;
}
