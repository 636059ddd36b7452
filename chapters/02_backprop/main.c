// ch02: backpropagation at work. Four experiments, each a function below:
//   spiral   an MLP bends its decision boundary around three interleaved spirals
//   fashion  a one-hidden-layer MLP on Fashion-MNIST (the headline: test accuracy)
//   init     a deep plain MLP with four initialisations: vanishing/exploding gradients
//   optim    SGD vs momentum vs Adam on the same data from the same starting weights
// (and, only when asked, `--experiment tune`: why the test set is not for tuning).
// The building blocks are in mlp.c and train.c; this file parses flags, runs the
// experiments and writes figures, a metrics CSV and the checkpoint into --out.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/idx.h"
#include "chapters/02_backprop/mlp.h"
#include "chapters/02_backprop/spiral.h"
#include "chapters/02_backprop/train.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/safetensors.h"
#include "common/svg.h"
#include "common/timer.h"

#define SAMPLE_DIR "datasets/samples/fashion-mnist"

typedef struct {
    CommonOpts common;
    const char *experiment, *optimizer, *init, *act, *schedule;
    int hidden, depth, epochs, batch;
    float lr, weight_decay;
    int deep_layers, deep_width;
    int forget_zero_grad;
} Opts;

typedef struct {          // what the experiments report, for the RESULT line
    float test_acc, spiral_acc;
    const char *data;     // "sample", "full" (10,000 test images), "full-slice" (--quick), "custom" or "none"
} Results;

// ---- small helpers ---------------------------------------------------------------------

static const char *out_path(char *buf, size_t n, const Opts *o, const char *name) {
    return path_join(buf, n, o->common.out, name);
}

// Running mean over a window: per-step losses are noisy, curves read better smoothed.
static void smooth(const float *y, long n, int window, float *out) {
    double sum = 0.0;
    for (long i = 0; i < n; i++) {
        sum += y[i];
        if (i >= window) sum -= y[i - window];
        long k = i + 1 < window ? i + 1 : window;
        out[i] = (float)(sum / (double)k);
    }
}

// Keeps at most max_points evenly spaced points of a long curve (x = step number from 1),
// so that a figure of thousands of steps stays a small file. Returns the count kept.
static int thin_curve(const float *y, long n, int max_points, float *xs, float *ys) {
    long stride = n > max_points ? (n + max_points - 1) / max_points : 1;
    int kept = 0;
    for (long i = 0; i < n; i += stride, kept++) {
        xs[kept] = (float)(i + 1);
        ys[kept] = y[i];
    }
    return kept;
}

static float default_lr(OptimKind k) {
    switch (k) {
    case OPTIM_SGD: return 0.1f;
    case OPTIM_MOMENTUM: return 0.01f;
    case OPTIM_ADAM: return 1e-3f;
    }
    return 1e-3f;
}

static void load_fashion(const Opts *o, IdxDataset *train, IdxDataset *test, Results *res) {
    const char *dir = o->common.data ? o->common.data : SAMPLE_DIR;
    char err[1024];
    if (idx_load_pair(train, test, dir, err, sizeof err) != 0) {
        fflush(stdout);
        fprintf(stderr, "error: %s\n", err);   // the message already says which file and where
        exit(1);
    }
    printf("data: %s: %d train, %d test images of %dx%d\n", dir, train->n, test->n, train->rows, train->cols);
    // "full": Fashion-MNIST itself (10,000 test images); "sample": the shipped sample;
    // "custom": any other directory of IDX files.
    res->data = strcmp(dir, SAMPLE_DIR) == 0 ? "sample" : test->n >= 10000 ? "full" : "custom";
}

// ---- (a) spiral ------------------------------------------------------------------------

