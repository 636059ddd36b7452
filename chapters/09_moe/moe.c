// moe.c: the layer of moe.h: router, top-k, capacity, dispatch by counting sort, one
// FFN per expert over its rows, weighted combine, and both auxiliary losses.
#include "chapters/09_moe/moe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chapters/02_backprop/layers.h"
#include "common/err.h"
#include "common/init.h"
#include "common/mem.h"

// The per-token loops (dispatch, combine and their backward) share their tokens between
// threads only from this many floats on, chapter 02's threshold for the cross-entropy's
// rows: below it, waking the second thread costs more than the copies it would share.
#define TOKEN_LOOP_PARALLEL_MIN (1L << 16)

int moe_check_config(const MoeConfig *cfg, int n_procs, char *err, size_t err_len) {
    if (cfg->E < 1 || cfg->E > MOE_MAX_EXPERTS)
        snprintf(err, err_len, "E = %d experts: the layer takes 1 to %d", cfg->E, MOE_MAX_EXPERTS);
    else if (cfg->k < 1 || cfg->k > cfg->E)
        snprintf(err, err_len, "k = %d: each token chooses between 1 and E = %d experts", cfg->k, cfg->E);
    else if (!(cfg->capacity_factor > 0) || !isfinite(cfg->capacity_factor))
        snprintf(err, err_len, "capacity factor %g: it must be > 0 (1.0 = an even share, 1.25 = 25%% slack)",
                 (double)cfg->capacity_factor);
    else if (cfg->k == 1 && cfg->renormalize)
        snprintf(err, err_len, "top-1 with renormalised gates: the one gate is always 1, and the router would get no "
                               "gradient from the task");
    else if (n_procs < 1 || cfg->E % n_procs)
        snprintf(err, err_len, "E = %d experts cannot be shared evenly by %d processes (E must be a multiple)", cfg->E,
                 n_procs);
    else if (cfg->group_size < 0)
        snprintf(err, err_len, "group size %d: 0 (the whole batch) or a number of tokens", cfg->group_size);
    else if (cfg->aux_coef < 0 || cfg->z_coef < 0)
        snprintf(err, err_len, "the loss coefficients must be >= 0 (aux %g, z %g)", (double)cfg->aux_coef,
                 (double)cfg->z_coef);
    else if (!(cfg->bias_rate >= 0) || !isfinite(cfg->bias_rate))
        snprintf(err, err_len, "balancing bias rate %g: it must be >= 0 (0: no bias)", (double)cfg->bias_rate);
    else if (cfg->bias_rate > 0 && n_procs > 1)
        snprintf(err, err_len, "the balancing bias needs every process's load: it is not in the %d-process version",
                 n_procs);
    else return 0;
    return -1;
}

int moe_capacity(float capacity_factor, int k, int tokens, int E) {
    // the float factor carries rounding (1.1f is 1.10000002): without the epsilon,
    // ceil(1.1f x 10) would be 12, not 11
    int cap = (int)ceil((double)capacity_factor * k * tokens / E - 1e-6);
    return cap < tokens ? cap : tokens;   // an expert never gets more than every token
}

void moe_create(Moe *m, const char *prefix, const MoeConfig *cfg, int C, int H, Rng *rng) {
    char err[256], name[TENSOR_NAME_LEN];
    if (moe_check_config(cfg, 1, err, sizeof err)) DIE("moe_create: %s", err);
    m->cfg = *cfg, m->C = C, m->H = H;
    memset(m->choice_bias, 0, sizeof m->choice_bias);
    // small, std sqrt(0.1 / fan_in), as Switch (section 2.4) draws all its weights, at a
    // tenth of the usual scale: the first routing decisions are then near-uniform
    // rather than confidently arbitrary
    snprintf(name, sizeof name, "%s.router.weight", prefix);
    tensor_alloc(&m->router_w, name, 1, 2, cfg->E, C);
    init_normal(m->router_w.data, m->router_w.size, sqrtf(0.1f / (float)C), rng);
    memset(&m->noise_w, 0, sizeof m->noise_w);
    if (cfg->noisy) {   // zero: softplus(0) = ln 2, the noise starts at std 0.69 and is learnt
        snprintf(name, sizeof name, "%s.router.noise.weight", prefix);
        tensor_alloc(&m->noise_w, name, 1, 2, cfg->E, C);
    }
    m->experts = xmalloc(sizeof(Ffn) * (size_t)cfg->E);
    for (int e = 0; e < cfg->E; e++) {
        snprintf(name, sizeof name, "%s.experts.%d", prefix, e);
        ffn_create(&m->experts[e], name, C, H, 1, rng);
    }
}

