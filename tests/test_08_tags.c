// tests/test_08_tags.c: chapter 08's tag schemes (IOB1, IOB2, BIOES: detection and
// conversion), label ids both ways, and the conlleval scorer on sentences whose
// entities and scores are worked out by hand in the comments.
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/08_ner/conlleval.h"
#include "chapters/08_ner/tags.h"

// a writable copy of a space-separated tag line: tags[i] point into buf
static int split(char *buf, size_t cap, const char *line, char **tags) {
    int n = 0;
    strncpy(buf, line, cap - 1), buf[cap - 1] = 0;
    for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) tags[n++] = t;
    return n;
}

static void assert_tags(char **tags, int n, const char *want) {
    char joined[512] = "";
    for (int i = 0; i < n; i++) strcat(joined, i ? " " : ""), strcat(joined, tags[i]);
    cr_assert_str_eq(joined, want);
}

Test(ch08_tags, split_reads_prefix_and_type_and_refuses_the_rest) {
    char p, t[TAG_TYPE_LEN];
    cr_assert_eq(tag_split("B-PER", &p, t), 0);
    cr_assert(p == 'B' && !strcmp(t, "PER"));
    cr_assert_eq(tag_split("O", &p, t), 0);
    cr_assert(p == 'O' && t[0] == 0);
    const char *bad[] = {"X-PER", "B-", "BPER", "B", "", "o", "B-AVERYLONGTYPENAMEOFTHIRTYCHARS"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) cr_assert_eq(tag_split(bad[i], &p, t), -1, "%s", bad[i]);
}

Test(ch08_tags, iob1_is_detected_and_converted) {
    char buf[256], *tags[32];
    // IOB1: entities start with I-; B- only where a LOC directly follows a LOC
    int n = split(buf, sizeof buf, "I-PER I-PER O I-LOC B-LOC I-LOC I-ORG O", tags);
    int starts[] = {0, n};
    cr_assert_eq(tags_detect_scheme(tags, starts, 1), SCHEME_IOB1);
    tags_to_iob2(tags, n, SCHEME_IOB1);
    assert_tags(tags, n, "B-PER I-PER O B-LOC B-LOC I-LOC B-ORG O");
    cr_assert_eq(tags_detect_scheme(tags, starts, 1), SCHEME_IOB2);
}

Test(ch08_tags, iob2_and_bioes_are_detected_and_bioes_converted) {
    char buf[256], *tags[32];
    int n = split(buf, sizeof buf, "B-PER I-PER O B-LOC", tags), starts[] = {0, n};
    cr_assert_eq(tags_detect_scheme(tags, starts, 1), SCHEME_IOB2);
    n = split(buf, sizeof buf, "B-PER I-PER E-PER O S-LOC S-LOC", tags), starts[1] = n;
    cr_assert_eq(tags_detect_scheme(tags, starts, 1), SCHEME_BIOES);
    tags_to_iob2(tags, n, SCHEME_BIOES);
    assert_tags(tags, n, "B-PER I-PER I-PER O B-LOC B-LOC");
    // an IOB1 file's sentence boundary: each sentence starts afresh
    n = split(buf, sizeof buf, "I-PER I-PER I-PER", tags);
    tags_to_iob2(tags, 2, SCHEME_IOB1), tags_to_iob2(tags + 2, 1, SCHEME_IOB1);
    assert_tags(tags, n, "B-PER I-PER B-PER");
}

