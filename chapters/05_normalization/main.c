// ch05: layer norm vs batch norm. Four experiments, each a function below:
//   axes       one small (N,C) matrix normalised both ways: which axis gets mean 0, var 1
//   batchsize  an MLP with batch norm (and one with layer norm) trained with batches of
//              1, 2, 8, 64: validation accuracy in train mode and eval mode
//   padding    padded sequences: layer norm per token ignores padding, batch norm over
//              (batch*time) rows does not, masked batch norm does again
//   depth      residual stacks of 4..64 blocks, pre-LN vs post-LN vs no norm: gradient
//              norm per block at initialisation, and a short training run
// The building blocks are layernorm.c, batchnorm.c, normnet.c and residual.c; this file
// parses flags, runs the experiments and writes figures and metrics.csv into --out.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/idx.h"
#include "chapters/02_backprop/optim.h"
#include "chapters/05_normalization/batchnorm.h"
#include "chapters/05_normalization/layernorm.h"
#include "chapters/05_normalization/normnet.h"
#include "chapters/05_normalization/residual.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/progress.h"
#include "common/svg.h"
#include "common/timer.h"

typedef struct {
    CommonOpts common;
    const char *experiment;
    int epochs, hidden, width, steps;
    float lr;   // depth: Adam learning rate of the training runs
} Opts;

typedef struct {
    float bn_gap_b2, bn_eval_acc_b1, bn_eval_acc_b64, ln_acc_b1, ln_acc_b64;
    float preln_ratio, postln_ratio, none_ratio, plain_ratio;
    float preln_acc, postln_acc, none_acc, plain_acc;
    float pad_bn_change, pad_ln_change;
} Results;

static const char *out_path(char *buf, size_t n, const Opts *o, const char *name) {
    return path_join(buf, n, o->common.out, name);
}

static void col_stats(const float *m, int N, int C, int c, double *mu, double *var) {
    double s = 0, q = 0;
    for (int i = 0; i < N; i++) s += m[i * C + c];
    *mu = s / N;
    for (int i = 0; i < N; i++) q += (m[i * C + c] - *mu) * (m[i * C + c] - *mu);
    *var = q / N;
}
static void row_stats(const float *m, int C, int i, double *mu, double *var) {
    double s = 0, q = 0;
    for (int c = 0; c < C; c++) s += m[i * C + c];
    *mu = s / C;
    for (int c = 0; c < C; c++) q += (m[i * C + c] - *mu) * (m[i * C + c] - *mu);
    *var = q / C;
}

static void print_matrix(const char *title, const float *m, int N, int C) {
    printf("%s\n", title);
    for (int i = 0; i < N; i++) {
        double mu, var;
        row_stats(m, C, i, &mu, &var);
        printf("        ");
        for (int c = 0; c < C; c++) printf("%10.3f", (double)m[i * C + c]);
        printf("   | row mean %7.3f var %7.3f\n", mu, var);
    }
    printf("col mean");
    for (int c = 0; c < C; c++) {
        double mu, var;
        col_stats(m, N, C, c, &mu, &var);
        printf("%10.3f", mu);
    }
    printf("\ncol var ");
    for (int c = 0; c < C; c++) {
        double mu, var;
        col_stats(m, N, C, c, &mu, &var);
        printf("%10.3f", var);
    }
    printf("\n");
}

// ---- (a) axes ----------------------------------------------------------------------------
static void experiment_axes(void) {
    printf("\n== axes: x (N=4 examples, C=3 features) normalised both ways (gamma=1, beta=0) ==\n");
    enum { N = 4, C = 3 };
    // feature 0 is small, feature 2 large; example 3 is ten times example 0
    float x[N * C] = {1, 10, 100, 2, 20, 300, 3, 40, 200, 10, 100, 1000};
    float g[C] = {1, 1, 1}, b[C] = {0, 0, 0}, out[N * C], mean[N], rstd[N];
    print_matrix("x:", x, N, C);
    layernorm_forward(out, mean, rstd, x, g, b, N, C);
    print_matrix("layer norm (each ROW gets mean 0, var 1; example 0 and example 3 become identical):", out, N, C);
    batchnorm_forward(out, mean, rstd, x, g, b, NULL, NULL, 0.1f, 1, N, C);
    print_matrix("batch norm, train mode (each COLUMN gets mean 0, var 1):", out, N, C);
}

