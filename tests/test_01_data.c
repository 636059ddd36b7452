// Chapter 01: data handling -- standardisation with TRAIN statistics, the shuffled
// train/val/test split, the houses CSV loader (shipped sample and malformed files),
// polynomial features and degree selection.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chapters/01_linear_regression/data.h"
#include "chapters/01_linear_regression/linreg.h"
#include "chapters/01_linear_regression/poly.h"
#include "chapters/01_linear_regression/scale.h"

Test(ch01_scale, statistics_by_hand) {
    // column 0: 1,2,3,4 -> mean 2.5, population std sqrt(1.25); column 1 constant
    float x[8] = {1, 7, 2, 7, 3, 7, 4, 7}, mean[2], std[2], out[8];
    standardize_fit(mean, std, x, 4, 2);
    cr_assert_float_eq(mean[0], 2.5f, 1e-6);
    cr_assert_float_eq(std[0], sqrtf(1.25f), 1e-6);
    cr_assert_float_eq(mean[1], 7.0f, 1e-6);
    cr_assert_float_eq(std[1], 1.0f, 1e-6, "a constant column must not divide by zero");
    standardize_apply(out, x, mean, std, 4, 2);
    cr_assert_float_eq(out[0], -1.5f / sqrtf(1.25f), 1e-6);
    cr_assert_float_eq(out[1], 0.0f, 1e-6);
}

Test(ch01_scale, apply_keeps_the_offset_of_far_away_data) {
    // train {0, 2}: mean 1, std 1. Data far away keep their offset after scaling with
    // these statistics: (10 - 1)/1 = 9, not 0 as they would with their own.
    float train[2] = {0, 2}, test[2] = {10, 12}, mean, std, out[2];
    standardize_fit(&mean, &std, train, 2, 1);
    standardize_apply(out, test, &mean, &std, 2, 1);
    cr_assert_float_eq(out[0], 9.0f, 1e-6);
    cr_assert_float_eq(out[1], 11.0f, 1e-6);
}

// Three tiny splits with very different means, for scaled_splits_make (the function
// that decides, for chapter 01's program, which statistics scale which split).
//   train col 0: 0,2,0,2 (mean 1, std 1)      col 1: 10,20,10,20 (mean 15, std 5)
//   val   col 0: 100,104 (mean 102, std 2)    col 1: -50,-40 (mean -45, std 5)
//   test  col 0: -7,-9   (mean -8, std 1)     col 1: 1000,1010 (mean 1005, std 5)
typedef struct {
    DataXY all, tr, va, te;
} Splits;

static void splits_make(Splits *s) {
    const float tr[8] = {0, 10, 2, 20, 0, 10, 2, 20};
    const float va[4] = {100, -50, 104, -40}, te[4] = {-7, 1000, -9, 1010};
    dataxy_alloc(&s->tr, 4, 2);
    dataxy_alloc(&s->va, 2, 2);
    dataxy_alloc(&s->te, 2, 2);
    dataxy_alloc(&s->all, 8, 2);
    memcpy(s->tr.x, tr, sizeof tr);
    memcpy(s->va.x, va, sizeof va);
    memcpy(s->te.x, te, sizeof te);
    memcpy(s->all.x, tr, sizeof tr);
    memcpy(s->all.x + 8, va, sizeof va);
    memcpy(s->all.x + 12, te, sizeof te);
    for (int i = 0; i < 4; i++) s->tr.y[i] = (float)i;
    for (int i = 0; i < 2; i++) s->va.y[i] = 10.0f + i, s->te.y[i] = 20.0f + i;
}

static void splits_free(Splits *s) {
    dataxy_free(&s->all);
    dataxy_free(&s->tr);
    dataxy_free(&s->va);
    dataxy_free(&s->te);
}

