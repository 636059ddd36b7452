// ch04: attention. Four experiments, each a function below:
//   scaling   why scores are divided by sqrt(d): softmax entropy and gradient size
//             with and without the scaling as the head size d grows
//   cost      time and memory of attention as the sequence length n grows: O(n^2 d)
//   recall    associative recall: one attention layer vs mean pooling of equal width,
//             with heatmaps of where the query looks
//   mistakes  forgetting the padding mask; applying the mask after the softmax
// The building blocks are attention.c, mha.c and recall.c; this file parses flags,
// runs the experiments and writes figures and metrics.csv into --out.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/04_attention/attention.h"
#include "chapters/04_attention/mha.h"
#include "chapters/04_attention/recall.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/mem.h"
#include "common/svg.h"
#include "common/timer.h"

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct {
    CommonOpts common;
    const char *experiment;
    int steps, width, heads, pairs, keys, values, max_n;
} Opts;

typedef struct {
    float attn_acc, pool_acc;
} Results;

static const char *out_path(char *buf, size_t n, const Opts *o, const char *name) {
    return path_join(buf, n, o->common.out, name);
}

// ---- (a) scaling -------------------------------------------------------------------------

// For head sizes d, draws a query q and N_KEYS keys k ~ N(0, I_d), forms the scores
// s_j = scale * q.k_j, and measures the softmax row: its entropy and largest weight;
// the gradient that gets through it to the scores, |d_s| (eq. 4.8), for a random
// upstream gradient d_p ~ N(0, I); how many keys share that gradient (participation
// ratio (sum_j |d_s_j|)^2 / sum_j d_s_j^2: N_KEYS when all get the same size; never
// below 2, because the d_s_j sum to zero: 2 is the winner and one runner-up, computed
// in double, where a saturated row's tiny terms do not round to 0); and the gradient
// that reaches the query, d_q = scale * sum_j d_s_j k_j
// (eq. 4.9), which is what a learning step of W_q sees.
static void experiment_scaling(const Opts *o, FILE *csv) {
    printf("\n== scaling: softmax of q.k over %d keys, q,k ~ N(0,1), with and without 1/sqrt(d) ==\n", 64);
    enum { N_KEYS = 64, N_D = 5, N_STATS = 6 };
    const int ds[N_D] = {4, 16, 64, 256, 1024};
    static const char *stat_names[N_STATS] = {"score_std", "entropy", "max_p", "grad_s_norm", "grad_keys", "grad_q_norm"};
    int trials = o->common.quick ? 50 : 400;
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed * 31u + 4);
    float *q = xmalloc(sizeof(float) * 1024), *k = xmalloc(sizeof(float) * N_KEYS * 1024);
    float s[N_KEYS], p[N_KEYS], d_p[N_KEYS], d_s[N_KEYS];
    float ent[2][N_D], grad[2][N_D], grad_q[2][N_D], xs[N_D];
    printf("%6s | %-53s | %-53s\n", "", "scaled by 1/sqrt(d)", "unscaled");
    printf("%6s |", "d");
    for (int v = 0; v < 2; v++) printf(" %7s %7s %7s %7s %7s %7s |", "std(s)", "entropy", "max p", "|d_s|", "keys", "|d_q|");
    printf("\n");
    for (int di = 0; di < N_D; di++) {
        int d = ds[di];
        xs[di] = (float)d;
        double acc[2][N_STATS] = {{0}};   // sum over trials of the stats above (s^2 for the first)
        for (int trial = 0; trial < trials; trial++) {
            for (int i = 0; i < d; i++) q[i] = rng_normal(&rng);
            for (int i = 0; i < N_KEYS * d; i++) k[i] = rng_normal(&rng);
            for (int j = 0; j < N_KEYS; j++) d_p[j] = rng_normal(&rng);
            for (int v = 0; v < 2; v++) {
                float scale = v == 0 ? 1.0f / sqrtf((float)d) : 1.0f;
                for (int j = 0; j < N_KEYS; j++) {
                    double dot = 0;
                    for (int i = 0; i < d; i++) dot += (double)q[i] * k[j * d + i];
                    s[j] = scale * (float)dot;
                    acc[v][0] += (double)s[j] * s[j] / N_KEYS;
                }
                attention_softmax_row(p, s, N_KEYS, N_KEYS);
                float pmax = 0;
                for (int j = 0; j < N_KEYS; j++) pmax = fmaxf(pmax, p[j]);
                memset(d_s, 0, sizeof d_s);
                attention_softmax_row_backward(d_s, p, d_p, N_KEYS);
                double sq = 0, abs_sum = 0, dq_sq = 0;
                // the participation ratio from the same softmax and JVP in double (4.2), (4.8)
                double pd[N_KEYS], smax = -INFINITY, z = 0, dot = 0, sq_d = 0;
                for (int j = 0; j < N_KEYS; j++) smax = fmax(smax, (double)s[j]);
                for (int j = 0; j < N_KEYS; j++) z += pd[j] = exp((double)s[j] - smax);
                for (int j = 0; j < N_KEYS; j++) pd[j] /= z, dot += pd[j] * d_p[j];
                for (int j = 0; j < N_KEYS; j++) {
                    double g = pd[j] * (d_p[j] - dot);
                    abs_sum += fabs(g), sq_d += g * g;
                }
                for (int j = 0; j < N_KEYS; j++) sq += (double)d_s[j] * d_s[j];
                for (int i = 0; i < d; i++) {
                    double dq = 0;
                    for (int j = 0; j < N_KEYS; j++) dq += (double)d_s[j] * k[j * d + i];
                    dq_sq += (scale * dq) * (scale * dq);
                }
                acc[v][1] += attention_entropy(p, N_KEYS), acc[v][2] += pmax, acc[v][3] += sqrt(sq);
                acc[v][4] += sq_d > 0 ? abs_sum * abs_sum / sq_d : 0, acc[v][5] += sqrt(dq_sq);
            }
        }
        printf("%6d |", d);
        for (int v = 0; v < 2; v++) {
            double mean[N_STATS];
            mean[0] = sqrt(acc[v][0] / trials);
            for (int t = 1; t < N_STATS; t++) mean[t] = acc[v][t] / trials;
            ent[v][di] = (float)mean[1], grad[v][di] = (float)mean[3], grad_q[v][di] = (float)mean[5];
            for (int t = 0; t < N_STATS; t++)
                fprintf(csv, "scaling,%s,%d,%s,%.6g\n", v ? "unscaled" : "scaled", d, stat_names[t], mean[t]);
            printf(" %7.2f %7.3f %7.3f %7.3f %7.1f %7.3f |", mean[0], mean[1], mean[2], mean[3], mean[4], mean[5]);
        }
        printf("\n");
    }
    printf("(%d trials per d; entropy of the uniform row over %d keys is log %d = %.3f; keys: how many\n"
           " keys share the gradient to the scores, %d if all equally, at least 2)\n", trials, N_KEYS, N_KEYS,
           log((double)N_KEYS), N_KEYS);
    char path[4096];
    SvgSeries se[2] = {{"scaled by 1/sqrt(d)", xs, ent[0], N_D}, {"unscaled", xs, ent[1], N_D}};
    SvgPlot pe = {.title = "Softmax entropy over 64 keys vs head size d", .xlabel = "d (log scale)",
                  .ylabel = "entropy (nats)", .log_x = 1};
    svg_line_plot(out_path(path, sizeof path, o, "scaling_entropy.svg"), &pe, se, 2);
    SvgSeries sg[4] = {{"|d_s|, scaled", xs, grad[0], N_D}, {"|d_s|, unscaled", xs, grad[1], N_D},
                       {"|d_q|, scaled", xs, grad_q[0], N_D}, {"|d_q|, unscaled", xs, grad_q[1], N_D}};
    SvgPlot pg = {.title = "Gradient at the scores (|d_s|) and at the query (|d_q|) vs d", .xlabel = "d (log scale)",
                  .ylabel = "norm (log scale)", .log_x = 1, .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "scaling_grad.svg"), &pg, sg, 4);
    free(q), free(k);
}

