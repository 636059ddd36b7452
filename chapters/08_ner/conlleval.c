// conlleval.c: see conlleval.h.
#include "chapters/08_ner/conlleval.h"

#include <string.h>

void nerscore_init(NerScore *s, const TagSet *ts) {
    memset(s, 0, sizeof *s);
    s->n_types = ts->n_types;
    memcpy(s->type, ts->type, sizeof s->type);
}

static int type_of(const NerScore *s, const char *t) {
    for (int k = 0; k < s->n_types; k++)
        if (!strcmp(s->type[k], t)) return k;
    return -1;
}

// conlleval's startOfChunk for the word with prefix p, type t after prefix pp, type pt
static int chunk_starts(char pp, const char *pt, char p, const char *t) {
    if (p == 'O') return 0;
    if (p == 'B' || p == 'S') return 1;
    if (pp == 'O' || pp == 'E' || pp == 'S') return 1;   // an I-/E- with nothing open before it
    return strcmp(pt, t) != 0;                           // after another type
}

int ner_entities(const NerScore *s, char *const *tags, int n, Entity *out) {
    int count = 0, open = 0;
    char pp = 'O', pt[TAG_TYPE_LEN] = "";
    for (int i = 0; i < n; i++) {
        char p, t[TAG_TYPE_LEN];
        if (tag_split(tags[i], &p, t)) p = 'O', t[0] = 0;   // unreadable: outside
        if (open && (p == 'O' || chunk_starts(pp, pt, p, t))) out[count - 1].end = i, open = 0;
        if (chunk_starts(pp, pt, p, t)) out[count++] = (Entity){i, n, type_of(s, t)}, open = 1;
        pp = p, memcpy(pt, t, TAG_TYPE_LEN);
    }
    return count;   // a chunk still open at the sentence end keeps end = n
}

static void word_type(const NerScore *s, const char *tag, int *k) {
    char p, t[TAG_TYPE_LEN];
    *k = tag_split(tag, &p, t) || p == 'O' ? 0 : type_of(s, t) + 1;
}

void nerscore_add(NerScore *s, char *const *gold, char *const *pred, int n) {
    Entity g[n > 0 ? n : 1], q[n > 0 ? n : 1];
    int ng = ner_entities(s, gold, n, g), nq = ner_entities(s, pred, n, q);
    for (int i = 0; i < ng; i++)
        if (g[i].type >= 0) s->gold[g[i].type]++;
    for (int j = 0; j < nq; j++)
        if (q[j].type >= 0) s->pred[q[j].type]++;
    // both lists are in order of their first word: one merge pass finds the exact matches
    for (int i = 0, j = 0; i < ng && j < nq;) {
        if (g[i].start < q[j].start) i++;
        else if (q[j].start < g[i].start) j++;
        else {
            if (g[i].end == q[j].end && g[i].type == q[j].type && g[i].type >= 0) s->correct[g[i].type]++;
            i++, j++;
        }
    }
    for (int i = 0; i < n; i++) {
        int kg, kp;
        word_type(s, gold[i], &kg), word_type(s, pred[i], &kp);
        s->confusion[kg][kp]++;
        s->tokens++, s->tokens_right += !strcmp(gold[i], pred[i]);
    }
}

static Prf prf(long gold, long pred, long correct) {
    Prf r = {0, 0, 0, gold, pred, correct};
    if (pred) r.precision = 100.0 * (double)correct / (double)pred;
    if (gold) r.recall = 100.0 * (double)correct / (double)gold;
    if (r.precision + r.recall > 0) r.f1 = 2 * r.precision * r.recall / (r.precision + r.recall);
    return r;
}

Prf nerscore_prf(const NerScore *s, int type) {
    if (type >= 0) return prf(s->gold[type], s->pred[type], s->correct[type]);
    long g = 0, p = 0, c = 0;
    for (int k = 0; k < s->n_types; k++) g += s->gold[k], p += s->pred[k], c += s->correct[k];
    return prf(g, p, c);
}

double nerscore_accuracy(const NerScore *s) {
    return s->tokens ? 100.0 * (double)s->tokens_right / (double)s->tokens : 0;
}

void nerscore_print(const NerScore *s, FILE *out) {
    Prf all = nerscore_prf(s, -1);
    fprintf(out, "processed %ld tokens with %ld phrases; found: %ld phrases; correct: %ld.\n", s->tokens, all.gold,
            all.pred, all.correct);
    fprintf(out, "accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n", nerscore_accuracy(s),
            all.precision, all.recall, all.f1);
    for (int k = 0; k < s->n_types; k++) {
        Prf r = nerscore_prf(s, k);
        fprintf(out, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %ld\n", s->type[k], r.precision,
                r.recall, r.f1, r.pred);
    }
    fprintf(out, "words by gold type (rows) and predicted type (columns):\n%8s", "");
    for (int c = 0; c <= s->n_types; c++) fprintf(out, " %8s", c ? s->type[c - 1] : "O");
    fputc('\n', out);
    for (int r = 0; r <= s->n_types; r++) {
        fprintf(out, "%8s", r ? s->type[r - 1] : "O");
        for (int c = 0; c <= s->n_types; c++) fprintf(out, " %8ld", s->confusion[r][c]);
        fputc('\n', out);
    }
}