Test(ch01_scale, splits_are_scaled_with_train_statistics_only) {
    Splits in;
    splits_make(&in);
    ScaledSplits s;
    scaled_splits_make(&s, SPLIT_SCALE_TRAIN, &in.all, &in.tr, &in.va, &in.te);
    cr_assert_float_eq(s.mean[0], 1.0f, 1e-6, "mean[0] = %g: not the train mean", (double)s.mean[0]);
    cr_assert_float_eq(s.mean[1], 15.0f, 1e-6, "mean[1] = %g: not the train mean", (double)s.mean[1]);
    cr_assert_float_eq(s.std[0], 1.0f, 1e-6);
    cr_assert_float_eq(s.std[1], 5.0f, 1e-6);
    const float tr[8] = {-1, -1, 1, 1, -1, -1, 1, 1};
    const float va[4] = {99, -13, 103, -11};    // (100-1)/1, (-50-15)/5, ...: still far from train
    const float te[4] = {-8, 197, -10, 199};    // (-7-1)/1, (1000-15)/5, ...
    for (int i = 0; i < 8; i++)
        cr_assert_float_eq(s.train.x[i], tr[i], 1e-5, "train[%d] = %g", i, (double)s.train.x[i]);
    for (int i = 0; i < 4; i++) {
        cr_assert_float_eq(s.val.x[i], va[i], 1e-5, "val[%d] = %g, expected %g", i, (double)s.val.x[i],
                           (double)va[i]);
        cr_assert_float_eq(s.test.x[i], te[i], 1e-5, "test[%d] = %g, expected %g", i, (double)s.test.x[i],
                           (double)te[i]);
    }
    cr_assert_float_eq(s.val.y[1], 11.0f, 0, "targets are copied unchanged");
    cr_assert_float_eq(in.va.x[0], 100.0f, 0, "the input splits are not modified");
    scaled_splits_free(&s);
    splits_free(&in);
}

Test(ch01_scale, the_three_mistakes_do_what_they_say) {
    Splits in;
    splits_make(&in);
    ScaledSplits s;
    // own statistics: every split is centred on its own mean -- val looks like train
    scaled_splits_make(&s, SPLIT_SCALE_OWN, &in.all, &in.tr, &in.va, &in.te);
    cr_assert_float_eq(s.val.x[0], -1.0f, 1e-5, "(100 - 102)/2");
    cr_assert_float_eq(s.test.x[1], -1.0f, 1e-5, "(1000 - 1005)/5");
    cr_assert_float_eq(s.train.x[0], -1.0f, 1e-5, "train is still scaled with its own (= train) statistics");
    scaled_splits_free(&s);
    // all rows: the statistics include val and test
    scaled_splits_make(&s, SPLIT_SCALE_ALL, &in.all, &in.tr, &in.va, &in.te);
    cr_assert_float_eq(s.mean[0], (0 + 2 + 0 + 2 + 100 + 104 - 7 - 9) / 8.0f, 1e-4, "mean[0] = %g",
                       (double)s.mean[0]);
    cr_assert_float_eq(s.val.x[0], (100 - s.mean[0]) / s.std[0], 1e-4);
    scaled_splits_free(&s);
    // none: copies of the raw features
    scaled_splits_make(&s, SPLIT_SCALE_NONE, &in.all, &in.tr, &in.va, &in.te);
    cr_assert_eq(memcmp(s.test.x, in.te.x, sizeof(float) * 4), 0);
    cr_assert_float_eq(s.mean[1], 0.0f, 0);
    cr_assert_float_eq(s.std[1], 1.0f, 0);
    scaled_splits_free(&s);
    splits_free(&in);
}

Test(ch01_scale, unscaled_weights_give_the_same_predictions) {
    float x[6] = {100, 3, 150, 4, 220, 6}, mean[2], std[2], xs[6];
    standardize_fit(mean, std, x, 3, 2);
    standardize_apply(xs, x, mean, std, 3, 2);
    float w[2] = {1.5f, -0.5f}, b = 2.0f, w_raw[2], b_raw, p_std[3], p_raw[3];
    standardize_unscale_weights(w_raw, &b_raw, w, b, mean, std, 2);
    linreg_forward(p_std, xs, w, b, 3, 2);
    linreg_forward(p_raw, x, w_raw, b_raw, 3, 2);
    for (int i = 0; i < 3; i++) cr_assert_float_eq(p_raw[i], p_std[i], 1e-4);
}