static void experiment_spiral(const Opts *o, FILE *csv, Results *res) {
    printf("\n== spiral: 3 interleaved spirals, 2 -> 64 -> 64 -> 3 MLP vs a linear classifier ==\n");
    enum { K = 3, PER_CLASS = 200, GRID = 120 };
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed * 7919u + 1);
    float *xy = xmalloc(sizeof(float) * 2 * K * PER_CLASS), *xy_test = xmalloc(sizeof(float) * 2 * K * PER_CLASS);
    int *lab = xmalloc(sizeof(int) * K * PER_CLASS), *lab_test = xmalloc(sizeof(int) * K * PER_CLASS);
    spiral_make(xy, lab, PER_CLASS, K, 1.0f, 0.2f, &rng);
    spiral_make(xy_test, lab_test, PER_CLASS, K, 1.0f, 0.2f, &rng);   // a fresh draw for testing
    ClsSet train = {xy, lab, K * PER_CLASS, 2}, test = {xy_test, lab_test, K * PER_CLASS, 2};

    int mlp_sizes[4] = {2, 64, 64, K}, lin_sizes[2] = {2, K};
    const int *sizes[2] = {lin_sizes, mlp_sizes};
    const int depths[2] = {1, 3};
    const char *names[2] = {"linear", "mlp"};
    float *grid_xy = xmalloc(sizeof(float) * 2 * GRID * GRID);
    int *grid = xmalloc(sizeof(int) * GRID * GRID);
    const float lo = -1.25f, hi = 1.25f;
    for (int r = 0; r < GRID; r++)   // row 0 at the top: y = hi
        for (int c = 0; c < GRID; c++) {
            grid_xy[2 * (r * GRID + c)] = lo + (hi - lo) * (c + 0.5f) / GRID;
            grid_xy[2 * (r * GRID + c) + 1] = hi - (hi - lo) * (r + 0.5f) / GRID;
        }
    for (int v = 0; v < 2; v++) {
        Mlp m;
        mlp_create(&m, sizes[v], depths[v], MLP_RELU, 64);
        mlp_init_params(&m, MLP_INIT_HE, &rng);
        TrainConfig cfg = mlp_train_defaults();
        cfg.lr = 0.01f;
        cfg.epochs = 300;
        cfg.batch = 64;
        cfg.cosine = 1;
        TrainHistory h;
        mlp_train(&m, &train, NULL, &cfg, &rng, &h);
        float train_acc = mlp_evaluate(&m, &train, NULL), test_loss, test_acc = mlp_evaluate(&m, &test, &test_loss);
        printf("%-6s  %d params  train acc %.4f  test acc %.4f  test loss %.4f  (%.2fs)\n", names[v],
               (int)tensorlist_numel(&m.params), (double)train_acc, (double)test_acc, (double)test_loss, h.seconds);
        fprintf(csv, "spiral,%s,%d,train_acc,%.6f\nspiral,%s,%d,test_acc,%.6f\n", names[v], cfg.epochs,
                (double)train_acc, names[v], cfg.epochs, (double)test_acc);
        mlp_predict(&m, grid_xy, GRID * GRID, grid);
        char name[64], path[4096], title[128];
        snprintf(name, sizeof name, "spiral_%s.svg", names[v]);
        snprintf(title, sizeof title, "%s: decision regions, test accuracy %.3f", v ? "MLP 2-64-64-3 (ReLU)" : "linear (softmax regression)",
                 (double)test_acc);
        SvgPlot plot = {.title = title, .xlabel = "x1", .ylabel = "x2"};
        svg_scatter(out_path(path, sizeof path, o, name), &plot, xy, lab, train.n, grid, GRID, GRID, lo, hi, lo, hi);
        if (v == 1) res->spiral_acc = test_acc;
        mlp_history_free(&h);
        mlp_free(&m);
    }
    free(xy), free(xy_test), free(lab), free(lab_test), free(grid_xy), free(grid);
}

// ---- (b) Fashion-MNIST ---------------------------------------------------------------------