// ---- (b) batch size ----------------------------------------------------------------------
static void experiment_batchsize(const Opts *o, FILE *csv, const IdxDataset *train, const IdxDataset *val,
                                 Results *res) {
    enum { NB = 4 };
    const int batches[NB] = {1, 2, 8, 64};
    int epochs = o->epochs ? o->epochs : (o->common.quick ? 2 : 5);
    printf("\n== batchsize: %d-%d-%d-10 MLP, norm after each hidden Linear; %d epochs of %d examples, Adam 1e-3 ==\n",
           train->dim, o->hidden, o->hidden, epochs, train->n);
    printf("validation: %d examples. 'train mode' = batch statistics of validation batches of the same size;\n"
           "'eval mode' = batch norm's running averages (layer norm has no modes).\n", val->n);
    printf("%-10s %5s | %10s | %10s %10s | %10s %10s | %7s\n", "norm", "batch", "train loss", "acc train", "loss train",
           "acc eval", "loss eval", "gap");
    float acc_tr[2][NB], acc_ev[2][NB], xs[NB], lt1 = NAN, at1 = NAN;
    for (int k = 0; k < 2; k++) {
        NormKind kind = k == 0 ? NORMNET_BATCH : NORMNET_LAYER;
        for (int bi = 0; bi < NB; bi++) {
            int bs = batches[bi];
            xs[bi] = (float)bs;
            Rng rng;
            rng_seed(&rng, (uint64_t)o->common.seed * 7919u + 5);
            NormNet net;
            normnet_create(&net, kind, train->dim, o->hidden, IDX_N_CLASSES, bs > 256 ? bs : 256, &rng);
            float tl = normnet_train(&net, train->images, train->labels, train->n, bs, epochs, 1e-3f, &rng, 1);
            float lt, at, le, ae;
            normnet_evaluate(&net, val->images, val->labels, val->n, bs, 1, &lt, &at);
            normnet_evaluate(&net, val->images, val->labels, val->n, 256, 0, &le, &ae);
            acc_tr[k][bi] = at, acc_ev[k][bi] = ae;
            if (kind == NORMNET_BATCH && bs == 64) {   // the mistake: forgetting eval mode at test time
                normnet_evaluate(&net, val->images, val->labels, val->n, 1, 1, &lt1, &at1);
            }
            printf("%-10s %5d | %10.4f | %10.4f %10.4f | %10.4f %10.4g | %+7.4f\n", normnet_kind_name(kind), bs, (double)tl,
                   (double)at, (double)lt, (double)ae, (double)le, (double)(at - ae));
            fprintf(csv, "batchsize,%s,%d,train_loss,%.6g\nbatchsize,%s,%d,val_acc_train_mode,%.6g\n"
                         "batchsize,%s,%d,val_acc_eval_mode,%.6g\nbatchsize,%s,%d,val_loss_eval_mode,%.6g\n",
                    normnet_kind_name(kind), bs, (double)tl, normnet_kind_name(kind), bs, (double)at,
                    normnet_kind_name(kind), bs, (double)ae, normnet_kind_name(kind), bs, (double)le);
            normnet_free(&net);
        }
    }
    printf("mistake: the batch-64 batch-norm model evaluated one image at a time in TRAIN mode: accuracy %.4f, "
           "loss %.4f (eval mode: %.4f)\n", (double)at1, (double)lt1, (double)acc_ev[0][3]);
    fprintf(csv, "batchsize,batchnorm,64,val_acc_train_mode_batch1,%.6g\n", (double)at1);
    res->bn_gap_b2 = acc_tr[0][1] - acc_ev[0][1];
    res->bn_eval_acc_b1 = acc_ev[0][0], res->bn_eval_acc_b64 = acc_ev[0][3];
    res->ln_acc_b1 = acc_ev[1][0], res->ln_acc_b64 = acc_ev[1][3];
    char path[4096];
    SvgSeries s[3] = {{"batch norm, eval mode (running stats)", xs, acc_ev[0], NB},
                      {"batch norm, train mode (batch stats)", xs, acc_tr[0], NB},
                      {"layer norm", xs, acc_ev[1], NB}};
    SvgPlot plot = {"Validation accuracy vs training batch size", "batch size", "validation accuracy", 0, 1, 0, 1};
    svg_line_plot(out_path(path, sizeof path, o, "batchsize.svg"), &plot, s, 3);
}