// ---- (b) cost ----------------------------------------------------------------------------

static void experiment_cost(const Opts *o, FILE *csv) {
    enum { D = 64, MAX_POINTS = 16 };
#ifdef _OPENMP
    // One thread: the curve is about how work grows with n, and a second thread would
    // add its start-up cost (and, beside another busy program, its waits) to small n.
    const int threads_before = omp_get_max_threads();
    omp_set_num_threads(1);
#endif
    int max_n = o->max_n > 0 ? o->max_n : (o->common.quick ? 1024 : 2048);
    printf("\n== cost: one head, d = %d, forward and forward+backward as n grows ==\n", D);
    printf("%6s %12s %14s %12s %14s %12s\n", "n", "fwd ms", "fwd+bwd ms", "GFLOP/s", "n x n MiB", "peak RSS MiB");
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed * 17u + 4);
    float xs[MAX_POINTS], t_fwd[MAX_POINTS], t_all[MAX_POINTS], ref[MAX_POINTS], mem[MAX_POINTS];
    int n_points = 0;
    for (int n = 64; n <= max_n && n_points < MAX_POINTS; n *= 2, n_points++) {
        size_t nd = (size_t)n * D, nn = (size_t)n * n;
        float *q = xmalloc(sizeof(float) * nd), *k = xmalloc(sizeof(float) * nd), *v = xmalloc(sizeof(float) * nd);
        float *out = fzeros(nd), *d_out = fzeros(nd), *d_q = fzeros(nd), *d_k = fzeros(nd), *d_v = fzeros(nd);
        float *probs = fzeros(nn), *scratch = fzeros(2 * nn);
        for (size_t i = 0; i < nd; i++) q[i] = rng_normal(&rng), k[i] = rng_normal(&rng), v[i] = rng_normal(&rng),
                                        d_out[i] = rng_normal(&rng);
        // The fastest of repeated runs (at least 3, for at least 0.1 s; 0.03 s in quick
        // mode): the minimum is the least disturbed by other processes on the machine.
        double min_time = o->common.quick ? 0.03 : 0.1, fwd = INFINITY, all = INFINITY;
        for (int pass = 0; pass < 2; pass++) {
            double start = now_seconds(), best = INFINITY;
            for (int reps = 0; reps < 3 || now_seconds() - start < min_time; reps++) {
                double t0 = now_seconds();
                attention_forward(out, probs, q, k, v, NULL, 0, 0.125f, 1, 1, n, D);
                if (pass == 1) attention_backward(d_q, d_k, d_v, scratch, d_out, q, k, v, probs, 1, 1, n, D, 0.125f);
                best = fmin(best, now_seconds() - t0);
            }
            if (pass == 0) fwd = best;
            else all = best;
        }
        // forward: Q K^T and P V, 2 n^2 d multiply-adds = 4 n^2 d flops; backward 4 more products.
        double gflops = 12.0 * (double)nn * D / all / 1e9;
        double mib = 3.0 * (double)nn * sizeof(float) / (1 << 20);   // probs + 2 n^2 scratch
        printf("%6d %12.3f %14.3f %12.2f %14.1f %12.1f\n", n, fwd * 1e3, all * 1e3, gflops, mib,
               (double)peak_rss_kb() / 1024.0);
        fprintf(csv, "cost,fwd,%d,ms,%.6g\ncost,fwd_bwd,%d,ms,%.6g\ncost,nxn,%d,MiB,%.6g\ncost,peak_rss,%d,MiB,%.6g\n", n,
                fwd * 1e3, n, all * 1e3, n, mib, n, (double)peak_rss_kb() / 1024.0);
        xs[n_points] = (float)n, t_fwd[n_points] = (float)(fwd * 1e3), t_all[n_points] = (float)(all * 1e3);
        mem[n_points] = (float)mib;
        free(q), free(k), free(v), free(out), free(d_out), free(d_q), free(d_k), free(d_v), free(probs), free(scratch);
    }
    // An exact n^2 curve through the largest measurement, to compare slopes on log-log axes.
    for (int i = 0; i < n_points; i++) ref[i] = t_all[n_points - 1] * (xs[i] / xs[n_points - 1]) * (xs[i] / xs[n_points - 1]);
    char path[4096];
    SvgSeries s[3] = {{"forward", xs, t_fwd, n_points}, {"forward + backward", xs, t_all, n_points},
                      {"c n^2 (reference)", xs, ref, n_points}};
    SvgPlot p = {.title = "Attention time vs sequence length (d = 64, one head)", .xlabel = "n (log scale)",
                 .ylabel = "milliseconds (log scale)", .log_x = 1, .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "cost_time.svg"), &p, s, 3);
    SvgSeries sm[1] = {{"n x n buffers (P and backward scratch)", xs, mem, n_points}};
    SvgPlot pm = {.title = "Attention memory vs sequence length", .xlabel = "n (log scale)",
                  .ylabel = "MiB (log scale)", .log_x = 1, .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "cost_memory.svg"), &pm, sm, 1);