static void experiment_fashion(const Opts *o, FILE *csv, Results *res, const IdxDataset *tr, const IdxDataset *te) {
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed);
    ClsSet all = {tr->images, tr->labels, tr->n, tr->dim}, test = {te->images, te->labels, te->n, te->dim};
    ClsSet train, val;
    clsset_split(&all, tr->n / 12, &rng, &train, &val);   // validation from TRAIN; test stays untouched

    TrainConfig cfg = mlp_train_defaults();
    if (optim_kind_parse(o->optimizer, &cfg.optimizer) != 0) DIE("unreachable: optimizer checked in main");
    cfg.lr = o->lr > 0 ? o->lr : default_lr(cfg.optimizer);
    cfg.weight_decay = o->weight_decay;
    cfg.batch = o->batch;
    cfg.epochs = o->epochs > 0 ? o->epochs : tr->n <= 5000 ? 40 : o->common.quick ? 5 : 20;
    cfg.cosine = strcmp(o->schedule, "cosine") == 0;
    cfg.verbose = 1;
    cfg.keep_grads = o->forget_zero_grad;
    MlpInit init;
    MlpActivation act;
    mlp_init_parse(o->init, &init);
    mlp_act_parse(o->act, &act);
    int hidden = o->hidden > 0 ? o->hidden : (tr->n > 5000 ? 256 : 128);
    int sizes[MLP_MAX_LAYERS + 1];
    sizes[0] = tr->dim;
    for (int i = 1; i < o->depth; i++) sizes[i] = hidden;
    sizes[o->depth] = IDX_N_CLASSES;
    char arch[256];
    int used = snprintf(arch, sizeof arch, "%d", sizes[0]);
    for (int i = 1; i <= o->depth && used < (int)sizeof arch; i++) used += snprintf(arch + used, sizeof arch - used, "-%d", sizes[i]);

    printf("\n== fashion: MLP %s (%s, init %s), %s lr %g%s, batch %d, %d epochs; %d train / %d val / %d test ==\n",
           arch, o->act, o->init, o->optimizer, (double)cfg.lr, cfg.cosine ? " (cosine)" : "", cfg.batch, cfg.epochs,
           train.n, val.n, test.n);
    if (cfg.keep_grads) printf("(--forget-zero-grad: gradients are NEVER zeroed -- the bug of README 'Common mistakes')\n");
    Mlp m;
    mlp_create(&m, sizes, o->depth, act, cfg.batch > 1000 ? cfg.batch : 1000);
    mlp_init_params(&m, init, &rng);
    TrainHistory h;
    mlp_train(&m, &train, &val, &cfg, &rng, &h);
    float test_loss, test_acc = mlp_evaluate(&m, &test, &test_loss);
    float train_acc = mlp_evaluate(&m, &train, NULL);
    printf("fashion: train acc %.4f | val acc %.4f | TEST acc %.4f (loss %.4f) | %d params | training %.1fs\n",
           (double)train_acc, (double)h.val_acc[h.epochs_done - 1], (double)test_acc, (double)test_loss,
           (int)tensorlist_numel(&m.params), h.seconds);
    res->test_acc = test_acc;

    // Per-class accuracy and the confusion matrix (rows: true class, columns: predicted).
    int *pred = xmalloc(sizeof(int) * (size_t)test.n);
    mlp_predict(&m, test.x, test.n, pred);
    float conf[IDX_N_CLASSES * IDX_N_CLASSES] = {0};
    int per_class[IDX_N_CLASSES] = {0};
    for (int i = 0; i < test.n; i++) {
        conf[test.y[i] * IDX_N_CLASSES + pred[i]] += 1.0f;
        per_class[test.y[i]]++;
    }
    printf("per-class test accuracy:");
    for (int k = 0; k < IDX_N_CLASSES; k++) {
        float acc = per_class[k] ? conf[k * IDX_N_CLASSES + k] / (float)per_class[k] : NAN;
        printf("%s %s %.3f", k ? "," : "", idx_fashion_classes[k], (double)acc);
        for (int j = 0; j < IDX_N_CLASSES; j++) conf[k * IDX_N_CLASSES + j] /= per_class[k] ? (float)per_class[k] : 1.0f;
    }
    printf("\n");
    free(pred);

    for (int e = 0; e < h.epochs_done; e++)
        fprintf(csv, "fashion,%s,%d,train_loss,%.6f\nfashion,%s,%d,val_loss,%.6f\nfashion,%s,%d,val_acc,%.6f\n", arch,
                e + 1, (double)h.train_loss[e], arch, e + 1, (double)h.val_loss[e], arch, e + 1, (double)h.val_acc[e]);
    fprintf(csv, "fashion,%s,%d,test_acc,%.6f\nfashion,%s,%d,seconds,%.3f\n", arch, h.epochs_done, (double)test_acc, arch,
            h.epochs_done, h.seconds);

    char path[4096], title[512];
    SvgSeries curves[2] = {{"train", NULL, h.train_loss, h.epochs_done}, {"validation", NULL, h.val_loss, h.epochs_done}};
    snprintf(title, sizeof title, "Fashion-MNIST, MLP %s: cross-entropy per epoch", arch);
    SvgPlot plot = {.title = title, .xlabel = "epoch", .ylabel = "loss"};
    svg_line_plot(out_path(path, sizeof path, o, "fashion_loss.svg"), &plot, curves, 2);
    snprintf(title, sizeof title, "Fashion-MNIST test set: true (rows) vs predicted, acc %.3f", (double)test_acc);
    svg_heatmap(out_path(path, sizeof path, o, "fashion_confusion.svg"), title, conf, IDX_N_CLASSES, IDX_N_CLASSES,
                idx_fashion_classes, idx_fashion_classes, 1);

    // The checkpoint: fc1.weight (H,784), fc1.bias, fc2.weight (10,H), fc2.bias as F32.
    char acc_s[32], err[1024];
    snprintf(acc_s, sizeof acc_s, "%.4f", (double)test_acc);
    const char *meta[] = {"arch", arch, "activation", o->act, "input", "pixels/255, row-major 28x28",
                          "classes", "fashion-mnist", "test_acc", acc_s, NULL};
    if (st_save(out_path(path, sizeof path, o, "fashion_mlp.safetensors"), &m.params, meta, err, sizeof err) != 0)
        fprintf(stderr, "warning: %s\n", err);
    else
        printf("saved %s\n", path);
    mlp_history_free(&h);
    mlp_free(&m);
    clsset_free(&train);
    clsset_free(&val);
}

