// ch09: a sparse Mixture-of-Experts language model on WikiText-2, against dense models
// of the same active compute and of the same total parameters. README.md.
//
//   build/bin/ch09 --quick                       every model on the samples (make run)
//   build/bin/ch09 --data datasets               the full comparison, every model
//   build/bin/ch09 --data datasets --model moe-top1 --capacity 2    one model
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/07_bert/corpus.h"
#include "chapters/07_bert/wordpiece.h"
#include "chapters/09_moe/costmodel.h"
#include "chapters/09_moe/lm.h"
#include "chapters/09_moe/train.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/svg.h"
#include "common/timer.h"

typedef struct {
    CommonOpts common;
    const char *vocab, *model;
    int cost, bench_k, layers, width, heads, ffn, experts, batch, seq_len, log_every, eval_every, eval_max, noisy;
    int steps, warmup, grouping;
    float capacity, aux, z, bias_rate, lr, dropout, weight_decay, clip;
} Opts;

// The models of the comparison (README 09.5).
static const char *const MODELS[] = {"dense", "moe-top1", "moe-top2", "dense-wide", "moe-top1-noaux"};
enum { N_MODELS = 5 };

static int model_index(const char *name) {
    for (int i = 0; i < N_MODELS; i++)
        if (!strcmp(name, MODELS[i])) return i;
    return -1;
}

// dense: FFN of width ffn; moe-top1: E experts of width ffn, one per token (the same
// active compute); moe-top2: E experts of width ffn/2, two per token (the same again);
// dense-wide: one FFN of width E ffn (the same total parameters as moe-top1);
// moe-top1-noaux: moe-top1 without the load-balancing loss.
static LmConfig model_config(const Opts *o, int which, int vocab) {
    LmConfig c = {.vocab = vocab, .C = o->width, .NH = o->heads, .layers = o->layers, .T = o->seq_len, .H = o->ffn,
                  .dropout = o->dropout};
    MoeConfig mc = {.E = o->experts, .k = 1, .capacity_factor = o->capacity, .noisy = o->noisy, .aux_coef = o->aux,
                    .z_coef = o->z, .bias_rate = o->bias_rate};
    switch (which) {
    case 1: c.moe = 1, c.expert_H = o->ffn, c.moe_cfg = mc; break;
    case 2: c.moe = 1, c.expert_H = o->ffn / 2, c.moe_cfg = mc, c.moe_cfg.k = 2, c.moe_cfg.renormalize = 1; break;
    case 3: c.H = o->ffn * o->experts; break;
    case 4: c.moe = 1, c.expert_H = o->ffn, c.moe_cfg = mc, c.moe_cfg.aux_coef = 0; break;
    default: break;
    }
    return c;
}

// ---- --cost-model (README 09.7) --------------------------------------------------------------