#ifdef _OPENMP
    omp_set_num_threads(threads_before);
#endif
}

// ---- (c) associative recall ---------------------------------------------------------------

// Accuracy of the best any bag-of-tokens model can do: answer the most frequent value
// in the sequence (the query's value is that of a uniformly chosen pair).
static float bag_baseline(const RecallTask *task, const float *x, const int *labels, int n) {
    int F = recall_features(task), T = task->n_pairs + 1, NK = task->n_keys, correct = 0;
    int *count = xmalloc(sizeof(int) * task->n_values);
    for (int b = 0; b < n; b++) {
        memset(count, 0, sizeof(int) * task->n_values);
        for (int i = 0; i < task->n_pairs; i++)
            for (int v = 0; v < task->n_values; v++) count[v] += x[((size_t)b * T + i) * F + NK + v] == 1.0f;
        int best = 0;
        for (int v = 1; v < task->n_values; v++)
            if (count[v] > count[best]) best = v;
        correct += best == labels[b];
    }
    free(count);
    return (float)correct / (float)n;
}

static void token_label(char *buf, size_t n, const RecallTask *task, const float *tok) {
    int key = -1, val = -1, q = -1, NK = task->n_keys, NV = task->n_values;
    for (int f = 0; f < NK; f++) key = tok[f] == 1.0f ? f : key;
    for (int f = 0; f < NV; f++) val = tok[NK + f] == 1.0f ? f : val;
    for (int f = 0; f < NK; f++) q = tok[NK + NV + f] == 1.0f ? f : q;
    if (q >= 0) snprintf(buf, n, "?k%d", q);
    else snprintf(buf, n, "k%d:v%d", key, val);
}