// ---- (c) padding -------------------------------------------------------------------------
// Three sequences of lengths 2, 4, 3 with C = 4 features, padded with zeros to T = 4, 8, 16.
// Token (0,0)'s normalised features, and the largest change of any real token's output
// relative to T = 4, for layer norm per token, batch norm over all B*T rows, masked batch norm.
static void experiment_padding(const Opts *o, FILE *csv, Results *res) {
    enum { B = 3, C = 4, NT = 3, TMAX = 16 };
    const int lens[B] = {2, 4, 3}, Ts[NT] = {4, 8, 16};
    printf("\n== padding: %d sequences, lengths 2, 4, 3, C=%d, zero-padded to T = 4, 8, 16 ==\n", B, C);
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed * 13u + 3);
    float tokens[B][4][C];
    for (int b = 0; b < B; b++)
        for (int t = 0; t < 4; t++)
            for (int c = 0; c < C; c++) tokens[b][t][c] = 1 + rng_normal(&rng);
    float g[C] = {1, 1, 1, 1}, be[C] = {0, 0, 0, 0};
    float x[B * TMAX * C], out[3][B * TMAX * C], ref[3][B * 4 * C], mean[B * TMAX], rstd[B * TMAX];
    int mask[B * TMAX];
    const char *names[3] = {"layer norm", "batch norm", "masked batch norm"};
    printf("%-18s %4s | %-36s | %s\n", "", "T", "token (0,0) after the norm", "max change of a real token vs T=4");
    float change[3] = {0};
    for (int ti = 0; ti < NT; ti++) {
        int T = Ts[ti], rows = B * T;
        for (int b = 0; b < B; b++)
            for (int t = 0; t < T; t++) {
                mask[b * T + t] = t < lens[b];
                for (int c = 0; c < C; c++) x[(b * T + t) * C + c] = t < lens[b] ? tokens[b][t][c] : 0;
            }
        layernorm_forward(out[0], mean, rstd, x, g, be, rows, C);
        batchnorm_forward(out[1], mean, rstd, x, g, be, NULL, NULL, 0.1f, 1, rows, C);
        batchnorm_forward_masked(out[2], mean, rstd, x, mask, g, be, rows, C);
        for (int v = 0; v < 3; v++) {
            float maxd = 0;
            for (int b = 0; b < B; b++)
                for (int t = 0; t < lens[b]; t++)
                    for (int c = 0; c < C; c++) {
                        float y = out[v][(b * T + t) * C + c];
                        if (ti == 0) ref[v][(b * 4 + t) * C + c] = y;
                        else maxd = fmaxf(maxd, fabsf(y - ref[v][(b * 4 + t) * C + c]));
                    }
            change[v] = fmaxf(change[v], maxd);
            printf("%-18s %4d | %8.4f %8.4f %8.4f %8.4f | %.6f\n", names[v], T, (double)out[v][0], (double)out[v][1],
                   (double)out[v][2], (double)out[v][3], (double)maxd);
            fprintf(csv, "padding,%s,%d,max_change,%.6g\n", names[v], T, (double)maxd);
        }
    }
    res->pad_ln_change = change[0], res->pad_bn_change = change[1];
}

