// moe.h: a sparse Mixture-of-Experts feed-forward layer (Shazeer et al. 2017; GShard,
// Lepikhin et al. 2020; Switch Transformer, Fedus et al. 2021). README section 09.1.
// It replaces the FFN of a Transformer block: E experts, each chapter 06's FFN, of which
// each token uses only k.
//
//   router   z = x Wr^T                                         (N,E)  Wr (E,C), no bias
//            training with noise (Shazeer's noisy top-k):
//            z += eps * softplus(x Wn^T),  eps ~ N(0,1)                  Wn (E,C), starts at 0
//            p = softmax(z)                                     (N,E)
//   choice   e_1..e_k: the k largest z_n + b (ties: the lower index)     k = 1 Switch, 2 GShard
//            b: the balancing bias (below; 0 unless bias_rate > 0)
//            gate g_j = p_{e_j}                                          (Switch: p of the one)
//            or, renormalised, g_j = p_{e_j} / sum_l p_{e_l}            (GShard, Mixtral)
//   capacity expert e takes at most  cap = ceil(capacity_factor * k * N / E)  choices: all
//            first choices in token order, then all second choices; the rest are dropped
//            (the block's residual connection carries a dropped token on unchanged)
//   output   y_n = sum over n's kept choices j of g_j FFN_{e_j}(x_n)
//
// Dispatch and combine as real implementations do them: the kept choices are sorted by
// expert (a counting sort: count, prefix sums, place), their token rows gathered into
// one contiguous batch per expert, one dense FFN per expert over its batch, and the
// outputs scattered back, weighted by the gates. No per-token matrix products.
//
// Auxiliary losses, added to the training loss (their gradients flow in moe_backward):
//   load balancing (Switch, eq. 4)  aux = alpha * E * sum_i f_i P_i
//       f_i = share of the N k choices that picked expert i (before capacity; a count,
//             no gradient), P_i = mean over ALL N tokens of p_{n,i}
//       = alpha when f is uniform; about alpha E sum_i f_i^2 >= alpha for a confident
//       router (P close to f), so an uneven load costs more
//   router z-loss (ST-MoE, eq. 5)   zl = beta * mean_n (log sum_i exp z_{n,i})^2
//       keeps the logits small, where the softmax is not saturated and rounding is mild
// With k = 1 these are exactly Switch's and ST-MoE's; for k > 1 f counts every choice,
// so that sum_i f_i = 1 still.
//
// Balancing without a loss (Wang et al. 2024, "Auxiliary-loss-free load balancing";
// DeepSeek-V3): a bias b_i per expert, added to the logits for the CHOICE only (never to
// p, the gates, the P of the load-balancing loss or the z-loss; the f that counts the
// choices sees it), and after every training step moved against the load:
//       b_i += bias_rate * sign(mean load - load_i)
// An expert that took more than its share becomes a little harder to choose. It is not a
// parameter (no gradient): it steers which experts are chosen, not what the model
// computes with them. The trained model routes by z + b in evaluation too (as
// DeepSeek-V3 does at inference): b is part of the router. It is not in the parameter
// list, so a checkpoint would have to save it beside the tensors. Off by default
// (bias_rate 0: then b is not read at all); single process only, since every process
// would need the global load (moe_check_config refuses it with n_procs > 1).
//
// The gradients (README 09.2): d g_j = <d y_n, FFN_{e_j}(x_n)> reaches the router through
// p (and, renormalised, through the sum), aux through P_i: d aux / d p_{n,i} = alpha E f_i / N,
// zl: d zl / d z_{n,i} = beta * 2/N * lse_n * p_{n,i}.
#ifndef CH09_MOE_H
#define CH09_MOE_H

#include <stddef.h>

#include "chapters/06_seq2seq/ffn.h"
#include "common/rng.h"
#include "common/tensor.h"

enum { MOE_MAX_EXPERTS = 64 };

typedef struct {
    int E, k;                  // experts, choices per token
    float capacity_factor;     // > 0; 1.25 in Switch's experiments
    int renormalize;           // the k gates sum to 1
    int noisy;                 // Shazeer's noisy top-k while training
    float aux_coef, z_coef;    // alpha (1e-2), beta (1e-3); 0 switches a loss off
    int group_size;            // 0: capacity and balance over the whole batch; else over each
                               // run of group_size tokens (GShard's groups: one per process
                               // in expert parallelism), the load-balancing loss averaged
    float bias_rate;           // the balancing bias's step (1e-3 in DeepSeek-V3); 0: no bias
} MoeConfig;

// "" or why cfg cannot work, with n_procs processes each holding E / n_procs experts
// ("k = 3 is more than E = 2 experts", ...). Returns 0 or -1 (err filled).
int moe_check_config(const MoeConfig *cfg, int n_procs, char *err, size_t err_len);

