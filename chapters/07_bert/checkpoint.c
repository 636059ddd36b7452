// checkpoint.c: see checkpoint.h.
#define _POSIX_C_SOURCE 200809L
#include "chapters/07_bert/checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/io.h"
#include "common/json.h"
#include "common/safetensors.h"

static int fail(char *err, size_t err_len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_len, fmt, ap);
    va_end(ap);
    return -1;
}

// Removes the files of a flat directory, then the directory.
static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    char p[4200];
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) remove(path_join(p, sizeof p, dir, de->d_name));
    closedir(d);
    rmdir(dir);
}

static int write_config(const char *path, const BertConfig *cfg, const WordPiece *wp, const BertSaveOpts *o, char *err,
                        size_t err_len) {
    AtomicFile af;
    if (atomic_open(&af, path, err, err_len)) return -1;
    fprintf(af.fp,
            "{\n  \"architectures\": [\"%s\"],\n  \"model_type\": \"bert\",\n  \"vocab_size\": %d,\n"
            "  \"hidden_size\": %d,\n  \"num_hidden_layers\": %d,\n  \"num_attention_heads\": %d,\n"
            "  \"intermediate_size\": %d,\n  \"max_position_embeddings\": %d,\n  \"type_vocab_size\": %d,\n"
            "  \"hidden_act\": \"gelu\",\n  \"hidden_dropout_prob\": %g,\n  \"attention_probs_dropout_prob\": 0.0,\n"
            "  \"layer_norm_eps\": %g,\n  \"initializer_range\": 0.02,\n  \"pad_token_id\": %d,\n"
            "  \"position_embedding_type\": \"absolute\"",
            o && o->architecture ? o->architecture : "BertForMaskedLM", cfg->vocab, cfg->hidden, cfg->layers,
            cfg->heads, cfg->intermediate, cfg->max_pos, cfg->type_vocab, (double)cfg->dropout, (double)cfg->ln_eps,
            wp->special[WP_PAD]);
    if (o && o->extra_json) fprintf(af.fp, ",\n  %s", o->extra_json);
    fprintf(af.fp, "\n}\n");
    return atomic_commit(&af, err, err_len);
}

// Hugging Face's BertTokenizer lower-cases unless told otherwise: a cased vocabulary
// must say so, or `from_pretrained` would tokenize "Paris" as "paris".
static int write_tokenizer_config(const char *path, const WordPiece *wp, char *err, size_t err_len) {
    AtomicFile af;
    if (atomic_open(&af, path, err, err_len)) return -1;
    fprintf(af.fp, "{\n  \"tokenizer_class\": \"BertTokenizer\",\n  \"do_lower_case\": %s\n}\n",
            wp->lowercase ? "true" : "false");
    return atomic_commit(&af, err, err_len);
}

int bert_save_dir(const char *dir, const BertConfig *cfg, const TensorList *tensors, const WordPiece *wp,
                  const BertSaveOpts *o, char *err, size_t err_len) {
    char tmp[4096], old[4096], p[4200];
    if (cfg->vocab != wordpiece_size(wp))
        return fail(err, err_len, "%s: the model has %d embeddings but the vocabulary %d tokens", dir, cfg->vocab,
                    wordpiece_size(wp));
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", dir, (long)getpid());
    snprintf(old, sizeof old, "%s.old.%ld", dir, (long)getpid());
    remove_dir(tmp);
    if (make_dirs(tmp)) return fail(err, err_len, "%s: cannot create (%s)", tmp, strerror(errno));
    int rc = write_config(path_join(p, sizeof p, tmp, "config.json"), cfg, wp, o, err, err_len);
    if (!rc) rc = st_save(path_join(p, sizeof p, tmp, "model.safetensors"), tensors, o ? o->metadata : NULL, err, err_len);
    if (!rc) rc = wordpiece_save(wp, path_join(p, sizeof p, tmp, "vocab.txt"), err, err_len);
    if (!rc) rc = write_tokenizer_config(path_join(p, sizeof p, tmp, "tokenizer_config.json"), wp, err, err_len);
    if (!rc && o && o->extra)
        rc = st_save(path_join(p, sizeof p, tmp, o->extra_file), o->extra, o->extra_metadata, err, err_len);
    if (rc) {
        remove_dir(tmp);
        return -1;
    }
    // swap the complete new directory in; the old one goes only after that
    struct stat st;
    int had_old = stat(dir, &st) == 0;
    if (had_old && rename(dir, old)) {
        remove_dir(tmp);
        return fail(err, err_len, "%s: cannot move the previous checkpoint aside (%s)", dir, strerror(errno));
    }
    if (rename(tmp, dir)) {
        int e = errno;
        if (had_old) rename(old, dir);
        remove_dir(tmp);
        return fail(err, err_len, "%s: cannot rename %s into place (%s)", dir, tmp, strerror(e));
    }
    if (had_old) remove_dir(old);
    return 0;
}

