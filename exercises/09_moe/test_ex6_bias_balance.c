// Grades exercise 09.6 on cases worked out by hand.
#include <criterion/criterion.h>

void ex_bias_balance(const float *z, int N, int E, float rate, float *b, int *choice);

Test(ex09_6, the_bias_steers_the_choice) {
    // 4 tokens, 2 experts. Without a bias every token prefers expert 0 by 0.1 to 0.4;
    // a bias of 0.25 on expert 1 wins the two closest tokens over.
    const float z[8] = {1.0f, 0.9f, 0.5f, 0.1f, 2.0f, 1.8f, 0.0f, -0.3f};
    float b[2] = {0.0f, 0.25f};
    int choice[4];
    ex_bias_balance(z, 4, 2, 0.01f, b, choice);
    const int want[4] = {1, 0, 1, 0};   // margins 0.1, 0.4, 0.2, 0.3 against the bias 0.25
    for (int n = 0; n < 4; n++) cr_assert_eq(choice[n], want[n], "token %d chose %d, expected %d", n, choice[n], want[n]);
    // loads 2 and 2: the mean, so no expert moves
    cr_assert_float_eq(b[0], 0.0f, 1e-7, "b[0] = %g", b[0]);
    cr_assert_float_eq(b[1], 0.25f, 1e-7, "b[1] = %g", b[1]);
}

Test(ex09_6, the_bias_moves_against_the_load) {
    // 6 tokens, 3 experts, no bias yet: loads 4, 2, 0 (mean 2)
    const float z[18] = {3, 1, 0, 3, 1, 0, 3, 1, 0, 3, 1, 0, 0, 2, 1, 0, 2, 1};
    float b[3] = {0, 0, 0};
    int choice[6];
    ex_bias_balance(z, 6, 3, 0.5f, b, choice);
    const int want[6] = {0, 0, 0, 0, 1, 1};
    for (int n = 0; n < 6; n++) cr_assert_eq(choice[n], want[n], "token %d chose %d", n, choice[n]);
    cr_assert_float_eq(b[0], -0.5f, 1e-7, "overloaded: down (b[0] = %g)", b[0]);
    cr_assert_float_eq(b[1], 0.0f, 1e-7, "at the mean: stays (b[1] = %g)", b[1]);
    cr_assert_float_eq(b[2], 0.5f, 1e-7, "idle: up (b[2] = %g)", b[2]);
    // ties go to the lower index: z + b equal for experts 1 and 2
    const float tie[3] = {0.0f, 1.0f, 0.5f};
    int one;
    ex_bias_balance(tie, 1, 3, 0.0f, b, &one);
    cr_assert_eq(one, 1, "z + b = (-0.5, 1, 1): the lower index wins, got %d", one);
}

Test(ex09_6, the_mean_in_integers) {
    // 10 tokens over 10 experts, one each: every load is the mean (1), nobody moves.
    // A mean summed as ten loads of 1/10 in floating point comes to 0.9999999999999999,
    // and every expert would look overloaded; E load_i against N, in integers, is exact
    float z[100] = {0}, b[10] = {0};
    for (int n = 0; n < 10; n++) z[n * 10 + n] = 1;
    int choice[10];
    ex_bias_balance(z, 10, 10, 0.1f, b, choice);
    for (int i = 0; i < 10; i++) cr_assert_eq(b[i], 0.0f, "expert %d moved: %g", i, b[i]);
}
