// Grades exercise 08.1: labels on first pieces only, -1 elsewhere, [CLS] and [SEP] too.
#include <criterion/criterion.h>

int ex_align_labels(const int *n_pieces, const int *word_labels, int n_words, int *piece_labels);

Test(ex08_1, first_pieces_only) {
    // Johanson(2 pieces, B-PER=7) visited(1, O=0) Kaiserslautern(3, B-LOC=1) .(1, O)
    const int n_pieces[] = {2, 1, 3, 1}, labels[] = {7, 0, 1, 0};
    int out[16];
    for (int i = 0; i < 16; i++) out[i] = 99;
    int n = ex_align_labels(n_pieces, labels, 4, out);
    cr_assert_eq(n, 9, "[CLS] + 7 pieces + [SEP] = 9, got %d", n);
    const int want[] = {-1, 7, -1, 0, 1, -1, -1, 0, -1};
    for (int i = 0; i < 9; i++) cr_assert_eq(out[i], want[i], "position %d: %d, expected %d", i, out[i], want[i]);
    cr_assert_eq(out[9], 99, "nothing written past the row");
}

Test(ex08_1, one_word) {
    const int n_pieces[] = {1}, labels[] = {3};
    int out[4];
    cr_assert_eq(ex_align_labels(n_pieces, labels, 1, out), 3);
    cr_assert(out[0] == -1 && out[1] == 3 && out[2] == -1);
}
