// tests/test_08_checkpoint.c: a fine-tuned tagger written as a Hugging Face
// BertForTokenClassification directory and read back (same logits), id2label in another
// order than ours (the classifier's rows are permuted to follow), and id2label objects
// the loader must refuse; a 3-cycle of the labels with a CRF.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/08_ner/ner_checkpoint.h"
#include "common/io.h"
#include "common/mem.h"
#include "tests/toy_vocab.h"

static TagSet conll_types(void) {
    char *tags[] = {"B-PER", "B-LOC", "B-ORG", "B-MISC"}, err[128];
    TagSet ts;
    cr_assert_eq(tagset_build(&ts, tags, 4, SCHEME_IOB2, err, sizeof err), 0);
    return ts;
}

static void make_tagger(Tagger *tg, int n_labels) {
    BertConfig cfg = {.vocab = 45, .hidden = 8, .layers = 1, .heads = 2, .intermediate = 16, .max_pos = 16,
                      .type_vocab = 2, .dropout = 0.1f, .ln_eps = 1e-12f};
    Rng rng;
    rng_seed(&rng, 5);
    bert_create(&tg->bert, &cfg, &rng);
    tagger_init(tg, n_labels, &rng);
    for (size_t i = 0; i < tg->cls_b.size; i++) tg->cls_b.data[i] = 0.1f * (float)i;
}

static const int ids[8] = {2, 5, 9, 11, 3, 0, 0, 0}, lengths[1] = {5}, sel[8] = {-1, 0, 0, 0, -1, -1, -1, -1};

static void logits(const Tagger *tg, float *out) {
    TaggerCache c;
    tagger_cache_alloc(&c, tg, 1, 8);
    int M;
    tagger_forward(tg, &c, ids, lengths, sel, NULL, 1, 8, &M, NULL);
    cr_assert_eq(M, 3);
    memcpy(out, c.logits, sizeof(float) * 3 * (size_t)tg->n_labels);
    tagger_cache_free(&c, tg);
}

