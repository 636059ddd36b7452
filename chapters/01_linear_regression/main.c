// main.c: chapter 01's experiment. Linear regression on synthetic house prices three
// ways (normal equations, batch gradient descent, minibatch SGD); what the learning
// rate and feature scaling do to gradient descent; why we hold out a validation split
// (polynomial degree selection); logistic regression on two Gaussian classes.
// Everything it prints is explained in chapters/01_linear_regression/README.md.
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chapters/01_linear_regression/data.h"
#include "chapters/01_linear_regression/linalg.h"
#include "chapters/01_linear_regression/linreg.h"
#include "chapters/01_linear_regression/logreg.h"
#include "chapters/01_linear_regression/poly.h"
#include "chapters/01_linear_regression/scale.h"
#include "chapters/01_linear_regression/train.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/svg.h"
#include "common/timer.h"

typedef struct {
    CommonOpts common;
    float lr, sgd_lr, logreg_lr;
    int epochs, batch, n_houses, n_blobs, max_degree;
    const char *scaling;
} Options;

static float eval_mse(const DataXY *d, const float *w, float b) {
    float *pred = fzeros((size_t)d->n);
    linreg_forward(pred, d->x, w, b, d->n, d->d);
    float mse = mse_forward(pred, d->y, d->n);
    free(pred);
    return mse;
}

static float eval_r2(const DataXY *d, const float *w, float b) {
    float *pred = fzeros((size_t)d->n);
    linreg_forward(pred, d->x, w, b, d->n, d->d);
    float r2 = r2_score(pred, d->y, d->n);
    free(pred);
    return r2;
}

// Smallest and largest eigenvalue of the MSE's Hessian on x (N,D).
static void hessian_extremes(const float *x, int N, int D, double *lmin, double *lmax) {
    int P = D + 1;
    double *H = xmalloc(sizeof(double) * P * P), *eig = xmalloc(sizeof(double) * P);
    linreg_hessian(H, x, N, D);
    linalg_sym_eigenvalues(H, P, eig);
    *lmin = eig[0];
    *lmax = eig[P - 1];
    free(H);
    free(eig);
}

static const char *fig_path(char *buf, size_t len, const Options *o, const char *name) {
    return path_join(buf, len, o->common.out, name);
}

// Data points for a line plot: each point becomes a small "+" (two short strokes,
// separated by NaN so that the plot does not join them). px, py hold 6n floats.
static void plus_markers(float *px, float *py, const float *x, const float *y, int n, float dx, float dy) {
    for (int i = 0; i < n; i++) {
        float *a = px + 6 * i, *b = py + 6 * i;
        a[0] = x[i] - dx, b[0] = y[i];
        a[1] = x[i] + dx, b[1] = y[i];
        a[2] = NAN, b[2] = NAN;
        a[3] = x[i], b[3] = y[i] - dy;
        a[4] = x[i], b[4] = y[i] + dy;
        a[5] = NAN, b[5] = NAN;
    }
}

// ------------------------------------------------------------------------------------
// Part 1: linear regression on houses.

typedef struct {
    float test_mse, test_r2;   // of batch GD (the RESULT line)
} HouseResults;

// What the house sections share.
typedef struct {
    const DataXY *all, *tr, *va, *te;            // raw features
    ScaledSplits st;                             // scaled with train statistics (the correct way)
    double raw_min, raw_max, std_min, std_max;   // extreme eigenvalues of the Hessian (01.10)
    float best_train_mse;                        // the closed form's: what GD should reach
    int epochs;
    float *epochs_x;                             // 0..epochs, the x axis of every loss curve
} Houses;

static void section_data(const Houses *h) {
    const DataXY *tr = h->tr;
    printf("\n## 1. The data: %d synthetic houses, split 60/20/20 -> %d train, %d val, %d test\n\n", h->all->n,
           tr->n, h->va->n, h->te->n);
    printf("price_keur = %.0f + %.1f area_m2 + %.1f rooms %+.1f age_years %+.1f distance_km + N(0, %.0f^2)\n\n",
           (double)HOUSES_TRUE_B, (double)HOUSES_TRUE_W[0], (double)HOUSES_TRUE_W[1], (double)HOUSES_TRUE_W[2],
           (double)HOUSES_TRUE_W[3], (double)HOUSES_NOISE_STD);
    printf("| feature     | train mean | train std |\n|-------------|------------|-----------|\n");
    for (int j = 0; j < HOUSES_D; j++)
        printf("| %-11s | %10.2f | %9.2f |\n", HOUSES_FEATURE_NAMES[j], (double)h->st.mean[j], (double)h->st.std[j]);
    // bigger flats have more rooms: the two columns overlap (section 01.5 shows the cost)
    double corr = 0.0;
    for (int i = 0; i < tr->n; i++) {   // the mean product of standardised columns
        const float *x = h->st.train.x + (size_t)i * HOUSES_D;
        corr += (double)x[0] * x[1];
    }
    printf("\ncorrelation(area_m2, rooms) on train: %.3f\n", corr / tr->n);
}