// A Switch-Base-like layer (Fedus et al. 2021 use C = 768, H = 3072) on a cluster of
// 8-GPU nodes; the numbers are assumptions, printed with the table, not measurements.
static void cost_model(const Opts *o, double t0) {
    const int C = 768, H = 3072, E = 64, k = 1, tokens = 4096;
    const double cf = 1.25, bytes = 4;   // fp32, as the book computes
    Network net = {.gpus_per_node = 8, .a_intra = 3e-6, .b_intra = 300e9, .a_inter = 10e-6, .b_inter = 25e9};
    // fixed-shape buffers (as TPUs and most GPU systems send them): every expert slot of
    // the capacity travels, used or not, so the bytes grow with the capacity factor
    const double S = cf * k * tokens * C * bytes, W_experts = (double)E * (2.0 * C * H + C + H) * bytes;
    printf("cost model: C = %d, H = %d, E = %d experts, k = %d, capacity factor %.2f, %d tokens per device, fp32\n"
           "network: %d GPUs per node, inside %.0f GB/s and %.0f us, between nodes %.0f GB/s and %.0f us\n"
           "one all-to-all moves S = %.1f MB per device; a MoE layer makes 4 per step (dispatch and\n"
           "combine, forward and backward); replicating the %d experts instead means all-reducing %.0f MB\n\n",
           C, H, E, k, cf, tokens, net.gpus_per_node, net.b_intra / 1e9, net.a_intra * 1e6, net.b_inter / 1e9,
           net.a_inter * 1e6, S / 1e6, E, W_experts / 1e6);
    printf("%8s %16s %16s %18s %24s\n", "devices", "a2a flat (ms)", "a2a hier (ms)", "4 x hier (ms/step)",
           "all-reduce experts (ms)");
    const int Ps[] = {8, 16, 32, 64};
    float px[4], flat[4], hier[4], ar[4];
    for (int i = 0; i < 4; i++) {
        int P = Ps[i];
        px[i] = (float)P;
        flat[i] = (float)(1e3 * alltoall_flat_seconds(&net, P, S));
        hier[i] = (float)(1e3 * alltoall_hier_seconds(&net, P, S));
        ar[i] = (float)(1e3 * allreduce_ring_seconds(&net, P, W_experts));
        printf("%8d %16.3f %16.3f %18.3f %24.2f\n", P, (double)flat[i], (double)hier[i], 4.0 * hier[i], (double)ar[i]);
    }
    // the same all-to-all with small messages: a sixteenth of the tokens, where latency rules
    printf("\nwith %d tokens per device (S = %.2f MB): flat %.3f ms, hierarchical %.3f ms at 64 devices\n", tokens / 16,
           S / 16 / 1e6, 1e3 * alltoall_flat_seconds(&net, 64, S / 16), 1e3 * alltoall_hier_seconds(&net, 64, S / 16));
    printf("capacity factor at 64 devices, hierarchical:");
    const double cfs[] = {1.0, 1.25, 2.0};
    for (int i = 0; i < 3; i++) printf(" %.2f -> %.3f ms", cfs[i], 1e3 * alltoall_hier_seconds(&net, 64, S / cf * cfs[i]));
    printf("\n");
    char path[4400];
    if (make_dirs(o->common.out)) die(o->common.out, 0, "cannot create the output directory");
    SvgSeries s[3] = {{"all-to-all, flat", px, flat, 4}, {"all-to-all, hierarchical", px, hier, 4},
                      {"all-reduce of the experts' gradients (ring)", px, ar, 4}};
    SvgPlot p = {"One exchange of a MoE layer (cost model)", "devices", "milliseconds", 1, 1, 0, 0};
    svg_line_plot(path_join(path, sizeof path, o->common.out, "cost_model.svg"), &p, s, 3);
    printf("RESULT ch=09 task=cost-model a2a_flat_64_ms=%.3f a2a_hier_64_ms=%.3f allreduce_64_ms=%.2f seconds=%.2f\n",
           (double)flat[3], (double)hier[3], (double)ar[3], now_seconds() - t0);
}

// ---- --bench-layer: the layer alone, for make bench's comparison with PyTorch -----------------