void moe_free(Moe *m) {
    tensor_free(&m->router_w);
    if (m->cfg.noisy) tensor_free(&m->noise_w);
    for (int e = 0; e < m->cfg.E; e++) ffn_free(&m->experts[e]);
    free(m->experts);
    m->experts = NULL;
}

void moe_params(Moe *m, TensorList *list) {
    tensorlist_add(list, &m->router_w);
    if (m->cfg.noisy) tensorlist_add(list, &m->noise_w);
    for (int e = 0; e < m->cfg.E; e++) ffn_params(&m->experts[e], list);
}

void moe_cache_alloc(MoeCache *c, const Moe *m, int N_max) {
    const int E = m->cfg.E, k = m->cfg.k, C = m->C, H = m->H;
    memset(c, 0, sizeof *c);
    c->N_max = N_max, c->rows_max = N_max * k;
    size_t ne = (size_t)N_max * E, nk = (size_t)N_max * k, rc = (size_t)c->rows_max * C, rh = (size_t)c->rows_max * H;
    c->logits = fzeros(ne), c->probs = fzeros(ne), c->d_probs = fzeros(ne), c->d_logits = fzeros(ne);
    c->noise_eps = fzeros(ne), c->noise_r = fzeros(ne);
    c->lse = xcalloc((size_t)N_max + 1, sizeof(double));
    c->choice = xcalloc(nk + 1, sizeof(int)), c->row = xcalloc(nk + 1, sizeof(int));
    c->row_token = xcalloc((size_t)c->rows_max + 1, sizeof(int));
    c->gate = fzeros(nk), c->d_gate = fzeros(nk), c->group_f = fzeros(ne);
    c->xin = fzeros(rc), c->yout = fzeros(rc), c->d_xin = fzeros(rc), c->d_yout = fzeros(rc);
    c->ffn_u = fzeros(rh), c->ffn_a = fzeros(rh), c->ffn_du = fzeros(rh), c->ffn_da = fzeros(rh);
}

void moe_cache_free(MoeCache *c) {
    free(c->logits), free(c->probs), free(c->d_probs), free(c->d_logits), free(c->noise_eps), free(c->noise_r);
    free(c->lse), free(c->choice), free(c->row), free(c->row_token), free(c->gate), free(c->d_gate), free(c->group_f);
    free(c->xin), free(c->yout), free(c->d_xin), free(c->d_yout);
    free(c->ffn_u), free(c->ffn_a), free(c->ffn_du), free(c->ffn_da);
    memset(c, 0, sizeof *c);
}

static float softplus(float r) { return r > 20 ? r : log1pf(expf(r)); }
static float sigmoid(float r) { return 1.0f / (1.0f + expf(-r)); }

// Expert e's slice of the FFN caches: its rows are contiguous, so a view is enough.
static FfnCache expert_view(const MoeCache *c, int e, int H) {
    size_t at = (size_t)c->expert_start[e] * H;
    FfnCache v = {.N = c->expert_start[e + 1] - c->expert_start[e],
                  .u = c->ffn_u + at, .a = c->ffn_a + at, .d_a = c->ffn_da + at, .d_u = c->ffn_du + at};
    return v;
}

// The k largest of z (E of them) into out, largest first; ties go to the lower index.
static void top_k(int *out, const float *z, int E, int k) {
    for (int j = 0; j < k; j++) {
        int best = -1;
        for (int i = 0; i < E; i++) {
            int taken = 0;
            for (int l = 0; l < j; l++) taken |= out[l] == i;
            if (!taken && (best < 0 || z[i] > z[best])) best = i;
        }
        out[j] = best;
    }
}