static void section_hessian(Houses *h, FILE *csv) {
    hessian_extremes(h->tr->x, h->tr->n, HOUSES_D, &h->raw_min, &h->raw_max);
    hessian_extremes(h->st.train.x, h->st.train.n, HOUSES_D, &h->std_min, &h->std_max);
    printf("\n## 2. Hessian of the MSE, H = (2/N) [X 1]^T [X 1]: GD converges iff lr < 2/lambda_max\n\n");
    printf("| features     | lambda_min | lambda_max | condition number | largest stable lr |\n");
    printf("|--------------|------------|------------|------------------|-------------------|\n");
    printf("| raw          | %10.4g | %10.4g | %16.4g | %17.4g |\n", h->raw_min, h->raw_max,
           h->raw_max / h->raw_min, 2.0 / h->raw_max);
    printf("| standardised | %10.4g | %10.4g | %16.4g | %17.4g |\n", h->std_min, h->std_max,
           h->std_max / h->std_min, 2.0 / h->std_max);
    fprintf(csv, "hessian_raw_lambda_max,%g\nhessian_raw_condition,%g\n", h->raw_max, h->raw_max / h->raw_min);
    fprintf(csv, "hessian_std_lambda_max,%g\nhessian_std_condition,%g\n", h->std_max, h->std_max / h->std_min);
}

// How a gradient-descent run ended: fine; blown up (train.h: the loss became inf/NaN or
// passed 1e30); or finite but above where it started -- the same too-large step, caught
// before the overflow (e.g. --lr 0.53, just above 2/lambda_max, within 300 epochs).
typedef enum { RUN_OK, RUN_GREW, RUN_DIVERGED } RunOutcome;

static RunOutcome run_outcome(const GdReport *rep, float initial_loss) {
    if (rep->diverged) return RUN_DIVERGED;
    return rep->final_loss > initial_loss ? RUN_GREW : RUN_OK;
}

// One line on stderr for a run that did not work; `advice` says what to change.
static void report_failed_run(const char *method, RunOutcome outcome, const GdReport *rep, float initial_loss,
                              const char *advice) {
    const char *s = rep->epochs_run == 1 ? "" : "s";
    char loss[32];   // "NaN", not glibc's "-nan": the sign of a NaN means nothing
    if (isnan(rep->final_loss)) snprintf(loss, sizeof loss, "NaN");
    else snprintf(loss, sizeof loss, "%.3g", (double)rep->final_loss);
    if (outcome == RUN_DIVERGED)
        fprintf(stderr, "%s diverged after %d epoch%s (train MSE %s): %s\n", method, rep->epochs_run, s, loss,
                advice);
    else if (outcome == RUN_GREW)
        fprintf(stderr, "%s did not converge: final train MSE %.3g is above the initial %.3g after %d epoch%s: %s\n",
                method, (double)rep->final_loss, (double)initial_loss, rep->epochs_run, s, advice);
}

static void print_weights_row(const char *name, const float *w_raw, float b_raw) {
    printf("| %-22s | %8.3f | %8.3f | %8.3f | %8.3f | %9.2f |\n", name, (double)w_raw[0], (double)w_raw[1],
           (double)w_raw[2], (double)w_raw[3], (double)b_raw);
}