// ---- (c) initialisation ------------------------------------------------------------------

static void experiment_init(const Opts *o, FILE *csv, const IdxDataset *tr) {
    enum { N_INIT = 4 };
    const MlpInit inits[N_INIT] = {MLP_INIT_SMALL, MLP_INIT_XAVIER, MLP_INIT_HE, MLP_INIT_LARGE};
    MlpActivation act;
    mlp_act_parse(o->act, &act);
    int L = o->deep_layers, W = o->deep_width;
    int n_rows = tr->n < 10000 ? tr->n : 10000;   // a slice of the training set keeps this fast
    int epochs = tr->n > 5000 ? 5 : 10;   // about 700 steps on the full data, 150 on the sample
    printf("\n== init: %d-layer plain MLP (%d hidden layers of %d, %s), momentum SGD lr 0.01, %d epochs on %d images ==\n",
           L, L - 1, W, o->act, epochs, n_rows);
    Rng data_rng;
    rng_seed(&data_rng, (uint64_t)o->common.seed + 99);
    ClsSet all = {tr->images, tr->labels, n_rows, tr->dim}, train, val;
    clsset_split(&all, n_rows / 10, &data_rng, &train, &val);

    int sizes[MLP_MAX_LAYERS + 1];
    sizes[0] = tr->dim;
    for (int i = 1; i < L; i++) sizes[i] = W;
    sizes[L] = IDX_N_CLASSES;
    float norms[N_INIT][MLP_MAX_LAYERS], stds[N_INIT][MLP_MAX_LAYERS], back[N_INIT][MLP_MAX_LAYERS];
    float layer_x[MLP_MAX_LAYERS];
    TrainHistory hist[N_INIT];
    float smoothed[N_INIT][400], curve_x[N_INIT][400];
    int n_points[N_INIT];
    printf("%-7s %10s %10s %10s %10s %10s %10s %10s %10s %8s\n", "init", "std(a_1)", "std(a_L-1)", "|dL/da_1|",
           "|dL/da_L-1|", "|dW_1|", "|dW_L|", "first loss", "final loss", "val acc");
    for (int k = 0; k < N_INIT; k++) {
        Rng rng;   // same seed for every init: the same batches, only the weights differ
        rng_seed(&rng, (uint64_t)o->common.seed + 1234);
        Mlp m;
        mlp_create(&m, sizes, L, act, 256);
        mlp_init_params(&m, inits[k], &rng);
        // Gradients at initialisation, on one batch of 256 images.
        tensorlist_zero_grad(&m.params);
        mlp_forward_loss(&m, train.x, train.y, train.n < 256 ? train.n : 256);
        mlp_backward(&m, train.y, NULL);
        mlp_grad_norms(&m, norms[k]);
        mlp_activation_std(&m, stds[k]);
        memcpy(back[k], m.d_act_norm, sizeof(float) * (size_t)(L - 1));

        TrainConfig cfg = mlp_train_defaults();
        cfg.optimizer = OPTIM_MOMENTUM;
        cfg.lr = 0.01f;
        cfg.momentum = 0.9f;
        cfg.batch = 64;
        cfg.epochs = epochs;
        cfg.allow_divergence = 1;
        mlp_train(&m, &train, &val, &cfg, &rng, &hist[k]);
        TrainHistory *h = &hist[k];
        float last = h->diverged ? NAN : h->train_loss[h->epochs_done - 1];
        float acc = h->diverged ? NAN : h->val_acc[h->epochs_done - 1];
        printf("%-7s %10.2e %10.2e %10.2e %10.2e %10.2e %10.2e %10.3g %10.4f %8.4f%s\n", mlp_init_name(inits[k]),
               (double)stds[k][0], (double)stds[k][L - 2], (double)back[k][0], (double)back[k][L - 2],
               (double)norms[k][0], (double)norms[k][L - 1], (double)h->step_loss[0], (double)last, (double)acc,
               h->diverged ? "  (diverged: loss became NaN/Inf)" : "");
        for (int l = 0; l < L; l++)
            fprintf(csv, "init,%s,%d,grad_norm,%.6e\n", mlp_init_name(inits[k]), l + 1, (double)norms[k][l]);
        for (int l = 0; l < L - 1; l++)
            fprintf(csv, "init,%s,%d,activation_std,%.6e\ninit,%s,%d,activation_grad_norm,%.6e\n",
                    mlp_init_name(inits[k]), l + 1, (double)stds[k][l], mlp_init_name(inits[k]), l + 1, (double)back[k][l]);
        for (int e = 0; e < h->epochs_done; e++)
            fprintf(csv, "init,%s,%d,train_loss,%.6f\ninit,%s,%d,val_acc,%.6f\n", mlp_init_name(inits[k]), e + 1,
                    (double)h->train_loss[e], mlp_init_name(inits[k]), e + 1, (double)h->val_acc[e]);
        float *tmp = xmalloc(sizeof(float) * (size_t)(h->n_steps > 0 ? h->n_steps : 1));
        smooth(h->step_loss, h->n_steps, 20, tmp);
        n_points[k] = thin_curve(tmp, h->n_steps, 400, curve_x[k], smoothed[k]);
        free(tmp);
        mlp_free(&m);
    }
    for (int l = 0; l < L; l++) layer_x[l] = (float)(l + 1);

    char path[4096], title[512];
    SvgSeries s[N_INIT];
    for (int k = 0; k < N_INIT; k++) s[k] = (SvgSeries){mlp_init_name(inits[k]), layer_x, norms[k], L};
    snprintf(title, sizeof title, "Gradient norm per layer at initialisation (%d-layer %s MLP)", L, o->act);
    SvgPlot p1 = {.title = title, .xlabel = "layer", .ylabel = "||dLoss/dW||", .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "init_grad_norms.svg"), &p1, s, N_INIT);
    for (int k = 0; k < N_INIT; k++) s[k] = (SvgSeries){mlp_init_name(inits[k]), layer_x, stds[k], L - 1};
    snprintf(title, sizeof title, "Std of activations per hidden layer at initialisation (%s)", o->act);
    SvgPlot p2 = {.title = title, .xlabel = "hidden layer", .ylabel = "std(a)", .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "init_activations.svg"), &p2, s, N_INIT);
    for (int k = 0; k < N_INIT; k++) s[k] = (SvgSeries){mlp_init_name(inits[k]), layer_x, back[k], L - 1};
    snprintf(title, sizeof title, "Backward signal ||dLoss/da|| per hidden layer at initialisation (%s)", o->act);
    SvgPlot p4 = {.title = title, .xlabel = "hidden layer", .ylabel = "||dLoss/da||", .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "init_backward.svg"), &p4, s, N_INIT);
    char run_labels[N_INIT][64];
    for (int k = 0; k < N_INIT; k++) {
        if (hist[k].diverged)
            snprintf(run_labels[k], sizeof run_labels[k], "%s: NaN at step %ld", mlp_init_name(inits[k]), hist[k].n_steps);
        else
            snprintf(run_labels[k], sizeof run_labels[k], "%s", mlp_init_name(inits[k]));
        s[k] = (SvgSeries){run_labels[k], curve_x[k], smoothed[k], n_points[k]};
    }
    snprintf(title, sizeof title, "Training loss of a %d-layer %s MLP by initialisation", L, o->act);
    SvgPlot p3 = {.title = title, .xlabel = "step", .ylabel = "loss (running mean of 20 steps)", .y_min = 0.0f, .y_max = 3.0f};
    svg_line_plot(out_path(path, sizeof path, o, "init_loss.svg"), &p3, s, N_INIT);
    for (int k = 0; k < N_INIT; k++) mlp_history_free(&hist[k]);
    clsset_free(&train);
    clsset_free(&val);
}

