// chA1: how a matrix multiply gets fast. Two experiments:
//   roofline  this core's peak FLOP/s and memory bandwidth, measured, which bound
//             every kernel below
//   steps     GFLOP/s of the six steps of steps.h (naive -> loop order -> tiles ->
//             packing + micro-kernel -> intrinsics -> threads) for square n x n
//             products, each checked against the last one
// The building blocks are steps.c, roofline.c and common/matmul.c; this file parses
// flags, runs the experiments and writes figures and metrics.csv into --out.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/A1_fast_matmul/roofline.h"
#include "chapters/A1_fast_matmul/steps.h"
#include "common/cli.h"
#include "common/err.h"
#include "common/io.h"
#include "common/matmul.h"
#include "common/mem.h"
#include "common/rng.h"
#include "common/svg.h"
#include "common/timer.h"

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct {
    CommonOpts common;
    const char *experiment;
    int max_n, naive_max_n;
} Opts;

enum { MAX_SIZES = 8 };

typedef struct {
    double peak, bw_l2, bw_mem;         // GFLOP/s, GB/s, GB/s
    int n_sizes, sizes[MAX_SIZES];
    double gflops[N_STEPS][MAX_SIZES];  // NAN where a step was skipped
} Results;

static const char *out_path(char *buf, size_t n, const Opts *o, const char *name) {
    return path_join(buf, n, o->common.out, name);
}