// Section 3: normal equations vs batch GD vs minibatch SGD, on features scaled as
// --scaling says; the learned weights back in raw units; figure gd_vs_sgd.svg.
static HouseResults section_three_ways(const Options *o, const Houses *h, SplitScaling mode, Rng *rng, FILE *csv) {
    const int D = HOUSES_D, E = h->epochs;
    ScaledSplits s;
    scaled_splits_make(&s, mode, h->all, h->tr, h->va, h->te);
    printf("\n## 3. Three ways to fit (features: --scaling %s = %s)\n\n", SPLIT_SCALE_NAMES[mode],
           SPLIT_SCALE_HELP[mode]);
    float w_cf[HOUSES_D] = {0}, b_cf = 0, w_gd[HOUSES_D] = {0}, b_gd = 0, w_sgd[HOUSES_D] = {0}, b_sgd = 0;
    double t0 = now_seconds();
    if (linreg_fit_normal(w_cf, &b_cf, s.train.x, s.train.y, s.train.n, D, 1e-8 * s.train.n) != 0)
        DIE("normal equations: X^T X is not positive definite (a constant or duplicated feature?)");
    double t_cf = now_seconds() - t0;

    float *hist_gd = fzeros((size_t)E + 1), *hist_sgd = fzeros((size_t)E + 1);
    fprintf(stderr, "batch GD, lr %g, %d epochs of 1 step\n", (double)o->lr, E);
    GdConfig cfg_gd = {.lr = o->lr, .epochs = E, .batch = 0, .show_progress = 1};
    t0 = now_seconds();
    GdReport rep_gd = linreg_train_gd(w_gd, &b_gd, s.train.x, s.train.y, s.train.n, D, &cfg_gd, rng, hist_gd);
    double t_gd = now_seconds() - t0;
    int sgd_steps = (s.train.n + o->batch - 1) / o->batch;   // per epoch; the progress line counts them
    fprintf(stderr, "minibatch SGD, lr %g, batch %d, %d epochs of %d step%s\n", (double)o->sgd_lr, o->batch, E,
            sgd_steps, sgd_steps == 1 ? "" : "s");
    GdConfig cfg_sgd = {.lr = o->sgd_lr, .epochs = E, .batch = o->batch, .show_progress = 1};
    t0 = now_seconds();
    GdReport rep_sgd = linreg_train_gd(w_sgd, &b_sgd, s.train.x, s.train.y, s.train.n, D, &cfg_sgd, rng, hist_sgd);
    double t_sgd = now_seconds() - t0;
    RunOutcome out_gd = run_outcome(&rep_gd, hist_gd[0]), out_sgd = run_outcome(&rep_sgd, hist_sgd[0]);
    char advice[128];
    snprintf(advice, sizeof advice, "--lr %g is too large for these features (2/lambda_max = %.3g)", (double)o->lr,
             2.0 / (mode == SPLIT_SCALE_NONE ? h->raw_max : h->std_max));
    report_failed_run("batch GD", out_gd, &rep_gd, hist_gd[0], advice);
    report_failed_run("minibatch SGD", out_sgd, &rep_sgd, hist_sgd[0], "try a smaller --sgd-lr");

    printf("| method                    | updates | train MSE | val MSE  | test MSE | test R^2 | time ms |\n");
    printf("|---------------------------|---------|-----------|----------|----------|----------|---------|\n");
    struct { const char *name; const float *w; float b; long steps; double t; RunOutcome outcome; } rows[3] = {
        {"normal equations", w_cf, b_cf, 1, t_cf, RUN_OK},
        {"batch GD", w_gd, b_gd, rep_gd.steps, t_gd, out_gd},
        {"minibatch SGD", w_sgd, b_sgd, rep_sgd.steps, t_sgd, out_sgd},
    };
    for (int m = 0; m < 3; m++) {
        char name[64];
        snprintf(name, sizeof name, "%s%s", rows[m].name,
                 rows[m].outcome == RUN_DIVERGED ? " (DIVERGED)" : rows[m].outcome == RUN_GREW ? " (LOSS GREW)" : "");
        if (rows[m].outcome != RUN_OK) {   // its weights are far off or not finite: no scores to show
            printf("| %-25s | %7ld | %9s | %8s | %8s | %8s | %7.2f |\n", name, rows[m].steps, "--", "--", "--",
                   "--", rows[m].t * 1e3);
            continue;
        }
        printf("| %-25s | %7ld | %9.2f | %8.2f | %8.2f | %8.4f | %7.2f |\n", name, rows[m].steps,
               (double)eval_mse(&s.train, rows[m].w, rows[m].b), (double)eval_mse(&s.val, rows[m].w, rows[m].b),
               (double)eval_mse(&s.test, rows[m].w, rows[m].b), (double)eval_r2(&s.test, rows[m].w, rows[m].b),
               rows[m].t * 1e3);
    }
    printf("(noise variance, the best any model can reach on new data: %.0f)\n",
           (double)(HOUSES_NOISE_STD * HOUSES_NOISE_STD));
    HouseResults res;   // a failed run has no meaningful score: nan, not a huge number
    res.test_mse = out_gd != RUN_OK ? NAN : eval_mse(&s.test, w_gd, b_gd);
    res.test_r2 = out_gd != RUN_OK ? NAN : eval_r2(&s.test, w_gd, b_gd);
    fprintf(csv, "closed_form_test_mse,%g\ngd_test_mse,%g\ngd_test_r2,%g\nsgd_test_mse,%g\n",
            (double)eval_mse(&s.test, w_cf, b_cf), (double)res.test_mse, (double)res.test_r2,
            out_sgd != RUN_OK ? NAN : (double)eval_mse(&s.test, w_sgd, b_sgd));

    printf("\nLearned weights in raw units (w_j / std_j, README eq. 01.12) vs the generating formula:\n\n");
    printf("| model                  |  area_m2 |    rooms |      age | distance | intercept |\n");
    printf("|------------------------|----------|----------|----------|----------|-----------|\n");
    print_weights_row("generating formula", HOUSES_TRUE_W, HOUSES_TRUE_B);
    for (int m = 0; m < 3; m++) {
        float w_raw[HOUSES_D], b_raw;
        if (rows[m].outcome != RUN_OK) {
            printf("| %-22s | %8s | %8s | %8s | %8s | %9s |\n", rows[m].name, "--", "--", "--", "--", "--");
            continue;
        }
        standardize_unscale_weights(w_raw, &b_raw, rows[m].w, rows[m].b, s.mean, s.std, D);
        print_weights_row(rows[m].name, w_raw, b_raw);
    }

    char path[4096], lab_gd[64], lab_sgd[64];
    float *optimum = fzeros((size_t)E + 1);
    for (int e = 0; e <= E; e++) optimum[e] = h->best_train_mse;
    snprintf(lab_gd, sizeof lab_gd, "batch GD, lr %g", (double)o->lr);
    snprintf(lab_sgd, sizeof lab_sgd, "SGD, batch %d, lr %g", o->batch, (double)o->sgd_lr);
    SvgSeries series[3] = {{lab_gd, h->epochs_x, hist_gd, E + 1}, {lab_sgd, h->epochs_x, hist_sgd, E + 1},
                           {"normal equations", h->epochs_x, optimum, E + 1}};
    SvgPlot plot = {"Houses: training MSE per epoch", "epoch (log scale)", "train MSE (k EUR^2)", 1, 1, 100.0f, 1e6f};
    svg_line_plot(fig_path(path, sizeof path, o, "gd_vs_sgd.svg"), &plot, series, 3);
    free(optimum);
    free(hist_gd);
    free(hist_sgd);
    scaled_splits_free(&s);
    return res;
}

