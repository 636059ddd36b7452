// Grades exercise 07.1: the chapter's examples (greedy takes the longest prefix; a failure
// anywhere makes the whole word [UNK]; 100 characters at most), then 2,000 random
// words against the chapter's own wordpiece_word.
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "chapters/07_bert/wordpiece.h"
#include "common/rng.h"

int ex_wordpiece_word(const char *const *vocab, int V, const char *word, int n, int unk_id, int *out);

static const char *toy[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "una", "##aff", "##able",
                            "##ffable", "a", "##a", "##b", "b", "##ab", "ba"};
enum { V = sizeof toy / sizeof toy[0] };

Test(ex07_1, the_chapters_examples) {
    int out[128];
    int n = ex_wordpiece_word(toy, V, "unaffable", 9, 1, out);
    cr_assert(n == 2 && out[0] == 6 && out[1] == 9, "unaffable: expected una ##ffable (6 9), got %d pieces", n);
    n = ex_wordpiece_word(toy, V, "unax", 4, 1, out);
    cr_assert(n == 1 && out[0] == 1, "unax: no piece covers x, so one [UNK] (1); got %d pieces, first %d", n, out[0]);
    n = ex_wordpiece_word(toy, V, "bab", 3, 1, out);
    cr_assert(n == 2 && out[0] == 15 && out[1] == 12, "bab: ba ##b (15 12), got %d pieces", n);
    char word[102];
    memset(word, 'a', sizeof word);
    n = ex_wordpiece_word(toy, V, word, 100, 1, out);
    cr_assert(n == 100 && out[0] == 10 && out[99] == 11, "100 a's: a ##a ... (100 pieces), got %d", n);
    n = ex_wordpiece_word(toy, V, word, 101, 1, out);
    cr_assert(n == 1 && out[0] == 1, "101 characters: [UNK], got %d pieces", n);
}

Test(ex07_1, agrees_with_the_chapter) {
    WordPiece wp;
    char err[256];
    cr_assert_eq(wordpiece_from_tokens(&wp, toy, V, 0, err, sizeof err), 0, "%s", err);
    Rng rng;
    rng_seed(&rng, 71);
    for (int k = 0; k < 2000; k++) {
        char word[12];
        int n = 1 + rng_int(&rng, 10);
        for (int i = 0; i < n; i++) word[i] = "abfelnu"[rng_int(&rng, 7)];
        word[n] = 0;
        int out[16];
        IdList want = {0};
        wordpiece_word(&wp, word, n, n, &want, NULL);
        int got = ex_wordpiece_word(toy, V, word, n, 1, out);
        cr_assert_eq(got, want.n, "%s: %d pieces, the chapter gives %ld", word, got, want.n);
        for (int i = 0; i < got; i++) cr_assert_eq(out[i], want.ids[i], "%s: piece %d", word, i);
        idlist_free(&want);
    }
    wordpiece_free(&wp);
}
