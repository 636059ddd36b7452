// tags.c: see tags.h.
#include "chapters/08_ner/tags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tag_split(const char *tag, char *prefix, char type[TAG_TYPE_LEN]) {
    if (!strcmp(tag, "O")) {
        *prefix = 'O', type[0] = 0;
        return 0;
    }
    size_t n = strlen(tag);
    if (n < 3 || !strchr("BIES", tag[0]) || tag[1] != '-' || n - 2 >= TAG_TYPE_LEN) return -1;
    *prefix = tag[0];
    memcpy(type, tag + 2, n - 1);   // with its NUL
    return 0;
}

// Does the entity word at i (prefix p, type t) start a new entity after the word before
// it (prefix pp, type pt; pp = 'O' at the sentence start)? The rule of IOB1, which
// conlleval applies to any input: an I- continues only an entity of its own type.
static int continues(char pp, const char *pt, char p, const char *t) {
    return p == 'I' && pp != 'O' && !strcmp(pt, t);
}

TagScheme tags_detect_scheme(char *const *tags, const int *sent_start, int n_sents) {
    int i_starts = 0, b_tags = 0;
    for (int s = 0; s < n_sents; s++) {
        char pp = 'O', pt[TAG_TYPE_LEN] = "";
        for (int i = sent_start[s]; i < sent_start[s + 1]; i++) {
            char p, t[TAG_TYPE_LEN];
            if (tag_split(tags[i], &p, t)) continue;   // the reader has refused these already
            if (p == 'E' || p == 'S') return SCHEME_BIOES;
            if (p == 'B') b_tags++;
            if (p == 'I' && !continues(pp, pt, p, t)) i_starts++;
            pp = p, memcpy(pt, t, TAG_TYPE_LEN);
        }
    }
    // IOB2 never starts an entity with I-. A file with both is inconsistent IOB2 (or
    // IOB1 with many adjacent entities); with no B- at all it is plainly IOB1.
    return i_starts > 0 && b_tags <= i_starts ? SCHEME_IOB1 : SCHEME_IOB2;
}

void tags_to_iob2(char **tags, int n, TagScheme from) {
    char pp = 'O', pt[TAG_TYPE_LEN] = "";
    for (int i = 0; i < n; i++) {
        char p, t[TAG_TYPE_LEN];
        if (tag_split(tags[i], &p, t)) continue;
        char np = p;
        if (from == SCHEME_BIOES) np = p == 'E' ? 'I' : p == 'S' ? 'B' : p;
        else if (from == SCHEME_IOB1 && p == 'I' && !continues(pp, pt, p, t)) np = 'B';
        tags[i][0] = np;   // same length: only the prefix letter changes
        pp = p == 'S' || p == 'E' ? 'O' : p, memcpy(pt, t, TAG_TYPE_LEN);
    }
}

static int by_string(const void *a, const void *b) { return strcmp((const char *)a, (const char *)b); }

int tagset_build(TagSet *ts, char *const *tags, int n, TagScheme scheme, char *err, size_t err_len) {
    memset(ts, 0, sizeof *ts);
    ts->scheme = scheme;
    for (int i = 0; i < n; i++) {
        char p, t[TAG_TYPE_LEN];
        if (tag_split(tags[i], &p, t)) {
            snprintf(err, err_len, "tag %d: \"%s\" is not O or B-/I-/E-/S- and a type", i + 1, tags[i]);
            return -1;
        }
        if (p == 'O') continue;
        int known = 0;
        for (int k = 0; k < ts->n_types && !known; k++) known = !strcmp(ts->type[k], t);
        if (known) continue;
        if (ts->n_types == TAG_MAX_TYPES) {
            snprintf(err, err_len, "more than %d entity types (the %dth: \"%s\")", TAG_MAX_TYPES, TAG_MAX_TYPES + 1, t);
            return -1;
        }
        memcpy(ts->type[ts->n_types++], t, TAG_TYPE_LEN);
    }
    qsort(ts->type, (size_t)ts->n_types, TAG_TYPE_LEN, by_string);
    ts->n_labels = 1 + ts->n_types * (scheme == SCHEME_BIOES ? 4 : 2);
    return 0;
}

static int type_index(const TagSet *ts, const char *t) {
    for (int k = 0; k < ts->n_types; k++)
        if (!strcmp(ts->type[k], t)) return k;
    return -1;
}

int tagset_encode(const TagSet *ts, char *const *tags, int n, int *labels, char *err, size_t err_len) {
    const int per_type = ts->scheme == SCHEME_BIOES ? 4 : 2;
    for (int i = 0; i < n; i++) {
        char p, t[TAG_TYPE_LEN];
        int k = -1;
        if (tag_split(tags[i], &p, t) == 0) k = p == 'O' ? 0 : type_index(ts, t);
        if (k < 0 || p == 'E' || p == 'S') {
            snprintf(err, err_len, "\"%s\": not an IOB2 tag of the known types", tags[i]);
            return -1;
        }
        if (p == 'O') {
            labels[i] = 0;
            continue;
        }
        int offset = p == 'B' ? 0 : 1;   // IOB2's B, I
        if (ts->scheme == SCHEME_BIOES) {
            // the last word of the entity is the one not followed by an I- of the same type
            char np = 'O', nt[TAG_TYPE_LEN] = "";
            if (i + 1 < n) tag_split(tags[i + 1], &np, nt);
            int last = !(np == 'I' && !strcmp(nt, t));
            offset = p == 'B' ? (last ? 3 : 0) : (last ? 2 : 1);   // B I E S
        }
        labels[i] = 1 + k * per_type + offset;
    }
    return 0;
}

const char *tagset_label_name(const TagSet *ts, int label, char *out) {
    if (label <= 0 || label >= ts->n_labels) {
        strcpy(out, "O");
        return out;
    }
    const int per_type = ts->scheme == SCHEME_BIOES ? 4 : 2;
    snprintf(out, TAG_TYPE_LEN + 2, "%c-%s", "BIES"[(label - 1) % per_type], ts->type[(label - 1) / per_type]);
    return out;
}

void tagset_decode(const TagSet *ts, const int *labels, int n, char (*out)[TAG_TYPE_LEN + 2]) {
    for (int i = 0; i < n; i++) {
        tagset_label_name(ts, labels[i], out[i]);
        if (out[i][0] == 'E') out[i][0] = 'I';
        else if (out[i][0] == 'S') out[i][0] = 'B';
    }
}

int tagset_label_index(const TagSet *ts, const char *name) {
    char p, t[TAG_TYPE_LEN];
    if (tag_split(name, &p, t)) return -1;
    if (p == 'O') return 0;
    const int k = type_index(ts, t), per_type = ts->scheme == SCHEME_BIOES ? 4 : 2;
    const int offset = (int)(strchr("BIES", p) - "BIES");
    if (k < 0 || offset >= per_type) return -1;
    return 1 + k * per_type + offset;
}