Test(ch08_tags, labels_both_ways_in_both_schemes) {
    char buf[256], *tags[32], err[256];
    int n = split(buf, sizeof buf, "B-PER I-PER I-PER O B-LOC B-MISC I-MISC O B-ORG", tags), labels[32];
    TagSet iob, bioes;
    cr_assert_eq(tagset_build(&iob, tags, n, SCHEME_IOB2, err, sizeof err), 0, "%s", err);
    cr_assert_eq(iob.n_types, 4);
    cr_assert_str_eq(iob.type[0], "LOC");
    cr_assert_str_eq(iob.type[3], "PER");   // sorted;
    cr_assert_eq(iob.n_labels, 9);
    cr_assert_eq(tagset_encode(&iob, tags, n, labels, err, sizeof err), 0, "%s", err);
    // O=0; LOC: B1 I2; MISC: B3 I4; ORG: B5 I6; PER: B7 I8
    int want_iob[] = {7, 8, 8, 0, 1, 3, 4, 0, 5};
    for (int i = 0; i < n; i++) cr_assert_eq(labels[i], want_iob[i], "word %d", i);
    char out[32][TAG_TYPE_LEN + 2], *outp[32];
    tagset_decode(&iob, labels, n, out);
    for (int i = 0; i < n; i++) outp[i] = out[i];
    assert_tags(outp, n, "B-PER I-PER I-PER O B-LOC B-MISC I-MISC O B-ORG");

    cr_assert_eq(tagset_build(&bioes, tags, n, SCHEME_BIOES, err, sizeof err), 0, "%s", err);
    cr_assert_eq(bioes.n_labels, 17);
    cr_assert_eq(tagset_encode(&bioes, tags, n, labels, err, sizeof err), 0, "%s", err);
    // LOC: B1 I2 E3 S4; MISC: 5-8; ORG: 9-12; PER: 13-16
    int want_bioes[] = {13, 14, 15, 0, 4, 5, 7, 0, 12};
    for (int i = 0; i < n; i++) cr_assert_eq(labels[i], want_bioes[i], "word %d", i);
    // a file's invalid IOB2 "B-PER I-LOC": the PER ends at its B- (S-PER), not at the I-
    n = split(buf, sizeof buf, "B-PER I-LOC", tags);
    cr_assert_eq(tagset_encode(&bioes, tags, n, labels, err, sizeof err), 0, "%s", err);
    cr_assert_eq(labels[0], 16);
    n = split(buf, sizeof buf, "B-PER I-PER I-PER O B-LOC B-MISC I-MISC O B-ORG", tags);
    cr_assert_eq(tagset_encode(&bioes, tags, n, labels, err, sizeof err), 0, "%s", err);
    char name[TAG_TYPE_LEN + 2];
    cr_assert_str_eq(tagset_label_name(&bioes, 15, name), "E-PER");
    tagset_decode(&bioes, labels, n, out);   // back to IOB2 for scoring
    assert_tags(outp, n, "B-PER I-PER I-PER O B-LOC B-MISC I-MISC O B-ORG");
}

Test(ch08_tags, unknown_types_and_malformed_tags_are_refused) {
    char buf[256], *tags[32], err[256];
    int n = split(buf, sizeof buf, "B-PER O", tags), labels[4];
    TagSet ts;
    cr_assert_eq(tagset_build(&ts, tags, n, SCHEME_IOB2, err, sizeof err), 0);
    n = split(buf, sizeof buf, "B-LOC O", tags);
    cr_assert_eq(tagset_encode(&ts, tags, n, labels, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "B-LOC"), "%s", err);
    n = split(buf, sizeof buf, "B-PER Q-PER", tags);
    cr_assert_eq(tagset_build(&ts, tags, n, SCHEME_IOB2, err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "tag 2"), "%s", err);
}

// ---- the scorer ------------------------------------------------------------------------------

static TagSet conll_types(void) {
    char buf[64], *tags[8], err[128];
    TagSet ts;
    int n = split(buf, sizeof buf, "B-LOC B-MISC B-ORG B-PER", tags);
    cr_assert_eq(tagset_build(&ts, tags, n, SCHEME_IOB2, err, sizeof err), 0);
    return ts;
}

static void add(NerScore *s, const char *gold, const char *pred) {
    char gb[256], pb[256], *g[32], *p[32];
    int n = split(gb, sizeof gb, gold, g);
    cr_assert_eq(split(pb, sizeof pb, pred, p), n);
    nerscore_add(s, g, p, n);
}