// ---- (d) optimisers ----------------------------------------------------------------------

static void experiment_optim(const Opts *o, FILE *csv, const IdxDataset *tr) {
    // Plain SGD at lr 0.01 and at 0.1, momentum (mu 0.9) at lr 0.01, Adam at its usual 1e-3.
    // Momentum's velocity sums about 1/(1-mu) = 10 past gradients, so at lr 0.01 it moves
    // about as far per step as plain SGD at 0.1 (README eq. (2.14)): the two SGD runs
    // bracket it.
    enum { N_OPT = 4 };
    const OptimKind kinds[N_OPT] = {OPTIM_SGD, OPTIM_SGD, OPTIM_MOMENTUM, OPTIM_ADAM};
    const float lrs[N_OPT] = {0.01f, 0.1f, 0.01f, 1e-3f};
    int n_rows = tr->n;
    int epochs = tr->n > 5000 ? 5 : 10;
    int window = n_rows > 5000 ? 100 : 10;   // steps in the running mean of the curves
    printf("\n== optim: 784-128-10 MLP, same initial weights and batches, %d epochs on %d images (batch 64) ==\n",
           epochs, n_rows - n_rows / 10);
    Rng data_rng;
    rng_seed(&data_rng, (uint64_t)o->common.seed + 7);
    ClsSet all = {tr->images, tr->labels, n_rows, tr->dim}, train, val;
    clsset_split(&all, n_rows / 10, &data_rng, &train, &val);
    int sizes[3] = {tr->dim, 128, IDX_N_CLASSES};
    TrainHistory hist[N_OPT];
    float smoothed[N_OPT][500], curve_x[N_OPT][500];
    int n_points[N_OPT];
    char labels[N_OPT][64];
    printf("%-9s %8s %11s %11s %9s %8s\n", "optimizer", "lr", "first loss", "last epoch", "val acc", "seconds");
    for (int k = 0; k < N_OPT; k++) {
        Rng rng;
        rng_seed(&rng, (uint64_t)o->common.seed + 4321);
        Mlp m;
        mlp_create(&m, sizes, 2, MLP_RELU, 64);
        mlp_init_params(&m, MLP_INIT_HE, &rng);
        TrainConfig cfg = mlp_train_defaults();
        cfg.optimizer = kinds[k];
        cfg.lr = lrs[k];
        cfg.momentum = 0.9f;
        cfg.batch = 64;
        cfg.epochs = epochs;
        cfg.allow_divergence = 1;
        mlp_train(&m, &train, &val, &cfg, &rng, &hist[k]);
        TrainHistory *h = &hist[k];
        printf("%-9s %8g %11.4f %11.4f %9.4f %8.2f\n", optim_kind_name(kinds[k]), (double)lrs[k], (double)h->step_loss[0],
               (double)h->train_loss[h->epochs_done - 1], (double)h->val_acc[h->epochs_done - 1], h->seconds);
        for (int e = 0; e < h->epochs_done; e++)
            fprintf(csv, "optim,%s_lr%g,%d,train_loss,%.6f\noptim,%s_lr%g,%d,val_acc,%.6f\n", optim_kind_name(kinds[k]),
                    (double)lrs[k], e + 1, (double)h->train_loss[e], optim_kind_name(kinds[k]), (double)lrs[k], e + 1,
                    (double)h->val_acc[e]);
        float *tmp = xmalloc(sizeof(float) * (size_t)(h->n_steps > 0 ? h->n_steps : 1));
        smooth(h->step_loss, h->n_steps, window, tmp);
        n_points[k] = thin_curve(tmp, h->n_steps, 500, curve_x[k], smoothed[k]);
        free(tmp);
        snprintf(labels[k], sizeof labels[k], "%s lr %g", optim_kind_name(kinds[k]), (double)lrs[k]);
        mlp_free(&m);
    }
    char path[4096];
    SvgSeries s[N_OPT];
    for (int k = 0; k < N_OPT; k++) s[k] = (SvgSeries){labels[k], curve_x[k], smoothed[k], n_points[k]};
    char ylabel[64];
    snprintf(ylabel, sizeof ylabel, "loss (running mean of %d steps)", window);
    SvgPlot plot = {.title = "Training loss: SGD vs momentum vs Adam (same start, same batches)", .xlabel = "step",
                    .ylabel = ylabel, .y_min = 0.0f, .y_max = 2.5f};
    svg_line_plot(out_path(path, sizeof path, o, "optim_loss.svg"), &plot, s, N_OPT);
    for (int k = 0; k < N_OPT; k++) mlp_history_free(&hist[k]);
    clsset_free(&train);
    clsset_free(&val);
}