static void recall_heatmaps(const Opts *o, RecallModel *m, const float *x, const int *labels, const int *qpos) {
    enum { SHOW = 8 };
    const RecallTask *task = &m->task;
    int T = m->T, F = m->F, NH = m->NH;
    recall_forward(m, x, labels, SHOW);
    char path[4096], labels_buf[2 * SHOW + 2][32];
    // (1) one example: the query row of every head, and the whole T x T map of head 0.
    const char *cols[32], *rows[32];
    for (int t = 0; t < T; t++) token_label(labels_buf[t], 32, task, x + (size_t)t * F), cols[t] = labels_buf[t];
    float *tt = xmalloc(sizeof(float) * T * T);
    memcpy(tt, m->cache.probs, sizeof(float) * T * T);   // example 0, head 0
    for (int t = 0; t < T; t++) rows[t] = cols[t];
    char title[160];
    snprintf(title, sizeof title, "Head 0 attention, one sequence (query ?k = pair %d, answer v%d)", qpos[0] + 1,
             labels[0]);
    svg_heatmap(out_path(path, sizeof path, o, "recall_attention_full.svg"), title, tt, T, T, rows, cols, 1);
    // (2) SHOW examples: where the query token looks, averaged over heads.
    float *qrows = fzeros((size_t)SHOW * T);
    char rowbuf[SHOW][48], colbuf[32][24];
    const char *rl[SHOW], *cl[32];
    for (int b = 0; b < SHOW; b++) {
        for (int h = 0; h < NH; h++)
            for (int j = 0; j < T; j++)
                qrows[b * T + j] += m->cache.probs[(((size_t)b * NH + h) * T + T - 1) * T + j] / NH;
        snprintf(rowbuf[b], sizeof rowbuf[b], "ex %d: key at pair %d", b + 1, qpos[b] + 1);
        rl[b] = rowbuf[b];
    }
    for (int j = 0; j < T; j++) {
        if (j < T - 1) snprintf(colbuf[j], sizeof colbuf[j], "pair %d", j + 1);
        else snprintf(colbuf[j], sizeof colbuf[j], "query");
        cl[j] = colbuf[j];
    }
    svg_heatmap(out_path(path, sizeof path, o, "recall_attention_queries.svg"),
                "Where the query looks (mean over heads), 8 test sequences", qrows, SHOW, T, rl, cl, 1);
    free(tt), free(qrows);
}