Test(ch08_conlleval, chunks_as_conlleval_reads_them) {
    TagSet ts = conll_types();
    NerScore s;
    nerscore_init(&s, &ts);
    char buf[256], *tags[32];
    Entity e[32];
    // an I- after O starts an entity; a type change starts another; B- always starts one
    int n = split(buf, sizeof buf, "O I-PER I-PER B-PER I-LOC O B-ORG", tags);
    int k = ner_entities(&s, tags, n, e);
    cr_assert_eq(k, 4);
    cr_assert(e[0].start == 1 && e[0].end == 3 && e[0].type == 3);   // PER, words 1-2
    cr_assert(e[1].start == 3 && e[1].end == 4 && e[1].type == 3);   // PER, word 3
    cr_assert(e[2].start == 4 && e[2].end == 5 && e[2].type == 0);   // LOC
    cr_assert(e[3].start == 6 && e[3].end == 7 && e[3].type == 2);   // ORG, open at the end
}

Test(ch08_conlleval, exact_span_and_type_only) {
    TagSet ts = conll_types();
    NerScore s;
    nerscore_init(&s, &ts);
    // gold: PER(0-1) LOC(3) ORG(5-6)
    // pred: PER(0-1) right; LOC(3-4) too long: wrong; ORG(5) too short: wrong; MISC(7) extra
    add(&s, "B-PER I-PER O B-LOC O B-ORG I-ORG O", "B-PER I-PER O B-LOC I-LOC B-ORG O B-MISC");
    // gold: MISC(1); pred: the same words as PER: wrong type
    add(&s, "O B-MISC O", "O B-PER O");
    Prf all = nerscore_prf(&s, -1);
    cr_assert_eq(all.gold, 4);
    cr_assert_eq(all.pred, 5);
    cr_assert_eq(all.correct, 1);
    cr_assert_float_eq(all.precision, 20.0, 1e-9);
    cr_assert_float_eq(all.recall, 25.0, 1e-9);
    cr_assert_float_eq(all.f1, 2 * 20.0 * 25.0 / 45.0, 1e-9);
    Prf per = nerscore_prf(&s, 3), misc = nerscore_prf(&s, 1);
    cr_assert_eq(per.pred, 2);
    cr_assert_eq(per.correct, 1);
    cr_assert_float_eq(per.recall, 100.0, 1e-9);
    cr_assert_eq(misc.gold, 1);
    cr_assert_eq(misc.correct, 0);
    cr_assert_float_eq(misc.f1, 0.0, 1e-12);
    // tokens: 8 + 3 words; wrong tags at words 4, 6, 7 and the second sentence's word 1
    cr_assert_float_eq(nerscore_accuracy(&s), 100.0 * 7 / 11, 1e-9);
    // confusion by word: gold MISC (row 2) predicted PER (column 4), once
    cr_assert_eq(s.confusion[2][4], 1);
    cr_assert_eq(s.confusion[0][1], 1);   // gold O, predicted LOC (word 4)
}

Test(ch08_conlleval, invalid_predictions_are_scored_not_rejected) {
    TagSet ts = conll_types();
    NerScore s;
    nerscore_init(&s, &ts);
    // "O I-PER I-PER" is the entity PER(1-2) to conlleval: a correct prediction
    add(&s, "O B-PER I-PER", "O I-PER I-PER");
    // "B-PER I-LOC" is PER(0) and LOC(1): against gold PER(0-1), nothing right
    add(&s, "B-PER I-PER", "B-PER I-LOC");
    Prf all = nerscore_prf(&s, -1);
    cr_assert_eq(all.gold, 2);
    cr_assert_eq(all.pred, 3);
    cr_assert_eq(all.correct, 1);
}

Test(ch08_conlleval, nothing_predicted_gives_zero_not_nan) {
    TagSet ts = conll_types();
    NerScore s;
    nerscore_init(&s, &ts);
    add(&s, "B-PER O", "O O");
    Prf all = nerscore_prf(&s, -1);
    cr_assert_float_eq(all.precision, 0.0, 1e-12);
    cr_assert_float_eq(all.f1, 0.0, 1e-12);
}
