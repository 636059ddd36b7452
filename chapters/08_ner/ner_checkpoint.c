// ner_checkpoint.c: see ner_checkpoint.h.
#define _POSIX_C_SOURCE 200809L
#include "chapters/08_ner/ner_checkpoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/07_bert/checkpoint.h"
#include "common/io.h"
#include "common/mem.h"

int tagger_save_dir(const char *dir, const Tagger *tg, const TagSet *ts, const WordPiece *wp, char *err,
                    size_t err_len) {
    size_t cap = 64 + (size_t)ts->n_labels * 2 * (TAG_TYPE_LEN + 16), n = 0;
    char *json = xmalloc(cap), name[TAG_TYPE_LEN + 2];
    n += (size_t)snprintf(json + n, cap - n, "\"id2label\": {");
    for (int k = 0; k < ts->n_labels; k++)
        n += (size_t)snprintf(json + n, cap - n, "%s\"%d\": \"%s\"", k ? ", " : "", k, tagset_label_name(ts, k, name));
    n += (size_t)snprintf(json + n, cap - n, "},\n  \"label2id\": {");
    for (int k = 0; k < ts->n_labels; k++)
        n += (size_t)snprintf(json + n, cap - n, "%s\"%s\": %d", k ? ", " : "", tagset_label_name(ts, k, name), k);
    snprintf(json + n, cap - n, "}");
    BertSaveOpts o = {.architecture = "BertForTokenClassification", .extra_json = json};
    int rc = bert_save_dir(dir, &tg->bert.cfg, &tg->params, wp, &o, err, err_len);
    free(json);
    return rc;
}

// A JSON string at *s (after its opening quote) into out; only the plain characters
// and \" \\ a tag name needs. Returns the position after the closing quote, or NULL.
static const char *read_string(const char *s, char *out, size_t out_len) {
    size_t n = 0;
    for (; *s && *s != '"'; s++) {
        if (*s == '\\') s++;
        if (!*s || n + 1 >= out_len) return NULL;
        out[n++] = *s;
    }
    if (*s != '"') return NULL;
    out[n] = 0;
    return s + 1;
}

int read_id2label(const char *json, char (*names)[TAG_TYPE_LEN + 2], int n_max) {
    const char *s = strstr(json, "\"id2label\"");
    if (!s) return -1;
    s += strlen("\"id2label\"");
    while (isspace((unsigned char)*s) || *s == ':') s++;
    if (*s++ != '{') return -1;
    int n = 0, seen[256] = {0};
    for (;;) {
        while (isspace((unsigned char)*s) || *s == ',') s++;
        if (*s == '}') break;
        char key[32], value[TAG_TYPE_LEN + 2];
        if (*s++ != '"' || !(s = read_string(s, key, sizeof key))) return -1;
        while (isspace((unsigned char)*s) || *s == ':') s++;
        if (*s++ != '"' || !(s = read_string(s, value, sizeof value))) return -1;
        char *end;
        long id = strtol(key, &end, 10);
        if (*end || end == key || id < 0 || id >= n_max || id >= 256 || seen[id]) return -1;
        seen[id] = 1, strcpy(names[id], value), n++;
    }
    for (int k = 0; k < n; k++)
        if (!seen[k]) return -1;   // the ids must be 0..n-1
    return n;
}

int tagger_load_dir(const char *dir, Tagger *tg, TagSet *ts, WordPiece *wp, int lowercase, char *err, size_t err_len) {
    char path[4200], names[256][TAG_TYPE_LEN + 2];
    size_t len;
    char *json = read_file(path_join(path, sizeof path, dir, "config.json"), &len);
    if (!json) {
        snprintf(err, err_len, "%s: cannot read (%s)", path, strerror(errno));
        return -1;
    }
    int n = read_id2label(json, names, 256);
    free(json);
    if (n < 1) {
        snprintf(err, err_len, "%s: no readable \"id2label\" object (ids 0..n-1, each a tag such as \"B-PER\"): "
                 "not a token-classification model", path);
        return -1;
    }
    char *ptrs[256];
    int bioes = 0;
    for (int k = 0; k < n; k++) ptrs[k] = names[k], bioes |= names[k][0] == 'E' || names[k][0] == 'S';
    if (tagset_build(ts, ptrs, n, bioes ? SCHEME_BIOES : SCHEME_IOB2, err, err_len)) return -1;
    int perm[256], used[256] = {0};
    for (int k = 0; k < n; k++) {
        perm[k] = tagset_label_index(ts, names[k]);
        if (perm[k] < 0 || used[perm[k]]++) {
            snprintf(err, err_len, "%s: id2label's \"%s\" is not a tag or appears twice", path, names[k]);
            return -1;
        }
    }
    if (n != ts->n_labels) {
        snprintf(err, err_len, "%s: %d labels in id2label, but its types need %d (O and %s of each)", path, n,
                 ts->n_labels, bioes ? "B, I, E, S" : "B, I");
        return -1;
    }
    BertConfig cfg;
    if (bert_read_config_vocab(dir, &cfg, wp, lowercase, err, err_len)) return -1;
    Rng rng;
    rng_seed(&rng, 0);   // every tensor is then read from the file
    bert_create(&tg->bert, &cfg, &rng);
    tagger_init(tg, n, &rng);
    if (bert_load_tensors(dir, &tg->params, NULL, NULL, err, err_len)) {
        tagger_free(tg), wordpiece_free(wp);
        return -1;
    }
    // the file's row k is label perm[k] here
    const int H = cfg.hidden;
    float *w = xmalloc(sizeof(float) * tg->cls_w.size), *b = xmalloc(sizeof(float) * tg->cls_b.size);
    for (int k = 0; k < n; k++) {
        memcpy(w + (size_t)perm[k] * H, tg->cls_w.data + (size_t)k * H, sizeof(float) * H);
        b[perm[k]] = tg->cls_b.data[k];
    }
    memcpy(tg->cls_w.data, w, sizeof(float) * tg->cls_w.size), memcpy(tg->cls_b.data, b, sizeof(float) * tg->cls_b.size);
    free(w), free(b);
    // a CRF, if the model was fine-tuned with one (Hugging Face's loader skips these
    // tensors, with a warning): the same permutation on its rows and columns
    Crf probe;
    crf_create(&probe, n);
    TensorList crf_list = {0};
    tensorlist_add(&crf_list, &probe.trans), tensorlist_add(&crf_list, &probe.start), tensorlist_add(&crf_list, &probe.end);
    static const char *const crf_optional[] = {"crf.", NULL};
    int missing, rc = bert_load_tensors(dir, &crf_list, crf_optional, &missing, err, err_len);
    if (rc == 0 && missing == 0) {
        tagger_add_crf(tg);
        for (int a = 0; a < n; a++) {
            tg->crf.start.data[perm[a]] = probe.start.data[a], tg->crf.end.data[perm[a]] = probe.end.data[a];
            for (int c = 0; c < n; c++) tg->crf.trans.data[perm[a] * n + perm[c]] = probe.trans.data[a * n + c];
        }
    } else if (rc == 0 && missing != 3) {
        snprintf(err, err_len, "%s: %d of the 3 crf.* tensors are missing", dir, missing);
        rc = -1;
    }
    tensorlist_free(&crf_list), crf_free(&probe);
    if (rc) tagger_free(tg), wordpiece_free(wp);
    return rc;
}