// ---- reading -----------------------------------------------------------------------------------

int bert_read_config(const char *dir, BertConfig *cfg, char *err, size_t err_len) {
    char path[4200], s[64];
    size_t len;
    path_join(path, sizeof path, dir, "config.json");
    char *json = read_file(path, &len);
    if (!json) return fail(err, err_len, "%s: cannot read (%s); a BERT checkpoint directory has config.json, "
                                          "model.safetensors and vocab.txt", path, strerror(errno));
    int rc = 0;
    if (json_get_string(json, "model_type", s, sizeof s) == 0 && strcmp(s, "bert"))
        rc = fail(err, err_len, "%s: model_type is \"%s\", this loader reads \"bert\"", path, s);
    struct {
        const char *key;
        int *dst, lo, hi;
    } ints[] = {
        {"vocab_size", &cfg->vocab, WP_N_SPECIAL, 1 << 22},     {"hidden_size", &cfg->hidden, 1, 1 << 14},
        {"num_hidden_layers", &cfg->layers, 1, BERT_MAX_LAYERS}, {"num_attention_heads", &cfg->heads, 1, 1 << 10},
        {"intermediate_size", &cfg->intermediate, 1, 1 << 16},  {"max_position_embeddings", &cfg->max_pos, 1, 1 << 16},
        {"type_vocab_size", &cfg->type_vocab, 1, 1 << 10},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0] && !rc; i++) {
        double v;
        if (json_get_number(json, ints[i].key, &v))
            rc = fail(err, err_len, "%s: no number \"%s\"", path, ints[i].key);
        else if (v != (int)v || v < ints[i].lo || v > ints[i].hi)
            rc = fail(err, err_len, "%s: \"%s\" is %g; expected an integer in %d..%d", path, ints[i].key, v,
                      ints[i].lo, ints[i].hi);
        else *ints[i].dst = (int)v;
    }
    if (!rc && cfg->hidden % cfg->heads)
        rc = fail(err, err_len, "%s: hidden_size %d is not divisible by num_attention_heads %d", path, cfg->hidden,
                  cfg->heads);
    if (!rc) {
        if (json_get_string(json, "hidden_act", s, sizeof s))
            rc = fail(err, err_len, "%s: no \"hidden_act\" string", path);
        else if (strcmp(s, "gelu"))
            rc = fail(err, err_len, "%s: hidden_act \"%s\" is not implemented here; chapter 06's GELU is the exact "
                                    "(erf) \"gelu\" of BERT", path, s);
    }
    if (!rc && json_get_string(json, "position_embedding_type", s, sizeof s) == 0 && strcmp(s, "absolute"))
        rc = fail(err, err_len, "%s: position_embedding_type \"%s\": only \"absolute\" is implemented", path, s);
    double v;
    cfg->ln_eps = json_get_number(json, "layer_norm_eps", &v) == 0 ? (float)v : 1e-12f;
    cfg->dropout = json_get_number(json, "hidden_dropout_prob", &v) == 0 ? (float)v : 0.1f;
    free(json);
    return rc;
}

static int starts_with(const char *s, const char *prefix) { return !strncmp(s, prefix, strlen(prefix)); }