// Trains each kind of stack at depth L for --steps Adam steps; prints the first loss,
// the mean of the last 20 and the validation accuracy; at the deepest depth (res not
// NULL) also the loss-curve figure and the RESULT numbers.
static void train_depth(const Opts *o, FILE *csv, const IdxDataset *train, const IdxDataset *val, int L,
                        const ResNormKind *kinds, int NK, Results *res) {
    int W = o->width, steps = o->steps ? o->steps : (o->common.quick ? 150 : 600), bs = 32;
    printf("\ntraining at L = %d: %d Adam steps (lr %g, no warm-up) of %d images\n", L, steps, (double)o->lr, bs);
    // ||dW|| of the first block over that of the last, at a few steps: how the gradient
    // is shared along the stack once training moves the weights
    enum { N_PROBE = 6 };
    const int probe_at[N_PROBE] = {1, 10, 30, 100, 300, 600};
    printf("%-11s | %10s %10s | %8s | first/last block |dW| at step", "norm", "loss @1", "loss end", "val acc");
    for (int p = 0; p < N_PROBE; p++) printf(" %6d", probe_at[p]);
    printf("\n");
    float *curve[8], *steps_x = xmalloc(sizeof(float) * (size_t)steps), probe_x[N_PROBE], probes[8][N_PROBE];
    int n_probe = 0;   // probes within --steps
    for (int p = 0; p < N_PROBE; p++)
        if (probe_at[p] <= steps) probe_x[n_probe++] = (float)probe_at[p];
    SvgSeries s[8];
    char path[4096], title[128];
    for (int i = 0; i < steps; i++) steps_x[i] = (float)(i + 1);
    for (int k = 0; k < NK; k++) {
        Rng rng;
        rng_seed(&rng, (uint64_t)o->common.seed * 101u + (uint64_t)L);
        ResStack r;
        residual_create(&r, kinds[k], 1, train->dim, W, L, IDX_N_CLASSES, 256, &rng);
        Adam opt;
        adam_init(&opt, &r.params, o->lr, 0.9f, 0.999f, 1e-8f, 0);
        curve[k] = xmalloc(sizeof(float) * (size_t)steps);
        float *xb = xmalloc(sizeof(float) * (size_t)bs * train->dim);
        int yb[32];
        float probe[N_PROBE];
        for (int p = 0; p < N_PROBE; p++) probe[p] = NAN;
        Progress prog;
        progress_start(&prog, steps, "img");
        for (int step = 0; step < steps; step++) {
            for (int i = 0; i < bs; i++) {
                int j = rng_int(&rng, train->n);
                memcpy(xb + (long)i * train->dim, train->images + (long)j * train->dim, sizeof(float) * (size_t)train->dim);
                yb[i] = train->labels[j];
            }
            tensorlist_zero_grad(&r.params);
            float loss = residual_forward_loss(&r, xb, yb, bs);
            check_finite(loss, "training loss", step + 1);
            residual_backward(&r, yb);
            for (int p = 0; p < N_PROBE; p++)
                if (step + 1 == probe_at[p]) probe[p] = r.block_grad_norm[0] / r.block_grad_norm[L - 1];
            adam_step(&opt, &r.params);
            curve[k][step] = loss;
            if (step % 10 == 0) fprintf(csv, "depth_train_L%d,%s,%d,loss,%.6g\n", L, residual_kind_name(kinds[k]), step + 1, (double)loss);
            progress_update(&prog, step + 1, loss, (double)(step + 1) * bs);
        }
        progress_end(&prog);
        float acc = residual_accuracy(&r, val->images, val->labels, val->n);
        double tail = 0;
        int nt = steps < 20 ? steps : 20;
        for (int i = steps - nt; i < steps; i++) tail += curve[k][i] / nt;
        printf("%-11s | %10.4f %10.4f | %8.4f |                            ", residual_kind_name(kinds[k]),
               (double)curve[k][0], tail, (double)acc);
        memcpy(probes[k], probe, sizeof probe);
        for (int p = 0; p < N_PROBE; p++) {
            if (isnan(probe[p])) printf(" %6s", "-");
            else printf(" %6.3g", (double)probe[p]);
            if (!isnan(probe[p]))
                fprintf(csv, "depth_train_L%d,%s,%d,grad_ratio_first_last,%.6g\n", L, residual_kind_name(kinds[k]),
                        probe_at[p], (double)probe[p]);
        }
        printf("\n");
        fprintf(csv, "depth_train,%s,%d,val_acc,%.6g\n", residual_kind_name(kinds[k]), L, (double)acc);
        if (res && kinds[k] == RESNORM_PRE) res->preln_acc = acc;
        if (res && kinds[k] == RESNORM_POST) res->postln_acc = acc;
        if (res && kinds[k] == RESNORM_NONE) res->none_acc = acc;
        if (res && kinds[k] == RESNORM_PLAIN) res->plain_acc = acc;
        s[k] = (SvgSeries){residual_kind_name(kinds[k]), steps_x, curve[k], steps};
        free(xb);
        adam_free(&opt);
        residual_free(&r);
    }
    if (res) {
        snprintf(title, sizeof title, "Training loss, %d residual blocks", L);
        SvgPlot lp = {title, "step", "training loss (batch of 32)", 0, 0, 0, 0};
        svg_line_plot(out_path(path, sizeof path, o, "depth_training.svg"), &lp, s, NK);
        SvgSeries sr[8];
        for (int k = 0; k < NK; k++) sr[k] = (SvgSeries){residual_kind_name(kinds[k]), probe_x, probes[k], n_probe};
        snprintf(title, sizeof title, "First block's |dW| / last block's, during training, %d blocks", L);
        SvgPlot rp = {title, "training step (log scale)", "ratio (log scale)", 1, 1, 0, 0};
        svg_line_plot(out_path(path, sizeof path, o, "depth_grad_ratio.svg"), &rp, sr, NK);
    }
    for (int k = 0; k < NK; k++) free(curve[k]);
    free(steps_x);
}