void moe_route(const Moe *m, MoeCache *c, const float *x, int N, Rng *rng) {
    const int E = m->cfg.E, k = m->cfg.k, C = m->C;
    if (N > c->N_max) DIE("moe_forward: %d tokens, the cache holds %d", N, c->N_max);
    const int gs = m->cfg.group_size > 0 ? m->cfg.group_size : N;
    if (N % gs) DIE("moe_forward: %d tokens are not whole groups of %d", N, gs);
    const int G = N / gs;
    MoeStats *st = &c->stats;
    memset(st, 0, sizeof *st);
    c->N = N;

    // 1. router logits and probabilities
    linear_forward(c->logits, x, m->router_w.data, NULL, N, C, E);
    c->used_noise = m->cfg.noisy && rng;
    if (c->used_noise) {
        linear_forward(c->noise_r, x, m->noise_w.data, NULL, N, C, E);
        for (size_t i = 0; i < (size_t)N * E; i++) {
            c->noise_eps[i] = rng_normal(rng);
            c->logits[i] += c->noise_eps[i] * softplus(c->noise_r[i]);
        }
    }
    double entropy = 0, z_sum = 0;
    for (int n = 0; n < N; n++) {
        const float *p = c->probs + (size_t)n * E;
        c->lse[n] = softmax_row(c->probs + (size_t)n * E, c->logits + (size_t)n * E, E);
        z_sum += c->lse[n] * c->lse[n];
        for (int i = 0; i < E; i++)
            if (p[i] > 0) entropy -= (double)p[i] * log((double)p[i]);
    }
    st->router_entropy = entropy / N;

    // 2. the choices and their gates
    for (int n = 0; n < N; n++) {
        int *ch = c->choice + (size_t)n * k;
        const float *p = c->probs + (size_t)n * E;
        if (!c->fix_routing) {
            const float *z = c->logits + (size_t)n * E;
            if (m->cfg.bias_rate > 0) {   // the bias steers the choice only
                float biased[MOE_MAX_EXPERTS];
                for (int i = 0; i < E; i++) biased[i] = z[i] + m->choice_bias[i];
                top_k(ch, biased, E, k);
            } else top_k(ch, z, E, k);
        }
        double sum = 0;
        for (int j = 0; j < k; j++) sum += p[ch[j]];
        for (int j = 0; j < k; j++) c->gate[(size_t)n * k + j] = m->cfg.renormalize ? (float)(p[ch[j]] / sum) : p[ch[j]];
        for (int j = 0; j < k; j++) st->assigned[ch[j]]++;
    }

    // 3. capacity within each group, then the counting sort: the position of each kept
    // choice within its expert (group by group; in a group first choices before second
    // ones, each in token order), prefix sums, each choice's row
    st->cap = moe_capacity(m->cfg.capacity_factor, k, gs, E);
    st->choices = (long)N * k;
    int fill[MOE_MAX_EXPERTS] = {0};
    for (int g = 0; g < G; g++) {
        int in_group[MOE_MAX_EXPERTS] = {0};
        for (int j = 0; j < k; j++)
            for (int n = g * gs; n < (g + 1) * gs; n++) {
                int e = c->choice[(size_t)n * k + j];
                c->row[(size_t)n * k + j] = in_group[e] < st->cap ? (in_group[e]++, fill[e]++) : -1;
            }
    }
    c->expert_start[0] = 0;
    for (int e = 0; e < E; e++) st->kept[e] = fill[e], c->expert_start[e + 1] = c->expert_start[e] + fill[e];
    st->dropped = st->choices - c->expert_start[E];
    // the dispatch: every kept choice's token row to its place in its expert's batch
    // (each row is written once, so the tokens can be shared between threads)
#pragma omp parallel for schedule(static) if ((long)N * C >= TOKEN_LOOP_PARALLEL_MIN)
    for (int n = 0; n < N; n++)
        for (int j = 0; j < k; j++) {
            int *r = &c->row[(size_t)n * k + j];
            if (*r < 0) continue;
            *r += c->expert_start[c->choice[(size_t)n * k + j]];
            c->row_token[*r] = n;
            memcpy(c->xin + (size_t)*r * C, x + (size_t)n * C, sizeof(float) * C);
        }

    // 4. the auxiliary losses; load balancing within each group, averaged over groups
    double aux = 0;
    for (int g = 0; g < G; g++) {
        long count[MOE_MAX_EXPERTS] = {0};
        for (int n = g * gs; n < (g + 1) * gs; n++)
            for (int j = 0; j < k; j++) count[c->choice[(size_t)n * k + j]]++;
        for (int i = 0; i < E; i++) {
            double f = (double)count[i] / ((double)gs * k), P = 0;
            c->group_f[g * E + i] = (float)f;
            for (int n = g * gs; n < (g + 1) * gs; n++) P += c->probs[(size_t)n * E + i];
            aux += f * (P / gs) / G;
        }
    }
    st->aux_loss = m->cfg.aux_coef * E * aux;
    st->z_loss = m->cfg.z_coef * z_sum / N;
}