// Batch GD from w = 0, b = 0 on d for the configured epochs; prints one table row,
// records the loss curve in *history (allocated here) and labels it for a figure.
static void gd_curve(const Houses *h, const DataXY *d, const char *features, float lr, Rng *rng,
                     float **history, char *label, size_t label_len) {
    float w[HOUSES_D] = {0}, b = 0;
    *history = fzeros((size_t)h->epochs + 1);
    GdConfig cfg = {.lr = lr, .epochs = h->epochs};
    GdReport rep = linreg_train_gd(w, &b, d->x, d->y, d->n, HOUSES_D, &cfg, rng, *history);
    char outcome[64];
    RunOutcome result = run_outcome(&rep, (*history)[0]);
    int blew_up = result != RUN_OK;
    if (result == RUN_DIVERGED) snprintf(outcome, sizeof outcome, "diverged at epoch %d", rep.epochs_run);
    else if (result == RUN_GREW) snprintf(outcome, sizeof outcome, "loss grew: lr too large");
    else if (rep.final_loss < 1.01f * h->best_train_mse) snprintf(outcome, sizeof outcome, "converged");
    else snprintf(outcome, sizeof outcome, "still descending");
    printf("| %-12s | %8.2g | %15.4g | %-24s |\n", features, (double)lr, (double)rep.final_loss, outcome);
    snprintf(label, label_len, "%s, lr %.2g%s", features, (double)lr, blew_up ? " (diverges)" : "");
}

// Section 4: batch GD on standardised features with several learning rates.
static void section_learning_rates(const Options *o, const Houses *h, Rng *rng, FILE *csv) {
    printf("\n## 4. Learning rate (batch GD, %d epochs; 2/lambda_max = %.3f for standardised features)\n\n",
           h->epochs, 2.0 / h->std_max);
    const float lrs[] = {0.001f, 0.01f, 0.1f, 0.5f, 0.6f};
    enum { N_LR = sizeof lrs / sizeof lrs[0] };
    float *hist[N_LR];
    char labels[N_LR][64];
    SvgSeries series[N_LR];
    printf("| features     | lr       | final train MSE | outcome                  |\n");
    printf("|--------------|----------|-----------------|--------------------------|\n");
    for (int k = 0; k < N_LR; k++) {
        gd_curve(h, &h->st.train, "standardised", lrs[k], rng, &hist[k], labels[k], sizeof labels[k]);
        series[k] = (SvgSeries){labels[k], h->epochs_x, hist[k], h->epochs + 1};
        fprintf(csv, "lr_%g_final_train_mse,%g\n", (double)lrs[k], (double)hist[k][h->epochs]);
    }
    printf("(lr * lambda_max for these rates: ");
    for (int k = 0; k < N_LR; k++)
        printf("%.3f%s", lrs[k] * h->std_max, k + 1 < N_LR ? ", " : "; above 2 diverges)\n");
    char path[4096];
    SvgPlot plot = {"Batch GD on standardised features: learning rates", "epoch", "train MSE (k EUR^2)", 1, 0,
                    100.0f, 1e7f};
    svg_line_plot(fig_path(path, sizeof path, o, "lr_curves.svg"), &plot, series, N_LR);
    for (int k = 0; k < N_LR; k++) free(hist[k]);
}

// Section 5: the same GD on raw features, at the rate that suits standardised ones
// and at 0.9 * 2/lambda_max of the raw Hessian, the largest that is safe.
static void section_scaling(const Options *o, const Houses *h, Rng *rng, FILE *csv) {
    printf("\n## 5. Feature scaling (batch GD, %d epochs)\n\n", h->epochs);
    float lr_raw = (float)(0.9 * 2.0 / h->raw_max);
    float *hist[3];
    char labels[3][64];
    printf("| features     | lr       | final train MSE | outcome                  |\n");
    printf("|--------------|----------|-----------------|--------------------------|\n");
    gd_curve(h, &h->st.train, "standardised", 0.1f, rng, &hist[0], labels[0], sizeof labels[0]);
    gd_curve(h, h->tr, "raw", 0.1f, rng, &hist[1], labels[1], sizeof labels[1]);
    gd_curve(h, h->tr, "raw", lr_raw, rng, &hist[2], labels[2], sizeof labels[2]);
    fprintf(csv, "raw_lr_0.9_of_max,%g\nraw_lr_0.9_of_max_final_train_mse,%g\n", (double)lr_raw,
            (double)hist[2][h->epochs]);
    SvgSeries series[3];
    for (int k = 0; k < 3; k++) series[k] = (SvgSeries){labels[k], h->epochs_x, hist[k], h->epochs + 1};
    char path[4096];
    SvgPlot plot = {"Batch GD: raw vs standardised features", "epoch (log scale)", "train MSE (k EUR^2)", 1, 1,
                    100.0f, 1e15f};
    svg_line_plot(fig_path(path, sizeof path, o, "scaling_curves.svg"), &plot, series, 3);
    for (int k = 0; k < 3; k++) free(hist[k]);
}