// ---- (d) depth ---------------------------------------------------------------------------
// How different the B examples still are at a layer: for each feature, the standard
// deviation across the batch; their RMS over the features, divided by the RMS of all
// entries. About 1 when the examples vary as much as the values themselves, 0 when every
// example is mapped to the same vector (the top of the stack then cannot tell them apart,
// whatever the gradient does).
static double batch_spread(const float *h, int B, int W) {
    double var_sum = 0, sq_sum = 0;
    for (int c = 0; c < W; c++) {
        double mu = 0, var = 0;
        for (int i = 0; i < B; i++) mu += h[(size_t)i * W + c];
        mu /= B;
        for (int i = 0; i < B; i++) {
            double v = h[(size_t)i * W + c];
            var += (v - mu) * (v - mu), sq_sum += v * v;
        }
        var_sum += var / B;
    }
    return sq_sum > 0 ? sqrt(var_sum / W) / sqrt(sq_sum / ((double)B * W)) : 0.0;
}

static void experiment_depth(const Opts *o, FILE *csv, const IdxDataset *train, const IdxDataset *val,
                             Results *res) {
    enum { NK = 4, MAXL = 4 };
    const ResNormKind kinds[NK] = {RESNORM_PRE, RESNORM_POST, RESNORM_NONE, RESNORM_PLAIN};
    int depths[MAXL] = {4, 16, 32, 64}, nd = MAXL;
    int W = o->width, B = 64;
    printf("\n== depth: residual stacks of width %d, f = linear+tanh; gradient norms at initialisation ==\n", W);
    printf("batch of %d Fashion-MNIST images; ratio = ||dL/dW|| of the first block / of the last block\n", B);
    printf("spread = how much the %d examples still differ at a layer (1: as much as the values; 0: all alike)\n", B);
    printf("%-11s %5s | %12s %12s %10s | %14s %14s | %9s %9s\n", "norm", "L", "|dW| first", "|dW| last", "ratio",
           "|dL/dh_0|", "|dL/dh_L|", "spread h_0", "spread h_L");
    float *curves[NK] = {0};
    int curve_L = depths[nd - 1];
    for (int di = 0; di < nd; di++) {
        int L = depths[di];
        for (int k = 0; k < NK; k++) {
            Rng rng;
            rng_seed(&rng, (uint64_t)o->common.seed * 101u + (uint64_t)L);
            ResStack r;
            residual_create(&r, kinds[k], 1, train->dim, W, L, IDX_N_CLASSES, B, &rng);
            tensorlist_zero_grad(&r.params);
            residual_forward_loss(&r, train->images, train->labels, B);
            residual_backward(&r, train->labels);
            float first = r.block_grad_norm[0], last = r.block_grad_norm[L - 1], ratio = first / last;
            const size_t slot = (size_t)B * W;   // r.h holds depth+1 slots of (max_batch = B, W)
            double spread0 = batch_spread(r.h, B, W), spreadL = batch_spread(r.h + (size_t)L * slot, B, W);
            printf("%-11s %5d | %12.4g %12.4g %10.4g | %14.4g %14.4g | %9.3f %9.4f\n", residual_kind_name(kinds[k]), L,
                   (double)first, (double)last, (double)ratio, (double)r.input_grad_norm[0],
                   (double)r.input_grad_norm[L], spread0, spreadL);
            fprintf(csv, "depth,%s,%d,grad_ratio_first_last,%.6g\ndepth,%s,%d,spread_top,%.6g\n",
                    residual_kind_name(kinds[k]), L, (double)ratio, residual_kind_name(kinds[k]), L, spreadL);
            if (L == curve_L) {
                curves[k] = xmalloc(sizeof(float) * (size_t)L);
                memcpy(curves[k], r.block_grad_norm, sizeof(float) * (size_t)L);
                for (int l = 0; l < L; l++)
                    fprintf(csv, "depth_gradnorm,%s,%d,block_grad_norm,%.6g\n", residual_kind_name(kinds[k]), l + 1,
                            (double)r.block_grad_norm[l]);
                if (kinds[k] == RESNORM_PRE) res->preln_ratio = ratio;
                if (kinds[k] == RESNORM_POST) res->postln_ratio = ratio;
                if (kinds[k] == RESNORM_NONE) res->none_ratio = ratio;
                if (kinds[k] == RESNORM_PLAIN) res->plain_ratio = ratio;
            }
            residual_free(&r);
        }
    }
    char path[4096], title[128];
    float *xs = xmalloc(sizeof(float) * (size_t)curve_L);
    for (int l = 0; l < curve_L; l++) xs[l] = (float)(l + 1);
    SvgSeries s[NK];
    for (int k = 0; k < NK; k++) s[k] = (SvgSeries){residual_kind_name(kinds[k]), xs, curves[k], curve_L};
    snprintf(title, sizeof title, "||dL/dW|| per block at initialisation, %d blocks", curve_L);
    SvgPlot plot = {title, "block (1 = nearest the input)", "gradient norm (log)", 1, 0, 0, 0};
    svg_line_plot(out_path(path, sizeof path, o, "depth_gradnorm.svg"), &plot, s, NK);

    for (int k = 0; k < NK; k++) free(curves[k]);
    free(xs);
    // short training runs at a moderate and at the deepest depth
    train_depth(o, csv, train, val, 16, kinds, NK, NULL);
    train_depth(o, csv, train, val, curve_L, kinds, NK, res);
}

