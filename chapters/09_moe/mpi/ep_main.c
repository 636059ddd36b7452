// ch09_ep: expert parallelism over MPI processes (README section 09.6).
//
//   mpirun -np 2 build/bin/ch09_ep --check     the distributed layer against one process
//   mpirun -np 2 build/bin/ch09_ep --bytes     bytes per step, measured and by formula,
//                                              for capacity factors 0.5 to 2 and k = 1, 2
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/09_moe/mpi/moe_ep.h"
#include "common/cli.h"
#include "common/mem.h"
#include "common/timer.h"

typedef struct {
    int check, bytes, tokens, width, ffn, experts, k, seed, renorm;
    float capacity;
} Opts;

static void fill_normal(float *x, size_t n, float std, Rng *rng) {
    for (size_t i = 0; i < n; i++) x[i] = std * rng_normal(rng);
}

// Every process builds the same full layer (the same seed); expert parallelism then
// uses only its own experts. The router is drawn with std 1 so that the choices are
// confident and uneven, and some experts overflow.
static void make_layer(Moe *m, const Opts *o, int group_size) {
    Rng rng;
    rng_seed(&rng, (uint64_t)o->seed);
    MoeConfig cfg = {.E = o->experts, .k = o->k, .capacity_factor = o->capacity, .renormalize = o->renorm,
                     .aux_coef = 0.1f, .z_coef = 0.01f, .group_size = group_size};
    moe_create(m, "moe", &cfg, o->width, o->ffn, &rng);
    fill_normal(m->router_w.data, m->router_w.size, 1.0f, &rng);
}

static double max_rel(const float *a, const float *b, size_t n) {
    double diff = 0, scale = 1e-6;
    for (size_t i = 0; i < n; i++) diff = fmax(diff, fabs((double)a[i] - b[i])), scale = fmax(scale, fabs((double)b[i]));
    return diff / scale;
}