// Forward + backward of one MoE layer (and of the dense FFN of the same active width) on
// N random tokens, the mean over `reps` repetitions after one warm-up.
static void bench_layer(const Opts *o, double t0) {
    const int N = 4096, C = 256, reps = 10;
    const int k = o->bench_k, H = k == 1 ? 1024 : 512;
    Rng rng;
    rng_seed(&rng, 5);
    MoeConfig mc = {.E = 8, .k = k, .capacity_factor = 1.25f, .renormalize = k > 1, .aux_coef = 1e-2f, .z_coef = 1e-3f};
    Moe moe;
    moe_create(&moe, "moe", &mc, C, H, &rng);
    Ffn ffn;
    ffn_create(&ffn, "ffn", C, 1024, 1, &rng);
    MoeCache mcache;
    moe_cache_alloc(&mcache, &moe, N);
    FfnCache fcache;
    ffn_cache_alloc(&fcache, N, 1024);
    float *x = fzeros((size_t)N * C), *y = fzeros((size_t)N * C), *dy = fzeros((size_t)N * C), *dx = fzeros((size_t)N * C);
    for (size_t i = 0; i < (size_t)N * C; i++) x[i] = rng_normal(&rng), dy[i] = rng_normal(&rng);
    double moe_s = 0, ffn_s = 0;
    for (int r = 0; r <= reps; r++) {
        double a = now_seconds();
        moe_forward(&moe, &mcache, y, x, N, NULL);
        moe_backward(&moe, &mcache, dx, dy, x, N);
        double b = now_seconds();
        ffn_forward(&ffn, &fcache, y, x, N);
        ffn_backward(&ffn, &fcache, dx, dy, x, N);
        double c = now_seconds();
        if (r) moe_s += (b - a) / reps, ffn_s += (c - b) / reps;   // r = 0 warms up
    }
    printf("MoE layer, N = %d tokens, C = %d, E = 8 experts of H = %d, top-%d, capacity 1.25: forward + backward "
           "%.2f ms (%.0f tokens/s); dense FFN of H = 1024: %.2f ms; dropped %.1f%%\n",
           N, C, H, k, 1e3 * moe_s, N / moe_s, 1e3 * ffn_s, 100.0 * mcache.stats.dropped / mcache.stats.choices);
    printf("RESULT ch=09 task=bench-layer k=%d moe_ms=%.3f ffn_ms=%.3f tokens_per_s=%.0f seconds=%.1f\n", k, 1e3 * moe_s,
           1e3 * ffn_s, N / moe_s, now_seconds() - t0);
    free(x), free(y), free(dy), free(dx);
    moe_cache_free(&mcache), ffn_cache_free(&fcache), moe_free(&moe), ffn_free(&ffn);
}

static int read_stream(const char *path, const WordPiece *wp, IdList *stream) {
    char err[1024];
    DocList docs = {0};
    if (corpus_wikitext(&docs, path, err, sizeof err)) die(path, 0, "%s", err);
    WpStats st = {0};
    corpus_encode(&docs, wp, stream, &st);
    printf("%s: %d articles, %ld tokens (%.2f per word)\n", path, docs.n, stream->n,
           (double)stream->n / (double)(st.words ? st.words : 1));
    doclist_free(&docs);
    return 0;
}

typedef struct {
    int which;
    double val_loss, tok_s, seconds, macs, last_drop, last_cv, last_max_mean, last_entropy;
    double tail_cv, tail_max_mean;   // of the load summed over the whole last 10% (mean over layers)
    LoadGrouping grouping[LOAD_SCALES];         // the trained router's load on validation text, grouped two ways
    LoadGrouping grouping_train[LOAD_SCALES];   // the same on as many random windows of the training text
    size_t params_total, params_active;
    int dead;
    LmCurve curve;
} RunResult;

// Means of the routing statistics over the points of the last 10% of the steps, all
// MoE layers together; dead experts: none routed to them over that stretch, in any layer.
// tail_cv asks another question than last_cv: not how uneven one batch's load is, on
// average, but how uneven the load of the whole stretch is. A router that favours no
// expert but routes by content has a small tail_cv and a larger last_cv, since a batch
// of 16 windows of text holds only a few topics (09.5).
static void routing_tail(RunResult *r, const LmConfig *cfg, long steps) {
    int n = 0, E = cfg->moe_cfg.E, L = cfg->layers;
    long load[LM_MAX_LAYERS][MOE_MAX_EXPERTS] = {{0}};
    for (int i = 0; i < r->curve.n; i++) {
        const LmPoint *p = &r->curve.points[i];
        if (p->step <= steps - steps / 10) continue;
        for (int l = 0; l < L; l++) {
            r->last_drop += p->drop[l], r->last_cv += p->cv[l], r->last_max_mean += p->max_mean[l];
            r->last_entropy += p->entropy[l];
            for (int e = 0; e < E; e++) load[l][e] += p->load[l][e];
        }
        n += L;
    }
    if (n) r->last_drop /= n, r->last_cv /= n, r->last_max_mean /= n, r->last_entropy /= n;
    r->dead = 0, r->tail_cv = 0, r->tail_max_mean = 0;
    for (int l = 0; l < L; l++) {
        for (int e = 0; e < E; e++) r->dead += load[l][e] == 0;
        r->tail_cv += load_cv(load[l], E) / L, r->tail_max_mean += load_max_mean(load[l], E) / L;
    }
}

