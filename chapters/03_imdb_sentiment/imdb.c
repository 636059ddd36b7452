// imdb.c: the loader of imdb.h. Two passes: list and check the file names of both
// class directories (cheap), then read the files, one fread each, in parallel when
// OpenMP is on (each file is independent; errors are collected per file and the one
// with the lowest index is reported, so the message does not depend on thread timing).
#define _POSIX_C_SOURCE 200809L
#include "chapters/03_imdb_sentiment/imdb.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int imdb_parse_name(const char *name, int *id, int *rating) {
    // digits '_' digits ".txt", nothing else; ids up to 9 digits, ratings 1..2 digits
    const char *p = name;
    long v = 0;
    int nd = 0;
    while (*p >= '0' && *p <= '9' && nd < 10) v = v * 10 + (*p++ - '0'), nd++;
    if (nd == 0 || nd > 9 || *p != '_') return -1;
    long r = 0;
    int nr = 0;
    p++;
    while (*p >= '0' && *p <= '9' && nr < 3) r = r * 10 + (*p++ - '0'), nr++;
    if (nr == 0 || nr > 2 || strcmp(p, ".txt") != 0) return -1;
    *id = (int)v;
    *rating = (int)r;
    return 0;
}

// ---- UTF-8 ----------------------------------------------------------------------------

// The tokenizer's UTF-8 decoder (tokenizer.h) decides what is valid, so that a repaired
// text and the raw one give the same tokens.
static int utf8_seq_len(const unsigned char *s, size_t n) {
    unsigned cp;
    return tok_utf8_len(s, n, &cp);
}

size_t imdb_utf8_repair(const char *text, size_t len, char **repaired, size_t *repaired_len) {
    const unsigned char *s = (const unsigned char *)text;
    size_t bad = 0;
    for (size_t i = 0; i < len;) {
        int k = utf8_seq_len(s + i, len - i);
        if (k == 0) bad++, k = 1;
        i += (size_t)k;
    }
    *repaired = NULL;
    if (bad == 0) return 0;
    char *out = xmalloc(len + 2 * bad + 1);   // each bad byte (1) becomes 3 bytes
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        int k = utf8_seq_len(s + i, len - i);
        if (k == 0) {
            out[o++] = (char)0xEF, out[o++] = (char)0xBF, out[o++] = (char)0xBD;   // U+FFFD
            i++;
        } else {
            memcpy(out + o, s + i, (size_t)k);
            o += (size_t)k, i += (size_t)k;
        }
    }
    out[o] = '\0';
    *repaired = out;
    *repaired_len = o;
    return bad;
}

// ---- listing --------------------------------------------------------------------------

typedef struct {
    char *name;   // owned
    int id, rating;
} Entry;

static int entry_cmp(const void *a, const void *b) {
    const Entry *x = a, *y = b;
    if (x->id != y->id) return x->id < y->id ? -1 : 1;
    return strcmp(x->name, y->name);   // the same id twice (never in the real data): still a total order
}

// What a class directory holds: pos/ (ratings 7-10), neg/ (1-4), unsup/ (unrated: 0).
enum { KIND_NEG, KIND_POS, KIND_UNSUP };