// The experts run side by side, one per thread: each reads and writes only its own rows
// and its own weights and grads, so they need no locks. With 8 experts of ~256 rows each
// the products are too small for two threads to share them well; a whole expert per
// thread meets the threads once per layer instead of once per product. The parallel
// regions inside (matmul's, GELU's, the bias loops of chapter 02's linear) are nested in
// this one, and OpenMP runs a nested region on the thread that meets it unless nesting
// is switched on (OMP_MAX_ACTIVE_LEVELS > 1, OMP_NESTED, a list in OMP_NUM_THREADS);
// matmul also checks omp_in_parallel(). Any
// thread count gives the same bits: every product is computed by one thread in the same
// order as by many. A single expert keeps the threads for its products.
void moe_run_experts(const Moe *m, MoeCache *c) {
    const int C = m->C;
#pragma omp parallel for schedule(dynamic, 1) if (m->cfg.E > 1)
    for (int e = 0; e < m->cfg.E; e++) {
        FfnCache v = expert_view(c, e, m->H);
        if (v.N) ffn_forward(&m->experts[e], &v, c->yout + (size_t)c->expert_start[e] * C,
                             c->xin + (size_t)c->expert_start[e] * C, v.N);
    }
}

void moe_combine(const Moe *m, MoeCache *c, float *y, int N) {
    const int k = m->cfg.k, C = m->C;
    memset(y, 0, sizeof(float) * (size_t)N * C);
#pragma omp parallel for schedule(static) if ((long)N * C >= TOKEN_LOOP_PARALLEL_MIN)
    for (int n = 0; n < N; n++)
        for (int j = 0; j < k; j++) {
            int r = c->row[(size_t)n * k + j];
            if (r < 0) continue;
            const float g = c->gate[(size_t)n * k + j], *out = c->yout + (size_t)r * C;
            float *yn = y + (size_t)n * C;
            for (int i = 0; i < C; i++) yn[i] += g * out[i];
        }
}

double moe_forward(const Moe *m, MoeCache *c, float *y, const float *x, int N, Rng *rng) {
    moe_route(m, c, x, N, rng);
    moe_run_experts(m, c);
    moe_combine(m, c, y, N);
    return c->stats.aux_loss + c->stats.z_loss;
}

void moe_combine_backward(const Moe *m, MoeCache *c, const float *d_y, int N) {
    const int k = m->cfg.k, C = m->C;
    memset(c->d_gate, 0, sizeof(float) * (size_t)N * k);
#pragma omp parallel for schedule(static) if ((long)N * C >= TOKEN_LOOP_PARALLEL_MIN)
    for (int n = 0; n < N; n++)
        for (int j = 0; j < k; j++) {
            int r = c->row[(size_t)n * k + j];
            if (r < 0) continue;
            const float g = c->gate[(size_t)n * k + j], *dy = d_y + (size_t)n * C, *out = c->yout + (size_t)r * C;
            float *dout = c->d_yout + (size_t)r * C, dot = 0;
            for (int i = 0; i < C; i++) dout[i] = g * dy[i], dot += dy[i] * out[i];
            c->d_gate[(size_t)n * k + j] = dot;
        }
}

void moe_run_experts_backward(Moe *m, MoeCache *c) {
    const int C = m->C;
    memset(c->d_xin, 0, sizeof(float) * (size_t)c->expert_start[m->cfg.E] * C);
#pragma omp parallel for schedule(dynamic, 1) if (m->cfg.E > 1)   // side by side, as in moe_run_experts
    for (int e = 0; e < m->cfg.E; e++) {
        FfnCache v = expert_view(c, e, m->H);
        size_t at = (size_t)c->expert_start[e] * C;
        if (v.N) ffn_backward(&m->experts[e], &v, c->d_xin + at, c->d_yout + at, c->xin + at, v.N);
    }
}