// The name under which the file holds our tensor `ours`, or NULL: as it is; without
// "bert." (BertModel); and either way with a layer norm's legacy names, "gamma" for
// "weight" and "beta" for "bias", which the checkpoints converted from Google's
// TensorFlow ones (bert-base-cased among them) still carry. buf holds a changed name.
static const char *file_name(const StFile *f, const char *ours, char *buf, size_t len) {
    const char *bases[2] = {ours, starts_with(ours, "bert.") ? ours + 5 : NULL};
    for (int b = 0; b < 2 && bases[b]; b++) {
        if (st_find(f, bases[b])) return bases[b];
        const char *ln = strstr(bases[b], "LayerNorm.");
        if (!ln) continue;
        const char *leaf = ln + strlen("LayerNorm."), *legacy = !strcmp(leaf, "weight") ? "gamma" : !strcmp(leaf, "bias") ? "beta" : NULL;
        if (!legacy || snprintf(buf, len, "%.*s%s", (int)(leaf - bases[b]), bases[b], legacy) >= (int)len) continue;
        if (st_find(f, buf)) return buf;
    }
    return NULL;
}

int bert_load_tensors(const char *dir, const TensorList *list, const char *const *optional_prefixes,
                      int *n_missing_optional, char *err, size_t err_len) {
    char path[4200];
    StFile f;
    path_join(path, sizeof path, dir, "model.safetensors");
    if (st_open(&f, path, err, err_len)) return -1;
    int rc = 0, optional_missing = 0;
    for (int i = 0; i < list->count && !rc; i++) {
        Tensor *t = list->items[i];
        char legacy[TENSOR_NAME_LEN + 8];
        const char *name = file_name(&f, t->name, legacy, sizeof legacy);
        if (!name) {
            int optional = 0;
            for (int k = 0; optional_prefixes && optional_prefixes[k]; k++) optional |= starts_with(t->name, optional_prefixes[k]);
            if (optional) {
                optional_missing++;
                continue;
            }
            rc = fail(err, err_len, "%s: tensor \"%s\" is missing (the checkpoint lacks part of the model, or "
                                    "is not a BERT with this config.json)", path, t->name);
            break;
        }
        rc = st_read_tensor_as(&f, t, name, err, err_len);
    }
    st_close(&f);
    if (n_missing_optional) *n_missing_optional = optional_missing;
    return rc;
}

int bert_read_config_vocab(const char *dir, BertConfig *cfg, WordPiece *wp, int lowercase, char *err,
                           size_t err_len) {
    char path[4200];
    if (bert_read_config(dir, cfg, err, err_len)) return -1;
    size_t len;
    char *tok = read_file(path_join(path, sizeof path, dir, "tokenizer_config.json"), &len);
    int lower;
    if (tok && json_get_bool(tok, "do_lower_case", &lower) == 0) lowercase = lower;   // the file knows best
    free(tok);
    if (wordpiece_load(wp, path_join(path, sizeof path, dir, "vocab.txt"), lowercase, err, err_len)) return -1;
    if (wordpiece_size(wp) != cfg->vocab) {
        fail(err, err_len, "%s: %d tokens, but config.json says vocab_size %d", path, wordpiece_size(wp), cfg->vocab);
        wordpiece_free(wp);
        return -1;
    }
    return 0;
}

int bert_load_dir(const char *dir, Bert *m, WordPiece *wp, int lowercase, int *has_head, char *err, size_t err_len) {
    BertConfig cfg;
    if (bert_read_config_vocab(dir, &cfg, wp, lowercase, err, err_len)) return -1;
    Rng rng;
    rng_seed(&rng, 0);   // overwritten by the checkpoint, except a missing head
    bert_create(m, &cfg, &rng);
    static const char *const optional[] = {"cls.", NULL};
    int missing;
    if (bert_load_tensors(dir, &m->params, optional, &missing, err, err_len)) {
        bert_free(m), wordpiece_free(wp);
        return -1;
    }
    if (has_head) *has_head = missing == 0;
    return 0;
}