static void experiment_recall(const Opts *o, FILE *csv, Results *res) {
    RecallTask task = {o->keys, o->values, o->pairs};
    int steps = o->steps > 0 ? o->steps : (o->common.quick ? 300 : 1500), T = task.n_pairs + 1, F = recall_features(&task);
    printf("\n== recall: %d (key,value) pairs then a query key; %d keys, %d values; width %d, %d heads ==\n",
           task.n_pairs, task.n_keys, task.n_values, o->width, o->heads);
    enum { N_TEST = 4000 };
    Rng data_rng;
    rng_seed(&data_rng, (uint64_t)o->common.seed * 1009u + 4);
    float *x = xmalloc(sizeof(float) * N_TEST * T * F);
    int *labels = xmalloc(sizeof(int) * N_TEST), *qpos = xmalloc(sizeof(int) * N_TEST);
    recall_make_batch(&task, x, labels, qpos, N_TEST, &data_rng);
    float bag = bag_baseline(&task, x, labels, N_TEST);
    float *curves[2];
    const char *names[2] = {"attention", "mean-pool"};
    float acc[2];
    for (int kind = 0; kind < 2; kind++) {
        Rng rng;
        rng_seed(&rng, (uint64_t)o->common.seed * 7919u + 4);
        RecallModel m;
        recall_model_create(&m, kind == 0 ? RECALL_ATTENTION : RECALL_POOL, &task, o->width, o->heads, 64, &rng);
        RecallTrainConfig cfg = {steps, 64, 3e-3f};
        curves[kind] = xmalloc(sizeof(float) * steps);
        double t0 = now_seconds();
        float tail = recall_train(&m, &cfg, &rng, curves[kind]);
        acc[kind] = recall_accuracy(&m, x, labels, N_TEST);
        printf("%-10s %6d params  final train loss %.4f  test accuracy %.4f  (%d steps of 64, %.1fs)\n", names[kind],
               (int)tensorlist_numel(&m.params), (double)tail, (double)acc[kind], steps, now_seconds() - t0);
        fprintf(csv, "recall,%s,%d,test_acc,%.6f\nrecall,%s,%d,train_loss,%.6f\n", names[kind], steps, (double)acc[kind],
                names[kind], steps, (double)tail);
        if (kind == 0) {
            // How much of the query's attention lands on the pair it asks about.
            double mass = 0;
            for (int i = 0; i < N_TEST; i += 64) {
                int B = N_TEST - i < 64 ? N_TEST - i : 64;
                recall_forward(&m, x + (size_t)i * T * F, labels + i, B);
                for (int b = 0; b < B; b++)
                    for (int h = 0; h < m.NH; h++)
                        mass += m.cache.probs[(((size_t)b * m.NH + h) * T + T - 1) * T + qpos[i + b]] / m.NH;
            }
            printf("           the query puts %.3f of its attention (mean over heads and test sequences) on the matching pair\n",
                   mass / N_TEST);
            fprintf(csv, "recall,attention,%d,mass_on_match,%.6f\n", steps, mass / N_TEST);
            recall_heatmaps(o, &m, x, labels, qpos);
        }
        recall_model_free(&m);
    }
    printf("chance (1/%d values) %.4f; best bag-of-tokens answer (most frequent value in the sequence) %.4f\n",
           task.n_values, 1.0 / task.n_values, (double)bag);
    fprintf(csv, "recall,bag_baseline,0,test_acc,%.6f\n", (double)bag);
    // Loss curves, smoothed over 20 steps.
    float *xs = xmalloc(sizeof(float) * steps), *sm[2];
    for (int i = 0; i < steps; i++) xs[i] = (float)(i + 1);
    for (int kind = 0; kind < 2; kind++) {
        sm[kind] = xmalloc(sizeof(float) * steps);
        double sum = 0;
        for (int i = 0; i < steps; i++) {
            sum += curves[kind][i];
            if (i >= 20) sum -= curves[kind][i - 20];
            sm[kind][i] = (float)(sum / (i + 1 < 20 ? i + 1 : 20));
        }
    }
    char path[4096];
    SvgSeries s[2] = {{"one attention layer", xs, sm[0], steps}, {"mean pooling", xs, sm[1], steps}};
    SvgPlot p = {.title = "Associative recall: training loss (20-step mean)", .xlabel = "step", .ylabel = "cross-entropy",
                 .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "recall_loss.svg"), &p, s, 2);
    res->attn_acc = acc[0], res->pool_acc = acc[1];
    for (int kind = 0; kind < 2; kind++) free(curves[kind]), free(sm[kind]);
    free(xs), free(x), free(labels), free(qpos);
}

