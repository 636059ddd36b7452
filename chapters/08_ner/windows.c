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

void nerrows_build(NerRows *r, const ConllSet *set, const WordPiece *wp, int T, int stride) {
    memset(r, 0, sizeof *r);
    const int L = T - 2;
    if (stride <= 0 || stride > L) stride = L / 2 > 0 ? L / 2 : 1;
    r->T = T, r->n_words = set->n_tokens;
    int cap_rows = set->n_sents + 16;
    r->ids = xmalloc(sizeof(int) * (size_t)cap_rows * T), r->word = xmalloc(sizeof(int) * (size_t)cap_rows * T);
    r->length = xmalloc(sizeof(int) * (size_t)cap_rows), r->row_sent = xmalloc(sizeof(int) * (size_t)cap_rows);
    IdList pieces = {0};
    int *word_start = NULL, ws_cap = 0;
    Span *spans = NULL;
    int span_cap = 0;
    for (int s = 0; s < set->n_sents; s++) {
        const int w0 = set->sent_start[s], nw = set->sent_start[s + 1] - w0;
        if (nw > ws_cap) ws_cap = nw, word_start = xrealloc(word_start, sizeof(int) * (size_t)ws_cap);
        pieces.n = 0;
        for (int i = 0; i < nw; i++) {
            const char *text = set->word[w0 + i];
            word_start[i] = (int)pieces.n;
            long got = wordpiece_encode(wp, text, strlen(text), &pieces, NULL);
            if (got == 0) idlist_push(&pieces, wp->special[WP_UNK]), r->empty_words++;
            if (pieces.n - word_start[i] > L) pieces.n = word_start[i] + L;   // keeps its first pieces
        }
        const int n = (int)pieces.n;
        r->pieces += n;
        if (nw + 1 > span_cap) {   // every window starts at a different word
            span_cap = nw + 1;
            spans = xrealloc(spans, sizeof(Span) * (size_t)span_cap);
        }
        int n_spans = plan_windows(word_start, nw, n, L, stride, spans);
        r->split_sents += n_spans > 1;
        if (r->n_rows + n_spans > cap_rows) {
            cap_rows = 2 * (r->n_rows + n_spans);
            r->ids = xrealloc(r->ids, sizeof(int) * (size_t)cap_rows * T);
            r->word = xrealloc(r->word, sizeof(int) * (size_t)cap_rows * T);
            r->length = xrealloc(r->length, sizeof(int) * (size_t)cap_rows);
            r->row_sent = xrealloc(r->row_sent, sizeof(int) * (size_t)cap_rows);
        }
        for (int k = 0; k < n_spans; k++) {
            const int row = r->n_rows + k, len = spans[k].end - spans[k].start;
            int *ids = r->ids + (size_t)row * T, *word = r->word + (size_t)row * T;
            ids[0] = wp->special[WP_CLS];
            memcpy(ids + 1, pieces.ids + spans[k].start, sizeof(int) * (size_t)len);
            ids[len + 1] = wp->special[WP_SEP];
            for (int t = len + 2; t < T; t++) ids[t] = wp->special[WP_PAD];
            for (int t = 0; t < T; t++) word[t] = -1;
            r->length[row] = len + 2, r->row_sent[row] = s;
        }
        // each word's home: the window where its first piece has the most context, the
        // smaller of the pieces before it and after it in that window
        for (int i = 0; i < nw; i++) {
            int p = word_start[i], best = -1, best_ctx = -1;
            for (int k = 0; k < n_spans; k++) {
                if (p < spans[k].start || p >= spans[k].end) continue;
                int before = p - spans[k].start, after = spans[k].end - 1 - p;
                int ctx = before < after ? before : after;
                if (ctx > best_ctx) best_ctx = ctx, best = k;
            }
            r->word[(size_t)(r->n_rows + best) * T + 1 + p - spans[best].start] = w0 + i;
        }
        r->n_rows += n_spans;
    }
    idlist_free(&pieces);
    free(word_start), free(spans);
}

void nerrows_free(NerRows *r) {
    free(r->ids), free(r->word), free(r->length), free(r->row_sent);
    memset(r, 0, sizeof *r);
}

void nerrows_token_labels(const NerRows *r, const int *word_labels, int *labels) {
    const size_t n = (size_t)r->n_rows * r->T;
    for (size_t i = 0; i < n; i++) labels[i] = r->word[i] >= 0 ? word_labels[r->word[i]] : -1;
}
