// gradcheck.h: is my backward pass right? Compare it with central differences.
//
//   dL/dw_i  ~=  (L(w + h e_i) - L(w - h e_i)) / (2h)        error O(h^2)
//
// The loss is evaluated by a callback that runs the forward pass and returns L
// as a double (accumulate it in double: the difference of two nearly equal float
// losses would otherwise be mostly rounding noise). Every entry of the parameter
// is perturbed in turn and restored afterwards.
//
// The error reported per entry is the relative error
//     |analytic - numeric| / max(|analytic|, |numeric|, floor)
// where floor stops entries whose true gradient is ~0 from dividing noise by noise.
// The step h trades truncation error (O(h^2), wants h small) against float32
// rounding in the forward pass (noise/h, wants h large); gradcheck() uses h = 1e-2
// and floor = 1e-2, which for a correct float32 backward pass on O(1) inputs and
// gradients gives max errors around 1e-4..1e-3, while a wrong one gives errors of
// order 1. Keep inputs away from kinks (ReLU at 0) by more than h. Tests assert
// < 1e-2 unless they say why another bound is right.
#ifndef COMMON_GRADCHECK_H
#define COMMON_GRADCHECK_H

#include <stddef.h>

typedef double (*GradcheckLossFn)(void *ctx);

typedef struct {
    double max_rel_err;     // worst relative error over all entries
    double max_abs_err;     // worst |analytic - numeric|
    size_t worst_index;     // entry with the worst relative error
    double worst_analytic, worst_numeric;
} GradcheckResult;

// Checks all n entries of param against analytic_grad (which the caller computed
// at the unperturbed param). loss_fn(ctx) must read param through its pointer.
GradcheckResult gradcheck_full(GradcheckLossFn loss_fn, void *ctx, float *param,
                               const float *analytic_grad, size_t n, float h, double floor);

// The usual case: h = 1e-2, floor = 1e-2; returns the max relative error.
double gradcheck(GradcheckLossFn loss_fn, void *ctx, float *param,
                 const float *analytic_grad, size_t n);

// A random "upstream gradient" loss, L = sum_i out_i * r_i, turns a check of any
// layer's backward into a check of a scalar function: d_out = r.
double weighted_sum(const float *out, const float *r, size_t n);

#endif