// ---- (d) mistakes ------------------------------------------------------------------------

// The wrong order: softmax over all keys, then zero the masked ones. Rows no longer
// sum to 1 and the visible weights are too small.
static void softmax_then_mask(float *probs, const float *scores, int n_visible, int n) {
    attention_softmax_row(probs, scores, n, n);
    for (int j = n_visible; j < n; j++) probs[j] = 0.0f;
}

static void experiment_mistakes(const Opts *o, FILE *csv) {
    printf("\n== mistakes: a padded batch (T = 8, the second sequence has 3 real tokens) ==\n");
    enum { B = 2, T = 8, C = 16, NH = 2, N = B * T * C };
    int lengths[B] = {T, 3};
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed * 13u + 4);
    Mha m;
    MhaCache cache;
    mha_create(&m, "attn", C, NH, &rng);
    mha_cache_alloc(&cache, B, T, C, NH);
    float x[N], x2[N], out1[N], out2[N];
    for (int i = 0; i < N; i++) x[i] = rng_normal(&rng);
    memcpy(x2, x, sizeof x);
    for (int t = 3; t < T; t++)   // new values in the padding of sequence 1 (a different pad token)
        for (int c = 0; c < C; c++) x2[(T + t) * C + c] = rng_normal(&rng);
    for (int masked = 1; masked >= 0; masked--) {
        mha_forward(&m, &cache, out1, x, masked ? lengths : NULL, 0, B, T);
        mha_forward(&m, &cache, out2, x2, masked ? lengths : NULL, 0, B, T);
        float worst = 0;
        for (int i = T * C; i < (T + 3) * C; i++) worst = fmaxf(worst, fabsf(out1[i] - out2[i]));
        printf("%-22s changing the padding moves the 3 real outputs by up to %.3g\n",
               masked ? "with the mask:" : "forgetting the mask:", (double)worst);
        fprintf(csv, "mistakes,%s,0,max_change,%.6g\n", masked ? "mask" : "no_mask", (double)worst);
    }
    // Mask after softmax, on one row of scores.
    float s[T], right[T], wrong[T];
    for (int j = 0; j < T; j++) s[j] = rng_normal(&rng);
    attention_softmax_row(right, s, 3, T);
    softmax_then_mask(wrong, s, 3, T);
    double sum_r = 0, sum_w = 0;
    for (int j = 0; j < T; j++) sum_r += right[j], sum_w += wrong[j];
    printf("%-22s weights %.3f %.3f %.3f, sum %.4f\n", "mask, then softmax:", (double)right[0], (double)right[1],
           (double)right[2], sum_r);
    printf("%-22s weights %.3f %.3f %.3f, sum %.4f (the padding still took its share)\n", "softmax, then mask:",
           (double)wrong[0], (double)wrong[1], (double)wrong[2], sum_w);
    fprintf(csv, "mistakes,mask_after_softmax,0,row_sum,%.6g\n", sum_w);
    mha_cache_free(&cache);
    mha_free(&m);
}

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/out/ch04"}, .experiment = "all", .width = 32, .heads = 2,
              .pairs = 8, .keys = 16, .values = 16};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"experiment", FLAG_STRING, &o.experiment, "all, scaling, cost, recall or mistakes"},
        {"steps", FLAG_INT, &o.steps, "recall: training steps (0: 1500, 300 with --quick)"},
        {"width", FLAG_INT, &o.width, "recall: model width C of both models"},
        {"heads", FLAG_INT, &o.heads, "recall: attention heads (must divide --width)"},
        {"pairs", FLAG_INT, &o.pairs, "recall: (key,value) pairs per sequence"},
        {"keys", FLAG_INT, &o.keys, "recall: distinct keys (>= --pairs)"},
        {"values", FLAG_INT, &o.values, "recall: distinct values"},
        {"max-n", FLAG_INT, &o.max_n, "cost: longest sequence (0: 2048, 1024 with --quick)"},
    };
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch04: attention -- softmax scaling, O(n^2) cost, associative recall, masking mistakes.\n"
              "All data is synthetic: --data is accepted but not used.");
    const char *exps[] = {"all", "scaling", "cost", "recall", "mistakes"};
    int exp_ok = 0;
    for (int i = 0; i < 5; i++) exp_ok |= strcmp(o.experiment, exps[i]) == 0;
    cli_require(exp_ok, "--experiment must be all, scaling, cost, recall or mistakes, not '%s'", o.experiment);
    cli_require(o.steps >= 0, "--steps must not be negative");
    cli_require(o.width >= 1 && o.heads >= 1 && o.width % o.heads == 0, "--heads must divide --width (both positive)");
    cli_require(o.pairs >= 1 && o.pairs <= 64, "--pairs must be in 1..64");
    cli_require(o.keys >= o.pairs, "--keys must be at least --pairs (keys in a sequence are distinct)");
    cli_require(o.values >= 2 && o.values <= 1000, "--values must be in 2..1000");
    cli_require(o.keys <= 1000, "--keys must be at most 1000");
    cli_require(o.width <= 1024, "--width must be at most 1024");
    cli_require(o.steps <= 1000000, "--steps must be at most 1,000,000");
    cli_require(o.max_n == 0 || (o.max_n >= 64 && o.max_n <= 16384), "--max-n must be in 64..16384");
    if (o.common.data) fprintf(stderr, "note: --data is not used by chapter 04 (its data is generated)\n");
    if (make_dirs(o.common.out) != 0) DIE("%s: cannot create the output directory", o.common.out);

    char path[4096], err[1024];
    AtomicFile csv;
    if (atomic_open(&csv, out_path(path, sizeof path, &o, "metrics.csv"), err, sizeof err) != 0) DIE("%s", err);
    fprintf(csv.fp, "experiment,run,x,metric,value\n");
    Results res = {NAN, NAN};
    int all = strcmp(o.experiment, "all") == 0;
    if (all || strcmp(o.experiment, "scaling") == 0) experiment_scaling(&o, csv.fp);
    if (all || strcmp(o.experiment, "cost") == 0) experiment_cost(&o, csv.fp);
    if (all || strcmp(o.experiment, "recall") == 0) experiment_recall(&o, csv.fp, &res);
    if (all || strcmp(o.experiment, "mistakes") == 0) experiment_mistakes(&o, csv.fp);
    if (atomic_commit(&csv, err, sizeof err) != 0) fprintf(stderr, "warning: %s\n", err);
    printf("\nfigures and metrics.csv in %s\n", o.common.out);

    char attn_s[32] = "na", pool_s[32] = "na";
    if (isfinite(res.attn_acc)) snprintf(attn_s, sizeof attn_s, "%.4f", (double)res.attn_acc);
    if (isfinite(res.pool_acc)) snprintf(pool_s, sizeof pool_s, "%.4f", (double)res.pool_acc);
    printf("RESULT ch=04 task=associative-recall attn_acc=%s pool_acc=%s seconds=%.1f\n", attn_s, pool_s,
           now_seconds() - t0);
    return 0;
}