// ---- tune: choosing a learning rate on validation vs on test -------------------------------

static void experiment_tune(const Opts *o, FILE *csv, const IdxDataset *tr, const IdxDataset *te) {
    enum { N_LR = 6 };
    const float lrs[N_LR] = {1e-4f, 3e-4f, 1e-3f, 3e-3f, 1e-2f, 3e-2f};
    Rng split_rng;
    rng_seed(&split_rng, (uint64_t)o->common.seed);
    ClsSet all = {tr->images, tr->labels, tr->n, tr->dim}, test = {te->images, te->labels, te->n, te->dim}, train, val;
    clsset_split(&all, tr->n / 12, &split_rng, &train, &val);
    int epochs = o->epochs > 0 ? o->epochs : (tr->n > 5000 ? 5 : 20);
    printf("\n== tune: Adam learning rate sweep, 784-128-10, %d epochs; validation vs test ==\n", epochs);
    printf("%8s %9s %9s\n", "lr", "val acc", "test acc");
    float val_acc[N_LR], test_acc[N_LR];
    int best_val = 0, best_test = 0;
    for (int k = 0; k < N_LR; k++) {
        Rng rng;
        rng_seed(&rng, (uint64_t)o->common.seed + 5);
        int sizes[3] = {tr->dim, 128, IDX_N_CLASSES};
        Mlp m;
        mlp_create(&m, sizes, 2, MLP_RELU, 1000);
        mlp_init_params(&m, MLP_INIT_HE, &rng);
        TrainConfig cfg = mlp_train_defaults();
        cfg.lr = lrs[k];
        cfg.epochs = epochs;
        cfg.allow_divergence = 1;
        TrainHistory h;
        mlp_train(&m, &train, NULL, &cfg, &rng, &h);
        val_acc[k] = mlp_evaluate(&m, &val, NULL);
        test_acc[k] = mlp_evaluate(&m, &test, NULL);
        printf("%8g %9.4f %9.4f\n", (double)lrs[k], (double)val_acc[k], (double)test_acc[k]);
        fprintf(csv, "tune,%g,%d,val_acc,%.6f\ntune,%g,%d,test_acc,%.6f\n", (double)lrs[k], epochs, (double)val_acc[k],
                (double)lrs[k], epochs, (double)test_acc[k]);
        if (val_acc[k] > val_acc[best_val]) best_val = k;
        if (test_acc[k] > test_acc[best_test]) best_test = k;
        mlp_history_free(&h);
        mlp_free(&m);
    }
    printf("chosen on validation: lr %g -> test acc %.4f (an honest estimate)\n", (double)lrs[best_val],
           (double)test_acc[best_val]);
    printf("chosen on test:       lr %g -> test acc %.4f (the best of %d tries on the test set: optimistic)\n",
           (double)lrs[best_test], (double)test_acc[best_test], N_LR);
    clsset_free(&train);
    clsset_free(&val);
}