// Lists DIR's review files into *entries (sorted by id) and checks each name and rating.
static int list_dir(const char *dir, int kind, Entry **entries, int *n_entries, char *err, size_t err_len) {
    *entries = NULL;
    *n_entries = 0;
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return fail(err, err_len,
                        "%s: no such directory. Expected the aclImdb layout train|test/pos|neg/ID_RATING.txt; "
                        "get the full data with `datasets/fetch.sh imdb` or use datasets/samples/aclImdb",
                        dir);
        return fail(err, err_len, "%s: cannot open directory: %s", dir, strerror(errno));
    }
    int cap = 1024, n = 0;
    Entry *e = xmalloc(sizeof(Entry) * (size_t)cap);
    struct dirent *de;
    int rc = 0;
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        if (name[0] == '.') continue;   // ".", "..", and hidden files such as .DS_Store
        int id, rating;
        if (imdb_parse_name(name, &id, &rating) != 0) {
            rc = fail(err, err_len, "%s/%s: not a review file name; expected ID_RATING.txt (e.g. 123_8.txt)", dir,
                      name);
            break;
        }
        int ok = kind == KIND_POS ? (rating >= 7 && rating <= 10)
                 : kind == KIND_NEG ? (rating >= 1 && rating <= 4)
                                    : rating == 0;
        if (!ok) {
            rc = fail(err, err_len, "%s/%s: rating %d does not belong in %s/ (positive reviews are rated 7-10, "
                                    "negative 1-4, unlabelled ones 0): is this copy of the data mixed up?",
                      dir, name, rating, kind == KIND_POS ? "pos" : kind == KIND_NEG ? "neg" : "unsup");
            break;
        }
        if (n == cap) e = xrealloc(e, sizeof(Entry) * (size_t)(cap *= 2));
        e[n].name = xstrdup(name);
        e[n].id = id;
        e[n].rating = rating;
        n++;
    }
    closedir(d);
    if (rc == 0 && n == 0) rc = fail(err, err_len, "%s: no review files (ID_RATING.txt) in this directory", dir);
    if (rc != 0) {
        for (int i = 0; i < n; i++) free(e[i].name);
        free(e);
        return -1;
    }
    qsort(e, (size_t)n, sizeof(Entry), entry_cmp);
    *entries = e;
    *n_entries = n;
    return 0;
}

// ---- reading --------------------------------------------------------------------------

enum { READ_OK = 0, READ_IS_DIR, READ_NOT_REGULAR, READ_ERRNO };

// Reads path whole: one fread of the size stat reported (plus one byte, to notice a
// file that grew meanwhile; then the rest is read in a loop). Returns READ_* and
// sets *err_no for READ_ERRNO.
static int read_review(const char *path, char **text, size_t *len, int *err_no) {
    struct stat st;
    *text = NULL;
    if (stat(path, &st) != 0) return *err_no = errno, READ_ERRNO;
    if (S_ISDIR(st.st_mode)) return READ_IS_DIR;
    if (!S_ISREG(st.st_mode)) return READ_NOT_REGULAR;
    FILE *fp = fopen(path, "rb");
    if (!fp) return *err_no = errno, READ_ERRNO;
    size_t cap = (size_t)st.st_size + 2, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - 1 - n, fp);
        n += got;
        if (n < cap - 1) break;   // short read: end of file (or an error, checked below)
        buf = xrealloc(buf, cap *= 2);
    }
    int bad = ferror(fp);
    int saved = errno;
    fclose(fp);
    if (bad) {
        free(buf);
        return *err_no = saved ? saved : EIO, READ_ERRNO;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return READ_OK;
}

void imdb_free(ImdbSet *s) {
    if (s->text)
        for (int i = 0; i < s->n; i++) free(s->text[i]);
    free(s->text);
    free(s->len);
    free(s->label);
    free(s->rating);
    free(s->id);
    memset(s, 0, sizeof *s);
}

