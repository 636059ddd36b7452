// model.c: the bag-of-embeddings classifier of model.h: init, forward, backward with
// a sparse embedding gradient, prediction, and the safetensors checkpoint.
#define _POSIX_C_SOURCE 200809L
#include "chapters/03_imdb_sentiment/model.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/01_linear_regression/logreg.h"
#include "chapters/02_backprop/layers.h"
#include "chapters/03_imdb_sentiment/embedding.h"
#include "chapters/03_imdb_sentiment/tokenizer.h"
#include "common/init.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/safetensors.h"

#define BAGMODEL_FORMAT "ch03-bag-of-embeddings-v1"

static int fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (err && err_len) vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static void alloc_tensors(BagModel *m, int vocab_size, int buckets, int dim, int max_len) {
    memset(m, 0, sizeof *m);
    m->vocab_size = vocab_size;
    m->buckets = buckets;
    m->dim = dim;
    m->max_len = max_len;
    tensor_alloc(&m->embedding, "embedding.weight", 0, 2, vocab_size + buckets, dim);
    tensor_alloc(&m->fc_w, "fc.weight", 1, 2, 1, dim);
    tensor_alloc(&m->fc_b, "fc.bias", 1, 1, 1);
    tensorlist_add(&m->dense, &m->fc_w);
    tensorlist_add(&m->dense, &m->fc_b);
}

void bagmodel_init(BagModel *m, int vocab_size, int buckets, int dim, int max_len, float init, Rng *rng) {
    alloc_tensors(m, vocab_size, buckets, dim, max_len);
    // Small uniform vectors: a review's mean starts near 0, so every p starts near 1/2
    // and no word has a say before training gives it one (README 03.5).
    init_uniform(m->embedding.data, m->embedding.size, -init, init, rng);
    memset(m->embedding.data + (size_t)VOCAB_PAD * dim, 0, sizeof(float) * (size_t)dim);   // PAD row = 0
    init_xavier_uniform(m->fc_w.data, m->fc_w.size, dim, 1, rng);
}

void bagmodel_free(BagModel *m) {
    tensor_free(&m->embedding);
    tensor_free(&m->fc_w);
    tensor_free(&m->fc_b);
    tensorlist_free(&m->dense);
    memset(m, 0, sizeof *m);
}

// ---- one batch ------------------------------------------------------------------------

void bagwork_init(BagWork *w, const BagModel *m, int max_B, int max_T, int with_backward) {
    memset(w, 0, sizeof *w);
    size_t D = (size_t)m->dim, BT = (size_t)max_B * (size_t)max_T;
    w->max_B = max_B, w->max_T = max_T, w->D = m->dim;
    w->emb = fzeros(BT * D);
    w->pooled = fzeros((size_t)max_B * D);
    w->logits = fzeros((size_t)max_B);
    w->d_logits = fzeros((size_t)max_B);
    if (!with_backward) return;
    w->d_pooled = fzeros((size_t)max_B * D);
    w->d_emb = fzeros(BT * D);
    w->rows = xmalloc(sizeof(int) * BT);
    w->d_rows = fzeros(BT * D);
    w->local = xmalloc(sizeof(int) * BT);
    w->table_rows = (size_t)m->embedding.shape[0];
    w->slot_of = xmalloc(sizeof(int) * w->table_rows);
    for (size_t r = 0; r < w->table_rows; r++) w->slot_of[r] = -1;
}

void bagwork_free(BagWork *w) {
    free(w->emb);
    free(w->pooled);
    free(w->logits);
    free(w->d_logits);
    free(w->d_pooled);
    free(w->d_emb);
    free(w->rows);
    free(w->d_rows);
    free(w->local);
    free(w->slot_of);
    memset(w, 0, sizeof *w);
}

void bagmodel_forward(const BagModel *m, BagWork *w, const int *ids, int B, int T, int pad_id) {
    int D = m->dim;
    embedding_forward(w->emb, m->embedding.data, ids, B * T, D);              // (03.1)
    masked_mean_forward(w->pooled, w->emb, ids, pad_id, B, T, D);            // (03.3)
    linear_forward(w->logits, w->pooled, m->fc_w.data, m->fc_b.data, B, D, 1);   // logit = h w^T + b
}