static void routing_figures(const Opts *o, const RunResult *r, const LmConfig *cfg) {
    char dir[4200], path[4400];
    path_join(dir, sizeof dir, o->common.out, MODELS[r->which]);
    if (make_dirs(dir)) die(dir, 0, "cannot create the directory");
    const LmCurve *cv = &r->curve;
    const int E = cfg->moe_cfg.E, L = cfg->layers, n = cv->n, mid = L / 2;
    // tokens per expert over training, the middle layer: rows = experts, columns = points
    float *heat = fzeros((size_t)E * n + 1);
    for (int i = 0; i < n; i++) {
        long total = 0;
        for (int e = 0; e < E; e++) total += cv->points[i].load[mid][e];
        for (int e = 0; e < E; e++) heat[e * n + i] = total ? (float)cv->points[i].load[mid][e] / (float)total : 0;
    }
    char title[200];
    snprintf(title, sizeof title, "%s, layer %d: share of the choices per expert (rows) over training (columns)",
             MODELS[r->which], mid);
    svg_heatmap(path_join(path, sizeof path, dir, "expert_load.svg"), title, heat, E, n, NULL, NULL, 0);
    free(heat);
    float *x = fzeros((size_t)n + 1), *ys[6];
    for (int k = 0; k < 6; k++) ys[k] = fzeros((size_t)n + 1);
    for (int i = 0; i < n; i++) {
        const LmPoint *p = &cv->points[i];
        x[i] = (float)p->step;
        for (int l = 0; l < L; l++) {
            ys[0][i] += (float)p->cv[l] / L, ys[1][i] += (float)p->max_mean[l] / L;
            ys[2][i] += (float)(100 * p->drop[l]) / L, ys[3][i] += (float)p->entropy[l] / L;
        }
        ys[4][i] = (float)p->aux, ys[5][i] = (float)p->z;
    }
    SvgSeries s_load[2] = {{"coefficient of variation", x, ys[0], n}, {"max / mean", x, ys[1], n}};
    SvgPlot p_load = {"Expert load (mean over layers)", "step", "", 0, 0, 0, 0};
    svg_line_plot(path_join(path, sizeof path, dir, "load_balance.svg"), &p_load, s_load, 2);
    SvgSeries s_drop = {"dropped choices (%)", x, ys[2], n};
    SvgPlot p_drop = {"Dropped by full experts", "step", "% of the choices", 0, 0, 0, 0};
    svg_line_plot(path_join(path, sizeof path, dir, "drop_rate.svg"), &p_drop, &s_drop, 1);
    SvgSeries s_ent = {"router entropy (nats)", x, ys[3], n};
    SvgPlot p_ent = {"Router entropy (ln E = uniform)", "step", "nats", 0, 0, 0, 0};
    svg_line_plot(path_join(path, sizeof path, dir, "router_entropy.svg"), &p_ent, &s_ent, 1);
    SvgSeries s_aux[2] = {{"load-balancing loss (alpha included)", x, ys[4], n}, {"router z-loss (beta included)", x, ys[5], n}};
    SvgPlot p_aux = {"Auxiliary losses (sum over layers)", "step", "", 1, 0, 0, 0};
    svg_line_plot(path_join(path, sizeof path, dir, "aux_losses.svg"), &p_aux, s_aux, 2);
    free(x);
    for (int k = 0; k < 6; k++) free(ys[k]);
}

