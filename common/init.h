// init.h: weight initialisers. Chapter 02 shows why they matter (vanishing and
// exploding activations in a deep MLP); these are the formulas it derives.
#ifndef COMMON_INIT_H
#define COMMON_INIT_H

#include <stddef.h>

#include "common/rng.h"
#include "common/tensor.h"

void init_fill(float *w, size_t n, float value);
void init_uniform(float *w, size_t n, float lo, float hi, Rng *rng);
void init_normal(float *w, size_t n, float std, Rng *rng);
// Xavier/Glorot (2010): U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), keeps the
// variance of activations and gradients near 1 through tanh/linear layers.
void init_xavier_uniform(float *w, size_t n, int fan_in, int fan_out, Rng *rng);
// He/Kaiming (2015): N(0, 2 / fan_in), compensates for ReLU zeroing half its inputs.
void init_he_normal(float *w, size_t n, int fan_in, Rng *rng);

// A named parameter with a gradient buffer, as the layers of chapters 04-06 create
// them: cols > 0 gives a (rows, cols) weight in PyTorch's (out, in) layout, Xavier-
// uniform with fan_in = cols, fan_out = rows; cols == 0 gives a (rows) bias of zeros.
void init_param(Tensor *t, const char *name, int rows, int cols, Rng *rng);

#endif