static void fmt(char *buf, size_t n, float v) {
    if (isfinite(v)) snprintf(buf, n, "%.4g", (double)v);
    else snprintf(buf, n, "na");
}

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/out/ch05", .data = "datasets/samples/fashion-mnist"},
              .experiment = "all", .hidden = 64, .width = 64, .lr = 1e-3f};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"experiment", FLAG_STRING, &o.experiment, "all, axes, batchsize, padding or depth"},
        {"epochs", FLAG_INT, &o.epochs, "batchsize: epochs per run (0: 5, 2 with --quick)"},
        {"hidden", FLAG_INT, &o.hidden, "batchsize: hidden width of the MLP"},
        {"width", FLAG_INT, &o.width, "depth: width of the residual stream"},
        {"steps", FLAG_INT, &o.steps, "depth: training steps (0: 600, 150 with --quick)"},
        {"lr", FLAG_FLOAT, &o.lr, "depth: Adam learning rate of the training runs"},
    };
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch05: layer norm vs batch norm -- axes, batch size, padding, depth (pre-LN vs post-LN).\n"
              "--data is a Fashion-MNIST directory (IDX files); default the shipped sample.");
    const char *exps[] = {"all", "axes", "batchsize", "padding", "depth"};
    int exp_ok = 0;
    for (int i = 0; i < 5; i++) exp_ok |= strcmp(o.experiment, exps[i]) == 0;
    cli_require(exp_ok, "--experiment must be all, axes, batchsize, padding or depth, not '%s'", o.experiment);
    cli_require(o.epochs >= 0 && o.steps >= 0, "--epochs and --steps must not be negative");
    cli_require(o.hidden >= 2 && o.hidden <= 4096, "--hidden must be in 2..4096");
    cli_require(o.width >= 2 && o.width <= 4096, "--width must be in 2..4096");
    cli_require(o.lr > 0 && o.lr < 1, "--lr must be in (0, 1)");
    if (make_dirs(o.common.out) != 0) DIE("%s: cannot create the output directory", o.common.out);

    int all = strcmp(o.experiment, "all") == 0;
    int need_data = all || strcmp(o.experiment, "batchsize") == 0 || strcmp(o.experiment, "depth") == 0;
    IdxDataset train = {0}, val = {0};
    char path[4096], err[1024];
    if (need_data) {
        if (idx_load_pair(&train, &val, o.common.data, err, sizeof err) != 0) DIE("%s", err);
        if (o.common.quick && train.n > 1000) train.n = 1000;   // quick mode on full data: a slice
        if (o.common.quick && val.n > 1000) val.n = 1000;
        printf("data: %s, %d training and %d validation images of %dx%d\n", o.common.data, train.n, val.n, train.rows,
               train.cols);
    }
    AtomicFile csv;
    if (atomic_open(&csv, out_path(path, sizeof path, &o, "metrics.csv"), err, sizeof err) != 0) DIE("%s", err);
    fprintf(csv.fp, "experiment,run,x,metric,value\n");
    Results res = {NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    if (all || strcmp(o.experiment, "axes") == 0) experiment_axes();
    if (all || strcmp(o.experiment, "batchsize") == 0) experiment_batchsize(&o, csv.fp, &train, &val, &res);
    if (all || strcmp(o.experiment, "padding") == 0) experiment_padding(&o, csv.fp, &res);
    if (all || strcmp(o.experiment, "depth") == 0) experiment_depth(&o, csv.fp, &train, &val, &res);
    if (atomic_commit(&csv, err, sizeof err) != 0) fprintf(stderr, "warning: %s\n", err);
    if (need_data) idx_free(&train), idx_free(&val);
    printf("\nfigures and metrics.csv in %s\n", o.common.out);

    char a[32], b[32], c[32], d[32], e[32], f[32], g[32], h[32];
    fmt(a, sizeof a, res.bn_gap_b2), fmt(b, sizeof b, res.bn_eval_acc_b1), fmt(c, sizeof c, res.bn_eval_acc_b64);
    fmt(d, sizeof d, res.ln_acc_b1), fmt(e, sizeof e, res.preln_ratio), fmt(f, sizeof f, res.postln_ratio);
    fmt(g, sizeof g, res.preln_acc), fmt(h, sizeof h, res.postln_acc);
    printf("RESULT ch=05 task=normalization bn_gap_b2=%s bn_acc_b1=%s bn_acc_b64=%s ln_acc_b1=%s preln_grad_ratio=%s "
           "postln_grad_ratio=%s preln_acc=%s postln_acc=%s seconds=%.1f\n",
           a, b, c, d, e, f, g, h, now_seconds() - t0);
    return 0;
}