static void write_curve(const Opts *o, const RunResult *r, const LmConfig *cfg) {
    char dir[4200], path[4400], err[512];
    path_join(dir, sizeof dir, o->common.out, MODELS[r->which]);
    if (make_dirs(dir)) die(dir, 0, "cannot create the directory");
    AtomicFile af;
    if (atomic_open(&af, path_join(path, sizeof path, dir, "curve.csv"), err, sizeof err)) die(path, 0, "%s", err);
    fprintf(af.fp, "step,lr,train_loss,val_loss,aux,z,cv,max_mean,drop,entropy,seconds,tokens\n");
    const int L = cfg->layers;
    for (int i = 0; i < r->curve.n; i++) {
        const LmPoint *p = &r->curve.points[i];
        double cv = 0, mm = 0, drop = 0, ent = 0;
        for (int l = 0; l < L && cfg->moe; l++) cv += p->cv[l] / L, mm += p->max_mean[l] / L, drop += p->drop[l] / L, ent += p->entropy[l] / L;
        fprintf(af.fp, "%ld,%g,%.5f,%.5f,%.6f,%.6f,%.4f,%.4f,%.5f,%.4f,%.2f,%.0f\n", p->step, (double)p->lr,
                p->train_loss, p->val_loss, p->aux, p->z, cv, mm, drop, ent, p->seconds, p->tokens);
    }
    if (atomic_commit(&af, err, sizeof err)) die(path, 0, "%s", err);
}