// ---- main ------------------------------------------------------------------------------------

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/out/ch02"}, .experiment = "all", .optimizer = "adam", .init = "he",
              .act = "relu", .schedule = "cosine", .hidden = 0, .depth = 2, .epochs = 0, .batch = 128, .lr = 0,
              .deep_layers = 16, .deep_width = 128};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"experiment", FLAG_STRING, &o.experiment, "all, spiral, fashion, init, optim, or tune (not in all)"},
        {"hidden", FLAG_INT, &o.hidden, "fashion: hidden width (0: 256 on full data, 128 on the sample)"},
        {"depth", FLAG_INT, &o.depth, "fashion: Linear layers (2 = one hidden layer)"},
        {"epochs", FLAG_INT, &o.epochs, "fashion/tune: epochs (0: fashion 20 on full data, 5 with --quick, 40 on the sample; "
                                          "tune 5 on full data, 20 on the sample)"},
        {"batch", FLAG_INT, &o.batch, "fashion: minibatch size"},
        {"lr", FLAG_FLOAT, &o.lr, "fashion: learning rate (0: 0.1 sgd, 0.01 momentum, 1e-3 adam)"},
        {"optimizer", FLAG_STRING, &o.optimizer, "fashion: sgd, momentum or adam"},
        {"weight-decay", FLAG_FLOAT, &o.weight_decay, "fashion: weight decay"},
        {"schedule", FLAG_STRING, &o.schedule, "fashion: learning-rate schedule, cosine or constant"},
        {"init", FLAG_STRING, &o.init, "fashion: he, xavier, small (N(0,0.01^2)) or large (N(0,1))"},
        {"act", FLAG_STRING, &o.act, "fashion and init: relu or tanh"},
        {"deep-layers", FLAG_INT, &o.deep_layers, "init: Linear layers of the deep MLP"},
        {"deep-width", FLAG_INT, &o.deep_width, "init: width of its hidden layers"},
        {"forget-zero-grad", FLAG_BOOL, &o.forget_zero_grad, "fashion: never zero the gradients (a bug, to see it)"},
    };
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch02: backpropagation -- spiral, Fashion-MNIST MLP, initialisation, optimisers");
    OptimKind ok;
    MlpInit mi;
    MlpActivation ma;
    const char *exps[] = {"all", "spiral", "fashion", "init", "optim", "tune"};
    int exp_ok = 0;
    for (int i = 0; i < 6; i++) exp_ok |= strcmp(o.experiment, exps[i]) == 0;
    cli_require(exp_ok, "--experiment must be all, spiral, fashion, init, optim or tune, not '%s'", o.experiment);
    cli_require(optim_kind_parse(o.optimizer, &ok) == 0, "--optimizer must be sgd, momentum or adam, not '%s'", o.optimizer);
    cli_require(mlp_init_parse(o.init, &mi) == 0, "--init must be he, xavier, small or large, not '%s'", o.init);
    cli_require(mlp_act_parse(o.act, &ma) == 0, "--act must be relu or tanh, not '%s'", o.act);
    cli_require(strcmp(o.schedule, "cosine") == 0 || strcmp(o.schedule, "constant") == 0,
                "--schedule must be cosine or constant, not '%s'", o.schedule);
    cli_require(o.depth >= 1 && o.depth <= MLP_MAX_LAYERS, "--depth must be in 1..%d", MLP_MAX_LAYERS);
    cli_require(o.deep_layers >= 2 && o.deep_layers <= MLP_MAX_LAYERS, "--deep-layers must be in 2..%d", MLP_MAX_LAYERS);
    cli_require(o.deep_width >= 1, "--deep-width must be positive");
    cli_require(o.hidden >= 0 && o.epochs >= 0, "--hidden and --epochs must not be negative");
    cli_require(o.batch >= 1 && o.batch <= 65536, "--batch must be in 1..65536");
    cli_require(o.lr >= 0 && o.weight_decay >= 0, "--lr and --weight-decay must not be negative");
    if (make_dirs(o.common.out) != 0) DIE("%s: cannot create the output directory", o.common.out);

    // The metrics are collected in an anonymous temporary file (tmpfile() deletes it when
    // the program ends, however it ends) and copied into --out/metrics.csv only after every
    // experiment has finished: a run stopped by bad data or a NaN leaves no partial file.
    FILE *csv = tmpfile();
    if (!csv) DIE("cannot create a temporary file for the metrics");
    fprintf(csv, "experiment,run,x,metric,value\n");

    Results res = {NAN, NAN, "none"};
    int all = strcmp(o.experiment, "all") == 0;
    int needs_data = strcmp(o.experiment, "spiral") != 0;
    IdxDataset tr = {0}, te = {0};
    if (needs_data) {   // loaded first, so that a bad --data stops the run before any training
        load_fashion(&o, &tr, &te, &res);
        if (o.common.quick && tr.n > 10000) {   // --quick on the full data: a slice, seconds not minutes
            tr.n = 10000;
            res.data = "full-slice";
            printf("quick: training on the first %d images only\n", tr.n);
        }
    }
    if (all || strcmp(o.experiment, "spiral") == 0) experiment_spiral(&o, csv, &res);
    if (needs_data) {
        if (all || strcmp(o.experiment, "fashion") == 0) experiment_fashion(&o, csv, &res, &tr, &te);
        if (all || strcmp(o.experiment, "init") == 0) experiment_init(&o, csv, &tr);
        if (all || strcmp(o.experiment, "optim") == 0) experiment_optim(&o, csv, &tr);
        if (strcmp(o.experiment, "tune") == 0) experiment_tune(&o, csv, &tr, &te);
        idx_free(&tr);
        idx_free(&te);
    }

    char path[4096], err[1024];
    AtomicFile out;
    if (atomic_open(&out, out_path(path, sizeof path, &o, "metrics.csv"), err, sizeof err) != 0) {
        fprintf(stderr, "warning: %s\n", err);
    } else {
        rewind(csv);
        char buf[8192];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, csv)) > 0) fwrite(buf, 1, got, out.fp);
        if (atomic_commit(&out, err, sizeof err) != 0) fprintf(stderr, "warning: %s\n", err);
    }
    fclose(csv);
    printf("\nfigures and metrics.csv in %s\n", o.common.out);

    char test_s[32] = "na", spiral_s[32] = "na";
    if (isfinite(res.test_acc)) snprintf(test_s, sizeof test_s, "%.4f", (double)res.test_acc);
    if (isfinite(res.spiral_acc)) snprintf(spiral_s, sizeof spiral_s, "%.4f", (double)res.spiral_acc);
    printf("RESULT ch=02 task=fashion-mnist-mlp data=%s test_acc=%s spiral_acc=%s seconds=%.1f\n", res.data, test_s,
           spiral_s, now_seconds() - t0);
    return 0;
}