Test(ch01_data, split_is_a_shuffled_partition) {
    Rng rng;
    rng_seed(&rng, 4);
    DataXY all, tr, va, te;
    dataxy_alloc(&all, 100, 1);
    for (int i = 0; i < 100; i++) all.x[i] = (float)i, all.y[i] = (float)i;
    dataxy_split(&all, 0.6f, 0.2f, &rng, &tr, &va, &te);
    cr_assert_eq(tr.n, 60);
    cr_assert_eq(va.n, 20);
    cr_assert_eq(te.n, 20);
    int seen[100] = {0}, in_order = 1;
    const DataXY *parts[3] = {&tr, &va, &te};
    for (int p = 0; p < 3; p++)
        for (int i = 0; i < parts[p]->n; i++) {
            int v = (int)parts[p]->x[i];
            cr_assert_eq(parts[p]->y[i], parts[p]->x[i], "x and y stay paired");
            seen[v]++;
        }
    for (int i = 0; i < 100; i++) cr_assert_eq(seen[i], 1, "row %d appears %d times", i, seen[i]);
    for (int i = 0; i < 60; i++) in_order &= tr.x[i] == (float)i;
    cr_assert(!in_order, "the split must shuffle");
    dataxy_free(&all);
    dataxy_free(&tr);
    dataxy_free(&va);
    dataxy_free(&te);
}

Test(ch01_data, generators_are_reproducible) {
    Rng a, b;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    DataXY h1, h2;
    houses_generate(&h1, 50, &a);
    houses_generate(&h2, 50, &b);
    cr_assert_eq(memcmp(h1.x, h2.x, sizeof(float) * 50 * HOUSES_D), 0);
    cr_assert_eq(memcmp(h1.y, h2.y, sizeof(float) * 50), 0);
    for (int i = 0; i < 50; i++) {
        const float *x = h1.x + i * HOUSES_D;
        cr_assert(x[0] >= 30 && x[0] <= 250 && x[1] >= 1 && x[1] <= 8 && x[2] >= 0 && x[2] <= 100 &&
                  x[3] >= 0.5f && x[3] <= 30, "house %d out of the documented ranges", i);
    }
    dataxy_free(&h1);
    dataxy_free(&h2);
}

// --- the CSV loader ----------------------------------------------------------------------
Test(ch01_csv, loads_the_shipped_sample) {
    DataXY d;
    char err[512] = "";
    int rc = houses_load_csv(&d, "datasets/samples/ch01_houses.csv", err, sizeof err);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(d.n, 200);
    cr_assert_eq(d.d, HOUSES_D);
    // it is the generator's data: least squares finds the formula's area weight
    float w[HOUSES_D], b, pred[200];
    cr_assert_eq(linreg_fit_normal(w, &b, d.x, d.y, d.n, d.d, 1e-6), 0);
    linreg_forward(pred, d.x, w, b, d.n, d.d);
    cr_assert_gt(r2_score(pred, d.y, d.n), 0.95f);
    cr_assert_float_eq(w[0], HOUSES_TRUE_W[0], 0.2f, "area weight %g", (double)w[0]);
    dataxy_free(&d);
}

static char tmp_dir[] = "/tmp/book_test_01_XXXXXX";

static void make_tmp(void) { cr_assert_not_null(mkdtemp(tmp_dir)); }

// Writes text to <tmp>/name, loads it, expects failure with `expect` in the message.
static void expect_load_error(const char *name, const char *text, const char *expect) {
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    fputs(text, fp);
    fclose(fp);
    DataXY d = {0};
    cr_assert_eq(houses_load_csv(&d, path, err, sizeof err), -1, "%s should not load", name);
    cr_assert_null(d.x, "a failed load leaves the output untouched");
    cr_assert_not_null(strstr(err, expect), "error for %s: '%s' lacks '%s'", name, err, expect);
    cr_assert_not_null(strstr(err, path), "the error names the file: '%s'", err);
    remove(path);
}

#define HEADER "area_m2,rooms,age_years,distance_km,price_keur\n"
#define TEN_ROWS                                                                                            \
    "100,3,10,5,300\n100,3,10,5,300\n100,3,10,5,300\n100,3,10,5,300\n100,3,10,5,300\n"                    \
    "100,3,10,5,300\n100,3,10,5,300\n100,3,10,5,300\n100,3,10,5,300\n100,3,10,5,300\n"