static RunResult run_model(const Opts *o, int which, const WordPiece *wp, const IdList *train, const IdList *val) {
    RunResult r = {.which = which};
    LmConfig cfg = model_config(o, which, wordpiece_size(wp));
    char err[512];
    if (lm_check_config(&cfg, err, sizeof err)) die(MODELS[which], 0, "%s", err);
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed);
    Lm m;
    lm_create(&m, &cfg, &rng);
    r.params_total = lm_params_total(&m), r.params_active = lm_params_active(&m);
    r.macs = lm_macs_per_token(&m, o->seq_len);
    printf("\n== %s: %zu parameters, %zu active per token, %.2f M multiply-adds per token\n", MODELS[which],
           r.params_total, r.params_active, r.macs / 1e6);
    LmTrainOpts to = {.batch = o->batch, .T = o->seq_len, .steps = o->steps, .warmup = o->warmup, .lr = o->lr,
                      .weight_decay = o->weight_decay, .clip = o->clip, .log_every = o->log_every,
                      .eval_every = o->eval_every, .eval_max = o->eval_max, .seed = (uint64_t)o->common.seed + 1};
    lm_train(&m, train->ids, train->n, val->ids, val->n, &to, &r.curve, stdout);
    const LmPoint *last = &r.curve.points[r.curve.n - 1];
    r.val_loss = last->val_loss_all, r.seconds = last->seconds, r.tok_s = last->tokens / last->seconds;
    if (cfg.moe) {
        routing_tail(&r, &cfg, o->steps);
        routing_figures(o, &r, &cfg);
        printf("routing over the last 10%% of the steps: load cv %.3f per step (%.3f for the stretch's summed load), "
               "max/mean %.3f (%.3f summed), dropped %.2f%%, entropy %.3f nats (uniform %.3f), dead experts %d of %d\n",
               r.last_cv, r.tail_cv, r.last_max_mean, r.tail_max_mean, 100 * r.last_drop, r.last_entropy, log((double)cfg.moe_cfg.E),
               r.dead, cfg.layers * cfg.moe_cfg.E);
        // the same number of windows of each text: --grouping-windows, or all of validation if fewer
        const int val_windows = (int)((val->n - 1) / o->seq_len);
        const int windows = val_windows < o->grouping ? val_windows : o->grouping;
        if (o->grouping == 0) {
            // skipped (--grouping-windows 0)
        } else if (windows < o->batch) {
            printf("(the validation text holds less than one batch of windows: no load by grouping)\n");
        } else {
            LmCache c;
            lm_cache_alloc(&c, &m, o->batch, o->seq_len);
            lm_load_grouping(&m, &c, train->ids, train->n, o->seq_len, windows, (uint64_t)o->common.seed + 2,
                             r.grouping_train);
            lm_load_grouping(&m, &c, val->ids, val->n, o->seq_len, windows, (uint64_t)o->common.seed + 2, r.grouping);
            lm_cache_free(&c, &m);
            printf("the trained router's load per group of windows of %d tokens, as batches hold them and the same "
                   "choices dealt at random (means over the groups and layers):\n%-10s %8s %7s %10s %10s %10s %10s\n",
                   o->seq_len, "text", "windows", "groups", "cv", "shuffled", "max/mean", "shuffled");
            for (int i = 0; i < 2; i++)
                for (int s = 0; s < LOAD_SCALES; s++) {
                    const LoadGrouping *g = i ? &r.grouping[s] : &r.grouping_train[s];
                    if (g->groups)
                        printf("%-10s %8ld %7ld %10.3f %10.3f %10.3f %10.3f\n", i ? "validation" : "training",
                               g->windows_per_group, g->groups, g->cv_batches, g->cv_shuffled, g->max_mean_batches,
                               g->max_mean_shuffled);
                }
        }
    }
    write_curve(o, &r, &cfg);
    lm_free(&m);
    return r;
}

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/ch09"}, .model = "all", .layers = 4, .width = 128, .heads = 4,
              .ffn = 512, .experts = 8, .batch = 16, .seq_len = 128, .log_every = 50, .eval_every = 250,
              .eval_max = 256, .grouping = 512, .steps = 1500, .warmup = 150, .capacity = 1.25f, .aux = 1e-2f,
              .z = 1e-3f, .lr = 1e-3f, .dropout = 0.0f, .weight_decay = 0.1f, .clip = 1.0f};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"vocab", FLAG_STRING, &o.vocab, "chapter 07's vocab.txt (default: OUT/../ch07/checkpoint/vocab.txt)"},
        {"model", FLAG_STRING, &o.model, "all (the comparison, one after the other), dense, moe-top1, moe-top2, dense-wide or moe-top1-noaux"},
        {"cost-model", FLAG_BOOL, &o.cost, "print the communication cost model for 8-64 devices and stop"},
        {"bench-layer", FLAG_INT, &o.bench_k, "time one MoE layer with top-1 or top-2 (make bench COMPARE=1) and stop"},
        {"layers", FLAG_INT, &o.layers, "Transformer blocks"},
        {"width", FLAG_INT, &o.width, "model width C"},
        {"heads", FLAG_INT, &o.heads, "attention heads"},
        {"ffn", FLAG_INT, &o.ffn, "the dense FFN's hidden width (moe-top1's experts have it, moe-top2's half)"},
        {"experts", FLAG_INT, &o.experts, "experts per MoE layer (E)"},
        {"capacity", FLAG_FLOAT, &o.capacity, "capacity factor: an expert takes ceil(factor k N / E) choices"},
        {"aux", FLAG_FLOAT, &o.aux, "load-balancing loss coefficient alpha (0: none)"},
        {"z", FLAG_FLOAT, &o.z, "router z-loss coefficient beta (0: none)"},
        {"noisy", FLAG_BOOL, &o.noisy, "Shazeer's noisy top-k while training"},
        {"bias-balance", FLAG_FLOAT, &o.bias_rate,
         "step of the balancing bias added to the router's logits for the choice only (0: none; 09.5)"},
        {"steps", FLAG_INT, &o.steps, "optimiser steps"},
        {"warmup", FLAG_INT, &o.warmup, "warm-up steps, then linear decay to 0"},
        {"batch", FLAG_INT, &o.batch, "sequences per step"},
        {"seq-len", FLAG_INT, &o.seq_len, "tokens of context"},
        {"lr", FLAG_FLOAT, &o.lr, "peak learning rate (AdamW)"},
        {"weight-decay", FLAG_FLOAT, &o.weight_decay, "AdamW's decoupled weight decay (not on 1-D tensors)"},
        {"clip", FLAG_FLOAT, &o.clip, "clip the gradients' global norm to this"},
        {"dropout", FLAG_FLOAT, &o.dropout, "dropout on every residual branch"},
        {"log-every", FLAG_INT, &o.log_every, "steps between points of the curves"},
        {"eval-every", FLAG_INT, &o.eval_every, "steps between validation losses (a multiple of --log-every)"},
        {"eval-max", FLAG_INT, &o.eval_max, "validation windows of the curve's points (0: all; the final loss uses all)"},
        {"grouping-windows", FLAG_INT, &o.grouping,
         "windows of each text the trained router reads to tell the batches' content from chance (09.5; 0: skip)"},
    };
    // quick mode's defaults, before the flags: a flag given beside --quick wins
    if (cli_flag_given(argc, argv, "quick")) {   // the samples and chapter 07's quick vocabulary
        o.steps = 150, o.warmup = 15, o.log_every = 10, o.eval_every = 50;
        o.width = 64, o.ffn = 128, o.layers = 2, o.heads = 2, o.seq_len = 64;
    }
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch09: a sparse Mixture-of-Experts language model against dense ones");
    if (o.cost) {
        cost_model(&o, t0);
        return 0;
    }
    if (o.bench_k) {
        cli_require(o.bench_k == 1 || o.bench_k == 2, "--bench-layer is 1 or 2 (top-k)");
        bench_layer(&o, t0);
        return 0;
    }
    const int compare = !strcmp(o.model, "all"), which = compare ? 1 : model_index(o.model);
    cli_require(which >= 0, "--model is all, dense, moe-top1, moe-top2, dense-wide or moe-top1-noaux");
    cli_require(o.steps >= 1 && o.warmup >= 0 && o.warmup < o.steps, "--steps >= 1 and 0 <= --warmup < --steps");
    cli_require(o.log_every >= 1 && o.eval_every >= 0 && o.eval_every % o.log_every == 0 && o.eval_max >= 0,
                "--log-every >= 1, --eval-every a multiple of it, --eval-max >= 0");
    cli_require(o.batch >= 1 && o.seq_len >= 2 && o.ffn >= 2, "--batch >= 1, --seq-len >= 2, --ffn >= 2");
    cli_require(o.grouping >= 0, "--grouping-windows >= 0");
    cli_require(o.lr > 0 && o.lr < 1 && o.clip > 0 && o.weight_decay >= 0, "--lr in (0,1), --clip > 0");
    {   // the MoE settings, checked before any data is read
        char err[512];
        LmConfig cfg = model_config(&o, compare ? 2 : which, 100);
        if (lm_check_config(&cfg, err, sizeof err)) {
            fprintf(stderr, "error: %s (see --help)\n", err);
            return 2;
        }
    }

    char err[1024], vocab_path[4200], dir[4200], path[4400];
    // chapter 07's vocabulary beside our --out: build/ch09 -> build/ch07/checkpoint/vocab.txt
    const char *vocab = o.vocab ? o.vocab : path_sibling(vocab_path, sizeof vocab_path, o.common.out, "ch07/checkpoint/vocab.txt");
    WordPiece wp;
    if (wordpiece_load(&wp, vocab, 0, err, sizeof err))
        die(vocab, 0, "%s\n(chapter 07 writes one: `build/bin/ch07 --quick`, or --vocab FILE)", err);
    const char *data = o.common.data ? o.common.data : "datasets/samples";
    IdList train = {0}, val = {0};
    path_join(dir, sizeof dir, data, "wikitext-2");
    read_stream(path_join(path, sizeof path, dir, "wiki.train.tokens"), &wp, &train);
    read_stream(path_join(path, sizeof path, dir, "wiki.valid.tokens"), &wp, &val);
    if (train.n < o.seq_len + 2 || val.n < o.seq_len + 1)
        die(dir, 0, "too little text for windows of %d tokens (train %ld, validation %ld)", o.seq_len + 1, train.n,
            val.n);
    if (make_dirs(o.common.out)) die(o.common.out, 0, "cannot create the output directory");

    int runs[N_MODELS], n_runs = 0;
    if (compare)
        for (int i = 0; i < N_MODELS; i++) runs[n_runs++] = i;
    else runs[n_runs++] = which;
    RunResult res[N_MODELS];
    for (int i = 0; i < n_runs; i++) res[i] = run_model(&o, runs[i], &wp, &train, &val);

    printf("\n%-15s %10s %10s %9s %9s %9s %8s %8s %8s %6s\n", "model", "params", "active", "M MAC/tok", "val loss",
           "ppl", "tok/s", "cv", "max/mean", "drop%");
    for (int i = 0; i < n_runs; i++) {
        const RunResult *r = &res[i];
        printf("%-15s %10zu %10zu %9.2f %9.4f %9.1f %8.0f", MODELS[r->which], r->params_total, r->params_active,
               r->macs / 1e6, r->val_loss, exp(r->val_loss), r->tok_s);
        if (r->which == 1 || r->which == 2 || r->which == 4)
            printf(" %8.3f %8.3f %6.2f\n", r->last_cv, r->last_max_mean, 100 * r->last_drop);
        else printf(" %8s %8s %6s\n", "-", "-", "-");
    }
    if (n_runs > 1) {   // every run's validation loss against the tokens seen
        SvgSeries s[N_MODELS];
        float *xs[N_MODELS], *ys[N_MODELS];
        for (int i = 0; i < n_runs; i++) {
            const LmCurve *cv = &res[i].curve;
            xs[i] = fzeros((size_t)cv->n + 1), ys[i] = fzeros((size_t)cv->n + 1);
            int k = 0;
            for (int j = 0; j < cv->n; j++)
                if (!isnan(cv->points[j].val_loss)) xs[i][k] = (float)(cv->points[j].tokens / 1e6), ys[i][k++] = (float)cv->points[j].val_loss;
            s[i] = (SvgSeries){MODELS[res[i].which], xs[i], ys[i], k};
        }
        SvgPlot p = {"Validation loss (WikiText-2)", "training tokens (millions)", "cross-entropy (nats)", 0, 0, 0, 0};
        svg_line_plot(path_join(path, sizeof path, o.common.out, "val_loss.svg"), &p, s, n_runs);
        for (int i = 0; i < n_runs; i++) free(xs[i]), free(ys[i]);
    }
    printf("RESULT ch=09 task=%s", compare ? "compare" : MODELS[which]);
    for (int i = 0; i < n_runs; i++) {
        const RunResult *r = &res[i];
        printf(" %s_val=%.4f %s_tok_s=%.0f", MODELS[r->which], r->val_loss, MODELS[r->which], r->tok_s);
        if (r->which == 1 || r->which == 2 || r->which == 4)
            printf(" %s_cv=%.3f %s_tail_cv=%.3f %s_max_mean=%.3f %s_tail_max_mean=%.3f %s_drop=%.4f %s_dead=%d",
                   MODELS[r->which], r->last_cv, MODELS[r->which], r->tail_cv, MODELS[r->which], r->last_max_mean,
                   MODELS[r->which], r->tail_max_mean, MODELS[r->which], r->last_drop, MODELS[r->which], r->dead);
        for (int sc = 0; sc < LOAD_SCALES; sc++) {   // the batch's own size, then 2 and 4 batches together
            const LoadGrouping *tr = &r->grouping_train[sc], *va = &r->grouping[sc];
            if (!tr->groups || !va->groups) continue;
            char key[64];
            snprintf(key, sizeof key, sc ? "%s_w%ld" : "%s", MODELS[r->which], tr->windows_per_group);
            printf(" %s_train_batch_max_mean=%.3f %s_train_shuffled_max_mean=%.3f %s_val_batch_max_mean=%.3f "
                   "%s_val_shuffled_max_mean=%.3f",
                   key, tr->max_mean_batches, key, tr->max_mean_shuffled, key, va->max_mean_batches, key,
                   va->max_mean_shuffled);
        }
    }
    printf(" aux=%g bias_balance=%g seconds=%.1f\n", (double)o.aux, (double)o.bias_rate, now_seconds() - t0);
    for (int i = 0; i < n_runs; i++) lmcurve_free(&res[i].curve);
    idlist_free(&train), idlist_free(&val), wordpiece_free(&wp);
    return 0;
}
