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

Test(ch01_scale, val_and_test_use_train_statistics_only) {
    // train {0, 2}: mean 1, std 1. A test set far away keeps its offset after scaling:
    // (10 - 1)/1 = 9, not 0 as it would with its own statistics.
    float train[2] = {0, 2}, test[2] = {10, 12}, mean, std, out[2];
    standardize_fit(&mean, &std, train, 2, 1);
    standardize_apply(out, test, &mean, &std, 2, 1);
    cr_assert_float_eq(out[0], 9.0f, 1e-6);
    cr_assert_float_eq(out[1], 11.0f, 1e-6);
    // and the statistics do not move when more (test) data exist: fit reads only train
    float both[4] = {0, 2, 10, 12}, mean_all, std_all;
    standardize_fit(&mean_all, &std_all, both, 4, 1);
    cr_assert(fabsf(mean_all - mean) > 1.0f, "all-data statistics differ; the test must notice");
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