void moe_router_backward(Moe *m, MoeCache *c, float *d_x, const float *x, int N) {
    const int E = m->cfg.E, k = m->cfg.k, C = m->C;
    const int gs = m->cfg.group_size > 0 ? m->cfg.group_size : N, G = N / gs;
    // the dispatch's transpose: each row's input gradient back to its token. Shared out
    // by token, not by row (two rows of one token on two threads would race), each
    // token's rows added in row order, so any thread count gives the same sums.
#pragma omp parallel for schedule(static) if ((long)N * C >= TOKEN_LOOP_PARALLEL_MIN)
    for (int n = 0; n < N; n++) {
        int rows[MOE_MAX_EXPERTS], kept = 0;
        for (int j = 0; j < k; j++) {   // insertion sort of the kept rows (k is tiny)
            int r = c->row[(size_t)n * k + j], at = kept;
            if (r < 0) continue;
            while (at > 0 && rows[at - 1] > r) rows[at] = rows[at - 1], at--;
            rows[at] = r, kept++;
        }
        float *dx = d_x + (size_t)n * C;
        for (int l = 0; l < kept; l++) {
            const float *dxin = c->d_xin + (size_t)rows[l] * C;
            for (int i = 0; i < C; i++) dx[i] += dxin[i];
        }
    }
    // the gates into d p: g_j = p_{e_j}, or p_{e_j} / S with S = sum_l p_{e_l}, whose
    // derivative is (delta_jl - g_j) / S: d p_{e_l} = (d g_l - sum_j d g_j g_j) / S
    memset(c->d_probs, 0, sizeof(float) * (size_t)N * E);
    for (int n = 0; n < N; n++) {
        const int *ch = c->choice + (size_t)n * k;
        const float *dg = c->d_gate + (size_t)n * k, *g = c->gate + (size_t)n * k, *p = c->probs + (size_t)n * E;
        float *dp = c->d_probs + (size_t)n * E;
        if (!m->cfg.renormalize) {
            for (int j = 0; j < k; j++) dp[ch[j]] += dg[j];
            continue;
        }
        double S = 0, dot = 0;
        for (int j = 0; j < k; j++) S += p[ch[j]], dot += (double)dg[j] * g[j];
        for (int l = 0; l < k; l++) dp[ch[l]] += (float)((dg[l] - dot) / S);
    }
    // load balancing: d aux / d p_{n,i} = alpha E f_{g,i} / (gs G), g the token's group
    // (f is a count: no gradient)
    if (m->cfg.aux_coef > 0)
        for (int n = 0; n < N; n++) {
            const float *f = c->group_f + (size_t)(n / gs) * E;
            for (int i = 0; i < E; i++)
                c->d_probs[(size_t)n * E + i] += (float)(m->cfg.aux_coef * E * f[i] / ((double)gs * G));
        }
    // softmax: d z_i = p_i (d p_i - sum_l p_l d p_l); z-loss: + beta 2/N lse_n p_i
    for (int n = 0; n < N; n++) {
        const float *p = c->probs + (size_t)n * E, *dp = c->d_probs + (size_t)n * E;
        float *dz = c->d_logits + (size_t)n * E;
        double dot = 0;
        for (int i = 0; i < E; i++) dot += (double)p[i] * dp[i];
        const double zgrad = m->cfg.z_coef * 2.0 / N * c->lse[n];
        for (int i = 0; i < E; i++) dz[i] = (float)(p[i] * (dp[i] - dot) + zgrad * p[i]);
    }
    linear_backward(d_x, m->router_w.grad, NULL, c->d_logits, x, m->router_w.data, N, C, E);
    if (c->used_noise) {   // z += eps softplus(r): d r = d z eps sigmoid(r)
        for (size_t i = 0; i < (size_t)N * E; i++) c->d_logits[i] *= c->noise_eps[i] * sigmoid(c->noise_r[i]);
        linear_backward(d_x, m->noise_w.grad, NULL, c->d_logits, x, m->noise_w.data, N, C, E);
    }
}

void moe_backward(Moe *m, MoeCache *c, float *d_x, const float *d_y, const float *x, int N) {
    moe_combine_backward(m, c, d_y, N);
    moe_run_experts_backward(m, c);
    moe_router_backward(m, c, d_x, x, N);
}

void moe_update_bias(Moe *m, const long *assigned) {
    const int E = m->cfg.E;
    if (!(m->cfg.bias_rate > 0)) return;
    long total = 0;
    for (int i = 0; i < E; i++) total += assigned[i];
    // the sign, not the size, of the error: a fixed step whatever the batch, so the bias
    // moves at most bias_rate a step and cannot overshoot far. load_i against the mean
    // total / E, compared as E load_i against total: exact, so an expert at the mean
    // stays where it is.
    for (int i = 0; i < E; i++) {
        const long scaled = (long)E * assigned[i];
        if (scaled < total) m->choice_bias[i] += m->cfg.bias_rate;
        else if (scaled > total) m->choice_bias[i] -= m->cfg.bias_rate;
    }
}

double moe_macs_per_token(const Moe *m) {
    return (double)m->cfg.E * m->C + (double)m->cfg.k * 2.0 * m->C * m->H;   // evaluation: no noise
}
