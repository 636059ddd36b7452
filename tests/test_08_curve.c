// tests/test_08_curve.c: chapter 08's curve.csv: what a run writes reads back the same,
// and a damaged file is refused with its file and line.
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/08_ner/curve.h"
#include "tests/tmp_file.h"

Test(ch08_curve, a_saved_curve_reads_back) {
    FtPoint pts[3] = {{200, 4.8e-4f, 0.4121f, 39.64, 98.1}, {400, 3.2e-4f, 0.2210f, 50.5, 196.25}, {600, 0, 0.1875f, 48.25, 290}};
    FtResult r = {.curve = pts, .n_curve = 3};
    char err[512], path[4300];
    snprintf(path, sizeof path, "%s", tmp_write("x", ""));
    cr_assert_eq(ftcurve_save(path, &r, err, sizeof err), 0, "%s", err);
    FtResult back;
    cr_assert_eq(ftcurve_load(path, &back, err, sizeof err), 0, "%s", err);
    cr_assert_eq(back.n_curve, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(back.curve[i].step, pts[i].step);
        cr_assert_float_eq(back.curve[i].lr, pts[i].lr, 1e-9);
        cr_assert_float_eq(back.curve[i].train_loss, pts[i].train_loss, 1e-5);
        cr_assert_float_eq(back.curve[i].dev_f1, pts[i].dev_f1, 1e-9);
        cr_assert_float_eq(back.curve[i].seconds, pts[i].seconds, 1e-9);
    }
    cr_assert_float_eq(back.best_f1, 50.5, 1e-9, "the best point is the middle one");
    cr_assert_eq(back.best_step, 400);
    ftresult_free(&back);
}

static void refused(const char *content, const char *where, const char *what) {
    const char *path = tmp_write("bad.csv", content);
    FtResult r;
    char err[512], expect[4400];
    cr_assert_eq(ftcurve_load(path, &r, err, sizeof err), -1, "accepted: %s", content);
    snprintf(expect, sizeof expect, "%s%s", path, where);
    cr_assert(strstr(err, expect) == err, "\"%s\" does not start with \"%s\"", err, expect);
    cr_assert(strstr(err, what), "\"%s\" does not say \"%s\"", err, what);
    cr_assert_null(r.curve, "nothing kept from a refused file");
}

#define HEAD "step,lr,train_loss,dev_f1,seconds\n"
Test(ch08_curve, a_damaged_file_is_refused_with_its_line) {
    refused("", ": ", "empty file");
    refused(HEAD, ":1: ", "no rows");
    refused("step,lr,loss\n200,1,1\n", ":1: ", "the header");
    refused(HEAD "200,1e-4,0.5,40.1,10\n400,1e-4,0.4,x,20\n", ":3: ", "five comma-separated numbers");
    refused(HEAD "200,1e-4,0.5,40.1\n", ":2: ", "five comma-separated numbers");
    refused(HEAD "200,1e-4,0.5,40.1,10,7\n", ":2: ", "more than five");
    refused(HEAD "200,1e-4,0.5,40.1,10\n200,1e-4,0.5,41,20\n", ":3: ", "rising");
    refused(HEAD "200.5,1e-4,0.5,40.1,10\n", ":2: ", "whole numbers");
    refused(HEAD "200,1e-4,0.5,140.1,10\n", ":2: ", "not in [0, 100]");
    refused(HEAD "200,1e-4,0.5,nan,10\n", ":2: ", "not in [0, 100]");
}

Test(ch08_curve, a_missing_file_says_so) {
    FtResult r;
    char err[512];
    cr_assert_eq(ftcurve_load("/nonexistent/curve.csv", &r, err, sizeof err), -1);
    cr_assert(strstr(err, "/nonexistent/curve.csv: cannot open"), "%s", err);
}