void bagmodel_backward(BagModel *m, BagWork *w, const int *ids, int B, int T, int pad_id) {
    int D = m->dim;
    size_t BT = (size_t)B * T;
    memset(w->d_pooled, 0, sizeof(float) * (size_t)B * D);
    linear_backward(w->d_pooled, m->fc_w.grad, m->fc_b.grad, w->d_logits, w->pooled, m->fc_w.data, B, D, 1);
    memset(w->d_emb, 0, sizeof(float) * BT * D);
    masked_mean_backward(w->d_emb, w->d_pooled, ids, pad_id, B, T, D);      // (03.4)
    // The sparse gradient (README 03.4): number the distinct rows of this batch
    // 0..U-1, then scatter-add into a (U,D) buffer instead of the (rows,D) table.
    bagwork_clear_rows(w);
    for (size_t i = 0; i < BT; i++) {
        int r = ids[i];
        if (w->slot_of[r] < 0) w->slot_of[r] = w->U, w->rows[w->U++] = r;
        w->local[i] = w->slot_of[r];
    }
    memset(w->d_rows, 0, sizeof(float) * (size_t)w->U * D);
    embedding_backward(w->d_rows, w->d_emb, w->local, (int)BT, D);          // (03.2)
}

void bagwork_clear_rows(BagWork *w) {
    for (int k = 0; k < w->U; k++) w->slot_of[w->rows[k]] = -1;
    w->U = 0;
}

float bagmodel_predict_ids(const BagModel *m, const int *ids, int n, float *logit) {
    int D = m->dim;
    float *mean = fzeros((size_t)D);
    int count = 0;
    for (int i = 0; i < n; i++) {
        if (ids[i] == VOCAB_PAD) continue;
        const float *e = m->embedding.data + (size_t)ids[i] * D;
        for (int d = 0; d < D; d++) mean[d] += e[d];
        count++;
    }
    float z = m->fc_b.data[0];
    for (int d = 0; d < D; d++) z += m->fc_w.data[d] * (count ? mean[d] / (float)count : 0.0f);
    free(mean);
    if (logit) *logit = z;
    float p;
    logreg_sigmoid(&p, &z, 1);
    return p;
}

float bagmodel_row_score(const BagModel *m, int row) {
    const float *e = m->embedding.data + (size_t)row * m->dim;
    double s = 0.0;
    for (int d = 0; d < m->dim; d++) s += (double)e[d] * m->fc_w.data[d];
    return (float)s;
}

// ---- checkpoint -----------------------------------------------------------------------

int bagmodel_save(const BagModel *m, const Vocab *v, const char *dir, const char *const *extra_meta, char *err,
                  size_t err_len) {
    if (v->n != m->vocab_size)
        return fail(err, err_len, "bagmodel_save: vocabulary has %d words, the model %d rows for words", v->n,
                    m->vocab_size);
    if (make_dirs(dir) != 0) return fail(err, err_len, "%s: cannot create the directory", dir);
    char path[4096], vs[32], bk[32], dm[32], ml[32], fp[32];
    snprintf(vs, sizeof vs, "%d", m->vocab_size);
    snprintf(bk, sizeof bk, "%d", m->buckets);
    snprintf(dm, sizeof dm, "%d", m->dim);
    snprintf(ml, sizeof ml, "%d", m->max_len);
    snprintf(fp, sizeof fp, "%016" PRIx64, vocab_fingerprint(v));
    const char *meta[64] = {"format", BAGMODEL_FORMAT, "vocab_size", vs, "bigram_buckets", bk, "dim", dm,
                            "max_len", ml, "vocab_fingerprint", fp, "vocab_file", "vocab.txt", "max_token_bytes",
                            TOK_MAX_BYTES_STR};
    int k = 16;
    for (int i = 0; extra_meta && extra_meta[i] && k < 62; i += 2) meta[k++] = extra_meta[i], meta[k++] = extra_meta[i + 1];
    meta[k] = NULL;
    TensorList list = {0};
    tensorlist_add(&list, (Tensor *)&m->embedding);
    tensorlist_add(&list, (Tensor *)&m->fc_w);
    tensorlist_add(&list, (Tensor *)&m->fc_b);
    int rc = st_save(path_join(path, sizeof path, dir, "model.safetensors"), &list, meta, err, err_len);
    tensorlist_free(&list);
    if (rc != 0) return -1;
    return vocab_save(v, path_join(path, sizeof path, dir, "vocab.txt"), err, err_len);
}

// The string value of "key" in a safetensors __metadata__ object (which holds strings
// only); 0, or -1 when absent.
static int meta_get(const char *json, const char *key, char *out, size_t out_len) {
    if (!json) return -1;
    size_t klen = strlen(key);
    for (const char *p = strchr(json, '"'); p; p = strchr(p + 1, '"')) {
        if (strncmp(p + 1, key, klen) != 0 || p[1 + klen] != '"') continue;
        const char *q = p + 2 + klen;
        while (*q == ' ') q++;
        if (*q != ':') continue;   // the text matched inside a value, not a key
        q++;
        while (*q == ' ') q++;
        if (*q != '"') return -1;
        q++;
        size_t n = 0;
        while (q[n] && q[n] != '"' && q[n] != '\\') n++;
        if (q[n] != '"' || n + 1 > out_len) return -1;
        memcpy(out, q, n);
        out[n] = '\0';
        return 0;
    }
    return -1;
}

