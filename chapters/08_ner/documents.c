// documents.c: see documents.h.
#include "chapters/08_ner/documents.h"

#include <string.h>

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_date(const char *w) {   // YYYY-MM-DD
    if (strlen(w) != 10) return 0;
    for (int i = 0; i < 10; i++)
        if (i == 4 || i == 7 ? w[i] != '-' : !is_digit(w[i])) return 0;
    return 1;
}

// A byline ("Peter Blackburn") or a bracketed note ("[ CORRECTED 14:06 GMT ]"): lines
// that may stand between a headline and its dateline.
static int is_between(const ConllSet *set, int k) {
    const int a = set->sent_start[k], n = set->sent_start[k + 1] - a;
    if (!strcmp(set->word[a], "[")) return 1;
    if (n > 4 || !strcmp(set->word[a + n - 1], ".")) return 0;
    for (int i = a; i < a + n; i++)
        for (const char *p = set->word[i]; *p; p++)
            if (is_digit(*p)) return 0;
    return 1;
}

int conll_guess_documents(ConllSet *set) {
    if (set->docstarts) return 0;
    // sent_doc first marks the sentences that open a story (1), then counts them
    int prev_start = 0;   // where the current story opened
    for (int k = 0; k < set->n_sents; k++) set->sent_doc[k] = 0;
    for (int k = 1; k < set->n_sents; k++) {
        if (!is_date(set->word[set->sent_start[k + 1] - 1])) continue;
        int start = k - 1;   // the headline, unless a byline or a note stands between
        while (start > prev_start && k - start < 3 && is_between(set, start)) start--;
        if (start <= prev_start) continue;   // a second dateline in one story: not a new one
        set->sent_doc[start] = 1, prev_start = start;
    }
    for (int k = 1; k < set->n_sents; k++) set->sent_doc[k] += set->sent_doc[k - 1];
    set->n_docs = set->n_sents ? set->sent_doc[set->n_sents - 1] + 1 : 0;
    return set->n_docs;
}