// Section 6: the normal equations with each choice of scaling statistics. The closed
// form does not care about an affine change of the features applied to every split
// alike; it does care when the splits are transformed differently.
static void section_scaling_stats(const Houses *h) {
    const int D = HOUSES_D;
    printf("\n## 6. Where the scaling statistics come from (normal equations on the scaled features)\n\n");
    printf("| --scaling | meaning                                             | val MSE  | test MSE |\n");
    printf("|-----------|-----------------------------------------------------|----------|----------|\n");
    for (int m = 0; m < SPLIT_SCALE_COUNT; m++) {
        ScaledSplits sm;
        scaled_splits_make(&sm, (SplitScaling)m, h->all, h->tr, h->va, h->te);
        float w[HOUSES_D], b;
        if (linreg_fit_normal(w, &b, sm.train.x, sm.train.y, sm.train.n, D, 1e-8 * sm.train.n) != 0)
            DIE("normal equations failed");
        printf("| %-9s | %-51s | %8.2f | %8.2f |\n", SPLIT_SCALE_NAMES[m], SPLIT_SCALE_HELP[m],
               (double)eval_mse(&sm.val, w, b), (double)eval_mse(&sm.test, w, b));
        scaled_splits_free(&sm);
    }
    // The damage of "own statistics" grows with how different a batch is from the
    // training set: score only the big houses of the test split, both ways.
    const DataXY *te = h->te;
    int n_big = 0, *idx = xmalloc(sizeof(int) * (size_t)te->n);
    for (int i = 0; i < te->n; i++)
        if (te->x[(size_t)i * D] >= 150.0f) idx[n_big++] = i;
    if (n_big >= 2) {
        DataXY big, big_own;
        dataxy_subset(&big, te, idx, n_big);
        dataxy_subset(&big_own, te, idx, n_big);
        standardize_apply(big.x, big.x, h->st.mean, h->st.std, n_big, D);
        float mean[HOUSES_D], std[HOUSES_D], w[HOUSES_D], b;
        standardize_fit(mean, std, big_own.x, n_big, D);
        standardize_apply(big_own.x, big_own.x, mean, std, n_big, D);
        linreg_fit_normal(w, &b, h->st.train.x, h->st.train.y, h->st.train.n, D, 1e-8 * h->st.train.n);
        printf("\nOnly the %d test houses with area >= 150 m^2, scored by the same model:\n", n_big);
        printf("  scaled with the train statistics: test MSE %.2f\n", (double)eval_mse(&big, w, b));
        printf("  scaled with their own statistics: test MSE %.2f\n", (double)eval_mse(&big_own, w, b));
        dataxy_free(&big);
        dataxy_free(&big_own);
    }
    free(idx);
}

// Figure fit_line.svg: price against area alone, a 1-D least-squares line.
static void figure_fit_line(const Options *o, const Houses *h) {
    const DataXY *tr = h->tr, *te = h->te;
    DataXY area_tr, area_te;
    dataxy_alloc(&area_tr, tr->n, 1);
    dataxy_alloc(&area_te, te->n, 1);
    for (int i = 0; i < tr->n; i++) area_tr.x[i] = tr->x[(size_t)i * HOUSES_D], area_tr.y[i] = tr->y[i];
    for (int i = 0; i < te->n; i++) area_te.x[i] = te->x[(size_t)i * HOUSES_D], area_te.y[i] = te->y[i];
    float w, b;
    linreg_fit_normal(&w, &b, area_tr.x, area_tr.y, area_tr.n, 1, 1e-8 * area_tr.n);
    printf("\n1-D fit on area alone (figure fit_line.svg): price = %.1f + %.3f area, test R^2 %.4f\n", (double)b,
           (double)w, (double)eval_r2(&area_te, &w, b));
    int n_pts = area_tr.n < 120 ? area_tr.n : 120;   // enough to see the cloud, small file
    float *px = fzeros(6 * (size_t)n_pts), *py = fzeros(6 * (size_t)n_pts);
    plus_markers(px, py, area_tr.x, area_tr.y, n_pts, 1.6f, 6.0f);
    float lx[2] = {30.0f, 250.0f}, ly[2] = {b + w * 30.0f, b + w * 250.0f};
    char label[64], path[4096];
    snprintf(label, sizeof label, "fit: %.0f + %.2f area", (double)b, (double)w);
    SvgSeries series[2] = {{"train houses", px, py, 6 * n_pts}, {label, lx, ly, 2}};
    SvgPlot plot = {"Price against area: a 1-D least-squares line", "area (m^2)", "price (k EUR)", 0, 0, 0, 0};
    svg_line_plot(fig_path(path, sizeof path, o, "fit_line.svg"), &plot, series, 2);
    free(px);
    free(py);
    dataxy_free(&area_tr);
    dataxy_free(&area_te);
}

static HouseResults houses_experiment(const Options *o, SplitScaling mode, const DataXY *all, const DataXY *tr,
                                      const DataXY *va, const DataXY *te, Rng *rng, FILE *csv) {
    Houses h = {.all = all, .tr = tr, .va = va, .te = te, .epochs = o->epochs};
    scaled_splits_make(&h.st, SPLIT_SCALE_TRAIN, all, tr, va, te);
    float w[HOUSES_D], b;
    if (linreg_fit_normal(w, &b, h.st.train.x, h.st.train.y, h.st.train.n, HOUSES_D, 1e-8 * h.st.train.n) != 0)
        DIE("normal equations: X^T X is not positive definite (a constant or duplicated feature?)");
    h.best_train_mse = eval_mse(&h.st.train, w, b);
    h.epochs_x = fzeros((size_t)o->epochs + 1);
    for (int e = 0; e <= o->epochs; e++) h.epochs_x[e] = (float)e;

    section_data(&h);
    section_hessian(&h, csv);
    HouseResults res = section_three_ways(o, &h, mode, rng, csv);
    section_learning_rates(o, &h, rng, csv);
    section_scaling(o, &h, rng, csv);
    section_scaling_stats(&h);
    figure_fit_line(o, &h);

    free(h.epochs_x);
    scaled_splits_free(&h.st);
    return res;
}

// ------------------------------------------------------------------------------------
// Part 2: the validation split, by polynomial degree selection.

