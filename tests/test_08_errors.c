// tests/test_08_errors.c: chapter 08's error classes (errors.h) on one sentence that
// has each of them, worked out by hand.
#include <criterion/criterion.h>
#include <string.h>

#include "chapters/08_ner/errors.h"

static int split(char *buf, size_t cap, const char *line, char **tags) {
    int n = 0;
    strncpy(buf, line, cap - 1), buf[cap - 1] = 0;
    for (char *t = strtok(buf, " "); t; t = strtok(NULL, " ")) tags[n++] = t;
    return n;
}

Test(ch08_errors, each_class_once) {
    //          0     1     2 3     4 5     6     7     8      9 10    11    12    13
    // gold:    [PER      ]   [LOC]   [ORG      ]       [MISC]   [PER] [ORG            ]
    // pred:          [PER]   [ORG]               [LOC] [MISC]   [PER]       [LOC]
    char gbuf[256], pbuf[256], *gold[32], *pred[32], err[256];
    int n = split(gbuf, sizeof gbuf, "B-PER I-PER O B-LOC O B-ORG I-ORG O B-MISC O B-PER B-ORG I-ORG I-ORG", gold);
    int np = split(pbuf, sizeof pbuf, "O B-PER O B-ORG O O O B-LOC B-MISC O B-PER O B-LOC O", pred);
    cr_assert_eq(n, 14);
    cr_assert_eq(np, 14);
    TagSet ts;
    cr_assert_eq(tagset_build(&ts, gold, n, SCHEME_IOB2, err, sizeof err), 0, "%s", err);
    NerScore s;
    nerscore_init(&s, &ts);
    enum { LOC, MISC, ORG, PER };   // the TagSet sorts its types
    cr_assert_str_eq(s.type[PER], "PER");
    NerErrors e;
    memset(&e, 0, sizeof e);
    Entity ge[14], pe[14];
    NerErr out[28];
    int k = ner_errors_add(&e, &s, gold, pred, n, ge, pe, out);
    // PER[0,2) -> PER[1,2): span; LOC[3] -> ORG[3]: type; ORG[5,7): nothing overlaps,
    // missed; MISC[8], PER[10]: correct; ORG[11,14) -> LOC[12]: span+type; LOC[7]
    // overlaps no gold entity: spurious
    cr_assert_eq(k, 5);
    NerErrKind want[] = {NER_SPAN, NER_TYPE, NER_MISSED, NER_SPAN_TYPE, NER_SPURIOUS};
    int want_gold[] = {0, 1, 2, 5, -1}, want_pred[] = {0, 1, -1, 5, 2};
    for (int i = 0; i < k; i++) {
        cr_assert_eq(out[i].kind, want[i], "error %d is %s", i, ner_err_kind_name[out[i].kind]);
        cr_assert_eq(out[i].gold, want_gold[i], "error %d", i);
        cr_assert_eq(out[i].pred, want_pred[i], "error %d", i);
    }
    cr_assert_eq(e.kind[PER][NER_SPAN], 1);
    cr_assert_eq(e.kind[PER][NER_CORRECT], 1);
    cr_assert_eq(e.kind[LOC][NER_TYPE], 1);
    cr_assert_eq(e.wrong_type[LOC][ORG], 1);
    cr_assert_eq(e.kind[ORG][NER_MISSED], 1);
    cr_assert_eq(e.kind[ORG][NER_SPAN_TYPE], 1);
    cr_assert_eq(e.kind[MISC][NER_CORRECT], 1);
    cr_assert_eq(e.kind[LOC][NER_SPURIOUS], 1);
    // every gold entity in exactly one class, and the correct ones are conlleval's
    long classified = 0, correct = 0;
    for (int t = 0; t < s.n_types; t++) {
        for (int c = 0; c < NER_SPURIOUS; c++) classified += e.kind[t][c];
        correct += e.kind[t][NER_CORRECT];
    }
    cr_assert_eq(classified, 6);
    nerscore_add(&s, gold, pred, n);
    cr_assert_eq(nerscore_prf(&s, -1).correct, correct);
    cr_assert_eq(nerscore_prf(&s, -1).gold, classified);
}
