// tests/toy_vocab.h: the small WordPiece vocabulary chapters 07 and 08's tests share:
//   [PAD] [UNK] [CLS] [SEP] [MASK]   ids 0-4
//   w0 .. w19                        ids 5-24
//   ##w0 .. ##w19                    ids 25-44
// so that "w1w2" is the two pieces w1 ##w2 and every test can write its ids by hand.
#ifndef TESTS_TOY_VOCAB_H
#define TESTS_TOY_VOCAB_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "chapters/07_bert/wordpiece.h"

static inline WordPiece toy_vocab(void) {
    static char names[45][16];   // room for any int, so the compiler sees no truncation
    const char *tokens[45] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    for (int i = 0; i < 20; i++) {
        snprintf(names[5 + i], 16, "w%d", i), tokens[5 + i] = names[5 + i];
        snprintf(names[25 + i], 16, "##w%d", i), tokens[25 + i] = names[25 + i];
    }
    WordPiece wp;
    char err[256];
    cr_assert_eq(wordpiece_from_tokens(&wp, tokens, 45, 0, err, sizeof err), 0, "%s", err);
    return wp;
}

#endif