static int meta_int(const StFile *f, const char *key, int lo, int hi, int *out, char *err, size_t err_len) {
    char buf[64], *end;
    if (meta_get(f->metadata_json, key, buf, sizeof buf) != 0)
        return fail(err, err_len, "%s: no \"%s\" in __metadata__: not a chapter 03 model (train one with build/bin/ch03)",
                    f->path, key);
    long v = strtol(buf, &end, 10);
    if (end == buf || *end || v < lo || v > hi)
        return fail(err, err_len, "%s: __metadata__ \"%s\" = \"%s\" is not an integer in %d..%d", f->path, key, buf,
                    lo, hi);
    *out = (int)v;
    return 0;
}

int bagmodel_load(BagModel *m, Vocab *v, const char *dir, char *err, size_t err_len) {
    char path[4096], vpath[4096], buf[64], fp[32];
    memset(m, 0, sizeof *m);
    StFile f;
    if (st_open(&f, path_join(path, sizeof path, dir, "model.safetensors"), err, err_len) != 0) return -1;
    int vocab_size, buckets, dim, max_len, rc = 0;
    if (meta_get(f.metadata_json, "format", buf, sizeof buf) != 0 || strcmp(buf, BAGMODEL_FORMAT) != 0)
        rc = fail(err, err_len, "%s: __metadata__ \"format\" is not \"%s\": not a chapter 03 model", path,
                  BAGMODEL_FORMAT);
    if (rc == 0) rc = meta_int(&f, "vocab_size", VOCAB_N_SPECIAL, 1 << 28, &vocab_size, err, err_len);
    if (rc == 0) rc = meta_int(&f, "bigram_buckets", 0, 1 << 28, &buckets, err, err_len);
    if (rc == 0) rc = meta_int(&f, "dim", 1, 1 << 16, &dim, err, err_len);
    if (rc == 0) rc = meta_int(&f, "max_len", 1, 1 << 24, &max_len, err, err_len);
    if (rc == 0 && meta_get(f.metadata_json, "vocab_fingerprint", fp, sizeof fp) != 0)
        rc = fail(err, err_len, "%s: no \"vocab_fingerprint\" in __metadata__", path);
    if (rc == 0 && (meta_get(f.metadata_json, "max_token_bytes", buf, sizeof buf) != 0 ||
                    strcmp(buf, TOK_MAX_BYTES_STR) != 0))
        rc = fail(err, err_len, "%s: made with another tokenizer (max_token_bytes \"%s\", this one %s)", path, buf,
                  TOK_MAX_BYTES_STR);
    if (rc != 0) {
        st_close(&f);
        return -1;
    }
    alloc_tensors(m, vocab_size, buckets, dim, max_len);
    Tensor *ts[3] = {&m->embedding, &m->fc_w, &m->fc_b};
    for (int i = 0; i < 3 && rc == 0; i++) rc = st_read_tensor(&f, ts[i], err, err_len);
    st_close(&f);
    if (rc == 0 && vocab_load(v, path_join(vpath, sizeof vpath, dir, "vocab.txt"), err, err_len) != 0) rc = -1;
    else if (rc == 0) {
        char got[32];
        snprintf(got, sizeof got, "%016" PRIx64, vocab_fingerprint(v));
        if (v->n != vocab_size)
            rc = fail(err, err_len, "%s has %d words but %s was trained with %d: they do not belong together", vpath,
                      v->n, path, vocab_size);
        else if (strcmp(got, fp) != 0)
            rc = fail(err, err_len, "%s: its words (fingerprint %s) are not those %s was trained with (%s)", vpath,
                      got, path, fp);
        if (rc != 0) vocab_free(v);
    }
    if (rc != 0) bagmodel_free(m);
    return rc;
}

int bagmodel_meta_flag(const char *dir, const char *key) {
    char path[4096], err[512], buf[32], *end;
    StFile f;
    if (st_open(&f, path_join(path, sizeof path, dir, "model.safetensors"), err, sizeof err) != 0) return -1;
    int value = -1;
    if (meta_get(f.metadata_json, key, buf, sizeof buf) == 0) {
        long v = strtol(buf, &end, 10);
        if (end != buf && !*end && v >= 0 && v <= 1000000) value = (int)v;
    }
    st_close(&f);
    return value;
}