// Reads ROOT/SPLIT/<names[c]>/ for each of the n_class class directories, in order.
static int load_classes(ImdbSet *out, const char *root, const char *split, const char *const *names,
                        const int *kinds, int n_class, int max_per_class, char *err, size_t err_len) {
    memset(out, 0, sizeof *out);
    char split_dir[4096], class_dir[2][4096];
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(err, err_len,
                    "%s: no such directory. Point --data at the aclImdb directory (with train/ and test/ inside); "
                    "get it with `datasets/fetch.sh imdb`",
                    root);
    path_join(split_dir, sizeof split_dir, root, split);
    if (stat(split_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fail(err, err_len, "%s: no such directory; expected %s/ inside %s (the aclImdb layout)", split_dir,
                    split, root);
    Entry *entries[2] = {NULL, NULL};
    int counts[2] = {0, 0};
    for (int c = 0; c < n_class; c++) {
        path_join(class_dir[c], sizeof class_dir[c], split_dir, names[c]);
        if (list_dir(class_dir[c], kinds[c], &entries[c], &counts[c], err, err_len) != 0) {
            for (int done = 0; done < c; done++) {   // the directories listed before this one
                for (int i = 0; i < counts[done]; i++) free(entries[done][i].name);
                free(entries[done]);
            }
            return -1;
        }
        if (max_per_class > 0 && counts[c] > max_per_class) {
            for (int i = max_per_class; i < counts[c]; i++) free(entries[c][i].name);
            counts[c] = max_per_class;
        }
    }

    int n = counts[0] + counts[1];
    out->n = n;
    out->text = xcalloc((size_t)n, sizeof(char *));
    out->len = xcalloc((size_t)n, sizeof(size_t));
    out->label = xcalloc((size_t)n, sizeof(int));
    out->rating = xcalloc((size_t)n, sizeof(int));
    out->id = xcalloc((size_t)n, sizeof(int));
    int *status = xcalloc((size_t)n, sizeof(int)), *err_no = xcalloc((size_t)n, sizeof(int));
    char **paths = xcalloc((size_t)n, sizeof(char *));
    for (int c = 0, k = 0; c < n_class; c++)
        for (int i = 0; i < counts[c]; i++, k++) {
            char path[4096];
            paths[k] = xstrdup(path_join(path, sizeof path, class_dir[c], entries[c][i].name));
            out->label[k] = kinds[c] == KIND_POS ? 1 : kinds[c] == KIND_NEG ? 0 : -1;
            out->rating[k] = entries[c][i].rating;
            out->id[k] = entries[c][i].id;
        }

    int repaired = 0, empty = 0;
    size_t bytes = 0;
#pragma omp parallel for schedule(dynamic, 64) reduction(+ : repaired, empty, bytes)
    for (int k = 0; k < n; k++) {
        char *text;
        size_t len = 0;
        status[k] = read_review(paths[k], &text, &len, &err_no[k]);
        if (status[k] != READ_OK) continue;
        char *fixed;
        size_t fixed_len;
        if (imdb_utf8_repair(text, len, &fixed, &fixed_len) > 0) {
            free(text);
            text = fixed, len = fixed_len;
            repaired++;
        }
        empty += len == 0;
        bytes += len;
        out->text[k] = text;
        out->len[k] = len;
    }
    out->n_repaired = repaired;
    out->n_empty = empty;
    out->bytes = bytes;

    int rc = 0;
    for (int k = 0; k < n && rc == 0; k++) {
        if (status[k] == READ_IS_DIR)
            rc = fail(err, err_len, "%s: is a directory, expected a review file", paths[k]);
        else if (status[k] == READ_NOT_REGULAR)
            rc = fail(err, err_len, "%s: not a regular file, expected a review file", paths[k]);
        else if (status[k] == READ_ERRNO)
            rc = fail(err, err_len, "%s: cannot read: %s", paths[k], strerror(err_no[k]));
    }
    for (int k = 0; k < n; k++) free(paths[k]);
    for (int c = 0; c < n_class; c++) {
        for (int i = 0; i < counts[c]; i++) free(entries[c][i].name);
        free(entries[c]);
    }
    free(paths);
    free(status);
    free(err_no);
    if (rc != 0) imdb_free(out);
    return rc;
}

int imdb_load(ImdbSet *out, const char *root, const char *split, int max_per_class, char *err, size_t err_len) {
    static const char *const names[2] = {"pos", "neg"};
    static const int kinds[2] = {KIND_POS, KIND_NEG};
    return load_classes(out, root, split, names, kinds, 2, max_per_class, err, err_len);
}

int imdb_load_unsup(ImdbSet *out, const char *root, int max_reviews, char *err, size_t err_len) {
    static const char *const names[1] = {"unsup"};
    static const int kinds[1] = {KIND_UNSUP};
    return load_classes(out, root, "train", names, kinds, 1, max_reviews, err, err_len);
}
