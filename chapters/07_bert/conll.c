// conll.c: see conll.h.
#include "chapters/07_bert/conll.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/07_bert/unicode.h"
#include "common/io.h"
#include "common/mem.h"

static int tag_ok(const char *t) {
    if (!strcmp(t, "O")) return 1;
    return strchr("BIES", t[0]) && t[0] && t[1] == '-' && t[2] != 0;
}

int conll_load(ConllSet *s, const char *path, char *err, size_t err_len) {
    return conll_load_column(s, path, 0, err, err_len);
}

void conll_free(ConllSet *s) {
    for (int i = 0; i < s->n_tokens; i++) free(s->word[i]), free(s->tag[i]);
    free(s->word), free(s->tag), free(s->sent_start), free(s->sent_doc);
    memset(s, 0, sizeof *s);
}

int conll_load_column(ConllSet *s, const char *path, int from_end, char *err, size_t err_len) {
    memset(s, 0, sizeof *s);
    size_t len, bad;
    char *text = read_file(path, &len);
    if (!text) {
        snprintf(err, err_len, "%s: cannot read (%s); get CoNLL-2003 with `datasets/fetch.sh conll2003`", path,
                 strerror(errno));
        return -1;
    }
    if (!utf8_valid(text, len, &bad)) {
        int line = 1;
        for (size_t i = 0; i < bad; i++) line += text[i] == '\n';
        snprintf(err, err_len, "%s:%d: not valid UTF-8 (byte %zu of the file)", path, line, bad + 1);
        free(text);
        return -1;
    }
    int tok_cap = 1024, sent_cap = 256, line = 0, in_sentence = 0, doc = 0, rc = 0;
    s->word = xmalloc(sizeof(char *) * (size_t)tok_cap), s->tag = xmalloc(sizeof(char *) * (size_t)tok_cap);
    s->sent_start = xmalloc(sizeof(int) * (size_t)(sent_cap + 1)), s->sent_doc = xmalloc(sizeof(int) * (size_t)sent_cap);
    for (size_t at = 0; at < len && rc == 0;) {
        size_t end = at;
        while (end < len && text[end] != '\n') end++;
        line++;
        size_t stop = end;
        while (stop > at && (text[stop - 1] == '\r' || text[stop - 1] == ' ' || text[stop - 1] == '\t')) stop--;
        char *l = text + at;
        text[stop] = 0;
        at = end + 1;
        if (stop == (size_t)(l - text)) {   // blank line: ends the sentence
            in_sentence = 0;
            continue;
        }
        // split on single spaces (the format) or tabs (some copies)
        char *col[16] = {l};
        int nc = 0;
        for (char *p = l; *p;) {
            while (*p == ' ' || *p == '\t') p++;
            if (!*p) break;
            if (nc == 16) {
                nc++;
                break;
            }
            col[nc++] = p;
            while (*p && *p != ' ' && *p != '\t') p++;
            if (*p) *p++ = 0;
        }
        if (nc > 16) {
            snprintf(err, err_len, "%s:%d: more than 16 columns (CoNLL-2003 has 4: WORD POS CHUNK NER)", path, line);
            rc = -1;
            break;
        }
        if (!strcmp(col[0], "-DOCSTART-")) {
            if (s->n_sents > 0 || s->n_docs > 0) doc++;
            s->n_docs = doc + 1, s->docstarts++, in_sentence = 0;
            continue;
        }
        if (nc < 2) {
            snprintf(err, err_len, "%s:%d: a token line needs at least 2 columns (WORD ... NER), found 1", path, line);
            rc = -1;
            break;
        }
        if (!s->columns) s->columns = nc;
        if (nc != s->columns) {
            snprintf(err, err_len, "%s:%d: %d columns, but the file's first token line has %d", path, line, nc,
                     s->columns);
            rc = -1;
            break;
        }
        if (nc < 2 + from_end) {
            snprintf(err, err_len, "%s:%d: %d columns; the tag is read %d from the last, which needs %d", path, line, nc,
                     from_end, 2 + from_end);
            rc = -1;
            break;
        }
        if (!tag_ok(col[nc - 1 - from_end])) {
            snprintf(err, err_len, "%s:%d: unknown tag \"%s\" (expected O, or B-/I-/E-/S- and a type such as B-PER)",
                     path, line, col[nc - 1 - from_end]);
            rc = -1;
            break;
        }
        if (!in_sentence) {
            if (s->n_sents == sent_cap) {
                sent_cap *= 2;
                s->sent_start = xrealloc(s->sent_start, sizeof(int) * (size_t)(sent_cap + 1));
                s->sent_doc = xrealloc(s->sent_doc, sizeof(int) * (size_t)sent_cap);
            }
            s->sent_start[s->n_sents] = s->n_tokens, s->sent_doc[s->n_sents] = doc, s->n_sents++;
            in_sentence = 1;
        }
        if (s->n_tokens == tok_cap) {
            tok_cap *= 2;
            s->word = xrealloc(s->word, sizeof(char *) * (size_t)tok_cap);
            s->tag = xrealloc(s->tag, sizeof(char *) * (size_t)tok_cap);
        }
        s->word[s->n_tokens] = xstrdup(col[0]), s->tag[s->n_tokens] = xstrdup(col[nc - 1 - from_end]);
        s->n_tokens++;
    }
    free(text);
    if (rc == 0 && s->n_tokens == 0) {
        snprintf(err, err_len, "%s: no sentences (empty, or only -DOCSTART- lines)", path);
        rc = -1;
    }
    if (rc) {
        conll_free(s);
        return -1;
    }
    s->sent_start[s->n_sents] = s->n_tokens;
    if (!s->n_docs) s->n_docs = 1;
    return 0;
}