// ceil(capacity_factor k tokens / E), at most `tokens`: the choices one expert takes
// from a group of `tokens` tokens.
int moe_capacity(float capacity_factor, int k, int tokens, int E);

typedef struct {
    MoeConfig cfg;
    int C, H;                  // model width, each expert's hidden width
    Tensor router_w;           // (E,C) "<prefix>.router.weight"
    Tensor noise_w;            // (E,C) "<prefix>.router.noise.weight", if noisy
    Ffn *experts;              // (E) "<prefix>.experts.<e>.fc1.weight", ... (GELU)
    float choice_bias[MOE_MAX_EXPERTS];   // b, moved by moe_update_bias; starts at 0
} Moe;

// The routing statistics of one forward pass.
typedef struct {
    long assigned[MOE_MAX_EXPERTS];   // choices that picked each expert (before capacity)
    long kept[MOE_MAX_EXPERTS];       // of which the expert took (at most cap)
    long choices, dropped;            // N k, and how many were dropped
    int cap;                          // the capacity of each expert
    double aux_loss, z_loss;          // with their coefficients, as added to the loss
    double router_entropy;            // mean_n -sum_i p_{n,i} log p_{n,i}, nats
} MoeStats;

typedef struct {
    int N_max, rows_max;       // capacity: tokens, expert rows (N_max k)
    int N;                     // tokens of the last forward
    float *logits, *probs;     // (N,E) z and p
    double *lse;               // (N) log sum exp z_n, for the z-loss
    float *noise_eps, *noise_r;   // (N,E) eps and x Wn^T (noisy training only)
    int used_noise;            // the last forward added noise
    int *choice;               // (N,k) expert of each choice
    float *gate;               // (N,k)
    int *row;                  // (N,k) the choice's row in the expert batches, -1 if dropped
    int expert_start[MOE_MAX_EXPERTS + 1];   // expert e's rows: [start[e], start[e+1])
    int *row_token;            // (rows) token of each row (`row` read backwards), for the
                               // tests and the reader (the loops go by token, through `row`)
    float *xin, *yout;         // (rows,C) gathered inputs, expert outputs
    float *d_xin, *d_yout;     // (rows,C)
    float *ffn_u, *ffn_a, *ffn_du, *ffn_da;   // (rows,H): the experts' FFN caches, back to back
    float *d_gate;             // (N,k)
    float *group_f;            // (groups,E) f of each group
    float *d_probs, *d_logits; // (N,E)
    int fix_routing;           // set by a test: forward keeps `choice` from the previous call
    MoeStats stats;
} MoeCache;

void moe_create(Moe *m, const char *prefix, const MoeConfig *cfg, int C, int H, Rng *rng);
void moe_free(Moe *m);
void moe_params(Moe *m, TensorList *list);   // router (and noise), then expert after expert
void moe_cache_alloc(MoeCache *c, const Moe *m, int N_max);
void moe_cache_free(MoeCache *c);

// x (N,C) -> y (N,C); fills c->stats. rng: training (noise if cfg.noisy); NULL: evaluation.
// Returns aux_loss + z_loss, the layer's contribution to the training loss.
double moe_forward(const Moe *m, MoeCache *c, float *y, const float *x, int N, Rng *rng);

// d_y (N,C) -> accumulates into every parameter's grad and into d_x (N,C): the
// gradient of <d_y, y> + aux_loss + z_loss.
void moe_backward(Moe *m, MoeCache *c, float *d_x, const float *d_y, const float *x, int N);

// The stages of moe_forward and moe_backward, which expert parallelism (moe_ep.h)
// interleaves with its all-to-all exchanges:
//   route          router, choices, gates, capacity, rows; gathers x into xin; stats and
//                  both losses
//   run_experts    yout = FFN_e(xin) for every expert's rows
//   combine        y
// and backward: combine_backward (d_yout, d_gate), run_experts_backward (d_xin),
// router_backward (d_x += the rows' d_xin, then the gates and both losses through the
// router into d_x and its grads).
void moe_route(const Moe *m, MoeCache *c, const float *x, int N, Rng *rng);
void moe_run_experts(const Moe *m, MoeCache *c);
void moe_combine(const Moe *m, MoeCache *c, float *y, int N);
void moe_combine_backward(const Moe *m, MoeCache *c, const float *d_y, int N);
void moe_run_experts_backward(Moe *m, MoeCache *c);
void moe_router_backward(Moe *m, MoeCache *c, float *d_x, const float *x, int N);

// After a training step: b_i += bias_rate * sign(mean - assigned_i) over the step's
// choices per expert (MoeStats.assigned, before capacity). Nothing when bias_rate is 0.
void moe_update_bias(Moe *m, const long *assigned);

// Multiply-adds per token of the layer: the router's E C, and k experts' 2 C H each.
double moe_macs_per_token(const Moe *m);

#endif