static char dir[] = "/tmp/book_test08c_XXXXXX";
static const char *tmp(const char *name) {
    static char p[512];
    if (strstr(dir, "XXXXXX")) cr_assert_not_null(mkdtemp(dir));
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

Test(ch08_checkpoint, round_trip_gives_the_same_logits) {
    WordPiece wp = toy_vocab(), wp2;
    TagSet ts = conll_types(), ts2;
    Tagger tg, back;
    make_tagger(&tg, ts.n_labels);
    char err[1024];
    const char *d = tmp("model");
    cr_assert_eq(tagger_save_dir(d, &tg, &ts, &wp, err, sizeof err), 0, "%s", err);
    cr_assert_eq(tagger_load_dir(d, &back, &ts2, &wp2, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(ts2.n_labels, 9);
    cr_assert_str_eq(ts2.type[3], "PER");
    float a[27], b[27];
    logits(&tg, a), logits(&back, b);
    for (int i = 0; i < 27; i++) cr_assert_float_eq(a[i], b[i], 1e-6f, "logit %d", i);
    tagger_free(&tg), tagger_free(&back), wordpiece_free(&wp), wordpiece_free(&wp2);
}

// A config.json whose id2label lists the labels in another order (as models fine-tuned
// elsewhere do): the same model must give the same logits per label NAME.
Test(ch08_checkpoint, another_label_order_is_permuted_into_ours) {
    WordPiece wp = toy_vocab(), wp2;
    TagSet ts = conll_types(), ts2;
    Tagger tg, back;
    make_tagger(&tg, ts.n_labels);
    char err[1024], path[600], d[512];
    snprintf(d, sizeof d, "%s", tmp("reordered"));   // tmp's buffer is reused below
    cr_assert_eq(tagger_save_dir(d, &tg, &ts, &wp, err, sizeof err), 0, "%s", err);
    // swap the names of labels 0 and 8 in config.json, and rows 0 and 8 of the file's
    // classifier: the file then says the same thing in another order
    snprintf(path, sizeof path, "%s/config.json", d);
    size_t len;
    char *json = read_file(path, &len);
    char *id = strstr(json, "\"id2label\"");
    cr_assert_not_null(id);
    char *zero = strstr(id, "\"0\": \"O\""), *eight = strstr(id, "\"8\": \"I-PER\"");
    cr_assert(zero && eight);
    memcpy(zero, "\"8\": \"O\"", 8), memcpy(eight, "\"0\": \"I-PER\"", 12);
    FILE *f = fopen(path, "wb");
    fwrite(json, 1, len, f), fclose(f), free(json);
    Tensor *w = &tg.cls_w, *bias = &tg.cls_b;
    for (int h = 0; h < 8; h++) {
        float t = w->data[h];
        w->data[h] = w->data[8 * 8 + h], w->data[8 * 8 + h] = t;
    }
    float t = bias->data[0];
    bias->data[0] = bias->data[8], bias->data[8] = t;
    tagger_save_dir(tmp("swapped_weights"), &tg, &ts, &wp, err, sizeof err);
    // the swapped weights under the swapped names: copy model.safetensors over
    char src[600];
    snprintf(src, sizeof src, "%s/model.safetensors", tmp("swapped_weights"));
    snprintf(path, sizeof path, "%s/model.safetensors", d);
    size_t n;
    char *bytes = read_file(src, &n);
    f = fopen(path, "wb");
    fwrite(bytes, 1, n, f), fclose(f), free(bytes);
    cr_assert_eq(tagger_load_dir(d, &back, &ts2, &wp2, 0, err, sizeof err), 0, "%s", err);
    // swap tg's rows back: the original model
    for (int h = 0; h < 8; h++) {
        float u = w->data[h];
        w->data[h] = w->data[8 * 8 + h], w->data[8 * 8 + h] = u;
    }
    t = bias->data[0], bias->data[0] = bias->data[8], bias->data[8] = t;
    float a[27], b[27];
    logits(&tg, a), logits(&back, b);
    for (int i = 0; i < 27; i++) cr_assert_float_eq(a[i], b[i], 1e-6f, "logit %d", i);
    tagger_free(&tg), tagger_free(&back), wordpiece_free(&wp), wordpiece_free(&wp2);
}

Test(ch08_checkpoint, bad_id2label_is_refused) {
    char names[16][TAG_TYPE_LEN + 2];
    cr_assert_eq(read_id2label("{\"id2label\": {\"0\": \"O\", \"1\": \"B-PER\"}}", names, 16), 2);
    cr_assert_str_eq(names[1], "B-PER");
    cr_assert_eq(read_id2label("{\"hidden_size\": 8}", names, 16), -1);                      // none
    cr_assert_eq(read_id2label("{\"id2label\": {\"0\": \"O\", \"2\": \"B-PER\"}}", names, 16), -1);   // a gap
    cr_assert_eq(read_id2label("{\"id2label\": {\"0\": \"O\", \"0\": \"B-PER\"}}", names, 16), -1);   // twice
    cr_assert_eq(read_id2label("{\"id2label\": {\"x\": \"O\"}}", names, 16), -1);                 // not an id
    cr_assert_eq(read_id2label("{\"id2label\": {\"0\": \"O\"", names, 16), -1);                    // cut off
}

Test(ch08_checkpoint, a_crf_is_saved_and_read_back) {
    WordPiece wp = toy_vocab(), wp2;
    TagSet ts = conll_types(), ts2;
    Tagger tg, back;
    make_tagger(&tg, ts.n_labels);
    tagger_add_crf(&tg);
    for (size_t i = 0; i < tg.crf.trans.size; i++) tg.crf.trans.data[i] = 0.01f * (float)i;
    for (int k = 0; k < 9; k++) tg.crf.start.data[k] = 0.1f * (float)k, tg.crf.end.data[k] = -0.1f * (float)k;
    char err[1024], d[512];
    snprintf(d, sizeof d, "%s", tmp("with_crf"));
    cr_assert_eq(tagger_save_dir(d, &tg, &ts, &wp, err, sizeof err), 0, "%s", err);
    cr_assert_eq(tagger_load_dir(d, &back, &ts2, &wp2, 0, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.use_crf, 1);
    for (size_t i = 0; i < tg.crf.trans.size; i++) cr_assert_float_eq(back.crf.trans.data[i], tg.crf.trans.data[i], 0.0f);
    for (int k = 0; k < 9; k++) {
        cr_assert_float_eq(back.crf.start.data[k], tg.crf.start.data[k], 0.0f);
        cr_assert_float_eq(back.crf.end.data[k], tg.crf.end.data[k], 0.0f);
    }
    tagger_free(&tg), tagger_free(&back), wordpiece_free(&wp), wordpiece_free(&wp2);
}

// id2label in an order that is not a swap: the file's types are ours rotated
// (MISC ORG LOC PER for LOC MISC ORG PER), a 3-cycle, so a loader that applied the
// inverse permutation (which a swap cannot tell from the right one) fails. With a CRF:
// its start, end and transition scores must follow the labels too.
Test(ch08_checkpoint, a_rotated_label_order_with_a_crf_is_permuted_into_ours) {
    WordPiece wp = toy_vocab(), wp_file, wp_back;
    TagSet ts = conll_types(), ts_file, ts_back;
    Tagger tg, file, back;
    make_tagger(&tg, ts.n_labels);
    tagger_add_crf(&tg);
    const int K = ts.n_labels, H = 8;
    for (size_t i = 0; i < tg.crf.trans.size; i++) tg.crf.trans.data[i] = 0.01f * (float)i;
    for (int k = 0; k < K; k++) tg.crf.start.data[k] = 0.1f * (float)k, tg.crf.end.data[k] = -0.07f * (float)k;
    char err[1024], d[512];
    snprintf(d, sizeof d, "%s", tmp("rotated_source"));
    cr_assert_eq(tagger_save_dir(d, &tg, &ts, &wp, err, sizeof err), 0, "%s", err);
    cr_assert_eq(tagger_load_dir(d, &file, &ts_file, &wp_file, 0, err, sizeof err), 0, "%s", err);
    // the file's type k is our type rot[k]; its label 1 + 2k + offset is our ours[...]
    static const int rot[4] = {1, 2, 0, 3};
    int ours[9] = {0};
    for (int k = 0; k < 4; k++) {
        snprintf(ts_file.type[k], TAG_TYPE_LEN, "%s", ts.type[rot[k]]);
        for (int offset = 0; offset < 2; offset++) ours[1 + 2 * k + offset] = 1 + 2 * rot[k] + offset;
    }
    cr_assert_neq(ours[ours[1]], 1, "the relabelling must not be its own inverse");
    for (int l = 0; l < K; l++) {
        memcpy(file.cls_w.data + (size_t)l * H, tg.cls_w.data + (size_t)ours[l] * H, sizeof(float) * H);
        file.cls_b.data[l] = tg.cls_b.data[ours[l]];
        file.crf.start.data[l] = tg.crf.start.data[ours[l]], file.crf.end.data[l] = tg.crf.end.data[ours[l]];
        for (int m = 0; m < K; m++) file.crf.trans.data[l * K + m] = tg.crf.trans.data[ours[l] * K + ours[m]];
    }
    snprintf(d, sizeof d, "%s", tmp("rotated"));
    cr_assert_eq(tagger_save_dir(d, &file, &ts_file, &wp_file, err, sizeof err), 0, "%s", err);
    cr_assert_eq(tagger_load_dir(d, &back, &ts_back, &wp_back, 0, err, sizeof err), 0, "%s", err);
    for (int k = 0; k < 4; k++) cr_assert_str_eq(ts_back.type[k], ts.type[k]);
    float a[27], b[27];
    logits(&tg, a), logits(&back, b);
    for (int i = 0; i < 27; i++) cr_assert_float_eq(a[i], b[i], 1e-6f, "logit %d", i);
    cr_assert_eq(back.use_crf, 1);
    for (int l = 0; l < K; l++) {
        cr_assert_float_eq(back.crf.start.data[l], tg.crf.start.data[l], 0.0f, "start %d", l);
        cr_assert_float_eq(back.crf.end.data[l], tg.crf.end.data[l], 0.0f, "end %d", l);
        for (int m = 0; m < K; m++)
            cr_assert_float_eq(back.crf.trans.data[l * K + m], tg.crf.trans.data[l * K + m], 0.0f, "trans %d %d", l, m);
    }
    tagger_free(&tg), tagger_free(&file), tagger_free(&back);
    wordpiece_free(&wp), wordpiece_free(&wp_file), wordpiece_free(&wp_back);
}
