// tests/test_07_checkpoint.c: chapter 07's Hugging Face model directories. A saved BERT
// loads back to the same outputs; a BertModel checkpoint (names without "bert.") and
// one without the MLM head load too; and every broken directory is refused with a
// message that names the file and the problem: a missing tensor, a wrong shape, an
// unknown activation, a vocabulary of the wrong size, no config.json. A failed save
// leaves the previous checkpoint in place.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapters/07_bert/checkpoint.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/safetensors.h"

static char tmp_dir[] = "/tmp/book_test07k_XXXXXX";
static char buf[4200];

static const char *in_tmp(const char *name) {
    if (strstr(tmp_dir, "XXXXXX")) cr_assert_not_null(mkdtemp(tmp_dir));
    return path_join(buf, sizeof buf, tmp_dir, name);
}

static const char *tokens[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##c", "d", "e", "f", "g"};
enum { V = 12, B = 1, T = 4 };

static void tiny(Bert *m, WordPiece *wp) {
    char err[256];
    cr_assert_eq(wordpiece_from_tokens(wp, tokens, V, 0, err, sizeof err), 0, "%s", err);
    BertConfig cfg = {.vocab = V, .hidden = 8, .layers = 2, .heads = 2, .intermediate = 16, .max_pos = 8,
                      .type_vocab = 2, .dropout = 0.1f, .ln_eps = 1e-12f};
    Rng rng;
    rng_seed(&rng, 11);
    bert_create(m, &cfg, &rng);
    for (int t = 0; t < m->params.count; t++)   // not the init values: a load must really load
        for (size_t i = 0; i < m->params.items[t]->size; i++) m->params.items[t]->data[i] += 0.1f * rng_normal(&rng);
}

static float mlm_loss(Bert *m) {
    BertCache c;
    bert_cache_alloc(&c, m, B, T, 2);
    const int ids[T] = {2, 5, 4, 3}, pos[2] = {1, 2}, tgt[2] = {5, 7};
    bert_encode(m, &c, ids, NULL, NULL, NULL, B, T);
    float loss = bert_mlm_forward(m, &c, pos, tgt, 2, NULL);
    bert_cache_free(&c, m);
    return loss;
}

Test(ch07_checkpoint, save_and_load_give_the_same_model) {
    Bert m, back;
    WordPiece wp, wp2;
    char err[512];
    tiny(&m, &wp);
    const char *dir = in_tmp("ckpt");
    cr_assert_eq(bert_save_dir(dir, &m.cfg, &m.params, &wp, NULL, err, sizeof err), 0, "%s", err);
    int has_head;
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), 0, "%s", err);
    cr_assert(has_head);
    cr_assert(back.cfg.hidden == 8 && back.cfg.layers == 2 && back.cfg.heads == 2 && back.cfg.intermediate == 16);
    cr_assert_eq(mlm_loss(&back), mlm_loss(&m));
    // the casing travels with the model: a cased vocabulary says so, and wins over a flag
    bert_free(&back), wordpiece_free(&wp2);
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 1, &has_head, err, sizeof err), 0, "%s", err);
    cr_assert_eq(wp2.lowercase, 0, "tokenizer_config.json says do_lower_case false");
    // saving again replaces the directory whole (and leaves no temporary behind)
    cr_assert_eq(bert_save_dir(dir, &m.cfg, &m.params, &wp, NULL, err, sizeof err), 0, "%s", err);
    char probe[4300];
    snprintf(probe, sizeof probe, "%s.tmp.%ld", dir, (long)getpid());
    cr_assert_neq(access(probe, F_OK), 0);
    size_t len;
    char *config = read_file(path_join(probe, sizeof probe, dir, "config.json"), &len);
    cr_assert(config && strstr(config, "\"model_type\": \"bert\"") && strstr(config, "\"hidden_act\": \"gelu\"") &&
              strstr(config, "\"layer_norm_eps\": 1e-12") && strstr(config, "\"BertForMaskedLM\""));
    free(config);
    bert_free(&back), wordpiece_free(&wp2), bert_free(&m), wordpiece_free(&wp);
}

Test(ch07_checkpoint, bert_model_names_and_no_head) {
    Bert m, back;
    WordPiece wp, wp2;
    char err[512];
    tiny(&m, &wp);
    const char *dir = in_tmp("encoder_only");
    cr_assert_eq(bert_save_dir(dir, &m.cfg, &m.encoder, &wp, NULL, err, sizeof err), 0, "%s", err);
    // rename every tensor the way BertModel.save_pretrained writes it: no "bert." prefix
    char names[64][TENSOR_NAME_LEN];
    for (int i = 0; i < m.encoder.count; i++) {
        strcpy(names[i], m.encoder.items[i]->name);
        memmove(m.encoder.items[i]->name, m.encoder.items[i]->name + 5, strlen(m.encoder.items[i]->name + 5) + 1);
    }
    char p[4300];
    cr_assert_eq(st_save(path_join(p, sizeof p, dir, "model.safetensors"), &m.encoder, NULL, err, sizeof err), 0);
    for (int i = 0; i < m.encoder.count; i++) strcpy(m.encoder.items[i]->name, names[i]);
    int has_head = 1;
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), 0, "%s", err);
    cr_assert_not(has_head);
    for (int i = 0; i < m.encoder.count; i++)
        cr_assert_eq(memcmp(m.encoder.items[i]->data, back.encoder.items[i]->data, sizeof(float) * m.encoder.items[i]->size),
                     0, "%s", names[i]);
    bert_free(&back), wordpiece_free(&wp2), bert_free(&m), wordpiece_free(&wp);
}

