// moe_ep.h: expert parallelism with MPI (GShard, Lepikhin et al. 2020; Switch,
// Fedus et al. 2021). README section 09.6. Built only where mpicc is (make; the rest of
// the book never needs MPI).
//
// P processes, each with its own tokens (a group: capacity and balance are per
// process, moe.h's group_size) and E/P of the experts: process q holds experts
// [q E/P, (q+1) E/P). The router is replicated. One forward pass:
//
//   route locally (moe_route): the kept choices sorted by expert, so the rows for
//     process q's experts are one contiguous block of xin
//   all-to-all the counts (how many rows for each of q's experts), then
//   all-to-all-v the rows: q receives, from every process, rows for its experts
//   reorder them expert-major (all of expert e's rows, from every source, together):
//     one dense FFN per local expert over its rows
//   the reverse: reorder source-major, all-to-all-v back into yout, combine locally
//
// Backward: the same two exchanges in the same directions, carrying d yout to the
// experts and d xin back. The gradients are those of the MEAN of the processes' losses
// (sum_q L_q / P), as data parallelism averages: every replicated tensor (router,
// attention...) is all-reduced and divided by P, and each expert's gradient, which
// already sums every process's tokens, is divided by P.
//
// Bytes: every row is C floats; the rows a process sends to itself never leave it and
// are not counted. Uniform routing, no drops: a process sends (P-1)/P of its k N kept
// rows and receives as many back, in each of the four exchanges of a step.
#ifndef CH09_MOE_EP_H
#define CH09_MOE_EP_H

#include <mpi.h>

#include "chapters/09_moe/moe.h"

typedef struct {
    MPI_Comm comm;
    int rank, P;
    int E_local, first;            // this process's experts: [first, first + E_local)
    int rows_max;                  // rows it can receive: P E_local cap
    int *send_rows, *recv_rows;    // (P) rows to / from each process
    int *send_counts, *send_displs, *recv_counts, *recv_displs;   // (P) in floats
    int *expert_counts;            // (P, E_local): rows from process q for local expert e
    int local_start[MOE_MAX_EXPERTS + 1];   // local expert e's rows in the expert-major buffers
    int *to_expert;                // (rows_in) received row i -> its expert-major row
    int rows_in;
    float *recv, *ein, *eout, *d_eout, *d_ein;   // (rows_max, C)
    float *ffn_u, *ffn_a, *ffn_du, *ffn_da;      // (rows_max, H)
    double bytes_step;             // bytes this process sent to others in the last forward + backward
} MoeEp;

// m: the full layer (router and, at least, this process's experts), with group_size 0
// (each process's tokens are its one group); N_max: the most tokens a process routes in
// one call. Every process routes the same number of tokens in a call: the averaged
// gradients are then those of the mean loss over all tokens.
void moe_ep_init(MoeEp *ep, const Moe *m, int N_max, MPI_Comm comm);
void moe_ep_free(MoeEp *ep);

// x (N,C) this process's tokens -> y (N,C); c->stats: this process's. The caller zeroes
// bytes_step before a step.
void moe_ep_forward(MoeEp *ep, const Moe *m, MoeCache *c, float *y, const float *x, int N, Rng *rng);
// Accumulates into d_x and the grads of the router and of this process's experts: the
// gradient of <d_y, y> + aux + z of this process (average afterwards: moe_ep_average_grads).
void moe_ep_backward(MoeEp *ep, Moe *m, MoeCache *c, float *d_x, const float *d_y, const float *x, int N);
// The mean over the processes: the router's grads all-reduced / P, the local experts' / P.
void moe_ep_average_grads(MoeEp *ep, Moe *m);

#endif