Test(ch01_csv, malformed_files_give_path_line_and_reason, .init = make_tmp) {
    expect_load_error("empty.csv", "", ":1: the file is empty");
    expect_load_error("header.csv", "area,rooms,age,dist,price\n" TEN_ROWS, ":1: expected the header");
    expect_load_error("columns.csv", HEADER "100,3,10,5,300\n100,3,10,5\n" TEN_ROWS,
                      ":3: expected 5 comma-separated numbers, found 4");
    expect_load_error("extra.csv", HEADER TEN_ROWS "100,3,10,5,300,7\n",
                      ":12: expected 5 comma-separated numbers, found 6");
    expect_load_error("word.csv", HEADER "100,three,10,5,300\n" TEN_ROWS,
                      ":2: column 2 (rooms): 'three' is not a number");
    expect_load_error("blank_field.csv", HEADER "100,3,,5,300\n" TEN_ROWS, ":2: column 3 (age_years)");
    expect_load_error("nan.csv", HEADER TEN_ROWS "100,3,10,5,nan\n", ":12: column 5 (price_keur)");
    expect_load_error("few.csv", HEADER "100,3,10,5,300\n", "only 1 houses");
    expect_load_error("binary.csv", "\x89PNG\r\n\x1a\n", ":1: expected the header");
    expect_load_error("inf.csv", HEADER TEN_ROWS "100,3,inf,5,300\n",
                      ":12: column 3 (age_years): 'inf' is not a number");
    rmdir(tmp_dir);
}

Test(ch01_csv, values_whose_squares_overflow_are_refused, .init = make_tmp) {
    // 1e30 is a float, but its square is not: every loss would be inf. The bound is
    // HOUSES_MAX_ABS = 1e12 (data.h says why).
    expect_load_error("huge.csv", HEADER TEN_ROWS "1e30,3,10,5,300\n",
                      ":12: column 1 (area_m2): '1e30' is too large");
    expect_load_error("huge_neg.csv", HEADER "100,3,10,5,-2e12\n" TEN_ROWS,
                      ":2: column 5 (price_keur): '-2e12' is too large");
    expect_load_error("overflow.csv", HEADER "100,3,10,1e400,300\n" TEN_ROWS,
                      ":2: column 4 (distance_km): '1e400' is too large");
    expect_load_error("utf16.csv", "\xFF\xFE" "a", ":1: the file is UTF-16");
    rmdir(tmp_dir);
}

Test(ch01_csv, values_at_the_bound_load_and_keep_the_loss_finite, .init = make_tmp) {
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/bound.csv", tmp_dir);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    fputs(HEADER TEN_ROWS "1e12,3,10,5,-1e12\n", fp);
    fclose(fp);
    DataXY d;
    cr_assert_eq(houses_load_csv(&d, path, err, sizeof err), 0, "%s", err);
    float zeros[11] = {0}, pred[11];
    float mse = mse_forward(zeros, d.y, d.n);   // predicting 0: the loss at w = 0, b = 0
    cr_assert(isfinite(mse) && mse < 1e30f, "MSE %g at the bound", (double)mse);
    float w[HOUSES_D] = {1, 1, 1, 1};
    linreg_forward(pred, d.x, w, 0.0f, d.n, HOUSES_D);
    mse = mse_forward(pred, d.y, d.n);
    cr_assert(isfinite(mse) && mse < 1e30f, "MSE %g with unit weights", (double)mse);
    dataxy_free(&d);
    remove(path);
    rmdir(tmp_dir);
}