static int threads_available(void) {
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

// ---- roofline --------------------------------------------------------------------------

static void experiment_roofline(const Opts *o, FILE *csv, Results *res) {
    printf("\n== roofline: what one core can do at most ==\n");
    res->peak = roofline_peak_gflops(o->common.quick ? 0.2 : 1.0);
    // L2-resident: three arrays of 64K floats, 768 KiB in all (L2 is 2 MiB per core on
    // the machine of the README's numbers). Memory: three arrays of 64M floats, 768 MiB,
    // three times that machine's 260 MiB L3; 192 MiB with --quick, which a large L3
    // may still partly hold (the printout says which size was used).
    const size_t mem_floats = (size_t)1 << (o->common.quick ? 24 : 26);
    res->bw_l2 = roofline_bandwidth_gbs((size_t)1 << 16, 200);
    res->bw_mem = roofline_bandwidth_gbs(mem_floats, o->common.quick ? 2 : 5);
    printf("peak, 1 core        %8.1f GFLOP/s  (independent FMA chains, full vector width)\n", res->peak);
    printf("bandwidth, L2       %8.1f GB/s     (triad on 768 KiB)\n", res->bw_l2);
    printf("bandwidth, memory   %8.1f GB/s     (triad on %zu MiB)\n", res->bw_mem, 3 * mem_floats * 4 >> 20);
    printf("machine balance     %8.1f flops per byte from memory: a kernel needs at least\n"
           "                             this many flops per byte it moves to be compute-bound\n",
           res->peak / res->bw_mem);
    fprintf(csv, "roofline,peak,1,gflops,%.6g\nroofline,bw_l2,1,gbs,%.6g\nroofline,bw_mem,1,gbs,%.6g\n", res->peak,
            res->bw_l2, res->bw_mem);
}

// ---- steps -----------------------------------------------------------------------------

// The fastest of repeated runs, at least 2 and for at least min_time seconds: the
// minimum is the run least disturbed by the rest of the machine.
static double best_seconds(int step, float *C, const float *A, const float *B, int n, double min_time) {
    double start = now_seconds(), best = INFINITY;
    for (int reps = 0; reps < 2 || now_seconds() - start < min_time; reps++) {
        double t0 = now_seconds();
        step_run(step, C, A, B, n, n, n);
        best = fmin(best, now_seconds() - t0);
    }
    return best;
}

static void experiment_steps(const Opts *o, FILE *csv, Results *res) {
    const int max_n = o->max_n > 0 ? o->max_n : (o->common.quick ? 512 : 2048);
    const int naive_max = o->naive_max_n > 0 ? o->naive_max_n : 1024;
    const double min_time = o->common.quick ? 0.05 : 0.3;
    const MatmulKernel *kernels;
    int n_kernels = matmul_kernels(&kernels);
    printf("\n== steps: C = A B for n x n matrices, GFLOP/s (2 n^3 flops / best time) ==\n");
    printf("micro-kernels in this build: ");
    for (int k = 0; k < n_kernels; k++) printf("%s%s", kernels[k].name, k + 1 < n_kernels ? ", " : "\n");
    printf("threads for step 6: %d\n\n", threads_available());
    printf("%6s", "n");
    for (int s = 1; s <= N_STEPS; s++) printf(" | %20s", step_name(s));
    printf(" | max rel. error\n");
    Rng rng;
    rng_seed(&rng, (uint64_t)o->common.seed * 13u + 1);
    res->n_sizes = 0;
    for (int n = 64; n <= max_n && res->n_sizes < MAX_SIZES; n *= 2) {
        const int si = res->n_sizes++;
        res->sizes[si] = n;
        size_t nn = (size_t)n * n;
        float *A = xmalloc(sizeof(float) * nn), *B = xmalloc(sizeof(float) * nn);
        float *C = fzeros(nn), *ref = fzeros(nn);
        for (size_t i = 0; i < nn; i++) A[i] = rng_uniform(&rng) - 0.5f, B[i] = rng_uniform(&rng) - 0.5f;
        step_run(N_STEPS, ref, A, B, n, n, n);
        double ref_max = 0, worst = 0;
        for (size_t i = 0; i < nn; i++) ref_max = fmax(ref_max, fabs(ref[i]));
        printf("%6d", n);
        for (int s = 1; s <= N_STEPS; s++) {
            // steps 1-2 stream B from memory once per row of C: past naive_max they take
            // minutes and show nothing new
            if (s <= 2 && n > naive_max) {
                res->gflops[s - 1][si] = NAN;
                printf(" | %20s", "(skipped)");
                continue;
            }
            double t = best_seconds(s, C, A, B, n, min_time);
            double g = 2.0 * n * (double)n * n / t / 1e9;
            res->gflops[s - 1][si] = g;
            // every step computes the same product: compare with step 6, relative to
            // the largest entry (the entries are sums of n terms of either sign)
            for (size_t i = 0; i < nn; i++) worst = fmax(worst, fabs((double)C[i] - ref[i]) / ref_max);
            printf(" | %20.2f", g);
            fprintf(csv, "steps,%d,%d,gflops,%.6g\n", s, n, g);
        }
        printf(" | %.1e\n", worst);
        fflush(stdout);
        if (worst > 1e-4) DIE("n=%d: a step disagrees with step 6 by %.3g of the largest entry", n, worst);
        free(A), free(B), free(C), free(ref);
    }
}

static void write_figures(const Opts *o, const Results *res) {
    char path[4096];
    float xs[MAX_SIZES], ys[N_STEPS][MAX_SIZES], peak[MAX_SIZES];
    char labels[N_STEPS][64];
    SvgSeries series[N_STEPS + 1];
    for (int i = 0; i < res->n_sizes; i++) xs[i] = (float)res->sizes[i], peak[i] = (float)res->peak;
    for (int s = 0; s < N_STEPS; s++) {
        for (int i = 0; i < res->n_sizes; i++) ys[s][i] = (float)res->gflops[s][i];
        snprintf(labels[s], sizeof labels[s], "%s", step_name(s + 1));
        series[s] = (SvgSeries){labels[s], xs, ys[s], res->n_sizes};
    }
    series[N_STEPS] = (SvgSeries){"peak of one core (measured)", xs, peak, res->n_sizes};
    SvgPlot p = {.title = "From the triple loop to a micro-kernel: C = A B, n x n",
                 .xlabel = "n (log scale)", .ylabel = "GFLOP/s (log scale)", .log_x = 1, .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "steps.svg"), &p, series, res->peak > 0 ? N_STEPS + 1 : N_STEPS);

    // The staircase at the largest n every step ran at.
    int at = res->n_sizes - 1;
    while (at > 0 && isnan(res->gflops[0][at])) at--;
    float bars[N_STEPS];
    const char *bar_labels[N_STEPS];
    for (int s = 0; s < N_STEPS; s++) bars[s] = (float)res->gflops[s][at], bar_labels[s] = labels[s];
    char title[128];
    snprintf(title, sizeof title, "GFLOP/s of each step at n = %d", res->sizes[at]);
    SvgPlot pb = {.title = title, .ylabel = "GFLOP/s (log scale)", .log_y = 1};
    svg_bar_chart(out_path(path, sizeof path, o, "staircase.svg"), &pb, bar_labels, bars, N_STEPS);

    // The roofline (A1.1): attainable = min(peak, I * bandwidth), for L2 and for memory,
    // and steps 1-5 at the arithmetic intensity the README's model gives them: bytes
    // from beyond L1 per flop of the innermost loop (one 64-byte line of B per
    // multiply-add; 4 bytes of B per multiply-add; 4 bytes per MR*NR/(MR+NR) multiply-
    // adds with a register tile). One core, so step 6 is not on it.
    if (!(res->peak > 0 && res->bw_l2 > 0 && res->bw_mem > 0)) return;
    enum { N_ROOF = 41 };
    float xi[N_ROOF], roof_l2[N_ROOF], roof_mem[N_ROOF];
    for (int i = 0; i < N_ROOF; i++) {
        xi[i] = powf(10.0f, -2.0f + 4.0f * (float)i / (N_ROOF - 1));   // 0.01 .. 100 flops per byte
        roof_l2[i] = fminf((float)res->peak, xi[i] * (float)res->bw_l2);
        roof_mem[i] = fminf((float)res->peak, xi[i] * (float)res->bw_mem);
    }
    const MatmulKernel *kernels;
    int nk = matmul_kernels(&kernels);
    const MatmulKernel *portable = &kernels[nk - 1], *best = &kernels[0];
    float step_x[5] = {2.0f / 64, 0.5f, 0.5f,
                       0.5f * portable->mr * portable->nr / (portable->mr + portable->nr),
                       0.5f * best->mr * best->nr / (best->mr + best->nr)};
    float step_y[5][1];
    SvgSeries rs[7] = {{"L2 roof (measured bandwidth)", xi, roof_l2, N_ROOF},
                       {"memory roof (measured bandwidth)", xi, roof_mem, N_ROOF}};
    for (int s = 0; s < 5; s++) {
        step_y[s][0] = (float)res->gflops[s][at];
        rs[2 + s] = (SvgSeries){labels[s], &step_x[s], step_y[s], 1};
    }
    snprintf(title, sizeof title, "Roofline of one core, steps 1-5 at n = %d", res->sizes[at]);
    SvgPlot pr = {.title = title, .xlabel = "flops per byte from beyond L1 (log scale)",
                  .ylabel = "GFLOP/s (log scale)", .log_x = 1, .log_y = 1};
    svg_line_plot(out_path(path, sizeof path, o, "roofline.svg"), &pr, rs, 7);
}

