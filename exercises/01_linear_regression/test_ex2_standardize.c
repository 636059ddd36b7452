// Grades exercise 01.2: ex_standardize_splits against hand-computed statistics, and
// checks that validation and test are transformed with the TRAIN statistics.
#include <criterion/criterion.h>
#include <math.h>

void ex_standardize_splits(float *mean, float *std, float *train, int n_train, float *val, int n_val, float *test,
                           int n_test, int D);

Test(ex01_2, train_statistics_by_hand) {
    // column 0 of train: 1, 2, 3, 4 -> mean 2.5, std sqrt(1.25); column 1: 10, 10, 30, 30 -> 20, 10
    float train[8] = {1, 10, 2, 10, 3, 30, 4, 30}, val[2] = {5, 20}, test[2] = {0, 0}, mean[2], std[2];
    ex_standardize_splits(mean, std, train, 4, val, 1, test, 1, 2);
    cr_assert_float_eq(mean[0], 2.5f, 1e-5, "mean[0] = %g, expected 2.5", (double)mean[0]);
    cr_assert_float_eq(std[0], sqrtf(1.25f), 1e-5, "std[0] = %g, expected sqrt(1.25) (divide by n, not n-1)",
                       (double)std[0]);
    cr_assert_float_eq(mean[1], 20.0f, 1e-5);
    cr_assert_float_eq(std[1], 10.0f, 1e-5);
    cr_assert_float_eq(train[0], -1.5f / sqrtf(1.25f), 1e-5, "train[0] after scaling");
    cr_assert_float_eq(train[7], 1.0f, 1e-5, "train[7] after scaling");
}

Test(ex01_2, val_and_test_use_the_train_statistics) {
    // train column: 0, 2 (mean 1, std 1). val and test lie far away; with the train
    // statistics they stay far away: (10 - 1)/1 = 9. With their own they would be -1, 1.
    float train[2] = {0, 2}, val[2] = {10, 12}, test[3] = {-3, 1, 5}, mean, std;
    ex_standardize_splits(&mean, &std, train, 2, val, 2, test, 3, 1);
    cr_assert_float_eq(val[0], 9.0f, 1e-5, "val[0] = %g: scaled with the train statistics it is 9", (double)val[0]);
    cr_assert_float_eq(val[1], 11.0f, 1e-5);
    cr_assert_float_eq(test[0], -4.0f, 1e-5, "test[0] = %g, expected -4", (double)test[0]);
    cr_assert_float_eq(test[2], 4.0f, 1e-5);
    cr_assert_float_eq(train[0], -1.0f, 1e-5);
}

Test(ex01_2, constant_column_becomes_zero_not_nan) {
    float train[3] = {7, 7, 7}, val[1] = {8}, test[1] = {7}, mean, std;
    ex_standardize_splits(&mean, &std, train, 3, val, 1, test, 1, 1);
    cr_assert_float_eq(std, 1.0f, 1e-6, "a constant column needs std = 1, got %g", (double)std);
    cr_assert_float_eq(train[0], 0.0f, 1e-6);
    cr_assert_float_eq(val[0], 1.0f, 1e-6);
    cr_assert(!isnan(test[0]));
}