// The distributed layer against the one-process layer over all P groups: outputs, both
// losses, the gradients of the router, of every local expert and of the inputs.
static int check(const Opts *o, int rank, int P) {
    const int N = o->tokens, C = o->width, NT = N * P;
    Rng rng;
    rng_seed(&rng, (uint64_t)o->seed + 100);
    float *x_all = fzeros((size_t)NT * C), *r_all = fzeros((size_t)NT * C);
    fill_normal(x_all, (size_t)NT * C, 1, &rng), fill_normal(r_all, (size_t)NT * C, 1, &rng);
    const float *x = x_all + (size_t)rank * N * C, *r = r_all + (size_t)rank * N * C;

    Moe m, ref;
    make_layer(&m, o, 0), make_layer(&ref, o, N);   // the reference: P groups of N tokens
    MoeCache c, rc;
    moe_cache_alloc(&c, &m, N), moe_cache_alloc(&rc, &ref, NT);
    MoeEp ep;
    moe_ep_init(&ep, &m, N, MPI_COMM_WORLD);
    float *y = fzeros((size_t)N * C), *d_x = fzeros((size_t)N * C);
    moe_ep_forward(&ep, &m, &c, y, x, N, NULL);
    moe_ep_backward(&ep, &m, &c, d_x, r, x, N);
    moe_ep_average_grads(&ep, &m);
    double losses[2] = {c.stats.aux_loss / P, c.stats.z_loss / P};
    MPI_Allreduce(MPI_IN_PLACE, losses, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);

    float *y_ref = fzeros((size_t)NT * C), *dx_ref = fzeros((size_t)NT * C), *r_scaled = fzeros((size_t)NT * C);
    moe_forward(&ref, &rc, y_ref, x_all, NT, NULL);
    for (size_t i = 0; i < (size_t)NT * C; i++) r_scaled[i] = r_all[i] / (float)P;   // d of the mean of the losses
    moe_backward(&ref, &rc, dx_ref, r_scaled, x_all, NT);
    for (size_t i = 0; i < (size_t)N * C; i++) d_x[i] /= (float)P;   // L = mean_q L_q: d L / d x = d L_q / d x / P

    double worst = 0, e;
    const char *what = "";
#define WORST(expr, name) \
    if ((e = (expr)) > worst) worst = e, what = (name)
    WORST(max_rel(y, y_ref + (size_t)rank * N * C, (size_t)N * C), "y");
    WORST(max_rel(d_x, dx_ref + (size_t)rank * N * C, (size_t)N * C), "d_x");
    WORST(fabs(losses[0] - rc.stats.aux_loss) / fmax(rc.stats.aux_loss, 1e-12), "aux loss");
    WORST(fabs(losses[1] - rc.stats.z_loss) / fmax(rc.stats.z_loss, 1e-12), "z-loss");
    WORST(max_rel(m.router_w.grad, ref.router_w.grad, m.router_w.size), "router grad");
    for (int el = 0; el < ep.E_local; el++) {
        const Ffn *f = &m.experts[ep.first + el], *g = &ref.experts[ep.first + el];
        WORST(max_rel(f->w1.grad, g->w1.grad, f->w1.size), "expert fc1 grad");
        WORST(max_rel(f->w2.grad, g->w2.grad, f->w2.size), "expert fc2 grad");
        WORST(max_rel(f->b1.grad, g->b1.grad, f->b1.size), "expert fc1 bias grad");
        WORST(max_rel(f->b2.grad, g->b2.grad, f->b2.size), "expert fc2 bias grad");
    }
#undef WORST
    double all_worst = worst;
    MPI_Allreduce(MPI_IN_PLACE, &all_worst, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    long dropped = c.stats.dropped;
    MPI_Allreduce(MPI_IN_PLACE, &dropped, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    const double tol = 1e-4;
    printf("process %d of %d: experts %d..%d, %d tokens, worst relative difference %.2e (%s)\n", rank, P, ep.first,
           ep.first + ep.E_local - 1, N, worst, what);
    fflush(stdout);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        printf("reference: one process, %d groups of %d tokens: %ld of %ld choices dropped (the check wants some)\n", P,
               N, rc.stats.dropped, rc.stats.choices);
        printf("%s: distributed = one process within %.0e (worst %.2e)\n", all_worst < tol && dropped > 0 ? "PASS" : "FAIL",
               tol, all_worst);
        printf("RESULT ch=09 task=ep-check processes=%d experts=%d k=%d worst_rel=%.3e dropped=%ld pass=%d\n", P,
               o->experts, o->k, all_worst, dropped, all_worst < tol && dropped > 0);
    }
    free(x_all), free(r_all), free(y), free(d_x), free(y_ref), free(dx_ref), free(r_scaled);
    moe_ep_free(&ep), moe_cache_free(&c), moe_cache_free(&rc), moe_free(&m), moe_free(&ref);
    return all_worst < tol && dropped > 0 ? 0 : 1;
}

// Bytes one process sends to the others in a training step (the layer's four
// exchanges), measured, against 4 exchanges x k N (1 - drop) (P-1)/P rows x 4C bytes.
static void bytes_table(Opts o, int rank, int P) {
    const float factors[] = {0.5f, 1.0f, 1.25f, 2.0f};
    if (rank == 0)
        printf("%d processes, %d tokens each, C = %d, E = %d: bytes one process sends per step (forward + backward)\n"
               "%-3s %-9s %9s %14s %14s %8s %10s\n",
               P, o.tokens, o.width, o.experts, "k", "capacity", "dropped", "measured (MB)", "formula (MB)", "ratio",
               "ms/step");
    double last_ratio = 0;
    for (int k = 1; k <= 2; k++)
        for (int f = 0; f < 4; f++) {
            o.k = k, o.capacity = factors[f], o.renorm = k > 1;
            Moe m;
            make_layer(&m, &o, 0);
            for (size_t i = 0; i < m.router_w.size; i++) m.router_w.data[i] *= 0.3f;   // milder routing
            MoeCache c;
            moe_cache_alloc(&c, &m, o.tokens);
            MoeEp ep;
            moe_ep_init(&ep, &m, o.tokens, MPI_COMM_WORLD);
            Rng rng;
            rng_seed(&rng, (uint64_t)o.seed + 200 + (uint64_t)rank);
            float *x = fzeros((size_t)o.tokens * o.width), *y = fzeros((size_t)o.tokens * o.width);
            float *d_x = fzeros((size_t)o.tokens * o.width);
            fill_normal(x, (size_t)o.tokens * o.width, 1, &rng);
            MPI_Barrier(MPI_COMM_WORLD);
            double t0 = now_seconds();
            ep.bytes_step = 0;
            moe_ep_forward(&ep, &m, &c, y, x, o.tokens, NULL);
            moe_ep_backward(&ep, &m, &c, d_x, y, x, o.tokens);
            double ms = 1e3 * (now_seconds() - t0);
            double drop = (double)c.stats.dropped / (double)c.stats.choices;
            double formula = 4.0 * k * o.tokens * (1 - drop) * (P - 1) / P * 4.0 * o.width;
            double v[3] = {ep.bytes_step / P, formula / P, ms / P};
            double drops = drop / P;
            MPI_Allreduce(MPI_IN_PLACE, v, 3, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            MPI_Allreduce(MPI_IN_PLACE, &drops, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
            last_ratio = v[0] / v[1];
            if (rank == 0)
                printf("%-3d %-9.2f %8.1f%% %14.2f %14.2f %8.3f %10.1f\n", k, (double)factors[f], 100 * drops, v[0] / 1e6,
                       v[1] / 1e6, v[0] / v[1], v[2]);
            free(x), free(y), free(d_x);
            moe_ep_free(&ep), moe_cache_free(&c), moe_free(&m);
        }
    if (rank == 0)
        printf("(means over the processes; measured / formula differs from 1 where the routing is uneven: the\n"
               " formula assumes each process's kept rows spread evenly over the others)\n"
               "RESULT ch=09 task=ep-bytes processes=%d tokens=%d width=%d experts=%d last_ratio=%.3f\n",
               P, o.tokens, o.width, o.experts, last_ratio);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, P;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &P);
    Opts o = {.tokens = 48, .width = 12, .ffn = 16, .experts = 4, .k = 2, .seed = 1, .renorm = 1, .capacity = 0.75f};
    Flag flags[] = {
        {"check", FLAG_BOOL, &o.check, "compare the distributed layer with one process (exit status 1 if they differ)"},
        {"bytes", FLAG_BOOL, &o.bytes, "measure the bytes sent per step for capacity factors 0.5..2, k = 1 and 2"},
        {"tokens", FLAG_INT, &o.tokens, "tokens per process"},
        {"width", FLAG_INT, &o.width, "model width C"},
        {"ffn", FLAG_INT, &o.ffn, "each expert's hidden width"},
        {"experts", FLAG_INT, &o.experts, "experts E (a multiple of the number of processes)"},
        {"k", FLAG_INT, &o.k, "experts per token (--check)"},
        {"capacity", FLAG_FLOAT, &o.capacity, "capacity factor (--check)"},
        {"renorm", FLAG_INT, &o.renorm, "renormalise the k gates (1) or not (0) (--check)"},
        {"seed", FLAG_INT, &o.seed, "random seed"},
    };
    // --bytes alone measures a chapter-sized layer; its defaults go before the flags, so
    // that --tokens, --width, --ffn and --experts given beside it win
    if (cli_flag_given(argc, argv, "bytes") && !cli_flag_given(argc, argv, "check"))
        o.tokens = 2048, o.width = 256, o.ffn = 1024, o.experts = 8;
    cli_parse(argc, argv, flags, (int)(sizeof flags / sizeof flags[0]),
              "ch09_ep: expert parallelism over MPI processes (run with mpirun -np P)");
    MoeConfig cfg = {.E = o.experts, .k = o.k, .capacity_factor = o.capacity};
    char err[256];
    if (moe_check_config(&cfg, P, err, sizeof err)) {
        if (rank == 0) fprintf(stderr, "error: %s (see --help)\n", err);
        MPI_Finalize();
        return 2;
    }
    int status = 0;
    if (o.check) status = check(&o, rank, P);
    if (o.bytes) bytes_table(o, rank, P);
    if (!o.check && !o.bytes && rank == 0) fprintf(stderr, "nothing to do: --check or --bytes (see --help)\n");
    MPI_Finalize();
    return status;
}
