// moe_ep.c: see moe_ep.h.
#include "chapters/09_moe/mpi/moe_ep.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/err.h"
#include "common/mem.h"

void moe_ep_init(MoeEp *ep, const Moe *m, int N_max, MPI_Comm comm) {
    memset(ep, 0, sizeof *ep);
    ep->comm = comm;
    MPI_Comm_rank(comm, &ep->rank);
    MPI_Comm_size(comm, &ep->P);
    char err[256];
    if (moe_check_config(&m->cfg, ep->P, err, sizeof err)) DIE("moe_ep_init: %s", err);
    ep->E_local = m->cfg.E / ep->P, ep->first = ep->rank * ep->E_local;
    // one group per process (moe_route's capacity is per group; several would need more room)
    if (m->cfg.group_size) DIE("moe_ep_init: expert parallelism takes one group per process (group_size 0)");
    int cap = moe_capacity(m->cfg.capacity_factor, m->cfg.k, N_max, m->cfg.E);
    ep->rows_max = ep->P * ep->E_local * cap + 1;
    const size_t rc = (size_t)ep->rows_max * m->C, rh = (size_t)ep->rows_max * m->H;
    ep->send_rows = xcalloc((size_t)ep->P, sizeof(int)), ep->recv_rows = xcalloc((size_t)ep->P, sizeof(int));
    ep->send_counts = xcalloc((size_t)ep->P, sizeof(int)), ep->send_displs = xcalloc((size_t)ep->P, sizeof(int));
    ep->recv_counts = xcalloc((size_t)ep->P, sizeof(int)), ep->recv_displs = xcalloc((size_t)ep->P, sizeof(int));
    ep->expert_counts = xcalloc((size_t)ep->P * ep->E_local, sizeof(int));
    ep->to_expert = xcalloc((size_t)ep->rows_max, sizeof(int));
    ep->recv = fzeros(rc), ep->ein = fzeros(rc), ep->eout = fzeros(rc), ep->d_eout = fzeros(rc), ep->d_ein = fzeros(rc);
    ep->ffn_u = fzeros(rh), ep->ffn_a = fzeros(rh), ep->ffn_du = fzeros(rh), ep->ffn_da = fzeros(rh);
}

void moe_ep_free(MoeEp *ep) {
    free(ep->send_rows), free(ep->recv_rows), free(ep->send_counts), free(ep->send_displs);
    free(ep->recv_counts), free(ep->recv_displs), free(ep->expert_counts), free(ep->to_expert);
    free(ep->recv), free(ep->ein), free(ep->eout), free(ep->d_eout), free(ep->d_ein);
    free(ep->ffn_u), free(ep->ffn_a), free(ep->ffn_du), free(ep->ffn_da);
    memset(ep, 0, sizeof *ep);
}

static FfnCache local_view(const MoeEp *ep, int e, int H) {
    size_t at = (size_t)ep->local_start[e] * H;
    FfnCache v = {.N = ep->local_start[e + 1] - ep->local_start[e],
                  .u = ep->ffn_u + at, .a = ep->ffn_a + at, .d_a = ep->ffn_da + at, .d_u = ep->ffn_du + at};
    return v;
}

// Off-process floats of one exchange (rows a process keeps are not sent anywhere).
static double bytes_off(const MoeEp *ep, const int *counts) {
    double floats = 0;
    for (int q = 0; q < ep->P; q++)
        if (q != ep->rank) floats += counts[q];
    return 4.0 * floats;
}

// dispatch: src rows (xin order) -> dst rows in expert-major order on the experts' processes
static void to_experts(MoeEp *ep, const float *src, float *dst, int C) {
    MPI_Alltoallv(src, ep->send_counts, ep->send_displs, MPI_FLOAT, ep->recv, ep->recv_counts, ep->recv_displs,
                  MPI_FLOAT, ep->comm);
    for (int i = 0; i < ep->rows_in; i++)
        memcpy(dst + (size_t)ep->to_expert[i] * C, ep->recv + (size_t)i * C, sizeof(float) * C);
    ep->bytes_step += bytes_off(ep, ep->send_counts);
}

// the reverse: expert-major rows -> back to the processes the tokens live on, xin order
static void from_experts(MoeEp *ep, const float *src, float *dst, int C) {
    for (int i = 0; i < ep->rows_in; i++)
        memcpy(ep->recv + (size_t)i * C, src + (size_t)ep->to_expert[i] * C, sizeof(float) * C);
    MPI_Alltoallv(ep->recv, ep->recv_counts, ep->recv_displs, MPI_FLOAT, dst, ep->send_counts, ep->send_displs,
                  MPI_FLOAT, ep->comm);
    ep->bytes_step += bytes_off(ep, ep->recv_counts);
}

