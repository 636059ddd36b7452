// tests/conll_text.h: a CoNLL set from text written in the test, through a temporary
// file (the reader reads files only), as chapters 07 and 08's tests build them.
#ifndef TESTS_CONLL_TEXT_H
#define TESTS_CONLL_TEXT_H

#include "chapters/07_bert/conll.h"
#include "tests/tmp_file.h"

static inline ConllSet conll_from_text(const char *content) {
    ConllSet s;
    char err[512];
    cr_assert_eq(conll_load(&s, tmp_write("set.txt", content), err, sizeof err), 0, "%s", err);
    return s;
}

#endif
