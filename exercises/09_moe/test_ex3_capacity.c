// Grades exercise 09.3 on cases worked out by hand.
#include <criterion/criterion.h>

int ex_capacity_rows(const int *choice, int N, int k, int E, float cf, int *row);

Test(ex09_3, top1_overflow) {
    // 6 tokens, 3 experts, cf 1: cap = 2. Expert 0 is chosen by tokens 0, 1, 3, 5: the
    // last two are dropped
    int choice[6] = {0, 0, 1, 0, 2, 0}, row[6];
    cr_assert_eq(ex_capacity_rows(choice, 6, 1, 3, 1.0f, row), 2);
    int want[6] = {0, 1, 0, -1, 0, -1};
    for (int n = 0; n < 6; n++) cr_assert_eq(row[n], want[n], "token %d: row %d, expected %d", n, row[n], want[n]);
    // cf 2: cap = 4, nothing dropped
    cr_assert_eq(ex_capacity_rows(choice, 6, 1, 3, 2.0f, row), 0);
    cr_assert_eq(row[5], 3);
}

Test(ex09_3, first_choices_first) {
    // 3 tokens, top-2, 3 experts, cf 0.5: cap = ceil(0.5 x 2 x 3 / 3) = 1.
    // first choices: token 0 -> 1, token 1 -> 2, token 2 -> 1 (full: dropped)
    // second choices: token 0 -> 0 (row 0), token 1 -> 1 (full), token 2 -> 2 (full)
    int choice[6] = {1, 0, 2, 1, 1, 2}, row[6];
    cr_assert_eq(ex_capacity_rows(choice, 3, 2, 3, 0.5f, row), 3);
    int want[6] = {0, 0, 0, -1, -1, -1};
    for (int i = 0; i < 6; i++) cr_assert_eq(row[i], want[i], "choice %d: row %d, expected %d", i, row[i], want[i]);
}

Test(ex09_3, first_choices_before_any_second_choice) {
    // 2 tokens, top-2, 3 experts, cf 0.5: cap = ceil(0.5 x 2 x 2 / 3) = 1.
    // token 0 chooses (1, 0), token 1 chooses (0, 2). First choices first: token 0 -> 1,
    // token 1 -> 0; then second choices: token 0 -> 0 is full (dropped), token 1 -> 2.
    // Taking each token's choices together would give expert 0 to token 0 instead.
    int choice[4] = {1, 0, 0, 2}, row[4];
    cr_assert_eq(ex_capacity_rows(choice, 2, 2, 3, 0.5f, row), 1);
    int want[4] = {0, -1, 0, 0};
    for (int i = 0; i < 4; i++) cr_assert_eq(row[i], want[i], "choice %d: row %d, expected %d", i, row[i], want[i]);
}