static int poly_experiment(const Options *o, Rng *rng, FILE *csv) {
    char path[4096];
    // 50 points split 40/30/30: a small training set (20) so that high degrees can
    // overfit, and validation/test sets (15) large enough for the choice to be stable
    // (with fewer validation points the selected degree jumps around from seed to seed).
    const int n = 50, K = o->max_degree;
    const float noise = 0.3f;
    DataXY all, tr, va, te;
    sine_generate(&all, n, noise, rng);
    dataxy_split(&all, 0.4f, 0.3f, rng, &tr, &va, &te);
    const double ridge = 1e-12 * tr.n;   // tiny: just enough to keep degree 15 solvable
    PolyRow *rows = xmalloc(sizeof(PolyRow) * K);
    if (poly_sweep(rows, K, &tr, &va, &te, ridge) != 0) DIE("polynomial fit: normal equations failed");
    int by_train = poly_select(rows, K, 0), by_val = poly_select(rows, K, 1), by_test = poly_select(rows, K, 2);

    printf("\n## 7. Choosing a polynomial degree: y = sin(2 pi x) + N(0, %.1f^2), %d points -> %d/%d/%d\n\n",
           (double)noise, n, tr.n, va.n, te.n);
    printf("| degree | train MSE | val MSE    | test MSE   |\n|--------|-----------|------------|------------|\n");
    for (int k = 0; k < K; k++) {
        const char *mark = k == by_val ? "  <- picked by val" : k == by_train ? "  <- picked by train" : "";
        printf("| %6d | %9.4f | %10.4g | %10.4g |%s\n", rows[k].degree, (double)rows[k].train_mse,
               (double)rows[k].val_mse, (double)rows[k].test_mse, mark);
    }
    printf("\nselect by TRAIN error: degree %2d, test MSE %.4g   (the mistake)\n", by_train + 1,
           (double)rows[by_train].test_mse);
    printf("select by VAL error:   degree %2d, test MSE %.4g   (the method)\n", by_val + 1,
           (double)rows[by_val].test_mse);
    printf("(best degree on test, which we may not use to choose: %d, test MSE %.4g; noise variance %.2f)\n",
           by_test + 1, (double)rows[by_test].test_mse, (double)(noise * noise));
    fprintf(csv, "poly_degree_by_train,%d\npoly_degree_by_val,%d\n", by_train + 1, by_val + 1);
    fprintf(csv, "poly_test_mse_by_train,%g\npoly_test_mse_by_val,%g\n", (double)rows[by_train].test_mse,
            (double)rows[by_val].test_mse);

    // figures: the error curves, and the fits of the two selected degrees
    float *deg = fzeros(K), *e_tr = fzeros(K), *e_va = fzeros(K), *e_te = fzeros(K);
    for (int k = 0; k < K; k++)
        deg[k] = (float)rows[k].degree, e_tr[k] = rows[k].train_mse, e_va[k] = rows[k].val_mse,
        e_te[k] = rows[k].test_mse;
    SvgSeries ser_err[3] = {{"train", deg, e_tr, K}, {"validation", deg, e_va, K}, {"test", deg, e_te, K}};
    SvgPlot plot_err = {"Polynomial regression: error against degree", "degree", "MSE", 1, 0, 0, 0};
    svg_line_plot(fig_path(path, sizeof path, o, "poly_errors.svg"), &plot_err, ser_err, 3);

    enum { NG = 400 };
    float gx[NG], truth[NG], fit_val[NG], fit_train[NG];
    for (int i = 0; i < NG; i++) gx[i] = (float)i / (NG - 1), truth[i] = sine_truth(gx[i]);
    poly_fit_predict(fit_val, gx, NG, by_val + 1, &tr, ridge);
    poly_fit_predict(fit_train, gx, NG, by_train + 1, &tr, ridge);
    float *px = fzeros(6 * (size_t)tr.n), *py = fzeros(6 * (size_t)tr.n);
    plus_markers(px, py, tr.x, tr.y, tr.n, 0.008f, 0.06f);
    char lab_v[64], lab_t[64];
    snprintf(lab_v, sizeof lab_v, "degree %d (val pick)", by_val + 1);
    snprintf(lab_t, sizeof lab_t, "degree %d (train pick)", by_train + 1);
    SvgSeries ser_fit[4] = {{"train points", px, py, 6 * tr.n}, {"sin(2 pi x)", gx, truth, NG},
                            {lab_v, gx, fit_val, NG}, {lab_t, gx, fit_train, NG}};
    SvgPlot plot_fit = {"Polynomial fits chosen by validation and by training error", "x", "y", 0, 0, -2.0f, 2.0f};
    svg_line_plot(fig_path(path, sizeof path, o, "poly_fits.svg"), &plot_fit, ser_fit, 4);

    int picked = by_val + 1;
    free(px);
    free(py);
    free(deg);
    free(e_tr);
    free(e_va);
    free(e_te);
    free(rows);
    dataxy_free(&all);
    dataxy_free(&tr);
    dataxy_free(&va);
    dataxy_free(&te);
    return picked;
}

// ------------------------------------------------------------------------------------
// Part 3: logistic regression on two Gaussian classes.