int main(int argc, char **argv) {
    double t0 = now_seconds();
    Opts o = {.common = {.seed = 1, .out = "build/out/chA1"}, .experiment = "all"};
    Flag flags[] = {
        COMMON_FLAGS(o.common),
        {"experiment", FLAG_STRING, &o.experiment, "all, roofline or steps"},
        {"max-n", FLAG_INT, &o.max_n, "steps: largest n, a power of two from 64 (0: 2048, 512 with --quick)"},
        {"naive-max-n", FLAG_INT, &o.naive_max_n, "steps: largest n for steps 1-2 (0: 1024)"},
    };
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "chA1: fast matrix multiplication -- the roofline of one core, and six steps from the\n"
              "triple loop to common/matmul.c. Threads for step 6: OMP_NUM_THREADS.\n"
              "All data is random: --data is accepted but not used.");
    int all = strcmp(o.experiment, "all") == 0;
    cli_require(all || strcmp(o.experiment, "roofline") == 0 || strcmp(o.experiment, "steps") == 0,
                "--experiment must be all, roofline or steps, not '%s'", o.experiment);
    cli_require(o.max_n == 0 || (o.max_n >= 64 && o.max_n <= 8192 && (o.max_n & (o.max_n - 1)) == 0),
                "--max-n must be a power of two in 64..8192");
    cli_require(o.naive_max_n >= 0 && o.naive_max_n <= 4096, "--naive-max-n must be in 0..4096");
    if (o.common.data) fprintf(stderr, "note: --data is not used by chapter A1 (its matrices are random)\n");
    if (make_dirs(o.common.out) != 0) DIE("%s: cannot create the output directory", o.common.out);

    char path[4096], err[1024];
    AtomicFile csv;
    if (atomic_open(&csv, out_path(path, sizeof path, &o, "metrics.csv"), err, sizeof err) != 0) DIE("%s", err);
    fprintf(csv.fp, "experiment,run,x,metric,value\n");
    Results res = {.peak = NAN, .bw_l2 = NAN, .bw_mem = NAN};
    if (all || strcmp(o.experiment, "roofline") == 0) experiment_roofline(&o, csv.fp, &res);
    if (all || strcmp(o.experiment, "steps") == 0) {
        experiment_steps(&o, csv.fp, &res);
        write_figures(&o, &res);
    }
    if (atomic_commit(&csv, err, sizeof err) != 0) fprintf(stderr, "warning: %s\n", err);
    printf("\nfigures and metrics.csv in %s\n", o.common.out);

    // RESULT: each step's GFLOP/s at the largest n, and the final one-core kernel as a
    // fraction of the measured peak.
    printf("RESULT ch=A1 task=sgemm");
    if (res.n_sizes > 0) {
        int last = res.n_sizes - 1;
        printf(" n=%d", res.sizes[last]);
        for (int s = 0; s < N_STEPS; s++) {
            if (isnan(res.gflops[s][last])) printf(" step%d=na", s + 1);
            else printf(" step%d=%.2f", s + 1, res.gflops[s][last]);
        }
        if (isfinite(res.peak)) printf(" pct_peak_1core=%.0f", 100.0 * res.gflops[4][last] / res.peak);
    }
    if (isfinite(res.peak)) printf(" peak_gflops=%.1f bw_gbs=%.1f", res.peak, res.bw_mem);
    printf(" seconds=%.1f\n", now_seconds() - t0);
    return 0;
}