Test(ch01_csv, a_utf8_byte_order_mark_is_skipped, .init = make_tmp) {
    // Excel's "CSV UTF-8" starts the file with EF BB BF; it is not part of the header
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/bom.csv", tmp_dir);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    fputs("\xEF\xBB\xBF" HEADER TEN_ROWS, fp);
    fclose(fp);
    DataXY d;
    cr_assert_eq(houses_load_csv(&d, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(d.n, 10);
    cr_assert_float_eq(d.x[0], 100.0f, 0);
    dataxy_free(&d);
    // a BOM before a wrong header is still a wrong header
    expect_load_error("bom_header.csv", "\xEF\xBB\xBF" "area,rooms\n" TEN_ROWS, ":1: expected the header");
    remove(path);
    rmdir(tmp_dir);
}

Test(ch01_csv, missing_file_is_an_error_not_a_crash) {
    DataXY d = {0};
    char err[512] = "";
    cr_assert_eq(houses_load_csv(&d, "/nonexistent/ch01_houses.csv", err, sizeof err), -1);
    cr_assert_not_null(strstr(err, "/nonexistent/ch01_houses.csv: cannot read"), "%s", err);
}

Test(ch01_csv, save_then_load_round_trips, .init = make_tmp) {
    Rng rng;
    rng_seed(&rng, 1);
    DataXY h, back;
    houses_generate(&h, 30, &rng);
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/houses.csv", tmp_dir);
    cr_assert_eq(houses_save_csv(&h, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(houses_load_csv(&back, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.n, 30);
    for (int i = 0; i < 30 * HOUSES_D; i++) cr_assert_float_eq(back.x[i], h.x[i], 1e-4);
    for (int i = 0; i < 30; i++) cr_assert_float_eq(back.y[i], h.y[i], 1e-3);
    dataxy_free(&h);
    dataxy_free(&back);
    remove(path);
    rmdir(tmp_dir);
}

Test(ch01_csv, windows_line_endings_and_trailing_blank_lines_load, .init = make_tmp) {
    char path[512], err[512] = "";
    snprintf(path, sizeof path, "%s/crlf.csv", tmp_dir);
    FILE *fp = fopen(path, "wb");
    fputs("area_m2,rooms,age_years,distance_km,price_keur\r\n", fp);
    for (int i = 0; i < 12; i++) fprintf(fp, "%d, 3, 10, 5.5, %d\r\n", 50 + i, 200 + i);
    fputs("\r\n\n", fp);
    fclose(fp);
    DataXY d;
    cr_assert_eq(houses_load_csv(&d, path, err, sizeof err), 0, "%s", err);
    cr_assert_eq(d.n, 12);
    cr_assert_float_eq(d.x[11 * HOUSES_D], 61.0f, 1e-6);
    cr_assert_float_eq(d.x[3], 5.5f, 1e-6);
    cr_assert_float_eq(d.y[11], 211.0f, 1e-6);
    dataxy_free(&d);
    remove(path);
    rmdir(tmp_dir);
}

// --- polynomial regression and the validation split ---------------------------------------
Test(ch01_poly, features_by_hand) {
    float x[2] = {1.0f, 0.25f}, f[6];   // u = 2x - 1 = 1 and -0.5
    poly_features(f, x, 2, 3);
    cr_assert_float_eq(f[0], 1.0f, 1e-7);
    cr_assert_float_eq(f[2], 1.0f, 1e-7);
    cr_assert_float_eq(f[3], -0.5f, 1e-7);
    cr_assert_float_eq(f[4], 0.25f, 1e-7);
    cr_assert_float_eq(f[5], -0.125f, 1e-7);
}

Test(ch01_poly, train_error_picks_the_largest_degree_validation_does_not) {
    // the experiment of README section 01.7, on three seeds
    for (int seed = 1; seed <= 3; seed++) {
        Rng rng;
        rng_seed(&rng, (uint64_t)seed + 1000);
        DataXY all, tr, va, te;
        sine_generate(&all, 50, 0.3f, &rng);
        dataxy_split(&all, 0.4f, 0.3f, &rng, &tr, &va, &te);
        PolyRow rows[15];
        cr_assert_eq(poly_sweep(rows, 15, &tr, &va, &te, 1e-12 * tr.n), 0);
        int by_train = poly_select(rows, 15, 0), by_val = poly_select(rows, 15, 1);
        cr_assert_eq(by_train + 1, 15, "seed %d: train error picked degree %d", seed, by_train + 1);
        cr_assert(by_val + 1 >= 3 && by_val + 1 <= 9, "seed %d: validation picked degree %d", seed, by_val + 1);
        cr_assert_lt(rows[by_val].test_mse, rows[by_train].test_mse, "seed %d", seed);
        cr_assert_lt(rows[by_val].test_mse, 0.2f, "seed %d: test MSE %g", seed, (double)rows[by_val].test_mse);
        dataxy_free(&all);
        dataxy_free(&tr);
        dataxy_free(&va);
        dataxy_free(&te);
    }
}