static float logreg_experiment(const Options *o, Rng *rng, FILE *csv) {
    char path[4096];
    DataXY all, tr, va, te;
    blobs_generate(&all, o->n_blobs, rng);
    dataxy_split(&all, 0.6f, 0.2f, rng, &tr, &va, &te);
    ScaledSplits s;
    scaled_splits_make(&s, SPLIT_SCALE_TRAIN, &all, &tr, &va, &te);
    float w[2] = {0}, b = 0;
    fprintf(stderr, "logistic regression, lr %g, %d epochs of 1 step\n", (double)o->logreg_lr, o->epochs);
    GdConfig cfg = {.lr = o->logreg_lr, .epochs = o->epochs, .show_progress = 1};
    float *hist = fzeros((size_t)o->epochs + 1);
    GdReport rep = logreg_train_gd(w, &b, s.train.x, s.train.y, s.train.n, 2, &cfg, rng, hist);
    if (rep.diverged) DIE("logistic regression diverged: try a smaller --logreg-lr");

    int *pred = xmalloc(sizeof(int) * all.n);
    float acc[3], bce[3];
    const DataXY *splits[3] = {&s.train, &s.val, &s.test};
    float *z = fzeros((size_t)all.n);
    for (int k = 0; k < 3; k++) {
        logreg_predict(pred, splits[k]->x, w, b, splits[k]->n, 2);
        acc[k] = logreg_accuracy(pred, splits[k]->y, splits[k]->n);
        linreg_forward(z, splits[k]->x, w, b, splits[k]->n, 2);
        bce[k] = bce_logits_forward(z, splits[k]->y, splits[k]->n);
    }
    // Two unit-variance Gaussians at distance delta: the best possible classifier errs
    // with probability Phi(-delta/2) (README section 01.8).
    double dx = BLOBS_MEAN1[0] - BLOBS_MEAN0[0], dy = BLOBS_MEAN1[1] - BLOBS_MEAN0[1];
    double delta = sqrt(dx * dx + dy * dy), bayes = 0.5 * erfc(-delta / 2 / sqrt(2.0));
    float w_raw[2], b_raw;
    standardize_unscale_weights(w_raw, &b_raw, w, b, s.mean, s.std, 2);
    printf("\n## 8. Logistic regression: two Gaussian classes, %d points -> %d/%d/%d, GD lr %g, %d epochs\n\n",
           all.n, tr.n, va.n, te.n, (double)o->logreg_lr, o->epochs);
    printf("| split | BCE    | accuracy |\n|-------|--------|----------|\n");
    const char *names[3] = {"train", "val", "test"};
    for (int k = 0; k < 3; k++) printf("| %-5s | %.4f | %8.4f |\n", names[k], (double)bce[k], (double)acc[k]);
    printf("\nboundary in raw units: %.3f x1 %+.3f x2 %+.3f = 0; best possible accuracy Phi(%.3f/2) = %.4f\n",
           (double)w_raw[0], (double)w_raw[1], (double)b_raw, delta, bayes);
    fprintf(csv, "logreg_train_acc,%g\nlogreg_test_acc,%g\nlogreg_test_bce,%g\nlogreg_bayes_acc,%g\n",
            (double)acc[0], (double)acc[2], (double)bce[2], bayes);

    // decision regions on a grid over the raw plane
    float x0 = -3.0f, x1 = 5.5f, y0 = -3.0f, y1 = 4.5f;
    enum { GW = 68, GH = 60 };
    float *cells = fzeros(2 * GW * GH);
    int *grid = xmalloc(sizeof(int) * GW * GH);
    for (int r = 0; r < GH; r++)
        for (int c = 0; c < GW; c++) {   // row 0 is the top of the plot (y1)
            cells[2 * (r * GW + c)] = x0 + (c + 0.5f) * (x1 - x0) / GW;
            cells[2 * (r * GW + c) + 1] = y1 - (r + 0.5f) * (y1 - y0) / GH;
        }
    standardize_apply(cells, cells, s.mean, s.std, GW * GH, 2);   // same scaling as training
    logreg_predict(grid, cells, w, b, GW * GH, 2);
    int *labels = xmalloc(sizeof(int) * te.n);
    for (int i = 0; i < te.n; i++) labels[i] = te.y[i] > 0.5f;
    char title[96];
    snprintf(title, sizeof title, "Logistic regression: test points, test accuracy %.3f", (double)acc[2]);
    SvgPlot plot = {title, "x1", "x2", 0, 0, 0, 0};
    svg_scatter(fig_path(path, sizeof path, o, "logreg_boundary.svg"), &plot, te.x, labels, te.n, grid, GW, GH, x0,
                x1, y0, y1);

    float test_acc = acc[2];
    free(labels);
    free(grid);
    free(cells);
    free(z);
    free(pred);
    free(hist);
    scaled_splits_free(&s);
    dataxy_free(&all);
    dataxy_free(&tr);
    dataxy_free(&va);
    dataxy_free(&te);
    return test_acc;
}

// ------------------------------------------------------------------------------------