void moe_ep_forward(MoeEp *ep, const Moe *m, MoeCache *c, float *y, const float *x, int N, Rng *rng) {
    const int P = ep->P, El = ep->E_local, C = m->C;
    moe_route(m, c, x, N, rng);
    // the kept rows per expert, E_local of them for each process: process q learns how
    // many rows each source sends to each of its experts
    int kept[MOE_MAX_EXPERTS];
    for (int e = 0; e < m->cfg.E; e++) kept[e] = (int)c->stats.kept[e];
    MPI_Alltoall(kept, El, MPI_INT, ep->expert_counts, El, MPI_INT, ep->comm);
    int sent = 0, got = 0;
    for (int q = 0; q < P; q++) {
        ep->send_rows[q] = c->expert_start[(q + 1) * El] - c->expert_start[q * El];
        ep->recv_rows[q] = 0;
        for (int e = 0; e < El; e++) ep->recv_rows[q] += ep->expert_counts[q * El + e];
        ep->send_counts[q] = ep->send_rows[q] * C, ep->send_displs[q] = sent * C;
        ep->recv_counts[q] = ep->recv_rows[q] * C, ep->recv_displs[q] = got * C;
        sent += ep->send_rows[q], got += ep->recv_rows[q];
    }
    if (got > ep->rows_max) DIE("moe_ep_forward: %d rows arrived, room for %d", got, ep->rows_max);
    ep->rows_in = got;
    // expert-major order: local expert e's rows from process 0, then from 1, ...
    ep->local_start[0] = 0;
    for (int e = 0; e < El; e++) {
        int rows = 0;
        for (int q = 0; q < P; q++) rows += ep->expert_counts[q * El + e];
        ep->local_start[e + 1] = ep->local_start[e] + rows;
    }
    int i = 0;
    for (int q = 0; q < P; q++)
        for (int e = 0; e < El; e++) {
            int before = 0;   // rows of expert e from processes before q
            for (int s = 0; s < q; s++) before += ep->expert_counts[s * El + e];
            for (int j = 0; j < ep->expert_counts[q * El + e]; j++) ep->to_expert[i++] = ep->local_start[e] + before + j;
        }
    to_experts(ep, c->xin, ep->ein, C);
    for (int e = 0; e < El; e++) {
        FfnCache v = local_view(ep, e, m->H);
        size_t at = (size_t)ep->local_start[e] * C;
        if (v.N) ffn_forward(&m->experts[ep->first + e], &v, ep->eout + at, ep->ein + at, v.N);
    }
    from_experts(ep, ep->eout, c->yout, C);
    moe_combine(m, c, y, N);
}

void moe_ep_backward(MoeEp *ep, Moe *m, MoeCache *c, float *d_x, const float *d_y, const float *x, int N) {
    const int C = m->C;
    moe_combine_backward(m, c, d_y, N);
    to_experts(ep, c->d_yout, ep->d_eout, C);
    memset(ep->d_ein, 0, sizeof(float) * (size_t)ep->local_start[ep->E_local] * C);
    for (int e = 0; e < ep->E_local; e++) {
        FfnCache v = local_view(ep, e, m->H);
        size_t at = (size_t)ep->local_start[e] * C;
        if (v.N) ffn_backward(&m->experts[ep->first + e], &v, ep->d_ein + at, ep->d_eout + at, ep->ein + at, v.N);
    }
    from_experts(ep, ep->d_ein, c->d_xin, C);
    moe_router_backward(m, c, d_x, x, N);
}

static void scale(Tensor *t, float s) {
    for (size_t i = 0; i < t->size; i++) t->grad[i] *= s;
}

void moe_ep_average_grads(MoeEp *ep, Moe *m) {
    const float inv_p = 1.0f / (float)ep->P;
    MPI_Allreduce(MPI_IN_PLACE, m->router_w.grad, (int)m->router_w.size, MPI_FLOAT, MPI_SUM, ep->comm);
    scale(&m->router_w, inv_p);
    if (m->cfg.noisy) {
        MPI_Allreduce(MPI_IN_PLACE, m->noise_w.grad, (int)m->noise_w.size, MPI_FLOAT, MPI_SUM, ep->comm);
        scale(&m->noise_w, inv_p);
    }
    for (int e = 0; e < ep->E_local; e++) {
        Ffn *f = &m->experts[ep->first + e];
        scale(&f->w1, inv_p), scale(&f->b1, inv_p), scale(&f->w2, inv_p), scale(&f->b2, inv_p);
    }
}