// The Hub's original BERT checkpoints (converted from TensorFlow) name a layer norm's
// parameters "gamma" and "beta": they load as "weight" and "bias".
Test(ch07_checkpoint, legacy_layer_norm_names) {
    Bert m, back;
    WordPiece wp, wp2;
    char err[512];
    tiny(&m, &wp);
    const char *dir = in_tmp("legacy");
    cr_assert_eq(bert_save_dir(dir, &m.cfg, &m.params, &wp, NULL, err, sizeof err), 0, "%s", err);
    char names[128][TENSOR_NAME_LEN];
    int renamed = 0;
    for (int i = 0; i < m.params.count; i++) {
        char *name = m.params.items[i]->name, *ln = strstr(name, "LayerNorm.");
        strcpy(names[i], name);
        if (ln && !strcmp(ln, "LayerNorm.weight")) strcpy(ln, "LayerNorm.gamma"), renamed++;
        else if (ln && !strcmp(ln, "LayerNorm.bias")) strcpy(ln, "LayerNorm.beta"), renamed++;
    }
    cr_assert_eq(renamed, 2 * (1 + 2 * 2 + 1), "embeddings, 2 per block, the head: %d", renamed);
    char p[4300];
    cr_assert_eq(st_save(path_join(p, sizeof p, dir, "model.safetensors"), &m.params, NULL, err, sizeof err), 0);
    for (int i = 0; i < m.params.count; i++) strcpy(m.params.items[i]->name, names[i]);
    int has_head;
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), 0, "%s", err);
    cr_assert(has_head);
    for (int i = 0; i < m.params.count; i++)
        cr_assert_eq(memcmp(m.params.items[i]->data, back.params.items[i]->data, sizeof(float) * m.params.items[i]->size),
                     0, "%s", names[i]);
    bert_free(&back), wordpiece_free(&wp2), bert_free(&m), wordpiece_free(&wp);
}

static void write_text(const char *path, const char *text) {
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs(text, fp);
    fclose(fp);
}

Test(ch07_checkpoint, broken_directories_are_refused) {
    Bert m, back;
    WordPiece wp, wp2;
    char err[512], p[4300];
    tiny(&m, &wp);
    const char *dir = in_tmp("broken");
    int has_head;
    // 1. a tensor missing from the file
    Tensor *q = m.params.items[7];
    TensorList fewer = {0};
    for (int i = 0; i < m.params.count; i++)
        if (m.params.items[i] != q) tensorlist_add(&fewer, m.params.items[i]);
    cr_assert_eq(bert_save_dir(dir, &m.cfg, &fewer, &wp, NULL, err, sizeof err), 0, "%s", err);
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), -1);
    cr_assert(strstr(err, "model.safetensors: tensor \"") && strstr(err, q->name) && strstr(err, "is missing"), "%s", err);
    tensorlist_free(&fewer);
    // 2. a wrong shape: config.json says 16, the file holds 8-wide tensors
    cr_assert_eq(bert_save_dir(dir, &m.cfg, &m.params, &wp, NULL, err, sizeof err), 0, "%s", err);
    char *config = read_file(path_join(p, sizeof p, dir, "config.json"), &(size_t){0});
    char *at = strstr(config, "\"hidden_size\": 8");
    cr_assert_not_null(at);
    memcpy(at, "\"hidden_size\": 4", 16);
    write_text(p, config);
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), -1);
    cr_assert(strstr(err, "has shape (12, 8) in the file but (12, 4) here"), "%s", err);
    // 3. an activation this book does not implement
    memcpy(at, "\"hidden_size\": 8", 16);
    at = strstr(config, "\"gelu\"");
    char *swapped = xmalloc(strlen(config) + 16);
    snprintf(swapped, strlen(config) + 16, "%.*s\"gelu_new\"%s", (int)(at - config), config, at + 6);
    write_text(p, swapped);
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), -1);
    cr_assert(strstr(err, "config.json: hidden_act \"gelu_new\" is not implemented"), "%s", err);
    free(swapped);
    // 4. a vocabulary that does not fit the embeddings
    write_text(p, config);
    write_text(path_join(p, sizeof p, dir, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n");
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), -1);
    cr_assert(strstr(err, "vocab.txt: 6 tokens, but config.json says vocab_size 12"), "%s", err);
    // 5. no config.json at all
    remove(path_join(p, sizeof p, dir, "config.json"));
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), -1);
    cr_assert(strstr(err, "config.json: cannot read"), "%s", err);
    free(config);
    bert_free(&m), wordpiece_free(&wp);
}

Test(ch07_checkpoint, a_failed_save_keeps_the_previous_one) {
    Bert m;
    WordPiece wp, other;
    char err[512];
    tiny(&m, &wp);
    const char *dir = in_tmp("keep");
    cr_assert_eq(bert_save_dir(dir, &m.cfg, &m.params, &wp, NULL, err, sizeof err), 0, "%s", err);
    const char *few[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    cr_assert_eq(wordpiece_from_tokens(&other, few, 5, 0, err, sizeof err), 0);
    cr_assert_eq(bert_save_dir(dir, &m.cfg, &m.params, &other, NULL, err, sizeof err), -1);
    cr_assert(strstr(err, "12 embeddings but the vocabulary 5 tokens"), "%s", err);
    Bert back;
    WordPiece wp2;
    int has_head;
    cr_assert_eq(bert_load_dir(dir, &back, &wp2, 0, &has_head, err, sizeof err), 0, "%s", err);
    bert_free(&back), wordpiece_free(&wp2), wordpiece_free(&other), bert_free(&m), wordpiece_free(&wp);
}