static void load_or_generate_houses(DataXY *all, const Options *o, Rng *rng) {
    if (!o->common.data) {
        houses_generate(all, o->n_houses, rng);
        return;
    }
    char path[4096], err[1024];
    struct stat st;
    if (stat(o->common.data, &st) == 0 && S_ISDIR(st.st_mode))
        path_join(path, sizeof path, o->common.data, "ch01_houses.csv");
    else
        snprintf(path, sizeof path, "%s", o->common.data);
    if (houses_load_csv(all, path, err, sizeof err) != 0) {
        fflush(stdout);
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
}

int main(int argc, char **argv) {
    double t_start = now_seconds();
    Options o = {.common = {.seed = 1, .out = "build/out/ch01"},
                 .lr = 0.1f, .sgd_lr = 0.01f, .logreg_lr = 0.5f, .epochs = -1, .batch = 32,
                 .n_houses = -1, .n_blobs = -1, .max_degree = 15, .scaling = "train"};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"lr", FLAG_FLOAT, &o.lr, "batch GD learning rate (houses)"},
        {"sgd-lr", FLAG_FLOAT, &o.sgd_lr, "minibatch SGD learning rate (houses)"},
        {"batch", FLAG_INT, &o.batch, "minibatch size for SGD"},
        {"epochs", FLAG_INT, &o.epochs, "epochs for every GD run (-1: 300, or 100 with --quick)"},
        {"logreg-lr", FLAG_FLOAT, &o.logreg_lr, "logistic regression learning rate"},
        {"n", FLAG_INT, &o.n_houses, "houses to generate (-1: 2000, or 500 with --quick)"},
        {"n-blobs", FLAG_INT, &o.n_blobs, "points for logistic regression (-1: 1000, or 400 with --quick)"},
        {"max-degree", FLAG_INT, &o.max_degree, "largest polynomial degree tried"},
        {"scaling", FLAG_STRING, &o.scaling,
         "feature scaling for section 3: train | none | own | all (the last three are mistakes)"},
    };
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch01: linear regression three ways, learning rates, feature scaling, validation splits,\n"
              "logistic regression. All data are synthetic and generated from --seed; --data may name a\n"
              "houses CSV (or a directory holding ch01_houses.csv, e.g. datasets/samples) to use instead.");
    if (o.epochs < 0) o.epochs = o.common.quick ? 100 : 300;
    if (o.n_houses < 0) o.n_houses = o.common.quick ? 500 : 2000;
    if (o.n_blobs < 0) o.n_blobs = o.common.quick ? 400 : 1000;
    cli_require(o.lr > 0 && o.sgd_lr > 0 && o.logreg_lr > 0, "learning rates must be positive");
    cli_require(o.epochs >= 1 && o.epochs <= 1000000, "--epochs must be in 1..1000000, got %d", o.epochs);
    cli_require(o.batch >= 1, "--batch must be at least 1, got %d", o.batch);
    cli_require(o.n_houses >= 20, "--n must be at least 20, got %d", o.n_houses);
    cli_require(o.n_blobs >= 20, "--n-blobs must be at least 20, got %d", o.n_blobs);
    cli_require(o.max_degree >= 1 && o.max_degree <= 20, "--max-degree must be in 1..20, got %d", o.max_degree);
    int mode = -1;
    for (int m = 0; m < SPLIT_SCALE_COUNT; m++)
        if (strcmp(o.scaling, SPLIT_SCALE_NAMES[m]) == 0) mode = m;
    cli_require(mode >= 0, "--scaling must be train, none, own or all, got '%s'", o.scaling);

    printf("# Chapter 01: linear and logistic regression (seed %d%s)\n", o.common.seed,
           o.common.quick ? ", quick" : "");
    // One generator per part, all derived from --seed, so that changing one part (say
    // --n) leaves the numbers of the others as they were.
    Rng rng_houses, rng_poly, rng_logreg;
    rng_seed(&rng_houses, (uint64_t)o.common.seed);
    rng_seed(&rng_poly, (uint64_t)o.common.seed + 1000);
    rng_seed(&rng_logreg, (uint64_t)o.common.seed + 2000);
    DataXY all, tr, va, te;
    load_or_generate_houses(&all, &o, &rng_houses);   // may exit: before anything is written
    if (make_dirs(o.common.out) != 0) DIE("cannot create the output directory %s", o.common.out);
    // metrics.csv is collected in memory and written (atomically) only at the end, so
    // that a run stopped by an error leaves no half-written or temporary file in --out.
    char *metrics = NULL;
    size_t metrics_len = 0;
    FILE *csv = open_memstream(&metrics, &metrics_len);
    if (!csv) DIE("open_memstream failed: out of memory");
    fprintf(csv, "key,value\n");
    dataxy_split(&all, 0.6f, 0.2f, &rng_houses, &tr, &va, &te);
    HouseResults hr = houses_experiment(&o, (SplitScaling)mode, &all, &tr, &va, &te, &rng_houses, csv);
    int degree = poly_experiment(&o, &rng_poly, csv);
    float acc = logreg_experiment(&o, &rng_logreg, csv);

    double seconds = now_seconds() - t_start;
    fprintf(csv, "seconds,%.3f\n", seconds);
    if (fclose(csv) != 0) DIE("writing the metrics to memory failed");
    char path[4096], err[512];
    AtomicFile af;
    if (atomic_open(&af, path_join(path, sizeof path, o.common.out, "metrics.csv"), err, sizeof err) != 0)
        DIE("%s", err);
    fwrite(metrics, 1, metrics_len, af.fp);
    if (atomic_commit(&af, err, sizeof err) != 0) DIE("%s", err);
    free(metrics);
    dataxy_free(&all);
    dataxy_free(&tr);
    dataxy_free(&va);
    dataxy_free(&te);
    printf("\nfigures and metrics.csv in %s\n", o.common.out);
    printf("RESULT ch=01 task=linear-regression test_mse=%.2f test_r2=%.4f poly_degree=%d logreg_test_acc=%.4f "
           "seconds=%.2f\n",
           (double)hr.test_mse, (double)hr.test_r2, degree, (double)acc, seconds);
    return 0;
}
